"""项目支出绩效目标申报表: the declaration's own cells (header, funds by source, texts, the
review opinions), its wizard step, its layout on screen, paper and workbook, and its
signature, which covers the new cells only where they are filled."""

import io

import openpyxl
import pytest
from django.urls import reverse

from assessments import kinds
from assessments.kinds.inputs import printed_date, read_date
from assessments.models import Assessment
from assessments.paper.official_table import build_official_table
from assessments.rules.readers import ReadError
from assessments.services import workflow
from assessments.trust import signing, snapshot

from .pdftools import compact, pdf_text
from .test_targets import target_table

TARGET_TABLE = kinds.get("targets")
DECLARED = {
    "attribute": "延续",
    "leader": "王建国",
    "telephone": "021-64120000",
    "start": "2023-01-01",
    "end": "2025-12-31",
    "overview": "面向失业人员和农民工开展职业技能培训。",
    "basis": "《职业技能提升行动方案》；区就业工作要点。",
    "period_goal": "三年培训 1500 人次，就业率不低于 60%。",
}


def declared(people, **cells):
    table = target_table(people)
    Assessment.objects.filter(pk=table.pk).update(cells={**DECLARED, **cells})
    return Assessment.objects.with_tree().get(pk=table.pk)


def layout_html(table, *, paper=True):
    from django.template.loader import render_to_string

    return render_to_string(
        table.table_kind.layout, {"table": build_official_table(table, paper=paper)}
    )


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("2024-01-31", "2024-01-31"),
        ("2024/1/31", "2024-01-31"),
        ("2024.1.31", "2024-01-31"),
        ("2024年1月31日", "2024-01-31"),
        ("２０２４年１月３１日", "2024-01-31"),
        ("", ""),
    ],
)
def test_a_date_is_read_as_people_type_it(typed, stored):
    assert read_date(typed, "项目期限（开始）") == stored


@pytest.mark.parametrize("typed", ["2024-02-30", "明年", "2024-13-01", "31/1/2024"])
def test_a_date_that_is_no_date_is_refused_in_chinese(typed):
    with pytest.raises(ReadError, match="“项目期限（开始）”请填写日期"):
        read_date(typed, "项目期限（开始）")


def test_a_stored_date_prints_in_chinese():
    assert printed_date("2024-01-31") == "2024年1月31日"
    assert printed_date("") == ""


def test_the_declaration_is_declared_as_cells_of_its_own_step():
    steps = TARGET_TABLE.step_names
    assert steps[:2] == ["basic", "declaration"] and "actuals" not in steps
    keys = [cell.key for cell in TARGET_TABLE.cells_of_step("declaration")]
    assert keys == list(DECLARED)
    assert TARGET_TABLE.official_columns and not TARGET_TABLE.cells_only
    assert [level for level, _ in TARGET_TABLE.review_opinions] == ["unit", "department"]
    # The opinions are written at the sign-off, never in the wizard.
    assert all(cell.step == "declaration" for cell in TARGET_TABLE.wizard_cells)
    assert TARGET_TABLE.title == "项目支出绩效目标申报表"


def test_the_declaration_step_stores_typed_cells_and_refuses_a_bad_date(client, people):
    table = target_table(people)
    client.force_login(people["preparer"])
    url = reverse("assessments:wizard_step", args=[table.pk, "declaration"])
    page = client.get(url).content.decode()
    assert 'name="cells.attribute.value"' in page and "实施期目标" in page
    posted = {f"cells.{key}.value": value for key, value in DECLARED.items()}
    refused = client.post(
        url, {**posted, "cells.start.value": "明年", "version": table.version, "save": "1"}
    )
    assert refused.status_code == 200
    assert "请填写日期" in refused.content.decode()
    assert Assessment.objects.get(pk=table.pk).cells in ({}, None)
    typed = {**posted, "cells.start.value": "2023年1月1日"}
    saved = client.post(url, {**typed, "version": table.version, "save": "1"})
    assert saved.status_code == 302
    assert Assessment.objects.get(pk=table.pk).cells == DECLARED


