import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from assessments.management.commands.load_demo import DEMO_FILE
from assessments.models import (
    Assessment,
    AssessmentEvent,
    Indicator,
    Organisation,
    Project,
    Signature,
)

from .database import as_table_owner

PUBLISHED_TOTALS = [
    "100",
    "100",
    "93.37",
    "95.24",
    "99.45",
    "93.99",
    "100",
    "99.51",
    "100",
    "100",
    "98.22",
]


def export(*args):
    out = StringIO()
    call_command("export_assessments", *args, stdout=out)
    return out.getvalue()


def import_file(path, *args):
    call_command("import_assessments", str(path), *args, stdout=StringIO(), stderr=StringIO())


def refused(path, *args):
    """Run an import that must fail; return what it printed about each problem."""
    err = StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("import_assessments", str(path), *args, stdout=StringIO(), stderr=err)
    return err.getvalue() + str(raised.value)


def demo_document():
    return json.loads(DEMO_FILE.read_text(encoding="utf-8"))


def write(tmp_path, document, name="in.json"):
    path = tmp_path / name
    text = document if isinstance(document, str) else json.dumps(document, ensure_ascii=False)
    path.write_text(text, encoding="utf-8")
    return path


def nothing_stored():
    return not Assessment.objects.exists() and not Project.objects.exists()


def test_export_of_demo_reproduces_every_published_total(demo):
    document = json.loads(export("--year", "2022"))
    totals = [
        Decimal(a["computed"]["total_score"]) for a in document["assessments"] if a["project"]
    ]
    assert totals == [Decimal(t) for t in PUBLISHED_TOTALS]


def test_export_computes_totals_from_figures_not_from_stored_totals(demo):
    Assessment.objects.update(total_score=Decimal("1"), grade="差", execution_rate=None)
    document = json.loads(export("--year", "2022"))
    assert [a["computed"]["total_score"] for a in document["assessments"]][:3] == [
        "100.00",
        "100.00",
        "93.37",
    ]
    travel = document["assessments"][2]
    assert travel["computed"]["execution_rate"] == "33.74"
    assert travel["computed"]["budget_score"] == "3.37"
    assert travel["computed"]["grade"] == "优"


def test_export_carries_findings_and_parsed_indicator_values(demo):
    document = json.loads(export("--year", "2022"))
    by_name = {a["project"]: a for a in document["assessments"]}
    codes = [f["code"] for f in by_name["外省市差旅费"]["computed"]["findings"]]
    assert "RATE_TEXT_MISMATCH" in codes
    leaflet = by_name["宣传费"]["indicators"][0]["computed"]
    assert leaflet == {
        "comparator": "=",
        "target_value": "35000",
        "actual_value": "35000",
        "unit": "件",
        "met": True,
        "suggested_score": "10.00",
    }
    assert by_name["宣传费"]["computed"]["execution_rate"] == "94.48"


def test_export_filters_by_unit_and_writes_a_file(demo, tmp_path):
    assert json.loads(export("--unit", "别的单位"))["assessments"] == []
    target = tmp_path / "out.json"
    call_command("export_assessments", "--year", "2022", "-o", str(target), stderr=StringIO())
    # The eleven project tables and the department's own table.
    assert len(json.loads(target.read_text(encoding="utf-8"))["assessments"]) == 12


def without_target_signatures(text):
    """The export with the approved targets' signature hashes taken out: importing a signed
    target table signs it anew (its signer and time), so a table begun from it names the new
    signature. Every such hash is checked to name its target table's valid signature."""
    document = json.loads(text)
    for record in document["assessments"]:
        if record.get("targets"):
            named = record["targets"].pop("content_hash")
            targets = Assessment.objects.get(
                project__name=record["project"], year__year=record["year"], kind="targets"
            )
            assert named == targets.valid_signature().content_hash
    return json.dumps(document, ensure_ascii=False, indent=2)


def test_export_import_export_is_byte_identical(demo, tmp_path):
    first = export()
    path = write(tmp_path, first)
    original = without_target_signatures(first)
    with as_table_owner():
        AssessmentEvent.objects.all().delete()
        Signature.objects.all().delete()
    Indicator.objects.all().delete()
    # Tables begun from approved targets first: the targets they started from are protected.
    Assessment.objects.filter(targets_source__isnull=False).delete()
    Assessment.objects.all().delete()
    import_file(path)
    assert without_target_signatures(export()) == original
    import_file(path, "--replace")
    assert without_target_signatures(export()) == original


def test_import_creates_organisations_year_and_project_with_nothing_set_up(db, tmp_path):
    import_file(DEMO_FILE)
    assert Assessment.objects.count() == 11
    unit = Organisation.objects.get(name="上海市闵行区社会保障服务中心")
    assert unit.kind == Organisation.Kind.UNIT
    assert unit.parent.kind == Organisation.Kind.DEPARTMENT
    appraisal = Assessment.objects.get(project__name="鉴定、认定费")
    assert appraisal.department_name == "上海市闵行区人力资源和社会保障局"
    assert appraisal.money_unit == "万元"


def test_import_keeps_blank_cells_blank_and_zero_as_zero(db):
    import_file(DEMO_FILE)
    system = Assessment.objects.get(project__name__startswith="工伤认定")
    assert system.current_executed is None
    assert system.carryover_full_year_budget == Decimal("0")
    assert system.total_executed == Decimal("14900")


def test_importing_a_signed_off_table_records_it_as_the_sign_off(db):
    import_file(DEMO_FILE)
    event = AssessmentEvent.objects.filter(assessment__project__name="宣传费").get()
    assert event.action == AssessmentEvent.Action.SIGN_OFF
    assert event.to_status == Assessment.Status.SIGNED_OFF


