# The web application (gunicorn + whitenoise) with WeasyPrint's libraries and the CJK fonts.
FROM python:3.12-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_PYTHON_DOWNLOADS=never \
    UV_COMPILE_BYTECODE=1 \
    UV_PROJECT_ENVIRONMENT=/opt/venv \
    PATH=/opt/venv/bin:$PATH

RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk fonts-dejavu-core postgresql-client \
 && rm -rf /var/lib/apt/lists/* \
 && pip install --no-cache-dir uv

WORKDIR /app
COPY pyproject.toml uv.lock .python-version ./
# `--build-arg EXTRAS="--extra s3"` adds django-storages for an S3-compatible file store.
ARG EXTRAS=""
RUN uv sync --frozen --no-dev --no-install-project $EXTRAS

COPY . .
# Bytecode made once here (the libraries' by uv sync): with PYTHONDONTWRITEBYTECODE every
# process, each manage.py command and server worker, would otherwise compile the sources
# again at start (about two seconds).
RUN python -m compileall -q /app/assessments /app/config
# The static files and the PDF print fonts (cut from fonts-noto-cjk into /app/.fonts).
RUN export DJANGO_DEBUG=0 DJANGO_SECRET_KEY=build-only DJANGO_VAR_DIR=/app/var \
 && python manage.py collectstatic --no-input -v0 \
 && python manage.py build_print_fonts \
 && useradd --system --home /app jixiao \
 && mkdir -p /app/var/media /app/keys && chown -R jixiao /app/var /app/keys && chmod 700 /app/keys

USER jixiao
ENV DJANGO_DEBUG=0 DJANGO_VAR_DIR=/app/var
EXPOSE 8000
# The migrations are not run here: they run as the tables' owner (`python manage.py migrate`, the
# `migrate` service of docker-compose), the server as the application's role.
CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "120", "--access-logfile", "-"]
