"""On PostgreSQL the database refuses to change or delete the log and the signatures, even
for the tables' owner: these tests run as the owner (the application's role is refused before
any trigger fires: tests/test_database_roles.py).

SQLite has no such triggers here, so these tests prove nothing there: they run on PostgreSQL
(CI sets DATABASE_URL to one, and CI=true) and fail in CI if the suite is not on PostgreSQL.
"""

import pytest
from django.contrib.auth import get_user_model
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from assessments.models import (
    Assessment,
    AssessmentEvent,
    BureauEvent,
    LegacySignature,
    Membership,
    Organisation,
    OrganisationEvent,
    Publication,
    PublicationEvent,
    PublicationItem,
    RectificationEvent,
    ReportingYear,
    Signature,
)
from assessments.services import publication as publishing
from assessments.services import workflow

from .database import as_owner, needs_postgresql


@pytest.fixture(autouse=True)
def postgresql(db):
    needs_postgresql("the append-only triggers")
    with as_owner():
        yield


def refused(sql, params=()):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, params)


def run_deferred_checks():
    """TRUNCATE waits for no foreign-key check deferred by this transaction's inserts."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


SIGNATURES = Signature._meta.db_table
EVENTS = AssessmentEvent._meta.db_table


def test_a_raw_update_of_a_signed_snapshot_is_refused(demo):
    signature = Signature.objects.first()
    refused(
        f"UPDATE {SIGNATURES} SET snapshot = %s, content_hash = %s WHERE id = %s",
        ['{"goal": "篡改"}', "0" * 64, signature.pk],
    )
    refused(f"UPDATE {SIGNATURES} SET value = '' WHERE id = %s", [signature.pk])
    refused(f"UPDATE {SIGNATURES} SET signed_at = now() WHERE id = %s", [signature.pk])
    with pytest.raises(DatabaseError), transaction.atomic():
        Signature.objects.filter(pk=signature.pk).update(comment="改动")
    assert Signature.objects.get(pk=signature.pk).snapshot == signature.snapshot


def test_signatures_and_log_entries_cannot_be_deleted(demo):
    refused(f"DELETE FROM {SIGNATURES}")
    refused(f"DELETE FROM {EVENTS}")
    refused(f"UPDATE {EVENTS} SET comment = 'x'")
    # Every signed-off table of the demo (self-assessments and approved target tables) keeps
    # its signature.
    signed = Assessment.objects.filter(status=Assessment.Status.SIGNED_OFF).count()
    assert signed > 11 and Signature.objects.count() == signed
    assert AssessmentEvent.objects.count() > 0


def test_voiding_once_and_storing_the_pdf_name_are_allowed(demo):
    signature = Signature.objects.select_related("assessment").first()
    Signature.objects.filter(pk=signature.pk).update(pdf="signed/2026/1-abc.pdf")
    juzhang = get_user_model().objects.get(username="juzhang")
    workflow.reopen_assessment(signature.assessment_id, by=juzhang, reason="数据有误")
    signature.refresh_from_db()
    assert signature.voided_at is not None and signature.void_reason == "数据有误"
    refused(f"UPDATE {SIGNATURES} SET voided_at = NULL WHERE id = %s", [signature.pk])
    refused(f"UPDATE {SIGNATURES} SET void_reason = 'x' WHERE id = %s", [signature.pk])
    with pytest.raises(DatabaseError), transaction.atomic():
        Signature.objects.filter(pk=signature.pk).update(voided_at=timezone.now())


def test_the_organisation_log_cannot_be_changed_or_deleted(demo):
    table = OrganisationEvent._meta.db_table
    # load_demo sets the department's deadlines, grants the unit an exception and opens a
    # 运行监控 round.
    assert OrganisationEvent.objects.count() == 3
    refused(f"UPDATE {table} SET comment = 'x'")
    refused(f"DELETE FROM {table}")
    assert OrganisationEvent.objects.count() == 3


@pytest.mark.parametrize(
    "table",
    [
        SIGNATURES,
        EVENTS,
        BureauEvent._meta.db_table,
        OrganisationEvent._meta.db_table,
        RectificationEvent._meta.db_table,
        LegacySignature._meta.db_table,
        PublicationEvent._meta.db_table,
        Publication._meta.db_table,
    ],
)
def test_the_owner_cannot_truncate_the_logs_or_the_signatures(demo, table):
    run_deferred_checks()
    refused(f"TRUNCATE {table} CASCADE")
    refused(f"TRUNCATE {table}, {Assessment._meta.db_table}, auth_user CASCADE")
    assert Signature.objects.exists() and AssessmentEvent.objects.exists()
    assert OrganisationEvent.objects.exists()


def test_truncating_a_table_they_refer_to_with_cascade_is_refused(demo):
    """TRUNCATE … CASCADE of the tables, of the organisations or of the people would empty
    the logs and the signatures with them."""
    run_deferred_checks()
    for table in (Assessment._meta.db_table, "assessments_organisation", "auth_user"):
        refused(f"TRUNCATE {table} CASCADE")
    assert Signature.objects.exists() and AssessmentEvent.objects.exists()


def test_a_published_publication_its_tables_and_its_log_cannot_be_changed(demo):
    department = Organisation.objects.get(name="闵行区人力资源和社会保障局")
    year = ReportingYear.objects.get(year=2022)
    juzhang = get_user_model().objects.get(username="juzhang")
    head = get_user_model().objects.create(username="fuzhang")
    Membership.objects.create(user=head, organisation=department, role="reviewer")
    draft = publishing.create_publication(department.pk, year.pk, by=juzhang)
    # A draft's tables are reordered by rewriting them: allowed until it is published.
    PublicationItem.objects.filter(publication=draft, position=1).update(position=99)
    PublicationItem.objects.filter(publication=draft, position=99).update(position=1)
    publishing.submit(draft.pk, by=juzhang)
    publishing.approve(draft.pk, by=head)
    publication = publishing.publish(draft.pk, by=juzhang)
    items = PublicationItem._meta.db_table
    publications = Publication._meta.db_table
    log = PublicationEvent._meta.db_table

    refused(
        f"UPDATE {publications} SET print_names = NOT print_names WHERE id = %s", [publication.pk]
    )
    refused(f"UPDATE {publications} SET status = 'draft' WHERE id = %s", [publication.pk])
    refused(f"DELETE FROM {publications} WHERE id = %s", [publication.pk])
    refused(
        f"UPDATE {items} SET position = position + 100 WHERE publication_id = %s", [publication.pk]
    )
    refused(f"DELETE FROM {items} WHERE publication_id = %s", [publication.pk])
    signature = Signature.objects.exclude(
        pk__in=PublicationItem.objects.values("signature_id")
    ).first()
    refused(
        f"INSERT INTO {items} (publication_id, signature_id, position) VALUES (%s, %s, 50)",
        [publication.pk, signature.pk],
    )
    refused(f"UPDATE {log} SET comment = 'x'")
    refused(f"DELETE FROM {log}")
    # Only the stored PDF's name is written after publishing.
    Publication.objects.filter(pk=publication.pk).update(pdf="publications/2026/1.pdf")
    assert PublicationItem.objects.filter(publication=publication).count() == 11
