"""A department's own table (部门整体) in its filing: filed beside its projects' tables, kept
apart in the manifest so that no sum counts its 项目支出 twice, bound first in the package, and
its 总分 in the bureau's report beside the projects' average."""

from decimal import Decimal

import pytest

from assessments.models import Assessment, AssessmentEvent
from assessments.reporting import bureau as report
from assessments.services import AssessmentError, drafts, log_event, refresh_computed
from assessments.services import bureau as desk_services
from assessments.services import filing as filing_services
from assessments.trust import signing

from . import bureau_fixtures
from .factories import UserFactory, member

desk = bureau_fixtures.desk


@pytest.fixture
def own(desk):
    """The department A's own table of the year, filled with its funds and signed."""
    department = desk.departments[0]
    preparer = member(UserFactory(username="bumen_a"), department, "preparer")
    table = drafts.create_assessment(
        unit=department, year=desk.year, kind="department", by=preparer
    )
    Assessment.objects.filter(pk=table.pk).update(
        total_full_year_budget=Decimal("500000"),
        current_full_year_budget=Decimal("390000"),
        carryover_full_year_budget=Decimal("110000"),
        total_executed=Decimal("480000"),
        current_executed=Decimal("370000"),
        carryover_executed=Decimal("110000"),
    )
    table = Assessment.objects.with_tree().get(pk=table.pk)
    for row in table.indicators.all():
        row.actual, row.score = row.target, row.weight
        row.save()
    refresh_computed(table)
    table.save()
    return table


def sign(table, by):
    Assessment.objects.filter(pk=table.pk).update(status=Assessment.Status.SIGNED_OFF)
    table.refresh_from_db()
    log_event(table, AssessmentEvent.Action.SIGN_OFF, by=by)
    signing.record_signature(table, by=by)


def file_a(desk):
    return desk_services.file_year(
        desk.departments[0].pk, desk.year.pk, by=desk.people["department_reviewer"]
    )


def test_an_unsigned_department_table_holds_the_filing_back(desk, own):
    with pytest.raises(AssessmentError, match="本部门的部门整体自评表尚未签发（草稿）"):
        file_a(desk)


def test_the_manifest_lists_the_department_table_apart_from_the_projects(desk, own):
    sign(own, desk.people["department_reviewer"])
    filing = file_a(desk)
    manifest = filing.manifest
    (row,) = manifest["department_tables"]
    assert row["assessment"] == own.pk and row["kind"] == "department"
    assert (row["project"], row["unit"]) == ("甲局（部门整体）", "甲局")
    assert row["content_hash"] == own.valid_signature().content_hash
    assert row["budget_yuan"] == "500000.00" and row["total_score"] == str(own.total_score)
    # The projects' sums stand alone: four tables, 110,000 元.
    assert len(manifest["tables"]) == 4
    assert manifest["summary"]["count"] == 4
    assert manifest["summary"]["budget_yuan"] == "110000.00"


def test_the_package_binds_the_department_table_first(desk, own):
    sign(own, desk.people["department_reviewer"])
    filing = file_a(desk)
    bound = []

    def bind(filing, signatures):
        bound.extend(s.assessment_id for s in signatures)
        return b"%PDF"

    filing_services.build_package(filing.pk, bind_book=bind, write_workbook=lambda f: b"xlsx")
    assert bound[0] == own.pk
    assert bound[1:] == [row["assessment"] for row in filing.manifest["tables"]]


def test_the_bureau_report_shows_the_overall_score_beside_the_projects_average(desk, own):
    sign(own, desk.people["department_reviewer"])
    file_a(desk)
    desk_services.file_year(
        desk.departments[1].pk, desk.year.pk, by=desk.people["other_department_reviewer"]
    )
    lines = {
        line.department.name: line
        for line in report.build_report(desk.bureau, desk.year).departments
    }
    assert (lines["甲局"].overall_score, lines["甲局"].overall_grade) == (
        own.total_score,
        own.grade,
    )
    assert lines["甲局"].figures.count == 4
    assert lines["乙局"].overall_score is None


def test_the_bureau_report_page_shows_the_overall_score_under_the_average(client, desk, own):
    from django.urls import reverse

    sign(own, desk.people["department_reviewer"])
    file_a(desk)
    client.force_login(desk.people["bureau_reviewer"])
    url = reverse("assessments:bureau_report", args=[desk.bureau.pk, desk.year.year])
    page = client.get(url).content.decode()
    assert f'<div class="small" data-overall>{own.total_score} {own.grade}</div>' in page


def test_a_zero_execution_rate_is_printed_as_zero_not_as_missing(client, desk, monkeypatch):
    """0.00% is a figure (nothing spent); only a rate that cannot be computed is "—"."""
    import dataclasses

    from django.template.loader import render_to_string
    from django.urls import reverse

    row = {"unit": "某中心", "project": "某项目", "assessment": 1, "content_hash": "ab" * 32}
    spent_nothing = {**row, "execution_rate": Decimal("0.00"), "budget_yuan": Decimal("0.00")}
    no_budget = {**row, "execution_rate": None, "budget_yuan": None}
    assert '<td class="num">0.00%</td>' in render_to_string(
        "assessments/_filing_row.html", {"row": spent_nothing, "own": False}
    )
    assert '<td class="num">—</td>' in render_to_string(
        "assessments/_filing_row.html", {"row": no_budget, "own": False}
    )
    own_row = render_to_string("assessments/_filing_row.html", {"row": no_budget, "own": True})
    assert "data-own-table" in own_row and "（部门整体）" in own_row

    file_a(desk)
    built = report.build_report

    def with_nothing_spent(*args):
        result = built(*args)
        line = next(line for line in result.departments if line.figures is not None)
        line.figures = dataclasses.replace(line.figures, execution_rate=Decimal("0.00"))
        return result

    monkeypatch.setattr(report, "build_report", with_nothing_spent)
    client.force_login(desk.people["bureau_reviewer"])
    url = reverse("assessments:bureau_report", args=[desk.bureau.pk, desk.year.year])
    page = client.get(url).content.decode()
    assert '<td class="num">0.00%</td>' in page
    assert "—%" not in page
