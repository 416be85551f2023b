"""What a signature covers, by version: old signatures verify unchanged, new ones print alone."""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db.models import F
from django.urls import reverse

from assessments import kinds, rules
from assessments.formats import display_name
from assessments.models import Assessment, ReportingYear, Signature
from assessments.paper import printable
from assessments.services import workflow
from assessments.trust import signing, snapshot
from assessments.trust.signing import SignatureState, check_signature

from .database import resign
from .pdftools import pdf_text

# The content hashes of the demo's signatures as `load_demo` stored them before snapshots
# were versioned (version 1): (kind, project) -> SHA-256.
DEMO_HASHES = {
    ("assessment", "城乡居民社会养老保险财政补助资金"): (
        "1e4ffb53c117da2399c969515a73aeaed2b8e906a6710bf49e7f158b9bb525fe"
    ),
    ("assessment", "外区属地化管理人员服务费"): (
        "0be679f3d6ff8b8cf176ae8139cda100c11a003c39a9108b7dd849ad010f8655"
    ),
    ("assessment", "外省市差旅费"): (
        "b1a749630479448f266b49a2ecea40077d869805196dc4d1ba8e20768a09345a"
    ),
    ("assessment", "宣传费"): "3c5fff3a51c7a4ce2a9134af6234cd748f5867c57c0102edafc495c95dc1aca7",
    ("assessment", "工伤认定和劳动能力鉴定业务系统(2022运维)"): (
        "26cc275b6cfd893e0630f1182a25d9a500791f7b3a8c4b65aabef90a5f41afec"
    ),
    ("assessment", "征地养老慰问经费"): (
        "62008fc6747ec13c3f5a32893aed700f00599fb2b9b7ee6c9787c0454160c815"
    ),
    ("assessment", "征地养老管理信息系统(2022 运维)"): (
        "945661c023a7b16c754f93fa0d0983c04cc7156f445c2d555229f516dcd11b5c"
    ),
    ("assessment", "征地养老费支出"): (
        "0f4d773c9fc706787473c66fbfd8c446f779791000bae6203b748a125c85afad"
    ),
    ("assessment", "政府购买辅助服务"): (
        "8d3bdeb5b36a07ef4ff95878e650bafcdb835131682f27bd36b0232ada4371c7"
    ),
    ("assessment", "邮寄费"): "a8ca435eb6db575236cb9f3f27c8db5afc1d31d1e80bf0db5666d25297b6b2c4",
    ("assessment", "鉴定、认定费"): (
        "5d55afad1ae11d33b52f118e6f6ca17985b3cc0a911074849b9b8fdcaef87791"
    ),
    ("targets", "外区属地化管理人员服务费"): (
        "640ee923296358091b5c50ea2f8514c93c7781497f8a80e1bdbd12d8d98467e3"
    ),
    ("targets", "征地养老慰问经费"): (
        "34ffae732c60c6c890bb960a26444948bd99148ee93d7562b9f787eae5dd73e0"
    ),
    ("targets", "邮寄费"): "fd093705c788472b218f6dd786a9b0b9112ebb0c2b9b49d91dc7274583e7077e",
    ("monitoring", "征地养老慰问经费"): (
        "ab3c49de8fbe5c4122f40f6e4f5350491f4b1878039e452e9bac21efee1c1e29"
    ),
}

# A snapshot of each version made by hand, and the hash each must keep.
HAND_MADE_RECORD = {
    "year": 2022,
    "project": "档案数字化",
    "department": "区档案局",
    "unit": "区档案馆",
    "rule_set": "MOF2020",
    "money_unit": "yuan",
    "funds": {line: {column: None for column in rules.FUND_COLUMNS} for line in rules.FUND_LINES},
    "budget_weight": "10.00",
    "goal": "完成馆藏档案数字化。",
    "outcome": "已完成。",
    "indicators": [
        {
            "level1": "产出指标",
            "level2": "数量指标",
            "name": "数字化卷数",
            "target": "≥1000卷",
            "actual": "1200卷",
            "grade": None,
            "weight": "90.00",
            "score": "90.00",
            "reason": "",
        }
    ],
}
HAND_MADE_V1_HASH = "f3b644ca5d151b02721a3c83ede1a4f1b3671792015db8f62c426ad95df2d01a"
HAND_MADE_V2 = {
    **HAND_MADE_RECORD,
    "snapshot_version": 2,
    "printed": {
        "execution_rate": None,
        "budget_score": "0.00",
        "indicator_score": "90.00",
        "total_score": "90.00",
        "grade": "优",
        "preparer": {"name": "田宝", "date": "2023年3月1日"},
        "reviewer": {"name": "沈和", "date": "2023年3月2日"},
    },
}
HAND_MADE_V2_HASH = "63fa9adc4723e36f25d500889c104ce69327dbbff22287707053c63d51762d77"


def people():
    return {user.username: user for user in get_user_model().objects.all()}