def test_a_missing_total_row_is_the_sum_of_the_lines(db, tmp_path):
    document = demo_document()
    document["assessments"] = document["assessments"][4:5]
    del document["assessments"][0]["funds"]["total"]
    import_file(write(tmp_path, document))
    leaflet = Assessment.objects.get()
    assert leaflet.total_full_year_budget == Decimal("58000")
    assert leaflet.total_executed == Decimal("54800")


def test_duplicate_without_replace_is_refused_and_changes_nothing(db, tmp_path):
    import_file(DEMO_FILE)
    Assessment.objects.filter(project__name="宣传费").update(goal="本地修改")
    message = refused(DEMO_FILE)
    assert "已存在" in message and "--replace" in message
    assert "$.assessments[4]" in message
    assert Assessment.objects.get(project__name="宣传费").goal == "本地修改"
    assert Assessment.objects.count() == 11


def test_replace_overwrites_in_place_and_keeps_the_history(db, tmp_path):
    import_file(DEMO_FILE)
    leaflet = Assessment.objects.get(project__name="宣传费")
    Assessment.objects.filter(pk=leaflet.pk).update(goal="本地修改")
    import_file(DEMO_FILE, "--replace")
    leaflet.refresh_from_db()
    assert leaflet.goal.startswith("通过告知单发放")
    assert leaflet.indicators.count() == 9
    assert leaflet.events.count() == 2
    assert leaflet.signatures.filter(voided_at__isnull=True).count() == 1
    assert leaflet.signatures.count() == 2


def test_imported_signed_tables_carry_a_signature_that_matches_their_content(db):
    from assessments.trust.signing import canonical_snapshot, content_hash, matches_current

    import_file(DEMO_FILE)
    leaflet = Assessment.objects.get(project__name="宣传费")
    signature = leaflet.signatures.get(voided_at__isnull=True)
    assert signature.content_hash == content_hash(signature.snapshot)
    assert matches_current(signature, canonical_snapshot(leaflet))
    Assessment.objects.filter(pk=leaflet.pk).update(goal="改动")
    leaflet.refresh_from_db()
    assert not matches_current(signature, canonical_snapshot(leaflet))


def mutate(document, change):
    change(document["assessments"][1])
    return document


BAD_INPUTS = {
    "invalid JSON": (
        '{"format": "perf-self-assessment", "version": 1, "assessments": [',
        "不是有效的 JSON",
    ),
    "wrong format": (lambda d: d.update(format="something-else"), "$.format"),
    "wrong version": (lambda d: d.update(version=4), "$.version"),
    "float amount": (
        lambda d: mutate(d, lambda a: a["funds"]["total"].update(executed=54800.5)),
        "$.assessments[1].funds.total.executed",
    ),
    "unknown level1": (
        lambda d: mutate(d, lambda a: a["indicators"][0].update(level1="产量指标")),
        "$.assessments[1].indicators[0].level1",
    ),
    "unknown level2": (
        lambda d: mutate(d, lambda a: a["indicators"][0].update(level2="经济成本指标")),
        "$.assessments[1].indicators[0].level2",
    ),
    "missing field": (lambda d: mutate(d, lambda a: a.pop("project")), "$.assessments[1].project"),
    "huge text": (
        lambda d: mutate(d, lambda a: a.update(goal="字" * 10 * 1024 * 1024)),
        "$.assessments[1].goal",
    ),
    "negative weight": (
        lambda d: mutate(d, lambda a: a["indicators"][0].update(weight="-5")),
        "$.assessments[1].indicators[0].weight",
    ),
    "three decimals": (
        lambda d: mutate(d, lambda a: a["funds"]["current"].update(executed="1.005")),
        "$.assessments[1].funds.current.executed",
    ),
    "duplicate in file": (
        lambda d: d["assessments"].append(dict(d["assessments"][0])),
        "重复",
    ),
}


@pytest.mark.parametrize("case", BAD_INPUTS, ids=list(BAD_INPUTS))
def test_import_refuses_bad_files_naming_the_problem_and_storing_nothing(db, tmp_path, case):
    change, expected = BAD_INPUTS[case]
    if isinstance(change, str):
        path = write(tmp_path, change)
    else:
        document = demo_document()
        change(document)
        path = write(tmp_path, document)
    message = refused(path)
    assert expected in message
    assert "未导入任何数据" in message
    assert nothing_stored()


def test_import_names_every_problem_at_once(db, tmp_path):
    document = demo_document()
    document["assessments"][0]["status"] = "approved"
    document["assessments"][3]["indicators"][2]["score"] = 10
    message = refused(write(tmp_path, document))
    assert "$.assessments[0].status" in message
    assert "$.assessments[3].indicators[2].score" in message
    assert nothing_stored()


def test_import_refuses_a_rule_set_that_differs_from_the_year(db, tmp_path):
    import_file(DEMO_FILE)
    document = demo_document()
    document["assessments"] = document["assessments"][:1]
    document["assessments"][0]["rule_set"] = "MOF2021"
    document["assessments"][0]["indicators"] = []
    message = refused(write(tmp_path, document), "--replace")
    assert "$.assessments[0].rule_set" in message


def test_import_stores_texts_with_plain_line_breaks_and_no_control_characters(db, tmp_path):
    document = demo_document()
    document["assessments"] = document["assessments"][:1]
    document["assessments"][0]["goal"] = "第一行\x0b第二行\x07"
    import_file(write(tmp_path, document))
    assert Assessment.objects.get().goal == "第一行\n第二行"
