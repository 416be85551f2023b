"""Interchange version 2: a table's kind, its approved targets and its adjustments; version 1
files are still read as they were."""

import json

from assessments import interchange
from assessments.management.commands.load_demo import DEMO_FILE
from assessments.models import Assessment
from assessments.services import adjustments, importing

from .test_adjustments import ask
from .test_targets import from_targets


def document(records, version=interchange.VERSION):
    return json.dumps(
        {"format": interchange.FORMAT, "version": version, "assessments": records},
        ensure_ascii=False,
    )


def demo_record():
    return json.loads(DEMO_FILE.read_text(encoding="utf-8"))["assessments"][0]


def test_a_version_1_file_is_read_as_self_assessments_without_approved_targets():
    assert json.loads(DEMO_FILE.read_text(encoding="utf-8"))["version"] == 1
    records, problems = interchange.parse_document(document([demo_record()], version=1))
    assert problems == []
    assert records[0]["kind"] == "assessment"
    assert records[0]["targets"] is None and records[0]["adjustments"] == []


def test_version_2_keys_are_unknown_in_a_version_1_file():
    record = {**demo_record(), "kind": "targets"}
    _, problems = interchange.parse_document(document([record], version=1))
    assert problems == ["$.assessments[0].kind：未知的字段。"]


def test_bad_version_2_values_are_named_by_their_path():
    record = {
        **demo_record(),
        "kind": "plan",
        "targets": {"approved": True, "content_hash": "abc"},
        "adjustments": [
            {
                "changes": [{"name": "x", "field": "actual", "old": "1", "new": "2"}],
                "reason": "",
                "requested_at": "2023-05-01T10:00:00+08:00",
                "decided_at": "2023-05-02T10:00:00+08:00",
            }
        ],
    }
    _, problems = interchange.parse_document(document([record]))
    where = [problem.split("：")[0] for problem in problems]
    assert where == [
        "$.assessments[0].kind",
        "$.assessments[0].targets.content_hash",
        "$.assessments[0].adjustments[0].reason",
        "$.assessments[0].adjustments[0].changes[0].field",
    ]


def test_the_same_project_and_year_may_have_a_target_table_and_a_self_assessment():
    plain = demo_record()
    records, problems = interchange.parse_document(document([plain, {**plain, "kind": "targets"}]))
    assert problems == [] and [r["kind"] for r in records] == ["assessment", "targets"]


def test_export_writes_version_3_with_kind_targets_and_adjustments(people):
    assessment = from_targets(people)
    adjustments.approve_adjustment(ask(people, assessment).pk, by=people["reviewer"])
    targets = assessment.targets_source
    exported = [
        interchange.export_assessment(a)
        for a in Assessment.objects.with_tree().filter(pk__in=[targets.pk, assessment.pk])
    ]
    text = interchange.dumps(exported)
    assert json.loads(text)["version"] == interchange.VERSION == 3
    by_kind = {record["kind"]: record for record in exported}
    assert by_kind["assessment"]["targets"]["content_hash"] == (
        targets.valid_signature().content_hash
    )
    assert by_kind["assessment"]["adjustments"][0]["changes"][0]["new"] == "≥400人次"
    assert "targets" not in by_kind["targets"]
    records, problems = interchange.parse_document(text)
    assert problems == []
    (read,) = [record for record in records if record["kind"] == "assessment"]
    assert read["adjustments"][0]["reason"] == "培训场地改造，下半年停训两个月。"


def test_importing_a_self_assessment_links_the_approved_targets_held_here(people):
    assessment = from_targets(people)
    record = interchange.export_assessment(assessment)
    record["project"] = assessment.project.name
    parsed, problems = interchange.parse_document(document([record]))
    assert problems == []
    stored = importing.store_assessment(parsed[0], replace=True, by=people["preparer"])
    assert stored.pk == assessment.pk
    assert stored.targets_source == assessment.targets_source


def test_a_changed_budget_travels_with_its_approved_figure(people):
    assessment = from_targets(people)
    Assessment.objects.filter(pk=assessment.pk).update(
        current_full_year_budget=950000, total_full_year_budget=950000
    )
    assessment = Assessment.objects.with_tree().get(pk=assessment.pk)
    record = interchange.export_assessment(assessment)
    assert record["targets"]["approved_budget"] == "900000.00"
    parsed, problems = interchange.parse_document(document([record]))
    assert problems == []
    stored = importing.store_assessment(parsed[0], replace=True, by=people["preparer"])
    assert stored.approved_budget == 900000
    assert interchange.assessment_record(stored)["targets"] == record["targets"]
    assert any(f.code == "BUDGET_CHANGED_FROM_TARGETS" for f in stored.evaluate().findings)
