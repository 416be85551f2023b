"""Settings: every value comes from the environment, with safe local defaults.

Local development needs nothing set: SQLite under var/, debug on, demo accounts allowed.
Production sets DJANGO_DEBUG=0, DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS and DATABASE_URL
(and, for `migrate` as the tables' owner, DATABASE_RUNTIME_ROLE).
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default):
    value = os.environ.get(name, "")
    return [item.strip() for item in value.split(",") if item.strip()] or default


DEBUG = env_bool("DJANGO_DEBUG", True)

_LOCAL_SECRET = "local-development-only-not-secret"
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or _LOCAL_SECRET
if not DEBUG and SECRET_KEY == _LOCAL_SECRET:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY 必须在生产模式（DJANGO_DEBUG=0）下设置。")

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

# Demo accounts are for trying the application out; production never has them.
DEMO_MODE = env_bool("DJANGO_DEMO", DEBUG)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_tables2",
    "django_filters",
    "django_tasks_db",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "assessments",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Inside the session middleware: marks the session to be saved before that one saves it.
    "assessments.middleware.SessionIdleMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Outside the two-factor redirect, so that its answers are covered too.
    "assessments.middleware.PrivateResponsesMiddleware",
    "assessments.signin.KnownDeviceMiddleware",
    "assessments.signin.TwoFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "assessments.middleware.ChineseErrorPagesMiddleware",
    # Last, as django-axes asks: it turns a lockout noticed by the backend into the lock page.
    "axes.middleware.AxesMiddleware",
]

if not DEBUG:
    # Serves the collected static files under gunicorn; runserver serves them in debug.
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")
# The load test reads each answer's server time (wall and CPU) from a Server-Timing header.
if env_bool("DJANGO_SERVER_TIMING", False):
    MIDDLEWARE.insert(0, "assessments.middleware.ServerTimingMiddleware")

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "assessments.context_processors.notices",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

VAR_DIR = Path(os.environ.get("DJANGO_VAR_DIR", BASE_DIR / "var"))
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # The parameters travel apart from the statement, so that psycopg prepares a statement
    # once a connection has run it this many times: planning the joins of a page's queries
    # cost PostgreSQL more than running them. Empty turns it off, for a pooler that cannot
    # keep prepared statements (PgBouncer in transaction mode before 1.21).
    prepare_threshold = os.environ.get("DATABASE_PREPARE_THRESHOLD", "5").strip()
    if prepare_threshold:
        if not prepare_threshold.isdigit():
            raise ImproperlyConfigured(
                "DATABASE_PREPARE_THRESHOLD 须为不小于 0 的整数（留空则不使用预备语句）。"
            )
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            server_side_binding=True, prepare_threshold=int(prepare_threshold)
        )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Django's backend, which refreshes the query planner's statistics (config/sqlite).
    DATABASES["default"]["ENGINE"] = "config.sqlite"
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # Writers queue for the lock instead of failing, so concurrent workflow steps serialise;
    # the test database is a file for the same reason. WAL lets pages read while the worker
    # or an import writes; the busy timeout is how long a writer waits for the lock.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # Beside the database it tests, whose folder exists (made above) wherever DATABASE_URL
    # puts it.
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(DATABASES["default"]["NAME"]).with_name("test.sqlite3"))
    }

# On PostgreSQL the application runs as a role that does not own the tables (DATABASE_URL
# names it); `migrate` runs as the owner, with DATABASE_URL naming the owner, and grants this
# role what the application does (assessments/privileges.py, docs/operations.md).
DATABASE_RUNTIME_ROLE = os.environ.get("DATABASE_RUNTIME_ROLE", "")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# django-axes first: it refuses a locked account before any password is checked, on every
# page that signs in (the application's login, the admin's login).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "assessments.backends.ProductionModelBackend",
]

# Argon2id, memory-hard, for every password set from now on (assessments/hashers.py: OWASP's
# baseline parameters). A sign-in costs a small part of the CPU time of Django's PBKDF2
# default, which matters when a district signs in at once; passwords stored with PBKDF2 still
# sign in and are stored again with Argon2id as they do.
PASSWORD_HASHERS = [
    "assessments.hashers.DistrictArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
MEDIA_URL = "media/"
MEDIA_ROOT = VAR_DIR / "media"
# Drafts' PDFs kept while they print the same (assessments/paper/draft_copies.py): a cache,
# local to each server; deleting it loses nothing.
DRAFT_PDF_CACHE_DIR = VAR_DIR / "cache" / "draft-pdf"

# The private signing keys (SM2 for sign-offs, ECDSA for the PDF): a file outside the database
# and its backups (`manage.py create_signing_key` makes one; docs/security-integrity.md).
SIGNING_KEY_FILE = Path(os.environ.get("DJANGO_SIGNING_KEY_FILE", VAR_DIR / "signing-key.pem"))
# Who makes the SM2 signature of a sign-off: the dotted path of a callable that takes the key
# file's SM2 private key (or None) and returns a signer (assessments/trust/signers.py). The
# default signs with the key file's key; a signing server or hardware module is configured here.
SIGNER_BACKEND = os.environ.get("DJANGO_SIGNER_BACKEND", "assessments.trust.signers.SoftwareKey")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Stored files (signed PDFs, books) live under MEDIA_ROOT. Several application servers share
# them through an S3-compatible store such as MinIO: set DJANGO_S3_BUCKET (and the endpoint
# and keys) and install the `s3` extra (django-storages with boto3). Files are always served
# through the application, which checks access, so the bucket stays private.
if os.environ.get("DJANGO_S3_BUCKET"):
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["DJANGO_S3_BUCKET"],
            "endpoint_url": os.environ.get("DJANGO_S3_ENDPOINT_URL") or None,
            "access_key": os.environ.get("DJANGO_S3_ACCESS_KEY") or None,
            "secret_key": os.environ.get("DJANGO_S3_SECRET_KEY") or None,
            "region_name": os.environ.get("DJANGO_S3_REGION") or None,
            "addressing_style": "path",
            "default_acl": None,
            "file_overwrite": False,
            "querystring_auth": True,
        },
    }

# Background work (books of many tables): Django's tasks framework with the ORM backend;
# `manage.py run_worker` runs the tasks (make run starts one beside the web server).
TASKS = {
    "default": {
        "BACKEND": os.environ.get("DJANGO_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# The evidence a unit attaches to its 整改 answer (a PDF or an image): the largest file taken.
RECTIFICATION_ATTACHMENT_MAX_BYTES = int(
    os.environ.get("DJANGO_RECTIFICATION_ATTACHMENT_MAX_BYTES", str(10 * 1024 * 1024))
)

# The background worker's patience: a book queued longer than this with no worker taking
# it shows as stuck; a worker retries a lost or locked database this many seconds at most
# between attempts.
TASK_STUCK_MINUTES = int(os.environ.get("DJANGO_TASK_STUCK_MINUTES", "10"))
WORKER_MAX_BACKOFF_SECONDS = float(os.environ.get("DJANGO_WORKER_MAX_BACKOFF_SECONDS", "30"))
# How much lower than the web server's the worker's CPU priority is (nice(1); 0 to 19).
WORKER_NICENESS = int(os.environ.get("DJANGO_WORKER_NICENESS", "10"))

# The address printed on signed PDFs (QR code and verification link).
SITE_URL = os.environ.get("DJANGO_SITE_URL") or "http://127.0.0.1:8000"

# Reminders before 填报截止 and 审核截止: the days before each (0 = on the day itself).
REMINDER_DAYS = sorted(
    {int(day) for day in env_list("DJANGO_REMINDER_DAYS", ["7", "1", "0"])},
    reverse=True,
)

# How the official table prints (domain.md §1); the print page offers the same choices.
OFFICIAL_TABLE_PRINT = {
    "SHOW_EMPTY_LEVEL2": env_bool("DJANGO_PRINT_EMPTY_LEVEL2", False),
    "MONEY_UNIT": os.environ.get("DJANGO_PRINT_MONEY_UNIT", ""),
    "SIGNATURE_BLOCK": env_bool("DJANGO_PRINT_SIGNATURE_BLOCK", True),
}
if OFFICIAL_TABLE_PRINT["MONEY_UNIT"] not in ("", "元", "万元"):
    raise ImproperlyConfigured(
        "DJANGO_PRINT_MONEY_UNIT 只能是“元”或“万元”（留空则按各表自己的单位）。"
    )

# The PDF fonts cut down from the system's Noto CJK (assessments/fonts.py): made once per
# installation by `manage.py build_print_fonts`, so they live beside the code, not the data.
PRINT_FONT_DIR = Path(os.environ.get("DJANGO_PRINT_FONT_DIR", BASE_DIR / ".fonts"))
PRINT_FONT_SOURCES = [Path("/usr/share/fonts")]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
# Inputs and text areas written out in Python; every other widget through its template.
FORM_RENDERER = "assessments.forms.rendering.FormRenderer"
DJANGO_TABLES2_TEMPLATE = "django_tables2/bootstrap5.html"

# Mail goes to the console locally; production sends through the bureau's SMTP relay.
if env_bool("DJANGO_EMAIL_CONSOLE", DEBUG):
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
else:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": os.environ.get("DJANGO_EMAIL_HOST", "localhost"),
                "port": int(os.environ.get("DJANGO_EMAIL_PORT", "25")),
                "username": os.environ.get("DJANGO_EMAIL_USER", ""),
                "password": os.environ.get("DJANGO_EMAIL_PASSWORD", ""),
                "use_tls": env_bool("DJANGO_EMAIL_USE_TLS", False),
                "timeout": 10,
            },
        }
    }
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "jixiao@localhost")

# Django's database sessions (assessments/sessions.py).
SESSION_ENGINE = "assessments.sessions"
SESSION_COOKIE_AGE = int(os.environ.get("DJANGO_SESSION_IDLE_SECONDS", str(30 * 60)))
# Refreshed at most once a minute by assessments.middleware.SessionIdleMiddleware.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# Every script is a file under static/: no inline script may run.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# Sign-in lockout (等保) through django-axes, for every sign-in page. One account at one address
# is locked after LOGIN_LOCK_FAILURES; the account from every address together after
# LOGIN_LOCK_ACCOUNT_FAILURES, except in browsers it has signed in from before (a signed
# cookie kept KNOWN_DEVICE_DAYS), so that nobody can lock a reviewer out from elsewhere
# (assessments.signin.lockout_parameters). The lock ends LOGIN_LOCK_MINUTES after the last
# counted failure, or when a security administrator unlocks (admin, or
# `manage.py axes_reset_username NAME`); every lock is mailed to the account and to them.
LOGIN_LOCK_FAILURES = int(os.environ.get("DJANGO_LOGIN_LOCK_FAILURES", "10"))
LOGIN_LOCK_ACCOUNT_FAILURES = int(os.environ.get("DJANGO_LOGIN_LOCK_ACCOUNT_FAILURES", "30"))
LOGIN_LOCK_MINUTES = int(os.environ.get("DJANGO_LOGIN_LOCK_MINUTES", "15"))
KNOWN_DEVICE_DAYS = int(os.environ.get("DJANGO_KNOWN_DEVICE_DAYS", "180"))
AXES_FAILURE_LIMIT = LOGIN_LOCK_FAILURES
AXES_LOCKOUT_PARAMETERS = "assessments.signin.lockout_parameters"
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_LOCK_MINUTES)
# Tries during the lock are refused but do not push its end further away.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "assessments.signin.locked_out"
AXES_CLIENT_IP_CALLABLE = "assessments.signin.client_address"
# Every failure stays as a security record (unlocking removes only the counters).
AXES_ENABLE_ACCESS_FAILURE_LOG = True
# Behind the reverse proxy of docker-compose, the client address is the one that proxy
# appended to X-Forwarded-For (exactly one trusted hop); without it, REMOTE_ADDR.
USE_X_FORWARDED_FOR = env_bool("DJANGO_USE_X_FORWARDED_FOR", False)

# Two-factor sign-in (TOTP, with recovery codes) for reviewers and administrators; optional
# for preparers. Required by default in production mode only, so the demo runs without.
TWO_FACTOR_REQUIRED = env_bool("DJANGO_TWO_FACTOR_REQUIRED", not DEBUG)
OTP_TOTP_ISSUER = "绩效自评"
# Nobody reads a second factor's secret or recovery codes in the admin.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# Reviewers and administrators enrol with a one-time code a security administrator issues
# (assessments.enrolment): valid this many hours, this many tries per account and hour.
ENROLMENT_CODE_HOURS = int(os.environ.get("DJANGO_ENROLMENT_CODE_HOURS", "72"))
ENROLMENT_CODE_TRIES_PER_HOUR = 10

# Limits on the pages that mail or that anyone may call, counted in the database so that
# every worker process shares them: (requests, seconds).
PASSWORD_RESET_LIMIT_PER_ACCOUNT = (
    int(os.environ.get("DJANGO_PASSWORD_RESET_PER_HOUR", "3")),
    3600,
)
PASSWORD_RESET_LIMIT_PER_ADDRESS = (20, 3600)
VERIFY_LIMIT_PER_ADDRESS = (int(os.environ.get("DJANGO_VERIFY_PER_MINUTE", "30")), 60)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # The container health check speaks plain HTTP from inside.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    # WeasyPrint reports every rendering step at INFO, fontTools every table it subsets,
    # pikepdf that it loaded.
    "loggers": {
        "weasyprint.progress": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        "pikepdf": {"level": "WARNING"},
    },
}
