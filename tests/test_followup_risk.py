"""Risk findings for the bureau's sampler: warnings on filed tables, listed on the sampling
page with score and rate, sortable, and a sample that draws the risky tables first."""

from decimal import Decimal

import pytest
from django.urls import reverse

from assessments import rules, synthetic
from assessments.models import Assessment, ReportingYear, ReviewSample, Signature
from assessments.rules import risk as risk_rules
from assessments.services import bureau as desk_services
from assessments.services import risk

from . import bureau_fixtures
from .factories import login

desk = bureau_fixtures.desk
FLOORS = rules.default_rule_set().grade_floors


def codes(table, median=None):
    found = risk_rules.findings_of(table, grade_floors=FLOORS, department_median=median)
    return [f.code for f in found]


def test_a_table_executed_at_nine_percent_and_graded_excellent_is_flagged():
    table = risk_rules.TableRisk(
        department="甲局",
        self_score=Decimal("90.90"),
        grade="优",
        execution_rate=Decimal("9.00"),
        lines=[
            risk_rules.FundsLine("total", Decimal("1000"), Decimal("97")),
            risk_rules.FundsLine("current", Decimal("0"), Decimal("7")),
            risk_rules.FundsLine("other", None, None),
        ],
    )
    found = risk_rules.findings_of(table, grade_floors=FLOORS, department_median=Decimal("85"))
    assert [f.code for f in found] == ["low_execution", "over_budget", "near_boundary"]
    assert "执行率 9.00% 低于 60%" in found[0].message
    assert "当年财政拨款的全年执行数 7 超过全年预算数 0" in found[1].message
    assert "距“优”的下限 90 分" in found[2].message


def test_a_table_within_every_threshold_has_no_finding():
    table = risk_rules.TableRisk("甲局", Decimal("91.00"), "优", Decimal("60"))
    assert codes(table, Decimal("81.00")) == []
    # 60% is not below the threshold; 91.00 is a full point above 优's floor; 10 points above
    # the median is not more than the margin.
    assert codes(table, Decimal("80.99")) == ["above_median"]
    assert codes(risk_rules.TableRisk("甲局", Decimal("70"), "中", Decimal("9"))) == []


def test_department_medians_and_the_risky_first_sample():
    tables = [risk_rules.TableRisk("甲", Decimal(s), "优", None) for s in ("80", "90", "100")]
    tables.append(risk_rules.TableRisk("乙", Decimal("70"), "中", None))
    tables.append(risk_rules.TableRisk("乙", Decimal("75"), "中", None))
    assert risk_rules.department_medians(tables) == {"甲": Decimal("90"), "乙": Decimal("72.5")}
    items = list(range(10))
    risky = {3: 2, 7: 1}
    drawn = risk_rules.risk_first_sample(items, lambda i: risky.get(i, 0), Decimal("40"), 5)
    assert drawn[:2] == [3, 7] and len(drawn) == 4 and len(set(drawn)) == 4
    assert drawn == risk_rules.risk_first_sample(items, lambda i: risky.get(i, 0), Decimal("40"), 5)
    assert risk_rules.risk_first_sample(items, lambda i: 1, Decimal("10"), 5) != []


def test_the_demo_flags_its_low_execution_table(demo):
    year = ReportingYear.objects.get(year=2022)
    bureau = year.filings.get().department.parent
    found = {item.candidate.project: item for item in risk.risky_candidates(bureau, year)}
    assert len(found) == 11
    flagged = {name: [f.code for f in item.findings] for name, item in found.items() if item.count}
    assert flagged["外省市差旅费"][0] == "low_execution"
    # Every low-execution finding is a table under 60% graded 优, and every such table has it.
    for item in found.values():
        c = item.candidate
        expected = c.execution_rate is not None and c.execution_rate < 60 and c.grade == "优"
        assert ("low_execution" in [f.code for f in item.findings]) == expected


