"""The application's database role cannot erase the history, and can do all the application does.

In production the application signs in to PostgreSQL as a role that owns no table (the owner
migrates: docs/operations.md). Not owning them, it can neither truncate the tables nor switch
off, drop or replace their triggers; its rights (assessments/privileges.py, granted by
`migrate`) let it add to the logs and the signatures but not change or delete them.

These tests sign in to the test database as that role (DATABASE_RUNTIME_URL, which CI sets);
the rest of the PostgreSQL suite runs as it too (tests/database.py). They need PostgreSQL and
the role: they fail in CI (CI=true) without them.
"""

import os
from io import StringIO

import dj_database_url
import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from assessments import services
from assessments.models import (
    Assessment,
    AssessmentEvent,
    BureauEvent,
    LegacySignature,
    OrganisationEvent,
    RectificationEvent,
    ReviewSignature,
    Signature,
    SigningKey,
)
from assessments.privileges import grant_runtime_role
from assessments.services import drafts, workflow

from .database import as_owner
from .factories import AssessmentFactory, UnitFactory, UserFactory, member

SIGNATURES = Signature._meta.db_table
EVENTS = AssessmentEvent._meta.db_table
HISTORY = [
    EVENTS,
    SIGNATURES,
    BureauEvent._meta.db_table,
    OrganisationEvent._meta.db_table,
    RectificationEvent._meta.db_table,
    LegacySignature._meta.db_table,
    ReviewSignature._meta.db_table,
]
TRIGGERS = {
    "assessments_event_append_only": EVENTS,
    "assessments_signature_no_delete": SIGNATURES,
    "assessments_signature_update": SIGNATURES,
    "assessments_reviewsignature_no_delete": ReviewSignature._meta.db_table,
    "assessments_reviewsignature_update": ReviewSignature._meta.db_table,
    "assessments_bureauevent_append_only": BureauEvent._meta.db_table,
    "assessments_organisationevent_append_only": OrganisationEvent._meta.db_table,
    **{f"{table}_no_truncate": table for table in HISTORY},
}


def needs_the_runtime_role():
    if connection.vendor == "postgresql" and settings.DATABASE_RUNTIME_ROLE:
        return
    if os.environ.get("CI"):
        pytest.fail(
            "CI runs the suite on PostgreSQL with the application's role: set DATABASE_URL "
            "(the owner), DATABASE_RUNTIME_ROLE and DATABASE_RUNTIME_URL (.ci/run)."
        )
    pytest.skip("the database roles exist on PostgreSQL only; set DATABASE_RUNTIME_ROLE")


@pytest.fixture
def runtime_login(transactional_db):
    """The suite's connection signs in as the application's role itself for this test."""
    needs_the_runtime_role()
    login = dj_database_url.parse(os.environ.get("DATABASE_RUNTIME_URL", ""))
    assert login.get("USER") == settings.DATABASE_RUNTIME_ROLE, (
        "DATABASE_RUNTIME_URL must sign in as DATABASE_RUNTIME_ROLE"
    )
    ours = connection.settings_dict
    kept = {key: ours[key] for key in ("USER", "PASSWORD", "HOST", "PORT")}
    connection.close()
    ours.update({key: login[key] for key in kept})
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT session_user")
            assert cursor.fetchone() == (settings.DATABASE_RUNTIME_ROLE,)
        yield
    finally:
        connection.close()
        ours.update(kept)


def signed_off_table():
    """A table saved, submitted and signed off through the services, with its log."""
    unit = UnitFactory()
    preparer = member(UserFactory(username="preparer"), unit, "preparer")
    reviewer = member(UserFactory(username="reviewer"), unit, "reviewer")
    department = member(UserFactory(username="department"), unit.parent, "reviewer")
    assessment = AssessmentFactory(project__unit=unit)
    services.log_event(
        assessment, AssessmentEvent.Action.CREATE, by=preparer, to_status=assessment.status
    )
    drafts.save_draft(
        assessment.pk,
        by=preparer,
        base_version=assessment.version,
        step="goal",
        fields={"goal": "年度目标"},
    )
    workflow.submit_assessment(assessment.pk, by=preparer)
    workflow.sign_off_assessment(assessment.pk, by=reviewer)
    return Assessment.objects.get(pk=assessment.pk), department


