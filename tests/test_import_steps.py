"""Long imports: scored outside the write transaction, then stored in one short switch."""

from unittest import mock

import pytest
from django.db import connection

from assessments import interchange
from assessments.management.commands.load_demo import DEMO_FILE
from assessments.models import Assessment, AssessmentEvent, Indicator, Organisation, Signature
from assessments.services import importing


class Interrupted(Exception):
    pass


def demo_records():
    records, problems = interchange.parse_document(DEMO_FILE.read_text(encoding="utf-8"))
    assert not problems
    return records


def counts():
    return [
        model.objects.count()
        for model in (Assessment, Indicator, Signature, AssessmentEvent, Organisation)
    ]


@pytest.mark.django_db(transaction=True)
def test_scoring_holds_no_transaction_and_the_switch_is_the_last_step():
    seen = []

    def progress(done, total):
        seen.append((done, total, connection.in_atomic_block, Assessment.objects.count()))

    importing.import_records(demo_records(), progress=progress)
    assert [(done, total) for done, total, *_ in seen] == [(n, 12) for n in range(1, 13)]
    # While the records are read and scored nothing is written and no transaction is open.
    assert all(not atomic and stored == 0 for _, _, atomic, stored in seen[:-1])
    assert seen[-1][3] == 11 and Assessment.objects.count() == 11


@pytest.mark.django_db(transaction=True)
def test_an_import_interrupted_while_scoring_leaves_the_database_unchanged():
    importing.import_records(demo_records()[:3])
    before = counts()

    def interrupt(done, total):
        if done == 6:
            raise Interrupted

    with pytest.raises(Interrupted):
        importing.import_records(demo_records()[3:], progress=interrupt)
    assert counts() == before


@pytest.mark.django_db(transaction=True)
def test_an_import_interrupted_inside_the_switch_leaves_the_database_unchanged():
    importing.import_records(demo_records()[:3])
    before = counts()
    with (
        mock.patch.object(
            importing.AssessmentEvent.objects, "bulk_create", side_effect=Interrupted
        ),
        pytest.raises(Interrupted),
    ):
        importing.import_records(demo_records()[3:])
    assert counts() == before


@pytest.mark.django_db
def test_records_stored_in_bulk_read_back_as_the_file_gave_them():
    records = demo_records()
    importing.import_records(records)
    again = [interchange.assessment_record(a) for a in Assessment.objects.with_tree()]
    by_project = {r["project"]: r for r in again}
    for record in records:
        stored = by_project[record["project"]]
        assert stored["indicators"][0]["name"] == record["indicators"][0]["name"]
        assert len(stored["indicators"]) == len(record["indicators"])
    signed = Assessment.objects.filter(status=Assessment.Status.SIGNED_OFF)
    in_file = sum(record["status"] == Assessment.Status.SIGNED_OFF for record in records)
    assert signed.count() == Signature.objects.count() == in_file > 0