def test_generated_tables_are_flagged_by_their_own_figures(db):
    synthetic.generate(200, years=[2022])
    signed = Assessment.objects.filter(status=Assessment.Status.SIGNED_OFF).select_related(
        "project__unit__parent"
    )
    signatures = {s.assessment_id: s for s in Signature.objects.filter(assessment__in=signed)}
    pool = [
        desk_services.Candidate(
            assessment_id=a.pk,
            signature_id=signatures[a.pk].pk,
            department=a.project.unit.parent.name,
            unit=a.project.unit.name,
            project=a.project.name,
            budget=a.total_full_year_budget or Decimal(0),
            self_score=a.total_score,
            execution_rate=a.execution_rate,
            grade=a.grade,
        )
        for a in signed
    ]
    assessed = risk.assess(pool, rules.default_rule_set())
    by_id = {a.pk: a for a in signed}
    over_count = 0
    for item in assessed:
        table = by_id[item.candidate.assessment_id]
        found = [f.code for f in item.findings]
        rate = table.execution_rate
        flagged_low = rate is not None and rate < 60 and table.grade == "优"
        assert ("low_execution" in found) == flagged_low
        over = any(
            (getattr(table, f"{line}_executed") or 0)
            > (getattr(table, f"{line}_full_year_budget") or 0)
            for line in rules.FUND_LINES
            if getattr(table, f"{line}_executed") is not None
        )
        assert ("over_budget" in found) == over
        over_count += over
        near = any(f <= table.total_score < f + 1 for f, _ in rules.default_rule_set().grade_floors)
        assert ("near_boundary" in found) == near
    assert over_count > 0, "the generated data spends beyond the budget on some lines"


@pytest.fixture
def filed(desk):
    """Both departments filed; 甲局 with a sixth table executed at 9% and graded 优 (90.90)."""
    risky = bureau_fixtures.signed_table(
        desk.units[1], desk.year, desk.people, budget="10000", executed="900"
    )
    assert (risky.execution_rate, risky.total_score, risky.grade) == (
        Decimal("9.00"),
        Decimal("90.90"),
        "优",
    )
    desk.risky = risky
    people = desk.people
    for department, filer in zip(
        desk.departments,
        [people["department_reviewer"], people["other_department_reviewer"]],
        strict=True,
    ):
        desk_services.file_year(department.pk, desk.year.pk, by=filer)
    return desk


def test_sampling_page_lists_score_rate_and_findings_sorted(client, filed):
    login(client, "caizheng")
    url = reverse("assessments:bureau_desk", args=[filed.bureau.pk, filed.year.year])
    html = client.get(url + "?sort=risk").content.decode()
    listing = html.split('id="candidate-table"')[1]
    assert listing.count("<tr data-findings=") == 6
    first = listing.split("<tr data-findings=")[1]
    assert first.startswith('"2"') and filed.risky.project.name in first
    assert "90.90" in first and "9.00%" in first and "执行率 9.00% 低于 60%" in first
    html = client.get(url + "?sort=rate").content.decode()
    first = html.split('id="candidate-table"')[1].split("<tr data-findings=")[1]
    assert filed.risky.project.name in first
    html = client.get(url).content.decode()
    first = html.split('id="candidate-table"')[1].split("<tr data-findings=")[1]
    assert filed.risky.project.name not in first  # the pool's order: department, unit


def test_a_sample_drawn_risky_first_takes_the_flagged_tables(client, filed):
    login(client, "caizheng")
    url = reverse("assessments:bureau_desk", args=[filed.bureau.pk, filed.year.year])
    for seed in ("3", "4", "5"):
        data = {"method": "risk", "share": "40%", "seed": seed, "margin": "1"}
        assert client.post(url, data).status_code == 302
        sample = ReviewSample.objects.latest("pk")
        assert sample.method == ReviewSample.Method.RISK
        drawn = set(sample.tables.values_list("assessment_id", flat=True))
        assert len(drawn) == 2 and filed.risky.pk in drawn
