import json
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments import forms, services
from assessments.interchange import assessment_record
from assessments.models import Assessment, AssessmentEvent, ReportingYear
from assessments.services import comments, drafts, workflow

from .factories import AssessmentFactory, UnitFactory, UserFactory, YearFactory, login, member


@pytest.fixture
def unit(db):
    return UnitFactory(name="上海市某某服务中心")


@pytest.fixture
def preparer(unit):
    return member(UserFactory(username="preparer", first_name="张丽"), unit, "preparer")


@pytest.fixture
def colleague(unit):
    return member(UserFactory(username="colleague", first_name="李娜"), unit, "preparer")


@pytest.fixture
def reviewer(unit):
    return member(UserFactory(username="reviewer"), unit, "reviewer")


@pytest.fixture
def draft(unit):
    year = YearFactory(year=2023)
    return AssessmentFactory(project__unit=unit, year=year)


def step_url(assessment, step):
    return reverse("assessments:wizard_step", args=[assessment.pk, step])


def stored(assessment):
    """Everything stored about the draft, to prove that a refused save changed nothing."""
    assessment = Assessment.objects.get(pk=assessment.pk)
    return json.dumps(assessment_record(assessment), ensure_ascii=False), assessment.version


def funds_post(assessment, **overrides):
    data = {"version": assessment.version}
    for line in ("current", "carryover", "other"):
        for column in ("initial_budget", "full_year_budget", "executed"):
            data[f"{line}_{column}"] = ""
    data.update(
        current_initial_budget="10000", current_full_year_budget="10000", current_executed="9000"
    )
    data.update(overrides)
    return data


def targets_post(assessment, rows=None, **extra):
    rows = (
        rows
        if rows is not None
        else [
            (row.pk, row.level1, row.level2, row.name, row.target, format(row.weight, "f"))
            for row in assessment.indicators.order_by("position")
        ]
    )
    data = {
        "version": assessment.version,
        "rows-TOTAL_FORMS": len(rows),
        "rows-INITIAL_FORMS": len(rows),
        "rows-MIN_NUM_FORMS": 0,
        "rows-MAX_NUM_FORMS": 1000,
    }
    for index, (pk, level1, level2, name, target, weight) in enumerate(rows):
        prefix = f"rows-{index}-"
        data.update(
            {
                prefix + "id": pk or "",
                prefix + "level1": level1,
                prefix + "level2": level2,
                prefix + "name": name,
                prefix + "target": target,
                prefix + "weight": weight,
                prefix + "ORDER": index + 1,
            }
        )
    data.update(extra)
    return data


def actuals_post(assessment, changes=None, outcome="执行率90%"):
    rows = list(assessment.indicators.order_by("position"))
    data = {
        "version": assessment.version,
        "outcome": outcome,
        "rows-TOTAL_FORMS": len(rows),
        "rows-INITIAL_FORMS": len(rows),
        "rows-MIN_NUM_FORMS": 0,
        "rows-MAX_NUM_FORMS": 1000,
    }
    for index, row in enumerate(rows):
        prefix = f"rows-{index}-"
        data.update(
            {
                prefix + "id": row.pk,
                prefix + "actual": row.actual,
                prefix + "grade": row.grade,
                prefix + "score": "" if row.score is None else format(row.score, "f"),
                prefix + "reason": row.reason,
            }
        )
    for key, value in (changes or {}).items():
        data[f"rows-{key}"] = value
    return data


# ---------------------------------------------------------------------------
# Saving steps