def test_a_period_that_ends_before_it_starts_is_an_error_and_a_long_one_needs_its_goal(people):
    reversed_period = declared(people, start="2024-01-01", end="2023-12-31")
    codes = {f.code: f for f in reversed_period.evaluate().findings}
    assert codes["PERIOD_REVERSED"].where == "cells.end.value"
    assert "PERIOD_REVERSED" in {f.code for f in reversed_period.evaluate().errors}
    Assessment.objects.filter(pk=reversed_period.pk).update(cells={**DECLARED, "period_goal": ""})
    multi_year = Assessment.objects.with_tree().get(pk=reversed_period.pk)
    warning = next(f for f in multi_year.evaluate().warnings if f.code == "PERIOD_GOAL_MISSING")
    assert warning.message == "项目期限跨 2023—2025 年，请填写实施期目标。"


def test_a_table_without_the_declaration_is_warned_not_refused(people):
    table = target_table(people)
    evaluation = table.evaluate()
    assert evaluation.errors == []
    missing = next(f for f in evaluation.warnings if f.code == "DECLARATION_MISSING")
    assert missing.message.startswith("申报信息未填：项目属性、项目负责人、联系电话")
    workflow.submit_assessment(table.pk, by=people["preparer"])


def test_the_layout_prints_the_declaration_without_execution_or_scores(people):
    html = layout_html(declared(people))
    for present in (
        "项目支出绩效目标申报表",
        "项目属性",
        "延续",
        "王建国",
        "021-64120000",
        "2023年1月1日至2025年12月31日",
        "当年财政拨款",
        "项目<br>概况",
        "面向失业人员",
        "立项<br>依据",
        "实施期<br>目标",
        "三年培训 1500 人次",
        "年度<br>目标",
        "年度指标值",
        "≥500人次",
        "单位审核意见",
        "主管部门审核意见",
    ):
        assert present in html, present
    for absent in ("全年执行数", "执行率", "得分", "实际完成值", "偏差原因", "总分"):
        assert absent not in html, absent


def test_a_one_year_project_prints_no_period_goal_row(people):
    html = layout_html(declared(people, end="2023-12-31", period_goal=""))
    assert "实施期<br>目标" not in html


def test_the_approval_records_the_reviewers_opinion_and_signs_it(client, people):
    table = declared(people)
    workflow.submit_assessment(table.pk, by=people["preparer"])
    client.force_login(people["department"])
    url = reverse("assessments:sign_off", args=[table.pk])
    page = client.get(url).content.decode()
    assert "主管部门审核意见" in page and "同意。" in page
    blank = client.post(url, {"opinion": "  "})
    assert blank.status_code == 400
    text = blank.content.decode()
    assert "请填写审核意见" in text and 'aria-invalid="true"' in text
    assert Assessment.objects.get(pk=table.pk).status == Assessment.Status.SUBMITTED
    assert client.post(url, {"opinion": "同意申报，按计划实施。"}).status_code == 302
    table = Assessment.objects.with_tree().get(pk=table.pk)
    assert table.status == Assessment.Status.SIGNED_OFF
    cells = table.cells
    assert cells["department_opinion"] == "同意申报，按计划实施。"
    assert cells["department_reviewer"] == people["department"].get_username()
    assert cells["department_date"]
    assert "unit_opinion" not in cells
    signature = table.valid_signature()
    signed = snapshot.read(signature.snapshot).record
    assert signed["cells"]["department_opinion"] == "同意申报，按计划实施。"
    assert signed["cells"]["leader"] == "王建国"
    assert signing.check_signature(signature) == signing.SignatureState.VALID
    html = layout_html(table)
    assert "同意申报，按计划实施。" in html and people["department"].get_username() in html


