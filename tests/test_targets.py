"""Target tables (绩效目标表): filled in before the year, approved, and the self-assessment
that starts from them with its targets locked."""

from decimal import Decimal

import pytest
from django.urls import reverse

from assessments import kinds, permissions, rules, services
from assessments.interchange import assessment_record
from assessments.models import Assessment, AssessmentEvent, Indicator
from assessments.paper.official_table import build_official_table
from assessments.paper.remarks import UNAPPROVED
from assessments.services import comments, drafts, workflow
from assessments.trust import signing

from .factories import (
    AssessmentFactory,
    ProjectFactory,
    YearFactory,
)

TARGETS = "targets"
TARGET_TABLE = kinds.get(TARGETS)
ROWS = [
    ("产出指标", "数量指标", "培训人次", "≥500人次", "50"),
    ("效益指标", "社会效益指标", "政策知晓率", "≥90%", "30"),
    ("满意度指标", "服务对象满意度指标", "参训人员满意度", "≥85%", "10"),
]


def target_table(people, rows=ROWS, **fields):
    """A complete target table of the unit for 2023, created by its preparer, still a draft."""
    project = ProjectFactory(unit=people["unit"], name="职业技能培训")
    table = drafts.create_assessment(
        unit=people["unit"],
        year=YearFactory(year=2023, is_open=True),
        project=project,
        kind=TARGETS,
        by=people["preparer"],
    )
    values = {
        "goal": "全年开展职业技能培训，提升劳动者就业能力。",
        "current_initial_budget": Decimal("800000"),
        "current_full_year_budget": Decimal("900000"),
        "total_initial_budget": Decimal("800000"),
        "total_full_year_budget": Decimal("900000"),
        **fields,
    }
    Assessment.objects.filter(pk=table.pk).update(**values)
    for position, (level1, level2, name, target, weight) in enumerate(rows, start=1):
        row = Indicator(
            assessment=table,
            position=position,
            level1=level1,
            level2=level2,
            name=name,
            target=target,
            weight=Decimal(weight),
        )
        row.save()
    table = Assessment.objects.with_tree().get(pk=table.pk)
    services.refresh_computed(table)
    table.save()
    return table


def approved(people):
    table = target_table(people)
    workflow.submit_assessment(table.pk, by=people["preparer"])
    workflow.sign_off_assessment(table.pk, by=people["reviewer"])
    return Assessment.objects.with_tree().get(pk=table.pk)


def events(table):
    return list(table.events.order_by("pk").values_list("action", flat=True))


# ---------------------------------------------------------------------------
# The rules of a target table (pure)


def targets_input(rows, *, goal="目标", budget="100", weight="10"):
    return rules.AssessmentInput(
        goal=goal,
        budget_weight=Decimal(weight),
        funds={"total": rules.FundsLine(Decimal(budget), Decimal(budget), None)},
        indicators=[
            rules.IndicatorInput(level1=l1, level2=l2, name=n, target=t, weight=Decimal(w))
            for l1, l2, n, t, w in rows
        ],
    )


def codes(evaluation):
    return sorted({f.code for f in evaluation.errors})


def test_a_complete_target_table_has_no_errors_though_nothing_is_done_yet():
    evaluation = TARGET_TABLE.evaluate(targets_input(ROWS))
    assert evaluation.errors == []
    assert evaluation.grade == ""


def test_the_same_rows_as_a_self_assessment_lack_their_actuals():
    assert "VALUE_MISSING" in codes(kinds.get("assessment").evaluate(targets_input(ROWS)))


def test_target_table_errors_name_what_is_missing():
    rows = [
        ("产出指标", "数量指标", "培训人次", "", "50"),
        ("效益指标", "社会效益指标", "政策知晓率", "≥90%", "20"),
    ]
    evaluation = TARGET_TABLE.evaluate(targets_input(rows, goal=""))
    messages = [f.message for f in evaluation.errors]
    assert "第 1 行指标“培训人次”的年度指标值未填写。" in messages
    assert "绩效指标分值合计为 70，应为 90。" in messages
    assert "一级指标“满意度指标”下至少要设一项绩效指标。" in messages
    assert "年度总体目标（预期目标）未填写。" in messages


def test_target_table_without_a_budget_is_an_error():
    evaluation = TARGET_TABLE.evaluate(targets_input(ROWS, budget="0"))
    assert "FUNDS_NO_BUDGET" in codes(evaluation)


# ---------------------------------------------------------------------------
# The cycle: submit, return with a comment, answer, approve, locked