def test_funds_step_saves_amounts_typed_as_people_type_them(client, preparer, draft):
    client.force_login(preparer)
    response = client.post(
        step_url(draft, "funds"),
        funds_post(
            draft,
            current_full_year_budget="１２，０００．５０",
            current_executed=" 9,000 ",
            carryover_full_year_budget="0",
            next="1",
        ),
    )
    assert response.status_code == 302
    assert response.url == step_url(draft, "goal")
    draft.refresh_from_db()
    assert draft.current_full_year_budget == Decimal("12000.50")
    assert draft.total_full_year_budget == Decimal("12000.50")
    assert draft.total_executed == Decimal("9000")
    assert draft.carryover_executed is None
    assert draft.execution_rate == Decimal("75.00")
    assert draft.last_step == "goal"  # she comes back where she went on to


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("-100", "不能为负数"),
        ("一万", "全年执行数不是数字（填写的是“一万”），可填 1234.5、1,234.50 或 0.12万元"),
        ("12345678901234567890", "过大"),
        ("1.005", "两位小数"),
    ],
    ids=["negative", "letters", "20 digits", "three decimals"],
)
def test_bad_amount_gets_a_chinese_field_error_and_changes_nothing(
    client, preparer, draft, value, message
):
    client.force_login(preparer)
    before = stored(draft)
    response = client.post(
        step_url(draft, "funds"), funds_post(draft, current_executed=value, next="1")
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert "is-invalid" in response.content.decode()
    assert stored(draft) == before


def submit_refusal(client, assessment):
    """What the detail page says after 提交审核 of a draft the rules do not pass yet."""
    response = client.post(reverse("assessments:submit", args=[assessment.pk]), follow=True)
    assert Assessment.objects.get(pk=assessment.pk).status == Assessment.Status.DRAFT
    return response.content.decode()


def test_weights_summing_to_91_are_kept_as_a_draft_and_reported(client, preparer, draft):
    client.force_login(preparer)
    rows = [
        (row.pk, row.level1, row.level2, row.name, row.target, format(row.weight, "f"))
        for row in draft.indicators.order_by("position")
    ]
    rows[0] = (*rows[0][:5], "51")
    response = client.post(step_url(draft, "targets"), targets_post(draft, rows, save="1"))
    assert response.status_code == 302
    assert draft.indicators.get(pk=rows[0][0]).weight == Decimal("51")
    page = client.get(step_url(draft, "targets")).content.decode()
    assert "绩效指标分值合计为 91，应为 90" in page
    assert 'id="step-findings"' in page
    assert "绩效指标分值合计为 91，应为 90" in submit_refusal(client, draft)


def test_a_level2_outside_its_level1_is_kept_and_reported(client, preparer, draft):
    client.force_login(preparer)
    rows = [
        (row.pk, row.level1, row.level2, row.name, row.target, format(row.weight, "f"))
        for row in draft.indicators.order_by("position")
    ]
    rows[0] = (rows[0][0], "产出指标", "社会效益指标", *rows[0][3:])
    response = client.post(step_url(draft, "targets"), targets_post(draft, rows, save="1"))
    assert response.status_code == 302
    assert draft.indicators.get(pk=rows[0][0]).level2 == "社会效益指标"
    page = client.get(step_url(draft, "targets")).content.decode()
    assert "不属于一级指标“产出指标”" in page


@pytest.mark.parametrize(
    ("changes", "finding"),
    [
        ({"0-score": "51"}, "超出 0 至分值 50 的范围"),
        ({"0-score": "40", "0-reason": ""}, "须填写偏差原因分析及改进措施"),
    ],
    ids=["above weight", "missing reason"],
)
def test_a_score_the_rules_refuse_is_kept_as_a_draft_and_reported(
    client, preparer, draft, changes, finding
):
    client.force_login(preparer)
    response = client.post(step_url(draft, "actuals"), actuals_post(draft, changes) | {"save": "1"})
    assert response.status_code == 302
    row = draft.indicators.get(position=1)
    assert row.score == Decimal(changes["0-score"])
    page = client.get(step_url(draft, "actuals")).content.decode()
    assert finding in page
    assert finding in submit_refusal(client, draft)


def test_a_score_above_its_weight_is_not_counted_into_the_total(client, preparer, draft):
    client.force_login(preparer)
    before = Assessment.objects.get(pk=draft.pk).total_score
    first = draft.indicators.get(position=1)
    client.post(
        step_url(draft, "actuals"),
        actuals_post(draft, {"0-score": "51", "0-reason": "超额"}) | {"save": "1"},
    )
    after = Assessment.objects.get(pk=draft.pk).total_score
    assert after == before - first.score
    live = client.post(
        reverse("assessments:wizard_live", args=[draft.pk, "actuals"]),
        actuals_post(Assessment.objects.get(pk=draft.pk), {"0-score": "51"}),
    ).json()
    assert live["rows"][0]["score_counts"] is False
    assert Decimal(live["total_score"]) == after


def test_a_negative_score_cannot_be_stored_and_is_refused_on_its_field(client, preparer, draft):
    client.force_login(preparer)
    before = stored(draft)
    changes = {"0-score": "-1", "1-reason": "另一行的说明"}
    response = client.post(step_url(draft, "actuals"), actuals_post(draft, changes) | {"save": "1"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "得分不能为负数" in page
    assert 'name="rows-0-score"' in page and "is-invalid" in page
    assert "另一行的说明" in page  # every other typed value stays on the page
    assert stored(draft) == before


def test_qualitative_score_outside_its_grade_band_is_kept_and_reported(client, preparer, unit):
    assessment = AssessmentFactory(
        project__unit=unit,
        indicators=[
            ("产出指标", "时效指标", "及时性", "及时", "及时", "50", "50"),
            ("效益指标", "社会效益指标", "覆盖率", ">=95%", "=98%", "30", "30"),
            ("满意度指标", "服务对象满意度指标", "满意度", ">=90%", "=95%", "10", "10"),
        ],
    )
    client.force_login(preparer)
    changes = {"0-grade": "partial", "0-score": "45", "0-reason": "部分延迟"}
    response = client.post(
        step_url(assessment, "actuals"), actuals_post(assessment, changes) | {"save": "1"}
    )
    assert response.status_code == 302
    page = client.get(step_url(assessment, "actuals")).content.decode()
    assert "得分应在 30 至 40 之间" in page
    changes["0-score"] = "38"
    response = client.post(
        step_url(assessment, "actuals"),
        actuals_post(Assessment.objects.get(pk=assessment.pk), changes) | {"save": "1"},
    )
    assert response.status_code == 302
    row = assessment.indicators.get(position=1)
    assert (row.grade, row.score) == ("partial", Decimal("38"))
    page = client.get(step_url(assessment, "actuals")).content.decode()
    assert "得分应在 30 至 40 之间" not in page


def test_targets_step_adds_removes_and_orders_rows_by_taxonomy(client, preparer, draft):
    client.force_login(preparer)
    first, second, third = draft.indicators.order_by("position")
    rows = [
        (third.pk, third.level1, third.level2, third.name, third.target, "10"),
        (None, "产出指标", "时效指标", "按时完成率", "=100%", "20"),
        (first.pk, first.level1, first.level2, "完成数量（改）", "≥120件", "30"),
        (None, "效益指标", "社会效益指标", "政策知晓率", "≥80%", "30"),
    ]
    data = targets_post(draft, rows, save="1")
    response = client.post(step_url(draft, "targets"), data)
    assert response.status_code == 302
    names = list(draft.indicators.order_by("position").values_list("name", flat=True))
    assert names == ["完成数量（改）", "按时完成率", "政策知晓率", "满意度"]
    edited = draft.indicators.get(pk=first.pk)
    assert edited.target == "≥120件"
    assert edited.actual == "=100件"  # the actual entered earlier survives editing the target
    assert not draft.indicators.filter(pk=second.pk).exists()


def test_a_save_writes_exactly_one_log_entry_with_old_and_new_values(client, preparer, draft):
    client.force_login(preparer)
    client.post(
        step_url(draft, "goal"), {"version": draft.version, "goal": "新的目标", "save": "1"}
    )
    event = AssessmentEvent.objects.get(assessment=draft, action="edit")
    assert event.actor == preparer
    assert event.changes == {"预期目标": ["完成年度工作任务。", "新的目标"]}


def test_a_save_writes_only_the_indicator_rows_and_columns_typed_into(client, preparer, draft):
    client.force_login(preparer)
    with CaptureQueriesContext(connection) as queries:
        client.post(step_url(draft, "actuals"), {**actuals_post(draft), "save": "1"})
    row_updates = [
        q["sql"] for q in queries if q["sql"].startswith('UPDATE "assessments_indicator"')
    ]
    assert row_updates == []  # only 实际完成情况 changed
    draft.refresh_from_db()
    with CaptureQueriesContext(connection) as queries:
        client.post(
            step_url(draft, "actuals"),
            {**actuals_post(draft, {"1-reason": "受天气影响推迟"}), "save": "1"},
        )
    (update,) = [q["sql"] for q in queries if q["sql"].startswith('UPDATE "assessments_indicator"')]
    assert '"reason"' in update and '"actual"' not in update and '"score"' not in update
    second = draft.indicators.order_by("position")[1]
    assert second.reason == "受天气影响推迟"


def test_a_save_over_a_newer_version_is_refused_naming_who_changed_it(
    client, preparer, colleague, draft
):
    stale_version = draft.version
    drafts.save_draft(
        draft.pk,
        by=colleague,
        base_version=stale_version,
        step="goal",
        fields={"goal": "同事的修改"},
    )
    client.force_login(preparer)
    response = client.post(
        step_url(draft, "goal"),
        {"version": stale_version, "goal": "我的修改", "save": "1"},
        follow=True,
    )
    text = response.content.decode()
    assert "李娜 已于" in text and "您的修改没有保存" in text
    assert "我的修改" in text  # what she typed is still on the page
    assert Assessment.objects.get(pk=draft.pk).goal == "同事的修改"


# ---------------------------------------------------------------------------
# Who may


def test_reviewer_cannot_edit_a_draft_even_by_posting(client, reviewer, draft):
    client.force_login(reviewer)
    before = stored(draft)
    response = client.post(step_url(draft, "goal"), {"version": draft.version, "goal": "x"})
    assert response.status_code == 403
    assert stored(draft) == before


def test_outsider_gets_404_for_another_units_draft(client, draft, outsider):
    client.force_login(outsider)
    assert client.get(step_url(draft, "goal")).status_code == 404


def test_submitted_assessment_is_not_editable_in_the_service(preparer, draft):
    Assessment.objects.filter(pk=draft.pk).update(status=Assessment.Status.SUBMITTED)
    with pytest.raises(services.AssessmentError, match="已提交"):
        drafts.save_draft(
            draft.pk, by=preparer, base_version=draft.version, step="goal", fields={"goal": "x"}
        )


def test_signed_off_demo_table_redirects_from_the_wizard_to_its_page(client, demo):
    login(client, "tianbao")
    leaflet = Assessment.objects.get(project__name="宣传费")
    response = client.get(step_url(leaflet, "funds"))
    assert response.status_code == 302
    assert response.url == leaflet.get_absolute_url()


def test_resume_goes_to_the_last_saved_step(client, preparer, draft):
    Assessment.objects.filter(pk=draft.pk).update(last_step="actuals")
    client.force_login(preparer)
    response = client.get(reverse("assessments:wizard", args=[draft.pk]))
    assert response.url == step_url(draft, "actuals")


def test_a_returned_table_resumes_at_the_first_step_with_an_open_comment(
    client, preparer, reviewer, draft
):
    Assessment.objects.filter(pk=draft.pk).update(last_step="review")
    draft.refresh_from_db()
    workflow.submit_assessment(draft.pk, by=preparer)
    comments.add_comment(draft.pk, by=reviewer, target="outcome", text="请说明执行率")
    comments.add_comment(
        draft.pk, by=reviewer, target="funds.total.executed", text="执行数与决算不符"
    )
    workflow.return_assessment(draft.pk, by=reviewer, reason="请按批注修改")
    client.force_login(preparer)
    response = client.get(reverse("assessments:wizard", args=[draft.pk]))
    assert response.url == step_url(draft, "funds")
    page = client.get(step_url(draft, "goal")).content.decode()
    # the step bar counts the open comments of each step: one on 项目资金, one on 实际完成
    assert page.count("1 条批注待答复") == 2


def test_the_log_writes_a_grade_in_the_words_of_the_table(client, preparer, unit):
    assessment = AssessmentFactory(
        project__unit=unit,
        indicators=[
            ("产出指标", "时效指标", "及时性", "及时", "及时", "50", "50"),
            ("效益指标", "社会效益指标", "覆盖率", ">=95%", "=98%", "30", "30"),
            ("满意度指标", "服务对象满意度指标", "满意度", ">=90%", "=95%", "10", "10"),
        ],
    )
    client.force_login(preparer)
    changes = {"0-grade": "partial", "0-score": "38", "0-reason": "部分延迟"}
    client.post(step_url(assessment, "actuals"), actuals_post(assessment, changes) | {"save": "1"})
    edit = AssessmentEvent.objects.filter(
        assessment=assessment, action=AssessmentEvent.Action.EDIT
    ).last()
    assert edit.changes["指标“及时性” · 完成等级"] == ["", "部分达成年度指标并具有一定效果"]


# ---------------------------------------------------------------------------
# Starting and copying


def test_preparer_starts_a_table_for_a_new_project(client, preparer, unit):
    year = YearFactory(year=2024)
    client.force_login(preparer)
    response = client.post(
        reverse("assessments:start"),
        {"unit": unit.pk, "year": year.pk, "project_name": "职业技能培训"},
    )
    assessment = Assessment.objects.get(project__name="职业技能培训")
    assert response.url == step_url(assessment, "basic")
    assert assessment.department_name == unit.parent.name
    assert assessment.status == Assessment.Status.DRAFT


def test_starting_a_second_table_for_the_same_project_and_year_is_refused(client, preparer, draft):
    client.force_login(preparer)
    response = client.post(
        reverse("assessments:start"),
        {"unit": draft.project.unit.pk, "year": draft.year.pk, "project": draft.project.pk},
    )
    assert "已有 2023 年度的自评表" in response.content.decode()
    assert Assessment.objects.filter(project=draft.project).count() == 1


def test_copy_brings_structure_and_targets_and_clears_results(client, demo):
    login(client, "tianbao")
    source = Assessment.objects.get(project__name="宣传费")
    year = ReportingYear.objects.get(year=2023)
    response = client.post(reverse("assessments:copy", args=[source.pk]), {"year": year.pk})
    copy = Assessment.objects.get(project=source.project, year=year)
    assert response.url == step_url(copy, "basic")
    assert copy.goal == source.goal
    rows = list(copy.indicators.order_by("position"))
    assert [(r.name, r.target, r.weight) for r in rows] == [
        (r.name, r.target, r.weight) for r in source.indicators.order_by("position")
    ]
    assert all(r.actual == "" and r.score is None and r.reason == "" for r in rows)
    assert copy.total_executed is None and copy.outcome == ""
    page = client.get(step_url(copy, "actuals")).content.decode()
    assert "上年：=35000件，得分 10" in page


def test_last_years_figures_are_read_with_their_rows(client, demo):
    """Of last year's table a step reads its year and each row's figures, the rows in one
    query: none of the figures it prints is read row by row afterwards."""
    login(client, "tianbao")
    source = Assessment.objects.get(project__name="宣传费")
    year = ReportingYear.objects.get(year=2023)
    client.post(reverse("assessments:copy", args=[source.pk]), {"year": year.pk})
    copy = Assessment.objects.get(project=source.project, year=year)
    for step in ("targets", "actuals"):
        with CaptureQueriesContext(connection) as queries:
            page = client.get(step_url(copy, step)).content.decode()
        assert page.count("上年：") == source.indicators.count()
        rows_read = [q["sql"] for q in queries if 'FROM "assessments_indicator"' in q["sql"]]
        # This year's rows and last year's.
        assert len(rows_read) == 2, rows_read


# ---------------------------------------------------------------------------
# Live figures


def test_live_figures_come_from_the_rules(client, preparer, draft):
    client.force_login(preparer)
    data = funds_post(draft, current_full_year_budget="40000", current_executed="13,494")
    payload = client.post(reverse("assessments:wizard_live", args=[draft.pk, "funds"]), data).json()
    assert payload["execution_rate"] == "33.74%"
    assert payload["budget_score"] == "3.37"
    assert payload["funds_total"]["executed"] == "13494.00"
    bad = client.post(
        reverse("assessments:wizard_live", args=[draft.pk, "funds"]),
        funds_post(draft, current_executed="abc"),
    ).json()
    assert "current_executed" in bad["errors"]


# ---------------------------------------------------------------------------
# Query discipline


def test_saving_the_indicator_step_takes_the_same_queries_for_5_and_50_rows(preparer, unit):
    def queries_for(count):
        weight = Decimal(90) / count
        rows = [
            ("产出指标", "数量指标", f"指标{n}", "=100%", "=100%", str(weight), str(weight))
            for n in range(count)
        ]
        assessment = AssessmentFactory(project__unit=unit, indicators=rows)
        data = [
            {
                "id": row.pk,
                "level1": row.level1,
                "level2": row.level2,
                "name": row.name + "改",
                "target": "≥90%",
                "weight": row.weight,
            }
            for row in assessment.indicators.order_by("position")
        ]
        data.append(
            {
                "id": None,
                "level1": "效益指标",
                "level2": "社会效益指标",
                "name": "新增",
                "target": "=1",
                "weight": Decimal(0),
            }
        )
        person = get_user_model().objects.get(pk=preparer.pk)  # a request's fresh user
        with CaptureQueriesContext(connection) as captured:
            drafts.save_draft(
                assessment.pk,
                by=person,
                base_version=assessment.version,
                step="targets",
                rows=data,
                row_fields=drafts.ROW_FIELDS_TARGETS,
            )
        assert assessment.indicators.count() == count + 1
        return len(captured)

    assert queries_for(5) == queries_for(50)


def test_text_pasted_from_word_is_stored_with_plain_line_breaks(client, preparer, draft):
    client.force_login(preparer)
    client.post(
        step_url(draft, "goal"),
        {"version": draft.version, "goal": "宣传\x0b培训\x01到位", "save": "1"},
    )
    draft.refresh_from_db()
    assert draft.goal == "宣传\n培训到位"


def test_a_text_that_differs_only_in_its_stored_line_breaks_is_not_an_edit(client, preparer, draft):
    Assessment.objects.filter(pk=draft.pk).update(goal="第一段\r\n第二段")
    draft.refresh_from_db()
    client.force_login(preparer)
    # Browsers send a textarea's line breaks as \r\n.
    client.post(
        step_url(draft, "goal"), {"version": draft.version, "goal": "第一段\r\n第二段", "save": "1"}
    )
    draft.refresh_from_db()
    assert draft.goal == "第一段\r\n第二段"
    assert not AssessmentEvent.objects.filter(assessment=draft, action="edit").exists()


def test_every_step_keeps_incomplete_and_inconsistent_values_and_submission_lists_them(
    client, preparer, draft
):
    """A clerk who types half of each step today finds all of it tomorrow."""
    client.force_login(preparer)

    def save(step, data):
        fresh = Assessment.objects.get(pk=draft.pk)
        response = client.post(step_url(fresh, step), {**data, "version": fresh.version})
        assert response.status_code == 302, step

    save("funds", funds_post(draft, current_full_year_budget="", current_executed="12000"))
    save("goal", {"goal": "（200字以内）"})
    rows = [
        (row.pk, row.level1, row.level2, row.name, row.target, format(row.weight, "f"))
        for row in draft.indicators.order_by("position")
    ]
    rows[0] = (rows[0][0], "产出指标", "社会效益指标", "", "", "5")
    rows.append((None, "效益指标", "社会效益指标", "新增但未填指标值", "", ""))
    save("targets", targets_post(draft, rows))
    fresh = Assessment.objects.get(pk=draft.pk)
    save("actuals", actuals_post(fresh, {"0-score": "9", "1-score": "1", "1-reason": ""}, ""))

    pages = {
        step: client.get(step_url(draft, step)).content.decode() for step in drafts.STEP_TITLES
    }
    assert 'value="12000.00"' in pages["funds"]
    assert "（200字以内）" in pages["goal"]
    assert "新增但未填指标值" in pages["targets"] and "社会效益指标" in pages["targets"]
    assert 'name="rows-0-score" value="9"' in pages["actuals"]

    refused = submit_refusal(client, draft)
    assert "个错误，修改后才能提交" in refused
    findings = [
        finding.message for finding in Assessment.objects.get(pk=draft.pk).evaluate().errors
    ]
    detail = client.get(reverse("assessments:detail", args=[draft.pk])).content.decode()
    for expected in [
        "全年预算数未填写或为 0",
        "预期目标中留有模板说明文字",
        "绩效指标分值合计为",
        "不属于一级指标“产出指标”",
        "的三级指标未填写",
        "的年度指标值未填写",
        "超出 0 至分值 5 的范围",
        "须填写偏差原因分析及改进措施",
    ]:
        assert any(expected in message for message in findings), expected
        assert expected in detail, expected


def test_a_name_longer_than_its_column_is_refused_with_a_message_not_cut(client, preparer, draft):
    client.force_login(preparer)
    before = stored(draft)
    rows = [
        (row.pk, row.level1, row.level2, row.name, row.target, format(row.weight, "f"))
        for row in draft.indicators.order_by("position")
    ]
    rows[0] = (*rows[0][:3], "长" * 201, *rows[0][4:])
    response = client.post(step_url(draft, "targets"), targets_post(draft, rows, save="1"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "长" * 201 in page  # still on the page, whole
    assert "200" in page and "is-invalid" in page
    assert stored(draft) == before


# ---------------------------------------------------------------------------
# 年度资金总额: derived by the save, never typed


def test_the_save_stores_the_sum_of_the_lines_in_each_column_saved_and_logs_it(preparer, draft):
    before = Assessment.objects.get(pk=draft.pk)
    saved = drafts.save_draft(
        draft.pk,
        by=preparer,
        base_version=draft.version,
        step="funds",
        fields={"current_executed": Decimal("6000"), "other_executed": Decimal("500.5")},
    )
    assert saved.total_executed == Decimal("6500.5")
    assert saved.total_full_year_budget == before.total_full_year_budget
    change = saved.events.get().changes["年度资金总额 · 全年执行数"]
    assert change == [format(before.total_executed, "f"), "6500.5"]


def test_a_total_passed_to_the_save_is_refused(preparer, draft):
    with pytest.raises(ValueError, match="derived"):
        drafts.save_draft(
            draft.pk,
            by=preparer,
            base_version=draft.version,
            step="funds",
            fields={"total_executed": Decimal("1")},
        )


def test_a_published_total_that_disagrees_stays_until_its_column_is_saved(preparer, draft):
    Assessment.objects.filter(pk=draft.pk).update(
        total_executed=Decimal("99999"), total_initial_budget=Decimal("77777")
    )
    kept = drafts.save_draft(
        draft.pk, by=preparer, base_version=draft.version, step="goal", fields={"goal": "目标"}
    )
    assert kept.total_executed == Decimal("99999")
    assert "FUNDS_LINES_MISMATCH" in {f.code for f in kept.evaluate().findings}
    saved = drafts.save_draft(
        draft.pk,
        by=preparer,
        base_version=kept.version,
        step="funds",
        fields={"current_executed": Decimal("8000")},
    )
    assert saved.total_executed == Decimal("8000") + (saved.carryover_executed or 0) + (
        saved.other_executed or 0
    )
    assert saved.total_initial_budget == Decimal("77777")  # a column not saved keeps its total


def test_the_wizard_reads_amounts_in_wan_yuan_into_the_tables_unit(client, preparer, draft):
    Assessment.objects.filter(pk=draft.pk).update(money_unit=Assessment.MoneyUnit.WAN_YUAN)
    client.force_login(preparer)
    response = client.post(
        step_url(draft, "funds"),
        funds_post(draft, current_full_year_budget="１２．５", current_executed="90000元"),
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.current_full_year_budget, draft.current_executed) == (
        Decimal("12.5"),
        Decimal("9"),
    )
    assert draft.total_executed == Decimal("9")


def test_a_refused_amount_keeps_its_box_and_points_at_its_message():
    form = forms.FundsForm({"version": "1", "current_executed": "十二"}, money_unit="万元")
    assert not form.is_valid()
    html = str(form["current_executed"])
    assert 'class="form-control num is-invalid"' in html
    assert 'aria-invalid="true"' in html
    assert 'aria-describedby="id_current_executed_error"' in html