def test_a_unit_reviewer_approves_for_the_unit(people):
    table = declared(people)
    workflow.submit_assessment(table.pk, by=people["preparer"])
    workflow.sign_off_assessment(table.pk, by=people["reviewer"], opinion="同意。")
    cells = Assessment.objects.get(pk=table.pk).cells
    assert cells["unit_opinion"] == "同意。" and "department_opinion" not in cells


def test_a_target_table_with_no_declared_cell_keeps_the_record_signed_before(people):
    """Tables approved before the declaration had cells have no `cells` key: same hash."""
    table = target_table(people)
    assert "cells" not in snapshot.record_of(table)
    Assessment.objects.filter(pk=table.pk).update(cells={"leader": "王建国"})
    record = snapshot.record_of(Assessment.objects.get(pk=table.pk))
    assert record["cells"]["leader"] == "王建国" and record["cells"]["unit_opinion"] == ""


def test_a_signed_declaration_prints_from_its_snapshot(people, media):
    from assessments.paper import printable

    table = declared(people)
    workflow.submit_assessment(table.pk, by=people["preparer"])
    workflow.sign_off_assessment(table.pk, by=people["department"], opinion="同意。")
    Assessment.objects.filter(pk=table.pk).update(cells={**DECLARED, "leader": "李四"})
    item = printable.signed_printable(Assessment.objects.get(pk=table.pk).valid_signature())
    assert item.table.declared["leader"] == "王建国"
    assert item.table.declared["department_opinion"] == "同意。"


def test_the_workbook_holds_the_declaration_and_the_opinions(client, people):
    table = declared(people)
    workflow.submit_assessment(table.pk, by=people["preparer"])
    workflow.sign_off_assessment(table.pk, by=people["department"], opinion="同意。")
    client.force_login(people["preparer"])
    response = client.get(reverse("assessments:xlsx", args=[table.pk]))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    texts = [str(v) for row in sheet.iter_rows(values_only=True) for v in row if v is not None]
    for present in ("项目属性", "延续", "王建国", "2023年1月1日", "主管部门审核意见", "同意。"):
        assert present in texts, present
    for absent in ("全年执行数", "得分", "总分"):
        assert absent not in texts, absent


def test_the_pdf_is_the_declaration(client, people):
    table = declared(people)
    client.force_login(people["preparer"])
    response = client.get(reverse("assessments:pdf", args=[table.pk]))
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    text = compact(pdf_text(content))
    for present in ("项目支出绩效目标申报表", "项目属性", "王建国", "主管部门审核意见"):
        assert present in text, present
    for absent in ("全年执行数", "得分", "偏差原因"):
        assert absent not in text, absent


def test_next_years_copy_carries_the_declaration_but_not_the_opinions(people):
    from assessments.services import drafts

    from .factories import YearFactory

    table = declared(people)
    workflow.submit_assessment(table.pk, by=people["preparer"])
    workflow.sign_off_assessment(table.pk, by=people["reviewer"], opinion="同意。")
    source = Assessment.objects.get(pk=table.pk)
    copy = drafts.copy_assessment(
        source, year=YearFactory(year=2024, is_open=True), by=people["preparer"]
    )
    assert copy.kind == "targets"
    assert copy.cells == {key: value for key, value in DECLARED.items() if key != "attribute"}


def test_the_detail_page_of_an_approved_declaration_speaks_of_approval(client, people):
    table = declared(people)
    workflow.submit_assessment(table.pk, by=people["preparer"])
    workflow.sign_off_assessment(table.pk, by=people["reviewer"], opinion="同意。")
    client.force_login(people["preparer"])
    page = client.get(table.get_absolute_url()).content.decode()
    assert "内容与批准版本一致" in page and "内容与签发版本一致" not in page
    assert 'class="official official-declaration"' in page


def test_a_long_overview_prints_as_a_note_on_paper(people):
    overview = "面向失业人员开展培训。" * 60
    table = declared(people, overview=overview)
    built = build_official_table(table, paper=True)
    (note,) = [n for n in built.notes if n.label == "项目概况"]
    assert built.cell_notes["overview"] == note.number and note.text == overview
    assert f"见注{note.number}" in layout_html(table)