def refused(sql):
    with (
        pytest.raises(DatabaseError, match=r"permission denied|must be owner"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)


def test_the_suite_runs_as_the_applications_role(db):
    needs_the_runtime_role()
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        assert cursor.fetchone() == (settings.DATABASE_RUNTIME_ROLE,)


def test_migrate_refuses_to_grant_the_applications_rights_to_the_owner(db):
    """Revoking first, the grants would take the owner's own rights on its tables."""
    needs_the_runtime_role()
    with as_owner(), connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        (owner,) = cursor.fetchone()
        with pytest.raises(ImproperlyConfigured, match="表所有者"):
            grant_runtime_role(connection, owner)
        cursor.execute("SELECT has_table_privilege(%s, %s, 'DELETE')", [owner, SIGNATURES])
        assert cursor.fetchone() == (True,)


def test_the_applications_role_signs_off_saves_reopens_and_backs_up(
    runtime_login, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    assessment, department = signed_off_table()
    assert assessment.status == Assessment.Status.SIGNED_OFF
    assert assessment.goal == "年度目标"
    signature = Signature.objects.get(assessment=assessment)
    assert SigningKey.objects.filter(pk=signature.key_id).exists()
    # Voiding a signature changes the columns it may change.
    workflow.reopen_assessment(assessment.pk, by=department, reason="数据有误")
    signature.refresh_from_db()
    assert signature.void_reason == "数据有误"
    actions = AssessmentEvent.objects.filter(assessment=assessment).values_list("action", flat=True)
    assert list(actions.order_by("pk")) == ["create", "edit", "submit", "sign_off", "reopen"]
    # The backup (pg_dump) reads everything the role may read.
    call_command("backup", "-o", str(tmp_path / "backup.tar"), stdout=StringIO())
    assert (tmp_path / "backup.tar").stat().st_size > 0


def test_the_applications_role_cannot_erase_the_history(runtime_login):
    assessment, _ = signed_off_table()
    signature = Signature.objects.get(assessment=assessment)
    event = AssessmentEvent.objects.filter(assessment=assessment).last()
    for table in HISTORY:
        refused(f"TRUNCATE {table} CASCADE")
        refused(f"ALTER TABLE {table} DISABLE TRIGGER USER")
    refused(f"TRUNCATE {Assessment._meta.db_table} CASCADE")
    for trigger, table in TRIGGERS.items():
        refused(f"DROP TRIGGER {trigger} ON {table}")
    for function in ("assessments_refuse_change", "assessments_signature_update"):
        refused(
            f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger "
            "AS 'BEGIN RETURN NEW; END' LANGUAGE plpgsql"
        )
    refused(f"DELETE FROM {EVENTS} WHERE id = {event.pk}")
    refused(f"UPDATE {EVENTS} SET comment = '改写' WHERE id = {event.pk}")
    refused(f"DELETE FROM {SIGNATURES} WHERE id = {signature.pk}")
    refused(f"UPDATE {SIGNATURES} SET snapshot = '{{}}' WHERE id = {signature.pk}")
    refused(f"UPDATE {SigningKey._meta.db_table} SET public_key = '' WHERE id = {signature.key_id}")
    refused(f"DELETE FROM {SigningKey._meta.db_table} WHERE id = {signature.key_id}")

    assert Signature.objects.get(pk=signature.pk).snapshot == signature.snapshot
    assert AssessmentEvent.objects.filter(assessment=assessment).count() == 4
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname, tgenabled FROM pg_trigger WHERE tgname = ANY(%s)", [list(TRIGGERS)]
        )
        assert dict(cursor.fetchall()) == dict.fromkeys(TRIGGERS, "O")
