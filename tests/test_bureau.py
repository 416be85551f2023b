"""The finance bureau's desk: filing, returning, sampling, 复核 and the report."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from assessments import permissions
from assessments.models import (
    Assessment,
    AssessmentEvent,
    BureauEvent,
    Filing,
    ReviewSample,
    ReviewScore,
    Signature,
    visible_organisations,
)
from assessments.reporting import bureau as report
from assessments.rules import review as review_rules
from assessments.services import AssessmentError
from assessments.services import bureau as desk_services
from assessments.services.bureau import IndicatorReview
from assessments.trust import signing

from . import bureau_fixtures
from .factories import AssessmentFactory, UnitFactory, UserFactory, member

SHANGHAI = ZoneInfo("Asia/Shanghai")
desk = bureau_fixtures.desk


def file_a(desk):
    return desk_services.file_year(
        desk.departments[0].pk, desk.year.pk, by=desk.people["department_reviewer"]
    )


def events(action):
    return list(BureauEvent.objects.filter(action=action))


# ---------------------------------------------------------------------------
# Filing


def test_filing_is_refused_while_a_unit_table_is_not_signed(desk):
    Assessment.objects.filter(pk=desk.tables[1].pk).update(status=Assessment.Status.SUBMITTED)
    with pytest.raises(AssessmentError, match="还有 1 张自评表未签发"):
        file_a(desk)
    assert not Filing.objects.exists()
    assert not BureauEvent.objects.exists()


def test_department_reviewer_files_every_signed_table_with_one_log_entry(desk):
    filing = file_a(desk)
    own = [t for t in desk.tables if t.project.unit.parent == desk.departments[0]]
    rows = filing.manifest["tables"]
    assert [row["assessment"] for row in rows] == [
        t.pk for t in sorted(own, key=lambda t: (t.project.unit.name, t.project.name))
    ]
    for row in rows:
        signature = Signature.objects.get(pk=row["signature"])
        assert signature.assessment_id == row["assessment"] and signature.voided_at is None
        assert row["content_hash"] == signature.content_hash
    budgets = sum(Decimal(t.total_full_year_budget) for t in own)
    assert Decimal(filing.manifest["summary"]["budget_yuan"]) == budgets
    assert filing.manifest["summary"]["count"] == len(own)
    assert filing.status == Filing.Status.FILED
    assert filing.package_status == Filing.PackageStatus.PENDING
    [event] = events(BureauEvent.Action.FILE)
    assert event.filing == filing and event.actor == desk.people["department_reviewer"]


def test_a_target_table_of_the_year_is_neither_waited_for_nor_filed(desk):
    # A draft target table (绩效目标表) beside the signed self-assessments: the filing is of
    # the self-assessments only.
    table = desk.tables[0]
    AssessmentFactory(project=table.project, year=desk.year, kind="targets")
    filing = file_a(desk)
    listed = {row["assessment"] for row in filing.manifest["tables"]}
    assert listed and all(Assessment.objects.get(pk=pk).kind == "assessment" for pk in listed)
    assert table.pk in listed


def test_a_department_cannot_file_twice_while_a_filing_is_in_force(desk):
    file_a(desk)
    with pytest.raises(AssessmentError, match="已经报送"):
        file_a(desk)
    assert Filing.objects.count() == 1
    assert len(events(BureauEvent.Action.FILE)) == 1


@pytest.mark.parametrize("who", ["bureau_reviewer", "unit_reviewer", "other_department_reviewer"])
def test_only_the_departments_reviewer_files(desk, who):
    with pytest.raises(AssessmentError, match="只有主管部门的审核人"):
        desk_services.file_year(desk.departments[0].pk, desk.year.pk, by=desk.people[who])
    assert not Filing.objects.exists()


def test_filing_needs_a_bureau_above_the_department(desk):
    desk.departments[0].parent = None
    desk.departments[0].save()
    with pytest.raises(AssessmentError, match="尚未设置上级财政局"):
        file_a(desk)


def test_bureau_returns_a_filing_with_a_reason_and_the_department_files_again(desk):
    filing = file_a(desk)
    with pytest.raises(AssessmentError, match="必须填写退回原因"):
        desk_services.return_filing(filing.pk, by=desk.people["bureau_reviewer"], reason="  ")
    with pytest.raises(AssessmentError, match="只有上级财政局的审核人"):
        desk_services.return_filing(filing.pk, by=desk.people["department_reviewer"], reason="自退")
    assert not events(BureauEvent.Action.RETURN)

    desk_services.return_filing(
        filing.pk, by=desk.people["bureau_reviewer"], reason="宣传费执行率说明不充分"
    )
    filing.refresh_from_db()
    assert filing.status == Filing.Status.RETURNED
    assert filing.return_reason == "宣传费执行率说明不充分"
    assert filing.returned_by == desk.people["bureau_reviewer"]
    [event] = events(BureauEvent.Action.RETURN)
    assert event.comment == "宣传费执行率说明不充分" and event.filing == filing
    # The tables stay signed: only the reopen step reopens them.
    assert set(Assessment.objects.values_list("status", flat=True)) == {"signed_off"}
    assert not AssessmentEvent.objects.filter(action=AssessmentEvent.Action.REOPEN).exists()
    with pytest.raises(AssessmentError, match="已退回"):
        desk_services.return_filing(filing.pk, by=desk.people["bureau_reviewer"], reason="再退")

    again = file_a(desk)
    assert again.pk != filing.pk
    assert Filing.objects.filter(department=desk.departments[0]).count() == 2


def test_the_manifest_stays_as_filed_after_a_table_is_reopened_and_signed_again(desk):
    from assessments.services import workflow

    filing = file_a(desk)
    manifest = filing.manifest
    table = Assessment.objects.get(pk=manifest["tables"][0]["assessment"])
    workflow.reopen_assessment(table.pk, by=desk.people["department_reviewer"], reason="改目标")
    Assessment.objects.filter(pk=table.pk).update(
        goal="改过的目标", status=Assessment.Status.SIGNED_OFF
    )
    table.refresh_from_db()
    new = signing.record_signature(table, by=desk.people["unit_reviewer"])
    filing.refresh_from_db()
    assert filing.manifest == manifest
    assert manifest["tables"][0]["signature"] != new.pk
    assert manifest["tables"][0]["content_hash"] != new.content_hash


# ---------------------------------------------------------------------------
# Sampling


def file_both(desk):
    file_a(desk)
    desk_services.file_year(
        desk.departments[1].pk, desk.year.pk, by=desk.people["other_department_reviewer"]
    )


def random_sample(desk, seed, share="50"):
    return desk_services.create_sample(
        desk.bureau.pk,
        desk.year.pk,
        by=desk.people["bureau_reviewer"],
        margin=Decimal("1.00"),
        share=Decimal(share),
        seed=seed,
    )


def sampled_ids(sample):
    return sorted(sample.tables.values_list("assessment_id", flat=True))


def test_random_sample_is_reproducible_from_its_seed_and_stratified(desk):
    file_both(desk)
    first = random_sample(desk, 20221231)
    second = random_sample(desk, 20221231)
    assert sampled_ids(first) == sampled_ids(second)
    # 甲局's budgets 10,000 / 30,000 / 20,000 / 50,000 split at their median 25,000: one of
    # each half at 50 %; 乙局's one table is its own stratum and always taken.
    by_budget = {t.pk: t.total_full_year_budget for t in desk.tables}
    chosen = sampled_ids(first)
    assert len(chosen) == 3
    assert desk.tables[4].pk in chosen
    a_chosen = [by_budget[pk] for pk in chosen if pk != desk.tables[4].pk]
    assert sum(1 for b in a_chosen if b > Decimal("25000")) == 1
    assert sum(1 for b in a_chosen if b <= Decimal("25000")) == 1
    assert first.method == ReviewSample.Method.RANDOM and first.seed == 20221231
    assert len(events(BureauEvent.Action.SAMPLE)) == 2
    seeds = {tuple(sampled_ids(random_sample(desk, seed))) for seed in range(1, 30)}
    assert len(seeds) > 1  # the seed does choose


def test_sampling_takes_only_signed_tables_of_filed_departments(desk):
    file_a(desk)
    sample = random_sample(desk, 5, share="100")
    department_a = {t.pk for t in desk.tables if t.project.unit.parent == desk.departments[0]}
    assert set(sampled_ids(sample)) == department_a
    with pytest.raises(AssessmentError, match="不在已报送部门"):
        desk_services.create_sample(
            desk.bureau.pk,
            desk.year.pk,
            by=desk.people["bureau_reviewer"],
            margin=Decimal("1"),
            assessment_ids=[desk.tables[4].pk],
        )


def test_sampling_is_refused_before_any_filing_and_to_others_than_the_bureau(desk):
    with pytest.raises(AssessmentError, match="还没有部门报送"):
        random_sample(desk, 1)
    file_a(desk)
    with pytest.raises(AssessmentError, match="只有财政局的审核人"):
        desk_services.create_sample(
            desk.bureau.pk,
            desk.year.pk,
            by=desk.people["department_reviewer"],
            margin=Decimal("1"),
            assessment_ids=[desk.tables[0].pk],
        )
    assert not ReviewSample.objects.exists()
    assert not events(BureauEvent.Action.SAMPLE)


# ---------------------------------------------------------------------------
# 复核


def manual_sample(desk, *tables, margin="1.00"):
    return desk_services.create_sample(
        desk.bureau.pk,
        desk.year.pk,
        by=desk.people["bureau_reviewer"],
        margin=Decimal(margin),
        assessment_ids=[t.pk for t in tables],
    )


def review(desk, sampled, budget="8", scores=("45", "30", "10"), **kwargs):
    return desk_services.save_review(
        sampled.pk,
        by=kwargs.get("by", desk.people["bureau_reviewer"]),
        budget_score=Decimal(budget),
        indicators=[
            IndicatorReview(position, Decimal(score), "抽查核实")
            for position, score in enumerate(scores, start=1)
        ],
        remark="复核意见",
        budget_remark=kwargs.get("budget_remark", "执行数核减"),
    )


def test_review_never_alters_the_signed_self_assessment(desk):
    file_a(desk)
    table = desk.tables[0]
    sampled = manual_sample(desk, table).tables.get()
    signature = Signature.objects.get(pk=sampled.signature_id)
    snapshot, content_hash = signature.snapshot, signature.content_hash
    before = Assessment.objects.filter(pk=table.pk).values().get()

    result = review(desk, sampled)

    assert result.total_score == Decimal("8") + Decimal("45") + Decimal("30") + Decimal("10")
    signature.refresh_from_db()
    assert signature.snapshot == snapshot and signature.content_hash == content_hash
    assert signing.check_signature(signature) == signing.SignatureState.VALID
    assert Assessment.objects.filter(pk=table.pk).values().get() == before
    assert [(i.position, i.score) for i in result.indicators.all()] == [
        (1, Decimal("45")),
        (2, Decimal("30")),
        (3, Decimal("10")),
    ]
    [event] = events(BureauEvent.Action.REVIEW)
    assert event.assessment_id == table.pk and event.changes["total_score"] == "93.00"


def test_a_second_review_replaces_the_first(desk):
    file_a(desk)
    sampled = manual_sample(desk, desk.tables[0]).tables.get()
    review(desk, sampled)
    review(desk, sampled, budget="10", scores=("50", "30", "10"))
    assert ReviewScore.objects.get().total_score == Decimal("100")
    assert len(events(BureauEvent.Action.REVIEW)) == 2


def test_review_refuses_a_score_above_the_weight_and_others_than_the_bureau(desk):
    file_a(desk)
    sampled = manual_sample(desk, desk.tables[0]).tables.get()
    with pytest.raises(AssessmentError, match="超过分值 50"):
        review(desk, sampled, scores=("51", "30", "10"))
    with pytest.raises(AssessmentError, match="超过分值 10"):
        review(desk, sampled, budget="10.5")
    with pytest.raises(AssessmentError, match="每一项指标"):
        review(desk, sampled, scores=("45", "30"))
    with pytest.raises(AssessmentError, match="只有组织抽查的财政局"):
        review(desk, sampled, by=desk.people["department_reviewer"])
    assert not ReviewScore.objects.exists()
    assert not events(BureauEvent.Action.REVIEW)


# ---------------------------------------------------------------------------
# Permissions of the bureau's reviewer in the units' workflow


def test_bureau_reviewer_sees_every_table_below_but_takes_no_workflow_step(desk):
    bureau_reviewer = desk.people["bureau_reviewer"]
    visible = Assessment.objects.visible_to(bureau_reviewer)
    assert set(visible.values_list("pk", flat=True)) == {t.pk for t in desk.tables}
    elsewhere = UnitFactory()
    assert not visible_organisations(bureau_reviewer).filter(pk=elsewhere.pk).exists()
    table = desk.tables[0]
    for status in Assessment.Status.values:
        table.status = status
        assert not any(permissions.allowed_actions(bureau_reviewer, table).values()), status


def test_a_department_reviewer_sees_nothing_of_another_department(desk):
    visible = Assessment.objects.visible_to(desk.people["department_reviewer"])
    assert desk.tables[4].pk not in set(visible.values_list("pk", flat=True))


# ---------------------------------------------------------------------------
# Arithmetic


@pytest.mark.parametrize(
    ("size", "share", "count"),
    [
        (0, "50", 0),
        (1, "10", 1),
        (4, "50", 2),
        (5, "50", 3),
        (3, "50", 2),
        (7, "10", 1),
        (10, "25", 3),
        (2, "100", 2),
    ],
)
def test_stratum_count_rounds_half_up_with_at_least_one(size, share, count):
    assert review_rules.stratum_count(size, Decimal(share)) == count


def test_department_figures_equal_a_hand_computation():
    tables = [
        # budget, executed, self, grade, 复核, margin
        review_rules.TableFigures(
            Decimal("10000"), Decimal("9000"), Decimal("95"), "优", Decimal("90"), Decimal("1")
        ),
        review_rules.TableFigures(
            Decimal("30000"), Decimal("15000"), Decimal("82.5"), "良", Decimal("82"), Decimal("1")
        ),
        review_rules.TableFigures(Decimal("0"), None, Decimal("70"), "中"),
    ]
    figures = review_rules.department_figures(tables, grades=["优", "良", "中", "差"])
    # Σ执行数 ÷ Σ预算数 over the two tables with a budget: 24,000 ÷ 40,000 = 60.00 %.
    assert figures.execution_rate == Decimal("60.00")
    # (95 + 82.5 + 70) ÷ 3 = 82.5; of the two re-scored: self (95 + 82.5) ÷ 2 = 88.75,
    # 复核 (90 + 82) ÷ 2 = 86, difference 2.75; only the first exceeds by more than 1: 50 %.
    assert figures.average_self == Decimal("82.50")
    assert figures.average_self_reviewed == Decimal("88.75")
    assert figures.average_review == Decimal("86.00")
    assert figures.difference == Decimal("2.75")
    assert figures.overrated_count == 1 and figures.overrated_rate == Decimal("50.00")
    assert figures.grade_counts == (("优", 1), ("良", 1), ("中", 1), ("差", 0))


def test_review_total_rounds_half_up():
    assert review_rules.review_total(Decimal("8.125"), [Decimal("10"), Decimal("0")]) == Decimal(
        "18.13"
    )


# ---------------------------------------------------------------------------
# The report


def test_bureau_report_equals_a_hand_computation(desk, django_assert_num_queries):
    desk.year.deadline = date(2023, 3, 31)
    desk.year.save()
    filing = file_a(desk)
    # Filed at 23:30 on the deadline day in Shanghai: on time.
    Filing.objects.filter(pk=filing.pk).update(
        filed_at=datetime(2023, 3, 31, 23, 30, tzinfo=SHANGHAI)
    )
    a1, a2 = desk.tables[0], desk.tables[2]
    sample = manual_sample(desk, a1, a2, margin="2")
    review(desk, sample.tables.get(assessment=a1), budget="10", scores=("40", "30", "10"))
    review(desk, sample.tables.get(assessment=a2), budget="10", scores=("49", "30", "10"))

    # Departments, filings in force, latest 复核; the year's 整改 and 结果应用; and the 决算
    # approvals with their first publication.
    with django_assert_num_queries(6):
        result = report.build_report(desk.bureau, desk.year)

    lines = {line.department.name: line for line in result.departments}
    line_a, line_b = lines["甲局"], lines["乙局"]
    assert line_a.filed_label == "按时报送"
    assert line_b.filed_label == "未报送" and line_b.figures is None
    f = line_a.figures
    # Every factory table: budget = executed, 总分 10 + 50 + 30 + 10 = 100 (优).
    assert f.count == 4 and f.execution_rate == Decimal("100.00")
    assert f.budget == Decimal("10000") + Decimal("30000") + Decimal("20000") + Decimal("50000")
    assert f.average_self == Decimal("100.00")
    # 复核: 90 and 99; average 94.5, difference 5.5; 100 − 90 = 10 > 2, 100 − 99 = 1 ≤ 2.
    assert f.average_review == Decimal("94.50") and f.difference == Decimal("5.50")
    assert f.overrated_rate == Decimal("50.00")
    assert dict(f.grade_counts)["优"] == 4
    rows = {row.assessment_id: row for row in result.tables}
    assert rows[a1.pk].review_score == Decimal("90") and rows[a1.pk].beyond_margin
    assert rows[a2.pk].review_score == Decimal("99") and not rows[a2.pk].beyond_margin


def test_a_filing_after_the_deadline_day_is_late():
    deadline = date(2023, 3, 31)
    assert report.filed_on_time(datetime(2023, 3, 31, 23, 59, tzinfo=SHANGHAI), deadline)
    # 16:30 UTC on the 31st is already 1 April in Shanghai.
    utc = ZoneInfo("UTC")
    assert not report.filed_on_time(datetime(2023, 3, 31, 16, 30, tzinfo=utc), deadline)
    assert report.filed_on_time(datetime(2023, 3, 31, 16, 30, tzinfo=utc), None) is None


def test_outsider_bureau_reviewer_sees_nothing_of_this_bureau(desk):
    from assessments.models import Organisation

    other = Organisation.objects.create(name="别区财政局", kind=Organisation.Kind.BUREAU)
    stranger = member(UserFactory(username="stranger"), other, "reviewer")
    assert not Assessment.objects.visible_to(stranger).exists()
    assert not permissions.is_bureau_reviewer(stranger, desk.bureau)


def test_the_bureau_log_is_append_only(desk):
    file_a(desk)
    [event] = events(BureauEvent.Action.FILE)
    event.comment = "改写"
    with pytest.raises(ValueError, match="只能追加"):
        event.save()
    with pytest.raises(ValueError, match="只能追加"):
        event.delete()
