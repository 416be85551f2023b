# 绩效自评: `make run` serves the demo, `make test` runs every test.
SHELL := /bin/bash
export UV_PYTHON_DOWNLOADS := never
PYTHON ?= python3.12
UV := $(or $(shell command -v uv 2>/dev/null),.tools/bin/uv)
MANAGE := $(UV) run --frozen python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000

# What WeasyPrint, the PDF checks, the browser tests and the fillable workbook's LibreOffice
# tests need from Debian (docs/operations.md).
DEB_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk fonts-dejavu-core \
	poppler-utils chromium docker-compose libreoffice-calc-nogui postgresql-client

# What only the benchmarks need (not CI): LibreOffice as the yardstick; valgrind to count the
# instructions of a request (loadtest/instructions.sh).
BENCH_PACKAGES := libreoffice-calc-nogui valgrind

.PHONY: help system-packages bench-packages install fonts run demo test test-fast lint format clean \
	bench-pdf load-test

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

system-packages: PACKAGES = $(DEB_PACKAGES)
system-packages: ## Install the Debian packages (as root), or name the command to run
	@missing=$$(for p in $(PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; done); \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing Debian packages: $$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	else \
		echo "Missing Debian packages. Run once:"; echo "  sudo apt-get install $$missing"; exit 1; \
	fi

bench-packages: ## Install the benchmarks' Debian packages too (LibreOffice, valgrind)
	@$(MAKE) --no-print-directory system-packages DEB_PACKAGES="$(DEB_PACKAGES) $(BENCH_PACKAGES)"

.tools/bin/uv:
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet uv

.venv/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --compile-bytecode
	@touch $@

install: system-packages .venv/.synced fonts ## Install the system packages, the Python environment and the print fonts

fonts: .venv/.synced ## Make the PDF fonts from the system's Noto CJK (once; about 25 s)
	@$(MANAGE) build_print_fonts

run: install ## Set up the embedded database with the demo data and serve on http://127.0.0.1:8000
	$(MANAGE) migrate --no-input
	$(MANAGE) create_signing_key --if-missing
	$(MANAGE) load_demo
	@echo "Open http://$(HOST):$(PORT)/ and sign in with one of the accounts above."
	@# The background worker (books) runs beside the web server, restarted whenever it dies;
	@# Ctrl-C stops both. The address printed on signed PDFs follows the port served, unless
	@# DJANGO_SITE_URL says otherwise.
	@export DJANGO_SITE_URL="$${DJANGO_SITE_URL:-http://$(HOST):$(PORT)}"; \
	$(MANAGE) run_worker --supervise & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT; \
	$(MANAGE) runserver $(HOST):$(PORT)

test: install ## Run the whole test suite (SQLite, or PostgreSQL when DATABASE_URL is set)
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .
	$(UV) run --frozen mypy
	$(UV) run --frozen lint-imports
	$(MANAGE) makemigrations --check --dry-run
	$(UV) run --frozen pytest

# Two processes (pytest-xdist), each with its own test database. Each process takes the tests
# in the order pytest-django sorts them, the ones that empty the database (transaction=True)
# last: the rows the migrations made (the duties' groups) are there for every test before.
test-fast: .venv/.synced ## Run the tests not marked slow, in two processes (about a minute on two idle cores)
	$(UV) run --frozen pytest -m "not slow" -n 2

bench-pdf: install bench-packages ## Time PDF paths side by side with LibreOffice (one process) and Chromium
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; export DJANGO_VAR_DIR="$$tmp"; \
	export DJANGO_SIGNING_KEY_FILE="$$tmp/signing-key.pem"; \
	$(MANAGE) migrate --no-input -v 0 && $(MANAGE) create_signing_key >/dev/null \
	&& $(MANAGE) load_demo >/dev/null && $(MANAGE) bench_pdf

USERS ?= 100
DURATION ?= 10m
DB ?= postgres
load-test: install ## Locust against gunicorn in production mode, then the nothing-lost check (USERS, DURATION, DB=postgres|sqlite)
	USERS=$(USERS) DURATION=$(DURATION) DB=$(DB) UV=$(UV) loadtest/run.sh

lint: .venv/.synced ## Lint, check formatting, check types and the import layers
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .
	$(UV) run --frozen mypy
	$(UV) run --frozen lint-imports

format: .venv/.synced ## Format the code
	$(UV) run --frozen ruff check --fix .
	$(UV) run --frozen ruff format .

clean: ## Remove the local database, environments and test artifacts
	rm -rf var .venv .tools .fonts test-artifacts
