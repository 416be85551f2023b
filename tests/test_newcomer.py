"""What trips a newcomer on a fresh clone: a port of her own, a database elsewhere, a restore
into a new folder."""

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from assessments import backup

from .database import as_owner

ROOT = Path(__file__).resolve().parent.parent


def make_dry_run(*args: str, **env: str) -> str:
    result = subprocess.run(
        ["make", "-n", "run", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        check=True,
    )
    return result.stdout


def test_make_run_prints_the_port_it_serves_on_signed_pdfs():
    commands = make_dry_run("PORT=8150")
    assert 'DJANGO_SITE_URL="${DJANGO_SITE_URL:-http://127.0.0.1:8150}"' in commands
    assert "runserver 127.0.0.1:8150" in commands


def test_a_site_url_that_is_set_wins_over_the_port():
    script = make_dry_run("PORT=8150").split("export DJANGO_SITE_URL=", 1)[1].split(";")[0]
    shown = subprocess.run(
        ["bash", "-c", f"DJANGO_SITE_URL=https://jx.example.gov.cn; x={script}; echo $x"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert shown.stdout.strip() == "https://jx.example.gov.cn"


@pytest.mark.slow
def test_the_test_database_sits_beside_a_database_kept_elsewhere(tmp_path):
    elsewhere = tmp_path / "elsewhere" / "db.sqlite3"
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.DATABASES['default']['TEST']['NAME'])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": f"sqlite:///{elsewhere}",
        },
        check=True,
    )
    test_name = Path(result.stdout.strip().splitlines()[-1])
    assert test_name == elsewhere.with_name("test.sqlite3")
    assert test_name.parent.is_dir()


@pytest.mark.django_db(transaction=True)
def test_restore_into_a_new_folder_without_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    archive = tmp_path / "jixiao.tar"
    call_command("backup", "-o", str(archive), stdout=StringIO())
    settings.MEDIA_ROOT = tmp_path / "new-var" / "media"
    assert not settings.MEDIA_ROOT.exists()
    call_command("flush", "--no-input", verbosity=0)

    assert list(backup.stored_files()) == []
    out = StringIO()
    call_command("restore", str(archive), stdout=out)
    assert "已恢复" in out.getvalue()
    # The restore leaves out the database rights; `migrate` as the owner grants them again.
    connection.close()
    with as_owner():
        call_command("migrate", "--no-input", verbosity=0)