def test_target_table_is_submitted_returned_answered_and_approved(people):
    table = target_table(people)
    workflow.submit_assessment(table.pk, by=people["preparer"])
    comment = comments.add_comment(
        table.pk,
        by=people["reviewer"],
        target="goal",
        text="请写明培训的人数目标。",
    )
    workflow.return_assessment(table.pk, by=people["reviewer"], reason="目标不够具体")
    with pytest.raises(services.AssessmentError, match="批注还没有答复"):
        workflow.submit_assessment(table.pk, by=people["preparer"])
    comments.answer_comment(comment.pk, by=people["preparer"], text="已补充：全年培训500人次。")
    workflow.submit_assessment(table.pk, by=people["preparer"])
    workflow.sign_off_assessment(table.pk, by=people["reviewer"])
    table.refresh_from_db()
    assert table.status == Assessment.Status.SIGNED_OFF
    assert table.status_label == "已批准"
    assert events(table)[1:] == ["submit", "comment", "return", "answer", "submit", "sign_off"]
    signature = table.valid_signature()
    assert signature.snapshot["kind"] == "targets"
    assert signing.check_signature(signature) == signing.SignatureState.VALID
    allowed, reason = permissions.can_edit(people["preparer"], table)
    assert not allowed
    assert reason == "这张绩效目标表已批准，不能修改。"
    with pytest.raises(services.AssessmentError, match="已批准，不能修改"):
        drafts.save_draft(
            table.pk,
            by=people["preparer"],
            base_version=table.version,
            step="goal",
            fields={"goal": "改了"},
        )


def test_target_table_with_errors_cannot_be_submitted(people):
    table = target_table(people, rows=ROWS[:2])
    with pytest.raises(services.AssessmentError, match="满意度指标"):
        workflow.submit_assessment(table.pk, by=people["preparer"])


# ---------------------------------------------------------------------------
# The self-assessment that starts from the approved targets


def test_self_assessment_starts_from_the_approved_targets(people):
    targets = approved(people)
    assessment = drafts.create_assessment(
        unit=people["unit"], year=targets.year, project=targets.project, by=people["preparer"]
    )
    assert assessment.kind == "assessment"
    assert assessment.targets_source == targets
    assert assessment.goal == targets.goal
    assert assessment.total_full_year_budget == targets.total_full_year_budget
    assert assessment.total_executed is None
    copied = list(assessment.indicators.values_list("name", "target", "weight", "actual"))
    source = list(targets.indicators.values_list("name", "target", "weight"))
    assert copied == [(*row, "") for row in source]
    assert events(assessment) == [AssessmentEvent.Action.CREATE]
    assert not assessment.targets_unapproved


def test_a_second_target_table_for_the_same_project_and_year_is_refused(people):
    table = target_table(people)
    with pytest.raises(services.AssessmentError, match="已有 2023 年度的绩效目标表"):
        drafts.create_assessment(
            unit=people["unit"],
            year=table.year,
            project=table.project,
            kind=TARGETS,
            by=people["preparer"],
        )


def from_targets(people):
    targets = approved(people)
    assessment = drafts.create_assessment(
        unit=people["unit"], year=targets.year, project=targets.project, by=people["preparer"]
    )
    return Assessment.objects.with_tree().get(pk=assessment.pk)


def target_rows(assessment, **changes):
    rows = []
    for row in assessment.indicators.all():
        data = {name: getattr(row, name) for name in drafts.ROW_FIELDS_TARGETS}
        rows.append({"id": row.pk, **data, **changes.get(row.name, {})})
    return rows


def test_changing_an_approved_target_in_the_draft_is_refused_and_changes_nothing(people):
    assessment = from_targets(people)
    rows = target_rows(assessment, 培训人次={"target": "≥400人次"})
    with pytest.raises(services.AssessmentError, match="请提出目标调整"):
        drafts.save_draft(
            assessment.pk,
            by=people["preparer"],
            base_version=assessment.version,
            step="targets",
            rows=rows,
            row_fields=drafts.ROW_FIELDS_TARGETS,
        )
    assert assessment.indicators.get(name="培训人次").target == "≥500人次"


def test_removing_an_approved_row_in_the_draft_is_refused(people):
    assessment = from_targets(people)
    with pytest.raises(services.AssessmentError, match="请提出目标调整"):
        drafts.save_draft(
            assessment.pk,
            by=people["preparer"],
            base_version=assessment.version,
            step="targets",
            rows=target_rows(assessment)[1:],
            row_fields=drafts.ROW_FIELDS_TARGETS,
        )
    assert assessment.indicators.count() == len(ROWS)


