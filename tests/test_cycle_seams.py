"""The cycle without seams: goals locked like targets, the budget change flagged, linking
late, 年中追加, notices that reach people, a year filed only when complete, and a
dashboard that is honest after the deadline."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from assessments import deadlines
from assessments.coverage import Coverage, ProjectCoverage
from assessments.interchange import assessment_record
from assessments.models import (
    Assessment,
    AssessmentEvent,
    BureauEvent,
    Filing,
    FilingExemption,
    Notice,
    TargetAdjustment,
)
from assessments.paper.remarks import MID_YEAR, remarks_of
from assessments.reporting import bureau as report
from assessments.reporting.dashboard import dashboard_for
from assessments.services import AssessmentError, adjustments, cycle, drafts, linking, workflow
from assessments.services import bureau as desk_services
from assessments.services.exemptions import record_exemption
from assessments.trust import signing

from . import bureau_fixtures
from .factories import AssessmentFactory, ProjectFactory, UnitFactory, UserFactory, member
from .test_targets import ROWS, approved, target_table

desk = bureau_fixtures.desk


@pytest.fixture
def people(db):
    unit = UnitFactory(name="就业促进中心")
    return {
        "unit": unit,
        "preparer": member(
            UserFactory(username="preparer", email="preparer@example.cn"), unit, "preparer"
        ),
        "reviewer": member(
            UserFactory(username="reviewer", email="reviewer@example.cn"), unit, "reviewer"
        ),
        "department": member(UserFactory(username="department"), unit.parent, "reviewer"),
    }


def from_targets(people):
    targets = approved(people)
    assessment = drafts.create_assessment(
        unit=people["unit"], year=targets.year, project=targets.project, by=people["preparer"]
    )
    return Assessment.objects.with_tree().get(pk=assessment.pk)


def fresh(assessment):
    return Assessment.objects.with_tree().get(pk=assessment.pk)


def save(assessment, by, step, **fields):
    return drafts.save_draft(
        assessment.pk, by=by, base_version=fresh(assessment).version, step=step, fields=fields
    )


# ---------------------------------------------------------------------------
# Goals locked like targets; the budget may change but is flagged


def test_the_approved_goal_changes_only_by_adjustment(people):
    assessment = from_targets(people)
    with pytest.raises(AssessmentError, match="年度总体目标（预期目标）来自已批准的绩效目标表"):
        save(assessment, people["preparer"], "goal", goal="改写的目标")
    assert fresh(assessment).goal == assessment.goal
    assert fresh(assessment).version == assessment.version
    # The same goal posted back (as the wizard does) saves.
    save(assessment, people["preparer"], "goal", goal=assessment.goal)


def test_a_goal_without_approved_targets_still_changes(people):
    assessment = AssessmentFactory(project__unit=people["unit"])
    save(assessment, people["preparer"], "goal", goal="新的目标")
    assert fresh(assessment).goal == "新的目标"


def test_a_changed_budget_is_shown_with_both_figures_and_printed(people):
    assessment = from_targets(people)
    assert assessment.approved_budget == Decimal("900000")
    plain = assessment_record(assessment)
    assert "approved_budget" not in plain["targets"]
    assert not any(f.code == "BUDGET_CHANGED_FROM_TARGETS" for f in assessment.evaluate().findings)
    before = signing.canonical_snapshot(assessment)

    save(assessment, people["preparer"], "funds", current_full_year_budget=Decimal("950000"))
    changed = fresh(assessment)
    warning = [f for f in changed.evaluate().findings if f.code == "BUDGET_CHANGED_FROM_TARGETS"]
    assert len(warning) == 1
    assert "950,000.00" in warning[0].message and "900,000.00" in warning[0].message
    record = assessment_record(changed)
    assert record["targets"]["approved_budget"] == "900000.00"
    assert any(
        "已批准的绩效目标表为 900,000.00 元，本表为 950,000.00 元" in line
        for line in remarks_of(record)
    )

    # Back to the approved figure: the record and its hash are as before the change.
    save(changed, people["preparer"], "funds", current_full_year_budget=Decimal("900000"))
    assert signing.canonical_snapshot(fresh(assessment)) == before


# ---------------------------------------------------------------------------
# Linking late


def early_draft(people):
    """A self-assessment begun while the target table was only submitted."""
    targets = target_table(people)
    workflow.submit_assessment(targets.pk, by=people["preparer"])
    assessment = drafts.create_assessment(
        unit=people["unit"], year=targets.year, project=targets.project, by=people["preparer"]
    )
    assert assessment.targets_source is None
    return targets, assessment


def test_approval_offers_the_link_and_the_preparer_accepts_it(people):
    targets, assessment = early_draft(people)
    drafts.save_draft(
        assessment.pk,
        by=people["preparer"],
        base_version=assessment.version,
        step="targets",
        rows=[
            {"id": None, "level1": l1, "level2": l2, "name": n, "target": "≥1", "weight": None}
            for l1, l2, n, _, _ in ROWS[:2]
        ],
        row_fields=drafts.ROW_FIELDS_TARGETS,
    )
    typed = fresh(assessment).indicators.get(name="培训人次")
    typed.actual = "520人次"
    typed.save()

    workflow.sign_off_assessment(targets.pk, by=people["reviewer"])
    offer = Notice.objects.get(user=people["preparer"])
    assert "请关联自评表" in offer.title and offer.url == assessment.get_absolute_url()
    assert [a.pk for a in dashboard_for(people["preparer"])["link_offers"]] == [assessment.pk]

    assessment = fresh(assessment)
    found = {d.label: d for d in linking.differences(assessment, targets)}
    assert found["年度资金总额 · 全年预算数"].approved == "900,000.00"
    assert found["指标“培训人次”"].current.startswith("指标值 ≥1")
    assert found["指标“参训人员满意度”"].current == "（无此指标）"

    linked = linking.link_targets(
        assessment.pk, by=people["preparer"], base_version=assessment.version
    )
    linked = fresh(linked)
    assert linked.targets_source_id == targets.pk
    assert linked.total_full_year_budget == Decimal("900000")
    assert linked.approved_budget == Decimal("900000")
    assert linked.goal == targets.goal
    assert list(linked.indicators.values_list("name", "target")) == [r[2:4] for r in ROWS]
    assert linked.indicators.get(name="培训人次").actual == "520人次"
    event = linked.events.get(action=AssessmentEvent.Action.LINK_TARGETS)
    assert event.changes["年度资金总额 · 全年预算数"] == ["（空）", "900,000.00"]
    assert dashboard_for(people["preparer"])["link_offers"] == []
    with pytest.raises(AssessmentError, match="没有可关联"):
        linking.link_targets(linked.pk, by=people["preparer"], base_version=linked.version)


def test_linking_refuses_a_stale_page(people):
    targets, assessment = early_draft(people)
    workflow.sign_off_assessment(targets.pk, by=people["reviewer"])
    with pytest.raises(AssessmentError, match="请重新查看差异"):
        linking.link_targets(
            assessment.pk, by=people["preparer"], base_version=assessment.version - 1
        )
    assert fresh(assessment).targets_source is None


def test_the_link_page_shows_the_differences_and_accepts(client, people):
    targets, assessment = early_draft(people)
    workflow.sign_off_assessment(targets.pk, by=people["reviewer"])
    client.force_login(people["preparer"])
    url = reverse("assessments:link_targets", args=[assessment.pk])
    page = client.get(url).content.decode()
    assert "年度资金总额 · 全年预算数" in page and "900,000.00" in page
    response = client.post(url, {"version": fresh(assessment).version})
    assert response.status_code == 302
    assert fresh(assessment).targets_source_id == targets.pk


def test_signing_without_the_approved_targets_is_refused_with_the_reason(people):
    targets, assessment = early_draft(people)
    workflow.sign_off_assessment(targets.pk, by=people["reviewer"])
    Assessment.objects.filter(pk=assessment.pk).update(status=Assessment.Status.SUBMITTED)
    with pytest.raises(AssessmentError, match="绩效目标表已经批准，这张自评表尚未关联"):
        workflow.sign_off_assessment(assessment.pk, by=people["department"])
    assert fresh(assessment).status == Assessment.Status.SUBMITTED
    assert not fresh(assessment).signatures.exists()


def test_a_table_without_any_target_table_still_signs(people):
    assessment = AssessmentFactory(project__unit=people["unit"])
    Assessment.objects.filter(pk=assessment.pk).update(status=Assessment.Status.SUBMITTED)
    workflow.sign_off_assessment(assessment.pk, by=people["reviewer"])
    assert fresh(assessment).status == Assessment.Status.SIGNED_OFF


# ---------------------------------------------------------------------------
# 年中追加


def test_a_project_added_in_the_year_gets_a_marked_target_table_approved_the_same_way(
    people, monkeypatch
):
    monkeypatch.setattr(
        deadlines,
        "current_time",
        lambda: timezone.make_aware(datetime.datetime(2023, 7, 1, 9, 0)),
    )
    table = target_table(people)
    assert not table.mid_year
    added = drafts.create_assessment(
        unit=people["unit"],
        year=table.year,
        project_name="年中新增的公益岗位补贴",
        kind="targets",
        mid_year=True,
        by=people["preparer"],
    )
    assert added.mid_year
    record = assessment_record(added)
    assert record["mid_year"] is True
    assert remarks_of(record) == [MID_YEAR]
    assert "mid_year" not in assessment_record(table)
    with pytest.raises(AssessmentError, match="只有绩效目标表可以标为年中追加"):
        drafts.create_assessment(
            unit=people["unit"],
            year=table.year,
            project_name="另一个项目",
            mid_year=True,
            by=people["preparer"],
        )


def test_mid_year_is_refused_before_the_year_begins(people, monkeypatch):
    monkeypatch.setattr(
        deadlines,
        "current_time",
        lambda: timezone.make_aware(datetime.datetime(2022, 11, 1, 9, 0)),
    )
    table = target_table(people)
    with pytest.raises(AssessmentError, match="尚未开始"):
        drafts.create_assessment(
            unit=people["unit"],
            year=table.year,
            project_name="年初申报的项目",
            kind="targets",
            mid_year=True,
            by=people["preparer"],
        )


# ---------------------------------------------------------------------------
# Notices for adjustments


def test_a_pending_adjustment_reaches_the_deciders_and_the_decision_the_requester(
    people, django_capture_on_commit_callbacks
):
    assessment = from_targets(people)
    row = assessment.indicators.get(name="培训人次")
    with django_capture_on_commit_callbacks(execute=True):
        adjustment = adjustments.request_adjustment(
            assessment.pk,
            by=people["preparer"],
            changes=[{"row": row.pk, "field": "target", "new": "≥400人次"}],
            reason="场地改造，培训班次减少",
        )
    for decider in (people["reviewer"], people["department"]):
        notice = Notice.objects.get(user=decider)
        assert "申请调整目标" in notice.title and "场地改造" in notice.body
        pending = dashboard_for(decider)["adjustments_to_decide"]
        assert [a.pk for a in pending] == [adjustment.pk]
    assert not Notice.objects.filter(user=people["preparer"]).exists()
    assert dashboard_for(people["preparer"])["adjustments_to_decide"] == []
    assert [m.to for m in mail.outbox] == [["reviewer@example.cn"]]

    with django_capture_on_commit_callbacks(execute=True):
        adjustments.reject_adjustment(adjustment.pk, by=people["reviewer"], comment="理由不足")
    told = Notice.objects.get(user=people["preparer"])
    assert "已驳回" in told.title and "理由不足" in told.body
    assert mail.outbox[-1].to == ["preparer@example.cn"]
    assert dashboard_for(people["reviewer"])["adjustments_to_decide"] == []
    assert TargetAdjustment.objects.get().status == TargetAdjustment.Status.REJECTED


def test_the_pending_adjustment_is_on_the_reviewers_dashboard(client, people):
    assessment = from_targets(people)
    row = assessment.indicators.get(name="培训人次")
    adjustments.request_adjustment(
        assessment.pk,
        by=people["preparer"],
        changes=[{"row": row.pk, "field": "target", "new": "≥400人次"}],
        reason="场地改造",
    )
    client.force_login(people["reviewer"])
    page = client.get(reverse("home")).content.decode()
    assert "目标调整待审批" in page


# ---------------------------------------------------------------------------
# A year filed only when complete


def file_a(desk):
    return desk_services.file_year(
        desk.departments[0].pk, desk.year.pk, by=desk.people["department_reviewer"]
    )


def budgeted_without_table(desk):
    """A project of department A with an approved target table of the year and no
    self-assessment."""
    project = ProjectFactory(unit=desk.units[1], name="未填报的新项目")
    AssessmentFactory(
        project=project,
        year=desk.year,
        kind="targets",
        status=Assessment.Status.SIGNED_OFF,
        total_full_year_budget=Decimal("60000"),
        indicators=[],
    )
    return project


def test_filing_is_refused_while_a_budgeted_project_has_no_table(desk):
    budgeted_without_table(desk)
    with pytest.raises(
        AssessmentError, match=r"还有 1 个本年度有预算的项目没有自评表.*未填报的新项目"
    ):
        file_a(desk)
    assert not Filing.objects.exists()


def test_a_continuing_project_counts_too(desk):
    last_year = bureau_fixtures.YearFactory(year=desk.year.year - 1)
    AssessmentFactory(project__unit=desk.units[0], project__name="上年的延续项目", year=last_year)
    with pytest.raises(AssessmentError, match="上年的延续项目"):
        file_a(desk)


def test_filing_is_allowed_with_a_recorded_exemption_printed_in_manifest_and_report(desk):
    project = budgeted_without_table(desk)
    reviewer = desk.people["department_reviewer"]
    with pytest.raises(AssessmentError, match="必须填写理由"):
        record_exemption(desk.departments[0].pk, desk.year.pk, project.pk, by=reviewer, reason=" ")
    with pytest.raises(AssessmentError, match="只有主管部门的审核人"):
        record_exemption(
            desk.departments[0].pk,
            desk.year.pk,
            project.pk,
            by=desk.people["preparer"],
            reason="项目取消",
        )
    record_exemption(
        desk.departments[0].pk, desk.year.pk, project.pk, by=reviewer, reason="项目年初取消"
    )
    assert BureauEvent.objects.filter(action=BureauEvent.Action.EXEMPT).count() == 1
    filing = file_a(desk)
    coverage = filing.manifest["coverage"]
    own = [t for t in desk.tables if t.project.unit.parent == desk.departments[0]]
    assert coverage["projects"] == len(own) + 1
    assert coverage["assessed"] == len(own)
    assert Decimal(coverage["assessed_budget_yuan"]) == sum(t.total_full_year_budget for t in own)
    assert Decimal(coverage["budget_yuan"]) == Decimal(coverage["assessed_budget_yuan"]) + 60000
    [exempted] = filing.manifest["exemptions"]
    assert (exempted["project"], exempted["reason"]) == ("未填报的新项目", "项目年初取消")

    built = report.build_report(desk.bureau, desk.year)
    line = next(line for line in built.departments if line.department == desk.departments[0])
    assert line.exemptions[0]["reason"] == "项目年初取消"
    assert f"有预算的项目 {len(own) + 1} 个，已自评 {len(own)} 个" in line.coverage_label
    book = io.BytesIO()
    report.write_report_workbook(built, book)
    sheet = openpyxl.load_workbook(io.BytesIO(book.getvalue()))["报送范围"]
    cells = [
        [cell for cell in row if cell is not None] for row in sheet.iter_rows(values_only=True)
    ]
    # A title row, then the header, then each department and its exemptions.
    assert cells[0][0].endswith("报送范围") and cells[1][0] == "主管部门"
    assert [desk.departments[0].name, len(own) + 1, len(own)] == cells[2][:3]
    assert cells[3][-2:] == ["未填报的新项目", "项目年初取消"]
    with pytest.raises(AssessmentError, match="已经报送"):
        record_exemption(
            desk.departments[0].pk, desk.year.pk, project.pk, by=reviewer, reason="again"
        )
    assert FilingExemption.objects.count() == 1


def test_the_refusal_lands_on_the_projects_page_with_the_exemption_form(client, desk):
    budgeted_without_table(desk)
    client.force_login(desk.people["department_reviewer"])
    response = client.post(
        reverse("assessments:file_year"),
        {"department": desk.departments[0].pk, "year": desk.year.pk},
        follow=True,
    )
    page = response.content.decode()
    assert "没有自评表（缺）" in page and "未填报的新项目" in page
    assert "还有 1 个本年度有预算的项目没有自评表" in page
    assert "登记免报" in page


def test_the_summary_shows_coverage(client, desk):
    budgeted_without_table(desk)
    client.force_login(desk.people["department_reviewer"])
    page = client.get(
        reverse("assessments:summary"),
        {"organisation": desk.departments[0].pk, "year": desk.year.year},
    ).content.decode()
    assert "本年度有预算的项目 <strong>5</strong> 个，已签发自评表 <strong>4</strong> 个" in page
    assert "没有自评表 1 个" in page


def test_a_returned_filing_tells_the_department_with_the_reason_on_its_dashboard(client, desk):
    filing = file_a(desk)
    desk_services.return_filing(
        filing.pk, by=desk.people["bureau_reviewer"], reason="二中心的执行数与决算不符"
    )
    reviewer = desk.people["department_reviewer"]
    notice = Notice.objects.get(user=reviewer)
    assert "已被退回" in notice.title and "二中心的执行数与决算不符" in notice.body
    client.force_login(reviewer)
    page = client.get(reverse("home")).content.decode()
    assert "报送已被退回" in page and "二中心的执行数与决算不符" in page
    file_a(desk)
    assert dashboard_for(reviewer)["returned_filings"] == []


# ---------------------------------------------------------------------------
# The dashboard after the deadline


def test_after_the_deadline_the_dashboard_offers_nothing_that_would_be_refused(
    client, people, monkeypatch
):
    year = bureau_fixtures.YearFactory(year=2023, is_open=True)
    AssessmentFactory(project__unit=people["unit"], year__year=2022)
    cycle.set_deadline(
        people["unit"].parent,
        year,
        entry_due=datetime.date(2024, 3, 31),
        review_due=None,
        by=people["department"],
    )
    client.force_login(people["preparer"])
    now = timezone.make_aware(datetime.datetime(2024, 3, 31, 12, 0))
    monkeypatch.setattr(deadlines, "current_time", lambda: now)
    before = client.get(reverse("home")).content.decode()
    assert "新建自评表" in before and "复制到 2023 年度" in before and "上传本单位填报表" in before
    assert 'id="entry-closed"' not in before

    now = timezone.make_aware(datetime.datetime(2024, 4, 1, 0, 0))
    after = client.get(reverse("home")).content.decode()
    assert 'id="entry-closed"' in after and "2024年3月31日填报已截止" in after
    for offer in ("新建自评表", "复制到 2023 年度", "上传本单位填报表"):
        assert offer not in after


def test_a_share_short_of_the_whole_never_reads_a_hundred_per_cent():
    rows = [
        ProjectCoverage(1, "甲", "单位", Decimal("4503250620"), table_id=1, status="signed_off"),
        ProjectCoverage(2, "乙", "单位", Decimal("120000")),
    ]
    coverage = Coverage(2022, rows)
    assert coverage.budget_share == Decimal("99.99")
    assert [row.project for row in coverage.missing] == ["乙"]
    assert Coverage(2022, rows[:1]).budget_share == Decimal("100.00")
