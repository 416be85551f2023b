"""绩效运行监控表: a round begins the tables from approved targets; the tables go through the
same wizard, review, signing, paper, workbooks and interchange as the other kinds."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from assessments import interchange, kinds, permissions
from assessments.models import Assessment, AssessmentEvent, MonitoringRound, OrganisationEvent
from assessments.paper import printable
from assessments.services import AssessmentError, comments, drafts, monitoring, workflow
from assessments.trust import signing

from . import monitoring_fixtures
from .factories import ProjectFactory, YearFactory
from .monitoring_fixtures import CUT_OFF, DUE, filled_cells, fresh, open_round
from .test_targets import target_table

KIND = "monitoring"
monitored = monitoring_fixtures.monitored


def save(people, table, step="funds", **cells):
    return drafts.save_draft(
        table.pk,
        by=people["preparer"],
        base_version=fresh(table).version,
        step=step,
        cells=cells,
    )


def test_a_round_begins_a_table_per_project_with_approved_targets(people):
    unapproved = ProjectFactory(unit=people["unit"], name="未批准目标的项目")
    drafts.create_assessment(
        unit=people["unit"],
        year=YearFactory(year=2023, is_open=True),
        project=unapproved,
        kind="targets",
        by=people["preparer"],
    )
    opened = open_round(people)
    (table,) = opened.tables
    assert opened.without_targets == [unapproved]
    table = fresh(table)
    assert (table.kind, table.monitoring_round, table.status) == (
        KIND,
        opened.round,
        Assessment.Status.DRAFT,
    )
    assert table.targets_source.kind == "targets"
    assert [row.target for row in table.indicators.all()] == ["≥500人次", "≥90%", "≥85%"]
    assert table.cells == {"initial_budget": "800000.00", "full_year_budget": "900000.00"}
    assert table.goal.startswith("全年开展职业技能培训")
    event = OrganisationEvent.objects.get(action=OrganisationEvent.Action.MONITORING_OPEN)
    assert event.details["tables"] == 1
    assert event.details["without_targets"] == ["未批准目标的项目"]
    assert people["preparer"].notices.filter(title__contains="运行监控表").exists()


def test_a_second_round_of_the_year_gives_each_project_another_table(people, monitored):
    department = people["unit"].parent
    second = monitoring.open_round(
        department,
        monitored.year,
        cut_off=datetime.date(2023, 10, 31),
        due=datetime.date(2023, 11, 15),
        by=people["department"],
    )
    assert len(second.tables) == 1
    assert Assessment.objects.of_kind(KIND).filter(project=monitored.project).count() == 2
    with pytest.raises(AssessmentError, match="已发起数据截至 07月31日"):
        monitoring.open_round(
            department, monitored.year, cut_off=CUT_OFF, due=DUE, by=people["department"]
        )


@pytest.mark.parametrize(
    ("cut_off", "due", "message"),
    [
        (datetime.date(2022, 7, 31), DUE, "数据截至日应在 2023 年内"),
        (CUT_OFF, datetime.date(2023, 7, 1), "填报截止不能早于数据截至日"),
    ],
)
def test_a_round_with_impossible_dates_is_refused(people, cut_off, due, message):
    table = target_table(people)
    with pytest.raises(AssessmentError, match=message):
        monitoring.open_round(
            people["unit"].parent, table.year, cut_off=cut_off, due=due, by=people["department"]
        )
    assert not MonitoringRound.objects.exists()


def test_only_a_reviewer_of_the_department_or_bureau_opens_a_round(people):
    table = target_table(people)
    for who in ("preparer", "reviewer", "outsider"):
        with pytest.raises(AssessmentError, match="只有主管部门或财政局的审核人"):
            monitoring.open_round(
                people["unit"].parent, table.year, cut_off=CUT_OFF, due=DUE, by=people[who]
            )


def test_a_monitoring_table_is_not_begun_or_copied_outside_a_round(people, monitored):
    with pytest.raises(AssessmentError, match="随运行监控批次生成"):
        drafts.create_assessment(
            unit=people["unit"],
            year=monitored.year,
            project=monitored.project,
            kind=KIND,
            by=people["preparer"],
        )
    assert KIND not in dict(kinds.startable_choices())


def test_the_table_knows_the_rounds_schedule_and_warns_when_behind(people, monitored):
    save(people, monitored, executed="400000")  # 44.44% against 58.08%
    table = fresh(monitored)
    evaluation = table.evaluate()
    assert "MONITORING_BEHIND_SCHEDULE" in [f.code for f in evaluation.findings]
    figures = dict(table.table_kind.key_figures(table.rules_input(), evaluation))
    assert figures["序时进度"] == "58.08%" and figures["执行率"] == "44.44%"
    assert figures["监控结果"] == "红灯"


def test_submission_waits_for_the_cause_and_measure_of_a_row_at_risk(people, monitored):
    cells = filled_cells(monitored, r2_likelihood="有可能")
    save(people, monitored, **cells)
    with pytest.raises(AssessmentError):
        workflow.submit_assessment(monitored.pk, by=people["preparer"])
    assert fresh(monitored).error_count == 2
    save(people, monitored, r2_cause="经费保障", r2_measure="加快资金拨付")
    workflow.submit_assessment(monitored.pk, by=people["preparer"])
    assert fresh(monitored).status == Assessment.Status.SUBMITTED


def test_the_wizard_shows_a_row_per_target_and_saves_its_cells(client, people, monitored):
    client.force_login(people["preparer"])
    url = reverse("assessments:wizard_step", args=[monitored.pk, "indicators"])
    page = client.get(url).content.decode()
    assert "指标完成情况" in page
    assert "1. 产出指标 / 数量指标 / 培训人次（年度指标值：≥500人次）" in page
    assert 'name="cells.r3_likelihood.value"' in page and "完全不可能" in page
    response = client.post(
        url,
        {
            "version": monitored.version,
            "cells.r1_current.value": "320人次",
            "cells.r1_likelihood.value": "完全不可能",
            "cells.r1_cause.value": "其他",
        },
    )
    assert response.status_code == 302
    stored = fresh(monitored).cells
    assert (stored["r1_current"], stored["r1_likelihood"], stored["r1_cause"]) == (
        "320人次",
        "完全不可能",
        "其他",
    )
    live = client.post(
        reverse("assessments:wizard_live", args=[monitored.pk, "indicators"]),
        {"cells.r1_likelihood.value": "完全不可能", "cells.r1_cause.value": "其他"},
    ).json()
    wheres = [finding["field"] for finding in live["findings"]]
    assert "cells.r1_cause_note.value" in wheres and "cells.r1_measure.value" in wheres


def test_a_choice_that_is_not_listed_is_refused(client, people, monitored):
    client.force_login(people["preparer"])
    url = reverse("assessments:wizard_step", args=[monitored.pk, "indicators"])
    response = client.post(url, {"version": monitored.version, "cells.r1_cause.value": "天气"})
    assert response.status_code == 200
    assert "r1_cause" not in fresh(monitored).cells


def test_review_returns_a_row_with_a_comment_then_approval_signs_it(client, people, monitored):
    save(people, monitored, **filled_cells(monitored))
    workflow.submit_assessment(monitored.pk, by=people["preparer"])
    targets = dict(comments.comment_targets(fresh(monitored)))
    assert targets["cells.r2_measure.value"] == "政策知晓率 · 纠偏措施"
    comment = comments.add_comment(
        monitored.pk, by=people["reviewer"], target="cells.r2_current.value", text="请补充调查数据"
    )
    workflow.return_assessment(monitored.pk, by=people["reviewer"], reason="见批注")
    client.force_login(people["preparer"])
    step = client.get(reverse("assessments:wizard_step", args=[monitored.pk, "indicators"]))
    assert "请补充调查数据" in step.content.decode()
    save(people, monitored, step="indicators", r2_current="86%")
    comments.answer_comment(comment.pk, by=people["preparer"], text="已补充问卷结果")
    workflow.submit_assessment(monitored.pk, by=people["preparer"])
    workflow.sign_off_assessment(monitored.pk, by=people["reviewer"])
    signed = fresh(monitored)
    assert signed.status_label == "已审核通过"
    signature = signed.valid_signature()
    assert signature.snapshot["kind"] == KIND
    assert signature.snapshot["cells"]["r2_current"] == "86%"
    assert signing.check_signature(signature) == signing.SignatureState.VALID
    assert signed.events.filter(action=AssessmentEvent.Action.SIGN_OFF).count() == 1


def test_whoever_opened_the_round_may_approve_its_tables(people, monitored):
    issued = monitored.events.get()
    assert (issued.action, issued.actor) == (AssessmentEvent.Action.ISSUE, people["department"])
    assert issued.get_action_display() == "下发"
    save(people, monitored, **filled_cells(monitored))
    workflow.submit_assessment(monitored.pk, by=people["preparer"])
    assert permissions.can_sign_off(people["department"], fresh(monitored)) == (True, "")
    workflow.sign_off_assessment(monitored.pk, by=people["department"])
    assert fresh(monitored).status == Assessment.Status.SIGNED_OFF


def test_the_print_page_shows_the_monitoring_layout(client, people, monitored):
    cells = filled_cells(monitored, executed="400000", r3_likelihood="完全不可能")
    save(people, monitored, **cells)
    client.force_login(people["preparer"])
    page = client.get(reverse("assessments:print", args=[monitored.pk])).content.decode()
    assert "项目支出绩效运行监控表" in page and "数据截至 2023年7月31日" in page
    assert "序时进度预警：执行率落后序时进度 13.64 个百分点" in page
    assert "58.08%" in page and "44.44%" in page and "完全不可能" in page
    assert printable.table_filename(fresh(monitored)) == "2023-职业技能培训-绩效运行监控表.pdf"


def test_the_interchange_carries_the_rows_cells_there_and_back(people, monitored):
    save(people, monitored, **filled_cells(monitored))
    record = interchange.export_assessment(fresh(monitored))
    assert record["kind"] == KIND
    assert record["cells"]["r3_likelihood"] == "确定能"
    records, problems = interchange.parse_document(interchange.dumps([record]))
    assert problems == []
    assert records[0]["cells"]["r1_current"] == "60%"


def test_the_detail_page_shows_the_key_figures(client, people, monitored):
    save(people, monitored, **filled_cells(monitored))
    client.force_login(people["reviewer"])
    page = client.get(fresh(monitored).get_absolute_url()).content.decode()
    assert "序时进度" in page and "58.08%" in page and "60.00%" in page and "绿灯" in page
    assert Decimal(fresh(monitored).cells["executed"]) == Decimal("540000")


def test_the_fillable_workbook_goes_out_and_comes_back(client, people, monitored):
    from .uploads.helpers import address, download, preview_page, saved, upload

    client.force_login(people["preparer"])
    book = download(client, monitored)
    sheet = book[book.sheetnames[0]]
    sheet[address(book, "cells.executed.value")] = "６０００００"
    sheet[address(book, "cells.r2_likelihood.value")] = "有可能"
    sheet[address(book, "cells.r2_measure.value")] = "增加宣传场次"
    location, page = preview_page(client, upload(client, monitored, saved(book)))
    assert "增加宣传场次" in page
    client.post(location, {"confirm": "1"})
    stored = fresh(monitored).cells
    assert (stored["executed"], stored["r2_likelihood"], stored["r2_measure"]) == (
        "600000",
        "有可能",
        "增加宣传场次",
    )


@pytest.mark.slow
def test_the_pdf_prints_the_monitoring_table(people, monitored, artifacts):
    from assessments.paper import pdf

    from .pdftools import pdf_text

    save(people, monitored, **filled_cells(monitored, executed="400000"))
    data = pdf.render_pdf(printable.printable(fresh(monitored)))
    (artifacts / "monitoring-table.pdf").write_bytes(data)
    text = pdf_text(data, layout=False)
    assert "项目支出绩效运行监控表" in text and "序时进度" in text and "58.08%" in text
    assert "草稿" in text


def test_the_year_end_self_assessment_shows_the_approved_monitoring_values(
    client, people, monitored
):
    cells = filled_cells(
        monitored,
        r3_current="78%",
        r3_forecast="80%",
        r3_likelihood="有可能",
        r3_cause="制度保障",
        r3_measure="完善回访制度",
    )
    save(people, monitored, **cells)
    workflow.submit_assessment(monitored.pk, by=people["preparer"])
    workflow.sign_off_assessment(monitored.pk, by=people["reviewer"])
    year_end = drafts.create_assessment(
        unit=people["unit"],
        year=monitored.year,
        project=monitored.project,
        by=people["preparer"],
    )
    assert year_end.targets_source_id == monitored.targets_source_id
    client.force_login(people["preparer"])
    url = reverse("assessments:wizard_step", args=[year_end.pk, "actuals"])
    page = client.get(url).content.decode()
    assert "运行监控（数据截至 7月31日）" in page
    assert "完成可能性 有可能；纠偏措施 完善回访制度" in page
    assert "当前完成值 60%；全年预计 达到目标；完成可能性 确定能" in page
    assert 'data-monitoring-row="3"' in page
    # Not yet filled in: the flagged row has no actual, so nothing is "not met".
    asked = "未完成年度指标值（运行监控 7月31日：有可能），须填写偏差原因分析及改进措施"
    assert asked not in page
    # Below target with its full score: the finding asks for the reason, naming the monitoring.
    year_end.indicators.filter(position=3).update(actual="70%", score=Decimal("10"))
    page = client.get(url).content.decode()
    assert asked in page
    findings = fresh(year_end).evaluate().findings
    (finding,) = [f for f in findings if f.code == "REASON_MISSING"]
    assert finding.where == "indicators[2].reason"
    year_end.indicators.filter(position=3).update(reason="回访制度年底才完善")
    assert asked not in client.get(url).content.decode()
    # A row monitoring did not flag keeps the finding as before: only a lower score asks.
    year_end.indicators.filter(position=1).update(actual="400人次", score=Decimal("50"))
    codes = [(f.code, f.where) for f in fresh(year_end).evaluate().findings]
    assert ("REASON_MISSING", "indicators[0].reason") not in codes


def test_an_unapproved_monitoring_table_is_no_reference(client, people, monitored):
    save(people, monitored, **filled_cells(monitored))
    year_end = drafts.create_assessment(
        unit=people["unit"], year=monitored.year, project=monitored.project, by=people["preparer"]
    )
    client.force_login(people["preparer"])
    url = reverse("assessments:wizard_step", args=[year_end.pk, "actuals"])
    assert "运行监控（数据截至" not in client.get(url).content.decode()


def test_preparers_are_reminded_before_the_rounds_due_date_once(people, monitored, settings):
    from django.core import mail
    from django.utils import timezone

    from assessments import reminders
    from assessments.models import Reminder

    settings.REMINDER_DAYS = [7, 0]
    week_before = timezone.make_aware(datetime.datetime(2023, 8, 13, 9))
    reminders.send_reminders(week_before)
    (message,) = [m for m in mail.outbox if m.to == [people["preparer"].email]]
    assert message.subject == "【绩效自评】2023 年度运行监控表还有 7 天（2023年8月20日）填报截止"
    assert "职业技能培训（数据截至 7月31日，草稿）" in message.body
    assert Reminder.objects.get(user=people["preparer"]).kind == Reminder.Occasion.MONITORING
    reminders.send_reminders(week_before.replace(hour=18))
    assert Reminder.objects.filter(user=people["preparer"]).count() == 1
    # Submitted: nothing more to remind of on the day.
    save(people, monitored, **filled_cells(monitored))
    workflow.submit_assessment(monitored.pk, by=people["preparer"])
    outcome = reminders.send_reminders(timezone.make_aware(datetime.datetime(2023, 8, 20, 9)))
    assert outcome.sent == 0


def test_the_interchange_version_3_carries_the_round_there_and_back(people, monitored):
    from assessments.services import importing

    save(people, monitored, **filled_cells(monitored, executed="400000"))
    document = interchange.dumps([interchange.export_assessment(fresh(monitored))])
    assert '"version": 3' in document
    record = interchange.export_assessment(fresh(monitored))
    assert record["monitoring"] == {
        "scope": people["unit"].parent.name,
        "cut_off": "2023-07-31",
        "due": "2023-08-20",
        "margin": "10.00",
    }
    # A second round of the same project, from a file: a table of its own.
    record["monitoring"] = {**record["monitoring"], "cut_off": "2023-10-31", "due": "2023-11-15"}
    records, problems = interchange.parse_document(interchange.dumps([record]))
    assert problems == []
    (imported,) = importing.import_records(records, by=people["preparer"])
    imported = fresh(imported)
    assert imported.monitoring_round.cut_off == datetime.date(2023, 10, 31)
    assert imported.monitoring_round.scope == people["unit"].parent
    filled = {key: value for key, value in imported.cells.items() if value}
    assert filled == fresh(monitored).cells
    figures = dict(imported.table_kind.key_figures(imported.rules_input(), imported.evaluate()))
    assert figures["序时进度"] == "83.29%"
    assert Assessment.objects.of_kind(KIND).filter(project=monitored.project).count() == 2
    # The same round again is a duplicate.
    (problem,) = interchange.check_against_database(records, replace=False)
    assert "已存在" in problem


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (
            {"monitoring": None},
            "$.assessments[0].monitoring：运行监控表须注明其监控批次（第 3 版）。",
        ),
        (
            {
                "monitoring": {
                    "scope": "x",
                    "cut_off": "2023-07-31",
                    "due": "2023-07-01",
                    "margin": "10",
                }
            },
            "$.assessments[0].monitoring.due：填报截止不能早于数据截至日。",
        ),
        (
            {
                "monitoring": {
                    "scope": "x",
                    "cut_off": "7月31日",
                    "due": "2023-08-01",
                    "margin": "10",
                }
            },
            "$.assessments[0].monitoring.cut_off：应为日期，如 2023-07-31。",
        ),
    ],
)
def test_a_monitoring_table_without_a_proper_round_is_refused(people, monitored, change, problem):
    record = {**interchange.export_assessment(fresh(monitored)), **change}
    _, problems = interchange.parse_document(interchange.dumps([record]))
    assert problem in problems


def test_older_versions_are_still_read_and_know_no_round(people, monitored):
    import json

    record = interchange.export_assessment(fresh(monitored))
    document = json.loads(interchange.dumps([record]))
    document["version"] = 2
    _, problems = interchange.parse_document(json.dumps(document, ensure_ascii=False))
    assert "$.assessments[0].monitoring：未知的字段。" in problems