def test_the_declaration_travels_in_the_interchange_file(people):
    import json

    from assessments import interchange
    from assessments.services import importing

    table = declared(people, telephone="２１-6412")
    record = interchange.export_assessment(table)
    assert record["cells"]["leader"] == "王建国" and record["kind"] == "targets"
    record["cells"]["start"] = "2023年2月1日"
    document = json.dumps(
        {"format": interchange.FORMAT, "version": interchange.VERSION, "assessments": [record]},
        ensure_ascii=False,
    )
    parsed, problems = interchange.parse_document(document)
    assert problems == []
    stored = importing.store_assessment(parsed[0], replace=True, by=people["preparer"])
    assert stored.pk == table.pk
    assert stored.cells["start"] == "2023-02-01" and stored.cells["leader"] == "王建国"
    record["cells"]["end"] = "明年"
    bad = json.dumps(
        {"format": interchange.FORMAT, "version": interchange.VERSION, "assessments": [record]},
        ensure_ascii=False,
    )
    _, problems = interchange.parse_document(bad)
    assert any("cells.end" in problem and "请填写日期" in problem for problem in problems)


def test_reopening_takes_the_opinions_of_the_voided_approval_away(people):
    table = declared(people)
    workflow.submit_assessment(table.pk, by=people["preparer"])
    workflow.sign_off_assessment(table.pk, by=people["reviewer"], opinion="同意。")
    workflow.reopen_assessment(table.pk, by=people["department"], reason="项目期限有误。")
    cells = Assessment.objects.get(pk=table.pk).cells
    assert cells == DECLARED


# ---------------------------------------------------------------------------
# 评分细则: where the year's rule set asks for it


@pytest.fixture
def asks_for_criteria(monkeypatch):
    from dataclasses import replace

    from assessments import rules

    asking = replace(rules.RULE_SETS["MOF2020"], scoring_criteria=True)
    monkeypatch.setitem(rules.RULE_SETS, "MOF2020", asking)
    return asking


def targets_post(table, **criteria):
    from assessments.forms.fields import points_to_text

    rows = list(table.indicators.order_by("position"))
    data = {
        "version": table.version,
        "save": "1",
        "rows-TOTAL_FORMS": str(len(rows)),
        "rows-INITIAL_FORMS": str(len(rows)),
    }
    for index, row in enumerate(rows):
        data.update(
            {
                f"rows-{index}-id": row.pk,
                f"rows-{index}-ORDER": row.position,
                f"rows-{index}-level1": row.level1,
                f"rows-{index}-level2": row.level2,
                f"rows-{index}-name": row.name,
                f"rows-{index}-target": row.target,
                f"rows-{index}-weight": points_to_text(row.weight),
                f"rows-{index}-criteria": criteria.get(row.name, row.criteria),
            }
        )
    return data


def test_the_national_rule_sets_ask_no_criteria_and_print_none(client, people):
    table = declared(people)
    assert not any(f.code == "CRITERIA_MISSING" for f in table.evaluate().findings)
    client.force_login(people["preparer"])
    url = reverse("assessments:wizard_step", args=[table.pk, "targets"])
    page = client.get(url).content.decode()
    assert "<th>评分细则</th>" not in page
    assert 'type="hidden" name="rows-0-criteria"' in page
    assert "评分细则" not in layout_html(table)
    assert all("criteria" not in row for row in snapshot.record_of(table)["indicators"])