def test_the_unchanged_approved_rows_save_as_they_are(people):
    assessment = from_targets(people)
    saved = drafts.save_draft(
        assessment.pk,
        by=people["preparer"],
        base_version=assessment.version,
        step="targets",
        rows=target_rows(assessment),
        row_fields=drafts.ROW_FIELDS_TARGETS,
    )
    assert saved.version == assessment.version + 1


def test_wizard_shows_approved_targets_read_only_and_saves_the_actuals(client, people):
    assessment = from_targets(people)
    client.force_login(people["preparer"])
    url = reverse("assessments:wizard_step", args=[assessment.pk, "targets"])
    page = client.get(url).content.decode()
    assert 'id="targets-locked"' in page
    assert 'name="rows-0-target"' not in page
    # A crafted post of changed targets is not read: the rows stay as approved.
    response = client.post(
        url,
        {
            "version": assessment.version,
            "rows-TOTAL_FORMS": "1",
            "rows-INITIAL_FORMS": "1",
            "rows-0-id": assessment.indicators.first().pk,
            "rows-0-target": "≥1人次",
            "save": "1",
        },
    )
    assert response.status_code == 302
    assert assessment.indicators.get(name="培训人次").target == "≥500人次"
    actuals = reverse("assessments:wizard_step", args=[assessment.pk, "actuals"])
    data = {
        "version": Assessment.objects.get(pk=assessment.pk).version,
        "outcome": "全年完成培训。",
        "rows-TOTAL_FORMS": str(len(ROWS)),
        "rows-INITIAL_FORMS": str(len(ROWS)),
        "save": "1",
    }
    for index, row in enumerate(assessment.indicators.all()):
        data.update(
            {
                f"rows-{index}-id": row.pk,
                f"rows-{index}-actual": "=520人次",
                f"rows-{index}-score": format(row.weight, "f"),
                f"rows-{index}-grade": "",
                f"rows-{index}-reason": "",
            }
        )
    assert client.post(actuals, data).status_code == 302
    assert set(assessment.indicators.values_list("actual", flat=True)) == {"=520人次"}


def test_target_table_wizard_has_no_actuals_step_and_no_executed_column(client, people):
    table = target_table(people)
    client.force_login(people["preparer"])
    missing = client.get(reverse("assessments:wizard_step", args=[table.pk, "actuals"]))
    assert missing.status_code == 404
    funds = client.get(reverse("assessments:wizard_step", args=[table.pk, "funds"]))
    page = funds.content.decode()
    assert "年初预算数" in page and "全年预算数" in page
    assert "全年执行数" not in page
    assert "实际完成" not in page


# ---------------------------------------------------------------------------
# Unapproved targets are marked; target tables are not counted as self-assessments


def test_a_table_without_approved_targets_is_marked_on_detail_list_and_paper(client, people):
    assessment = AssessmentFactory(project__unit=people["unit"], year=YearFactory(year=2023))
    client.force_login(people["preparer"])
    detail = client.get(assessment.get_absolute_url()).content.decode()
    assert 'id="targets-unapproved"' in detail
    listing = client.get(reverse("assessments:list")).content.decode()
    assert "目标未经审批" in listing
    table = build_official_table(assessment, paper=True)
    assert table.remarks == [UNAPPROVED]
    printed = client.get(reverse("assessments:print", args=[assessment.pk])).content.decode()
    assert UNAPPROVED in printed


def test_a_table_from_approved_targets_carries_no_unapproved_mark(client, people):
    assessment = from_targets(people)
    client.force_login(people["preparer"])
    detail = client.get(assessment.get_absolute_url()).content.decode()
    assert 'id="targets-unapproved"' not in detail
    assert build_official_table(assessment, paper=True).remarks == []
    record = assessment_record(assessment)
    assert record["targets"] == {
        "approved": True,
        "content_hash": assessment.targets_source.valid_signature().content_hash,
    }


def test_target_tables_are_listed_apart_from_self_assessments(client, people):
    table = target_table(people)
    client.force_login(people["preparer"])
    listing = client.get(reverse("assessments:list")).content.decode()
    assert table.project.name not in listing
    targets = client.get(reverse("assessments:list") + "?kind=targets").content.decode()
    assert table.project.name in targets
    assert list(Assessment.objects.self_assessments()) == []
    assert list(Assessment.objects.target_tables()) == [table]


def test_a_plain_self_assessment_snapshot_has_no_new_keys(people):
    assessment = AssessmentFactory(project__unit=people["unit"])
    record = assessment_record(assessment)
    assert not {"kind", "targets", "adjustments"} & set(record)


