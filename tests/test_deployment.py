import os
import re
import secrets
import shutil
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.test import Client

ROOT = Path(__file__).resolve().parent.parent


def run_manage(*args, **env):
    # A fresh process on its own SQLite file under DJANGO_VAR_DIR, never the suite's database.
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith("DJANGO_") and k != "DATABASE_URL"
    }
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def production_env(tmp_path):
    return {
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "jixiao.example.gov.cn",
        "DJANGO_VAR_DIR": str(tmp_path),
    }


@pytest.mark.slow
def test_deploy_check_is_clean_in_production_mode(tmp_path):
    result = run_manage("check", "--deploy", **production_env(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.slow
def test_production_mode_refuses_to_start_without_a_secret_key(tmp_path):
    env = production_env(tmp_path)
    del env["DJANGO_SECRET_KEY"]
    result = run_manage("check", **env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


@pytest.mark.slow
def test_production_mode_creates_no_demo_accounts(tmp_path):
    env = production_env(tmp_path)
    assert run_manage("migrate", "--no-input", **env).returncode == 0
    result = run_manage("load_demo", **env)
    assert result.returncode != 0
    assert "生产模式" in result.stderr


def test_demo_accounts_cannot_sign_in_outside_demo_mode(demo, settings, rf):
    request = rf.post("/accounts/login/")
    assert authenticate(request, username="tianbao", password="demo2022") is not None
    settings.DEMO_MODE = False
    assert authenticate(request, username="tianbao", password="demo2022") is None


def test_load_demo_refuses_in_production_mode_in_process(db, settings):
    settings.DEMO_MODE = False
    with pytest.raises(CommandError):
        call_command("load_demo", stdout=StringIO())


def test_load_demo_runs_twice_without_duplicating(demo):
    from assessments.management.commands.load_demo import DEMO_TARGET_PROJECTS
    from assessments.models import Assessment

    out = StringIO()
    call_command("load_demo", stdout=out)
    # The eleven project tables and the department's own table (部门整体).
    assert Assessment.objects.self_assessments().count() == 12
    assert Assessment.objects.target_tables().count() == len(DEMO_TARGET_PROJECTS)
    assert "本次新载入 0 张" in out.getvalue()


@pytest.mark.slow
def test_docker_compose_file_is_valid():
    compose = shutil.which("docker-compose")
    assert compose, "docker-compose (Debian package) is needed to validate docker-compose.yml"
    env = {
        **os.environ,
        "POSTGRES_PASSWORD": "x",
        "DB_OWNER_PASSWORD": "o",
        "DB_APP_PASSWORD": "a",
        "DJANGO_SECRET_KEY": "x",
        "DJANGO_ALLOWED_HOSTS": "example.org",
        "MINIO_ROOT_PASSWORD": "x",
    }
    result = subprocess.run(
        [compose, "-f", "docker-compose.yml", "config"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("healthcheck:") == 3
    assert "service_healthy" in result.stdout
    assert "postgres:15" in result.stdout


@pytest.mark.slow
def test_compose_puts_a_proxy_in_front_that_passes_the_client_address():
    compose = shutil.which("docker-compose")
    assert compose, "docker-compose (Debian package) is needed to validate docker-compose.yml"
    env = {
        **os.environ,
        "POSTGRES_PASSWORD": "x",
        "DB_OWNER_PASSWORD": "o",
        "DB_APP_PASSWORD": "a",
        "DJANGO_SECRET_KEY": "x",
        "DJANGO_ALLOWED_HOSTS": "e",
        "MINIO_ROOT_PASSWORD": "x",
    }
    result = subprocess.run(
        [compose, "-f", "docker-compose.yml", "config"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    services, name = {}, None
    for line in result.stdout.splitlines():
        if not line.startswith(" "):
            name = None  # a top-level key (services, version, volumes)
        elif line.startswith("  ") and not line.startswith("   ") and line.endswith(":"):
            name = line.strip(" :")
            services[name] = ""
        elif name:
            services[name] += line + "\n"
    assert "nginx" in services["proxy"] and "published: 443" in services["proxy"]
    # Nothing but the proxy is reachable from outside, so nobody can bypass it.
    for name in ("db", "web", "worker"):
        assert "published:" not in services[name], name
    assert "DJANGO_USE_X_FORWARDED_FOR: '1'" in services["web"]
    assert f"{ROOT}/deploy/nginx.conf:/etc/nginx/conf.d/default.conf" in services["proxy"]
    config = (ROOT / "deploy" / "nginx.conf").read_text()
    # The proxy overwrites what the client sent: the last entry is the address it saw.
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in config
    assert "proxy_set_header X-Forwarded-Proto https;" in config


@pytest.mark.slow
def test_compose_shows_the_shape_past_one_machine():
    """Proxy, several web replicas, several workers, PostgreSQL, the files in MinIO."""
    compose = shutil.which("docker-compose")
    assert compose, "docker-compose (Debian package) is needed to validate docker-compose.yml"
    env = {
        **os.environ,
        "POSTGRES_PASSWORD": "pg-secret",
        "DB_OWNER_PASSWORD": "o",
        "DB_APP_PASSWORD": "a",
        "DJANGO_SECRET_KEY": "x",
        "DJANGO_ALLOWED_HOSTS": "e",
        "MINIO_ROOT_PASSWORD": "minio-secret",
        "WEB_REPLICAS": "4",
    }
    result = subprocess.run(
        [compose, "-f", "docker-compose.yml", "config"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    services = yaml.safe_load(result.stdout)["services"]
    assert set(services) == {
        *("db", "minio", "minio-bucket", "migrate", "web", "worker", "scheduler", "proxy")
    }
    # The daily reminders: one service, once a day whatever its restarts.
    scheduler = services["scheduler"]
    assert "send_reminders --once-a-day" in scheduler["command"][-1]
    assert "deploy" not in scheduler and "ports" not in scheduler
    assert scheduler["environment"]["DATABASE_URL"].endswith("@db:5432/jixiao")
    assert services["web"]["deploy"]["replicas"] == 4
    assert services["worker"]["deploy"]["replicas"] == 2
    assert services["worker"]["command"] == ["python", "manage.py", "run_worker"]
    for name in ("web", "worker"):
        service = services[name]
        assert service["restart"] == "unless-stopped"
        assert service["build"]["args"]["EXTRAS"] == "--extra s3"
        assert service["environment"]["DJANGO_S3_ENDPOINT_URL"] == "http://minio:9000"
        assert service["environment"]["DJANGO_S3_SECRET_KEY"] == "minio-secret"
        # The task queue stays in PostgreSQL, shared by every worker.
        assert service["environment"]["DATABASE_URL"].endswith("@db:5432/jixiao")
        assert "ports" not in service
    assert services["proxy"]["ports"][1]["published"] == 443


@pytest.mark.slow
def test_compose_migrates_as_the_owner_and_runs_the_application_as_its_own_role():
    """The superuser is nobody's; the owner migrates, once, before the application starts; the
    application's services sign in as a role that owns nothing (docs/operations.md)."""
    compose = shutil.which("docker-compose")
    assert compose, "docker-compose (Debian package) is needed to validate docker-compose.yml"
    env = {
        **os.environ,
        "POSTGRES_PASSWORD": "superuser-secret",
        "DB_OWNER_PASSWORD": "owner-secret",
        "DB_APP_PASSWORD": "app-secret",
        "DJANGO_SECRET_KEY": "x",
        "DJANGO_ALLOWED_HOSTS": "e",
        "MINIO_ROOT_PASSWORD": "m",
    }
    result = subprocess.run(
        [compose, "-f", "docker-compose.yml", "config"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    services = yaml.safe_load(result.stdout)["services"]
    db = services["db"]
    assert "POSTGRES_USER" not in db["environment"]  # the image's superuser, postgres
    assert any("/docker-entrypoint-initdb.d/" in str(volume) for volume in db["volumes"])
    roles = (ROOT / "deploy" / "postgres-roles.sh").read_text()
    assert "CREATE ROLE jixiao LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE" in roles
    assert "CREATE ROLE jixiao_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE" in roles
    assert "CREATE DATABASE jixiao OWNER jixiao;" in roles

    migrate = services["migrate"]
    assert migrate["command"] == ["python", "manage.py", "migrate", "--no-input"]
    assert migrate["environment"]["DATABASE_URL"] == "postgres://jixiao:owner-secret@db:5432/jixiao"
    assert migrate["environment"]["DATABASE_RUNTIME_ROLE"] == "jixiao_app"
    assert "restart" not in migrate
    assert services["web"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    for name in ("web", "worker", "scheduler"):
        url = services[name]["environment"]["DATABASE_URL"]
        assert url == "postgres://jixiao_app:app-secret@db:5432/jixiao", name
        assert "command" not in services[name] or "migrate" not in services[name]["command"]
    assert "superuser-secret" not in str({k: v for k, v in services.items() if k != "db"})
    assert "migrate" not in (ROOT / "Dockerfile").read_text().split("\nCMD ")[-1]


def test_answers_carry_the_servers_time_only_where_the_load_test_asks(client, db, settings):
    assert "Server-Timing" not in client.get("/accounts/login/").headers
    settings.MIDDLEWARE = ["assessments.middleware.ServerTimingMiddleware", *settings.MIDDLEWARE]
    # A client loads the middleware on its first request: a new one for the new list.
    header = Client().get("/accounts/login/").headers["Server-Timing"]
    wall, cpu = re.fullmatch(r"app;dur=(\d+\.\d\d), cpu;dur=(\d+\.\d\d)", header).groups()
    assert float(cpu) > 0 and float(wall) > 0