def test_a_rule_set_that_asks_gets_the_criteria_typed_checked_and_printed(
    client, people, asks_for_criteria
):
    table = declared(people)
    missing = [f for f in table.evaluate().warnings if f.code == "CRITERIA_MISSING"]
    assert len(missing) == 3 and missing[0].message == "第 1 行指标“培训人次”的评分细则未填写。"
    client.force_login(people["preparer"])
    url = reverse("assessments:wizard_step", args=[table.pk, "targets"])
    page = client.get(url).content.decode()
    assert "<th>评分细则</th>" in page and 'textarea name="rows-0-criteria"' in page
    posted = targets_post(table, 培训人次="每少 50 人次扣 5 分，扣完为止。")
    assert client.post(url, posted).status_code == 302
    row = table.indicators.get(name="培训人次")
    assert row.criteria == "每少 50 人次扣 5 分，扣完为止。"
    table = Assessment.objects.with_tree().get(pk=table.pk)
    html = layout_html(table)
    assert "<th>评分细则</th>" in html and "每少 50 人次扣 5 分" in html
    assert "with-criteria" in html
    rows = snapshot.record_of(table)["indicators"]
    assert rows[0]["criteria"] == "每少 50 人次扣 5 分，扣完为止。"
    assert "criteria" not in rows[1]


def test_a_self_assessment_from_approved_targets_keeps_their_criteria(people, asks_for_criteria):
    from assessments.services import drafts

    table = declared(people)
    table.indicators.filter(name="培训人次").update(criteria="每少 50 人次扣 5 分。")
    workflow.submit_assessment(table.pk, by=people["preparer"])
    workflow.sign_off_assessment(table.pk, by=people["reviewer"], opinion="同意。")
    assessment = drafts.create_assessment(
        unit=people["unit"], year=table.year, project=table.project, by=people["preparer"]
    )
    assert assessment.indicators.get(name="培训人次").criteria == "每少 50 人次扣 5 分。"


def test_the_workbook_has_the_criteria_column_where_the_rule_set_asks(
    client, people, asks_for_criteria
):
    table = declared(people)
    table.indicators.filter(name="培训人次").update(criteria="每少 50 人次扣 5 分。")
    client.force_login(people["preparer"])
    response = client.get(reverse("assessments:xlsx", args=[table.pk]))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = [[v for v in row if v is not None] for row in sheet.iter_rows(values_only=True)]
    header = next(row for row in rows if "评分细则" in row)
    assert header[-4:] == ["三级指标", "年度指标值", "分值", "评分细则"]
    assert any(row[-4:] == ["培训人次", "≥500人次", 50, "每少 50 人次扣 5 分。"] for row in rows)


def test_the_list_of_target_tables_has_no_execution_or_score_columns(client, people):
    declared(people)
    client.force_login(people["preparer"])
    page = client.get(reverse("assessments:list") + "?kind=targets").content.decode()
    assert "职业技能培训" in page and "全年预算数" in page
    for absent in ("全年执行数", "执行率", "总分", "等级"):
        assert absent not in page, absent
    assert "新建绩效目标表" in page
    # Each row has as many cells as the header has columns.
    body = page.split("<tbody")[1].split("</tbody>")[0]
    row = body.split("<tr")[1]
    header = page.split("<thead")[1].split("</thead>")[0]
    assert row.count("<td") == header.count("<th") == 7
    plain = client.get(reverse("assessments:list")).content.decode()
    assert "全年执行数" in plain and "总分不低于" in plain and "新建自评表" in plain


def test_the_exported_list_of_target_tables_has_no_execution_or_score_columns(client, people):
    declared(people)
    client.force_login(people["preparer"])
    response = client.get(reverse("assessments:export_csv") + "?kind=targets")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    header = text.splitlines()[0]
    assert header.startswith("年度,项目名称") and "全年预算数（元）" in header
    for absent in ("全年执行数", "执行率", "总分", "等级"):
        assert absent not in header, absent
    assert "职业技能培训" in text
    assert (
        "绩效目标表-" in response["Content-Disposition"]
        or "%E7%BB%A9%E6%95%88%E7%9B%AE" in (response["Content-Disposition"])
    )
    workbook = client.get(reverse("assessments:export_xlsx") + "?kind=targets")
    sheet = openpyxl.load_workbook(io.BytesIO(workbook.getvalue())).active
    headings = [cell.value for cell in next(sheet.iter_rows(max_row=1))]
    assert sheet.title == "绩效目标表" and "总分" not in headings and "全年预算数（元）" in headings