def signed_again(project="宣传费"):
    """The demo table reopened, submitted by tianbao and signed off by juzhang now."""
    assessment = Assessment.objects.get(project__name=project, kind="assessment")
    ReportingYear.objects.filter(pk=assessment.year_id).update(is_open=True)
    users = people()
    workflow.reopen_assessment(assessment.pk, by=users["juzhang"], reason="重新签发")
    workflow.submit_assessment(assessment.pk, by=users["tianbao"])
    workflow.sign_off_assessment(assessment.pk, by=users["juzhang"])
    return Signature.objects.select_related("signed_by").get(
        assessment=assessment, voided_at__isnull=True
    )


def previous_content(record, assessment):
    """The record as the previous release held it: a target table's declared cells (项目属性,
    项目负责人 … and the review opinions, with the approval's date) came later, so a table
    begun from approved targets named the hash of their record without them; a kind whose
    cells are the whole table (the monitoring table) had them from the start."""
    if not kinds.get(record.get("kind", kinds.DEFAULT)).cells_only:
        record = {key: value for key, value in record.items() if key != "cells"}
    source = assessment.targets_source
    if source is not None and record.get("targets"):
        earlier = previous_content(snapshot.record_of(source), source)
        record = {
            **record,
            "targets": {**record["targets"], "content_hash": signing.content_hash(earlier)},
        }
    return record


def as_previous_release(signature):
    """The row as the previous release stored a sign-off of the same table: the record
    without status (and without the cells it did not have) as its snapshot, version 1, signed
    with the key."""
    record = previous_content(snapshot.record_of(signature.assessment), signature.assessment)
    resign(signature.pk, snapshot=record, content_hash=signing.content_hash(record), version=1)
    return Signature.objects.select_related("signed_by", "key").get(pk=signature.pk)


def test_a_hand_made_snapshot_of_each_version_keeps_its_hash():
    assert signing.content_hash(HAND_MADE_RECORD) == HAND_MADE_V1_HASH
    assert signing.content_hash(HAND_MADE_V2) == HAND_MADE_V2_HASH
    first, second = snapshot.read(HAND_MADE_RECORD), snapshot.read(HAND_MADE_V2)
    assert (first.version, first.printed) == (1, None)
    assert first.record == second.record == HAND_MADE_RECORD
    assert second.version == 2
    assert first.figures is None
    assert second.figures == snapshot.SignedFigures(
        execution_rate=None,
        budget_score=Decimal("0.00"),
        indicator_score=Decimal("90.00"),
        total_score=Decimal("90.00"),
        grade="优",
    )


@pytest.mark.parametrize(
    "stored",
    [
        {**HAND_MADE_RECORD, "snapshot_version": 3},
        {**HAND_MADE_RECORD, "snapshot_version": "2"},
        {**HAND_MADE_RECORD, "printed": HAND_MADE_V2["printed"]},
        {**HAND_MADE_V2, "printed": {**HAND_MADE_V2["printed"], "total_score": "九十"}},
        {**HAND_MADE_V2, "printed": {"total_score": "90.00"}},
        [HAND_MADE_RECORD],
    ],
    ids=["unknown", "text", "v1-printed", "figure", "incomplete", "list"],
)
def test_a_snapshot_no_version_reads_is_refused(stored):
    with pytest.raises(snapshot.SnapshotError):
        snapshot.read(stored)


def test_the_demo_tables_hash_as_the_previous_release_signed_them(demo):
    # The project tables the previous release signed (the department's own table is newer).
    signatures = Signature.objects.valid().filter(assessment__project__isnull=False)
    signatures = signatures.select_related("assessment__project")
    pinned = {
        (s.assessment.kind, s.assessment.project.name): signing.content_hash(
            previous_content(snapshot.record_of(s.assessment), s.assessment)
        )
        for s in signatures
    }
    assert pinned == DEMO_HASHES
    for signature in signatures:
        # A new signature covers the same content, and its computed figures and names.
        assert signature.version == snapshot.CURRENT_VERSION
        key = (signature.assessment.kind, signature.assessment.project.name)
        content = previous_content(signing.signed_content(signature), signature.assessment)
        assert signing.content_hash(content) == DEMO_HASHES[key]


def test_signatures_made_by_the_previous_release_verify_unchanged(client, demo):
    # A table begun from approved targets names their signature's hash as the previous
    # release made it: the target tables are signed again as that release signed them first.
    # The project tables only: the department's own table is newer.
    signatures = Signature.objects.valid().filter(assessment__project__isnull=False)
    signatures = signatures.select_related("assessment__project")
    ordered = signatures.order_by(F("assessment__targets_source").asc(nulls_first=True), "pk")
    for signature in ordered:
        old = as_previous_release(signature)
        key = (old.assessment.kind, old.assessment.project.name)
        assert old.content_hash == DEMO_HASHES[key]
        assert check_signature(old) == SignatureState.VALID
    old = Signature.objects.get(assessment__project__name="宣传费", assessment__kind="assessment")
    item = printable.signed_printable(old)
    assessment = Assessment.objects.get(pk=old.assessment_id)
    assert item.table.evaluation.total_score == assessment.evaluate().total_score
    client.force_login(people()["tianbao"])
    text = client.get(reverse("verify:hash", args=[old.content_hash])).content.decode()
    assert "有效：" in text


