"""On PostgreSQL a connection prepares the statements it repeats, so that PostgreSQL plans a
page's queries once per connection rather than on every request; DATABASE_PREPARE_THRESHOLD
sets after how many runs, and empty turns it off (a pooler that cannot keep them)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from assessments.models import Assessment

from .database import needs_postgresql
from .factories import AssessmentFactory

ROOT = Path(__file__).resolve().parent.parent


def database_options(**environment) -> dict:
    """The OPTIONS config/settings.py gives the database, read in a fresh interpreter."""
    code = (
        "import json; from config import settings; "
        "print(json.dumps(settings.DATABASES['default'].get('OPTIONS', {})))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("DATABASE_")}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**env, **environment},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def test_postgresql_binds_on_the_server_and_prepares_after_five_runs_unless_told_not_to():
    url = "postgres://someone:secret@db.example:5432/jixiao"
    assert database_options(DATABASE_URL=url) == {
        "server_side_binding": True,
        "prepare_threshold": 5,
    }
    assert database_options(DATABASE_URL=url, DATABASE_PREPARE_THRESHOLD="2") == {
        "server_side_binding": True,
        "prepare_threshold": 2,
    }
    assert database_options(DATABASE_URL=url, DATABASE_PREPARE_THRESHOLD="") == {}
    # A word where a number belongs stops the start, saying in one sentence what is wrong.
    refused = subprocess.run(
        [sys.executable, "-c", "from config import settings"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url, "DATABASE_PREPARE_THRESHOLD": "off"},
        capture_output=True,
        text=True,
    )
    assert refused.returncode != 0
    assert "DATABASE_PREPARE_THRESHOLD 须为不小于 0 的整数" in refused.stderr
    # SQLite has neither.
    assert "server_side_binding" not in database_options()


def prepared() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return {row[0] for row in cursor.fetchall()}


@pytest.mark.django_db
def test_a_repeated_query_is_prepared_once_and_reused_with_other_values():
    needs_postgresql("prepared statements")
    tables = AssessmentFactory.create_batch(3)
    before = prepared()
    for _ in range(3):
        for table in tables:
            assert Assessment.objects.get(pk=table.pk).pk == table.pk
    new = prepared() - before
    # Nine runs with three different keys: one statement, its key a parameter.
    mine = [s for s in new if '"assessments_assessment"."id" = $1' in s]
    assert len(mine) == 1, new