def test_demo_has_approved_target_tables_and_one_waiting_for_review(demo):
    tables = {
        t.project.name: t for t in Assessment.objects.target_tables().select_related("project")
    }
    waiting = [name for name, t in tables.items() if t.status == Assessment.Status.SUBMITTED]
    approved_ = [name for name, t in tables.items() if t.status == Assessment.Status.SIGNED_OFF]
    assert len(waiting) == 1 and len(approved_) >= 2
    for name in approved_:
        signature = tables[name].valid_signature()
        assert signing.check_signature(signature) == signing.SignatureState.VALID
        source = Assessment.objects.get(project__name=name, year__year=2022)
        assert list(tables[name].indicators.values_list("name", "target", "weight")) == list(
            source.indicators.values_list("name", "target", "weight")
        )
    assert Assessment.objects.self_assessments().filter(year__year=2023).count() == 0


def test_target_table_detail_shows_budget_and_weights_not_scores(client, people):
    table = approved(people)
    client.force_login(people["preparer"])
    page = client.get(table.get_absolute_url()).content.decode()
    figures = dict(build_official_table(table).key_figures)
    assert figures["指标分值合计"] == "90"
    assert "全年执行数" not in figures and "总分" not in figures
    assert 'id="scoring"' not in page
    assert "项目支出绩效目标申报表" in page and "已批准" in page


# ---------------------------------------------------------------------------
# A target table in its own words and columns (the kind's declaration)


def official_html(table):
    from django.template.loader import render_to_string

    return render_to_string(
        table.table_kind.layout, {"table": build_official_table(table, paper=True)}
    )


def test_an_approved_target_table_prints_without_actuals_scores_or_total(people):
    html = official_html(approved(people))
    assert "项目支出绩效目标申报表" in html and "年度指标值" in html and "≥500人次" in html
    for absent in (
        "全年执行数",
        "执行率",
        "得分",
        "实际完成值",
        "偏差原因",
        "总分",
        "实际完成情况",
    ):
        assert absent not in html, absent
    assert 'class="official-indicators without-actuals"' in html


def test_a_self_assessment_still_prints_every_column_and_the_total(people):
    html = official_html(AssessmentFactory(project__unit=people["unit"]))
    for present in ("财政项目支出绩效自评表", "全年执行数", "实际完成值", "偏差原因", "总分"):
        assert present in html, present


def test_a_target_tables_files_are_named_as_target_tables(people):
    from assessments.paper import printable

    table = approved(people)
    assert printable.table_filename(table) == "2023-职业技能培训-绩效目标表.pdf"
    draft = AssessmentFactory(project__unit=people["unit"], project__name="宣传")
    assert printable.table_filename(draft).endswith("-宣传-绩效自评表.pdf")


def test_verify_calls_an_approved_target_table_an_approved_target_table(client, people):
    signature = approved(people).valid_signature()
    page = client.get(reverse("verify:hash", args=[signature.content_hash])).content.decode()
    assert "该摘要属于一份批准的目标表，批准仍然有效" in page
    assert "批准时间" in page and "签发仍然有效" not in page


def test_the_sign_off_page_and_review_button_speak_of_approval(client, people):
    table = target_table(people)
    workflow.submit_assessment(table.pk, by=people["preparer"])
    client.force_login(people["reviewer"])
    detail = client.get(table.get_absolute_url()).content.decode()
    assert "审核通过并批准" in detail and "审核通过并签发" not in detail
    page = client.get(reverse("assessments:sign_off", args=[table.pk])).content.decode()
    assert "确认批准绩效目标表" in page and "确认签发" not in page


def test_a_target_tables_workbook_has_no_execution_score_or_total(client, people):
    import io

    import openpyxl

    table = approved(people)
    client.force_login(people["preparer"])
    response = client.get(reverse("assessments:xlsx", args=[table.pk]))
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    texts = [str(v) for row in sheet.iter_rows(values_only=True) for v in row if v is not None]
    assert "项目支出绩效目标申报表" in texts and "年度指标值" in texts and "≥500人次" in texts
    for absent in ("全年执行数", "执行率", "得分", "实际完成值", "偏差原因分析及改进措施", "总分"):
        assert absent not in texts, absent
    from urllib.parse import quote

    assert quote("2023-职业技能培训-绩效目标表.xlsx") in response["Content-Disposition"]


def test_comments_on_a_target_table_pin_only_to_what_it_shows(people):
    table = target_table(people)
    offered = dict(comments.comment_targets(table))
    row = table.indicators.order_by("position").first()
    assert "goal" in offered and f"indicators.{row.pk}.target" in offered
    assert "outcome" not in offered and "funds.total.executed" not in offered
    assert f"indicators.{row.pk}.actual" not in offered