def test_a_target_table_approved_before_its_declaration_verifies_and_prints_anew(client, demo):
    """Approved before the declaration had cells: the snapshot has none, its hash stands, and
    the new layout prints it from the snapshot (the header's new cells blank)."""
    from django.template.loader import render_to_string

    signature = Signature.objects.valid().get(
        assessment__kind="targets", assessment__project__name="外区属地化管理人员服务费"
    )
    old = as_previous_release(signature)
    assert "cells" not in old.snapshot
    assert old.content_hash == DEMO_HASHES[("targets", "外区属地化管理人员服务费")]
    assert check_signature(old) == SignatureState.VALID
    item = printable.signed_printable(old)
    assert item.table.declared["leader"] == "" and item.table.sheet.period == ""
    html = render_to_string(item.table.kind.layout, {"table": item.table})
    assert "项目支出绩效目标申报表" in html and "单位审核意见" in html
    assert "沈佳" not in html and "全年执行数" not in html and "得分" not in html
    client.force_login(people()["tianbao"])
    text = client.get(reverse("verify:hash", args=[old.content_hash])).content.decode()
    assert "目标表" in text and "有效：" in text


def test_the_demo_declarations_are_signed_with_their_cells(demo):
    signature = Signature.objects.valid().get(
        assessment__kind="targets", assessment__project__name="外区属地化管理人员服务费"
    )
    cells = snapshot.read(signature.snapshot).record["cells"]
    assert cells["leader"] == "沈佳" and cells["end"] == "2025-12-31"
    assert cells["unit_opinion"] == "同意。" and cells["unit_reviewer"] == "王强"
    assert check_signature(signature) == SignatureState.VALID


def test_a_new_signature_holds_the_printed_figures_and_names(demo):
    signature = signed_again()
    assert check_signature(signature) == SignatureState.VALID
    evaluation = signature.assessment.evaluate()
    printed = signature.snapshot["printed"]
    assert signature.snapshot["snapshot_version"] == signature.version == 2
    assert printed["total_score"] == format(evaluation.total_score, "f")
    assert printed["grade"] == evaluation.grade != ""
    assert printed["execution_rate"] == format(evaluation.execution_rate, "f")
    assert printed["preparer"]["name"] == display_name(people()["tianbao"])
    assert printed["reviewer"]["name"] == display_name(people()["juzhang"])
    assert printed["reviewer"]["date"].endswith("日")


def change_the_rules_and_the_names(monkeypatch):
    """After signing: the budget scores nothing, every grade is 差, the people are renamed."""
    monkeypatch.setattr(
        "assessments.rules.evaluation.budget_score", lambda budget, executed, weight: Decimal(0)
    )
    monkeypatch.setattr("assessments.rules.evaluation.grade_for", lambda total, rule_set: "差")
    for username in ("tianbao", "juzhang"):
        get_user_model().objects.filter(username=username).update(first_name=f"改名{username}")


def test_a_signed_copy_prints_from_its_snapshot_when_the_rules_change(client, demo, monkeypatch):
    signature = signed_again()
    client.force_login(people()["tianbao"])
    page = reverse("assessments:print", args=[signature.assessment_id])
    before = client.get(page).content.decode()
    figures = printable.signed_printable(signature).table
    live_before = signature.assessment.evaluate()

    change_the_rules_and_the_names(monkeypatch)
    signature = Signature.objects.select_related("signed_by").get(pk=signature.pk)
    live_after = Assessment.objects.get(pk=signature.assessment_id).evaluate()
    assert live_after.grade == "差" != live_before.grade  # the rules did change
    assert live_after.total_score != live_before.total_score
    after = printable.signed_printable(signature).table
    assert after.evaluation.total_score == figures.evaluation.total_score
    assert after.evaluation.grade == figures.evaluation.grade == live_before.grade
    assert after.key_figures == figures.key_figures
    assert after.signatures == figures.signatures
    assert client.get(page).content.decode() == before
    assert "改名" not in before


def test_a_copy_signed_before_versions_prints_as_before(demo, monkeypatch):
    """Version 1 holds no figures: its copy computes them with the rules of the day."""
    old = as_previous_release(signed_again())
    change_the_rules_and_the_names(monkeypatch)
    old = Signature.objects.select_related("signed_by").get(pk=old.pk)
    table = printable.signed_printable(old).table
    assert table.evaluation.grade == "差"
    assert "改名" in table.signatures.reviewer.name


@pytest.mark.slow
def test_the_signed_pdf_prints_the_signed_figures_when_the_rules_change(demo, monkeypatch):
    from assessments.paper import pdf

    signature = signed_again()
    before = pdf_text(pdf.render_pdf(printable.signed_printable(signature)))
    change_the_rules_and_the_names(monkeypatch)
    signature = Signature.objects.select_related("signed_by").get(pk=signature.pk)
    after = pdf_text(pdf.render_pdf(printable.signed_printable(signature)))
    assert after == before
    assert "改名" not in after


def test_a_signature_whose_version_disagrees_with_its_row_is_forged(demo):
    signature = signed_again()
    resign(signature.pk, version=1)
    assert check_signature(Signature.objects.get(pk=signature.pk)) == SignatureState.FORGED
