"""The dashboard's progress of each unit against its deadlines."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments import deadlines
from assessments.models import Assessment, DeadlineException, Project
from assessments.reporting.progress import unit_progress
from assessments.services import cycle

from .factories import AssessmentFactory, UnitFactory, UserFactory, YearFactory, member

DUE = datetime.date(2024, 3, 31)
AFTER = timezone.make_aware(datetime.datetime(2024, 4, 2, 9))


def department_with_units(count):
    first = UnitFactory()
    units = [first] + [UnitFactory(parent=first.parent) for _ in range(count - 1)]
    chief = member(UserFactory(username="chief"), first.parent, "reviewer")
    return first.parent, units, chief


def test_each_unit_counts_projects_without_a_table_and_tables_by_status(db):
    department, (unit, other), chief = department_with_units(2)
    year = YearFactory(year=2023)
    cycle.set_deadline(department, year, entry_due=DUE, review_due=None, by=chief)
    AssessmentFactory(project__unit=unit, year=year)
    submitted = AssessmentFactory(project__unit=unit, year=year)
    Assessment.objects.filter(pk=submitted.pk).update(status=Assessment.Status.SUBMITTED)
    Project.objects.create(unit=unit, name="没有表的项目")
    AssessmentFactory(project__unit=other, year=YearFactory(year=2022))  # last year only
    DeadlineException.objects.create(
        unit=other, year=year, until=AFTER + datetime.timedelta(days=1), reason="补录"
    )
    rows = {row["unit"]: row for row in unit_progress(year, [unit, other], AFTER)}
    assert (rows[unit]["not_started"], rows[unit]["draft"], rows[unit]["submitted"]) == (1, 1, 1)
    assert rows[unit]["overdue"] is True
    assert rows[unit]["days_left"] == (DUE - timezone.localdate(AFTER)).days == -2
    # The other unit has work left too, but an exception is in force.
    assert (rows[other]["not_started"], rows[other]["overdue"]) == (1, False)
    assert rows[other]["exception_until"] == timezone.localdate(AFTER + datetime.timedelta(days=1))


def test_before_the_deadline_nobody_is_overdue(db):
    department, units, chief = department_with_units(1)
    year = YearFactory(year=2023)
    cycle.set_deadline(department, year, entry_due=DUE, review_due=None, by=chief)
    Project.objects.create(unit=units[0], name="未开始")
    (row,) = unit_progress(year, units, deadlines.end_of_day(DUE) - datetime.timedelta(seconds=1))
    assert (row["not_started"], row["overdue"], row["days_left"]) == (1, False, 0)


def test_the_dashboard_marks_an_overdue_unit_in_red_with_a_fixed_query_count(
    client, db, monkeypatch
):
    monkeypatch.setattr(deadlines, "current_time", lambda: AFTER)
    department, units, chief = department_with_units(3)
    year = YearFactory(year=2023)
    cycle.set_deadline(department, year, entry_due=DUE, review_due=None, by=chief)
    for unit in units:
        AssessmentFactory(project__unit=unit, year=year)
    client.force_login(chief)

    def count():
        with CaptureQueriesContext(connection) as queries:
            page = client.get(reverse("home"))
        assert page.status_code == 200
        return len(queries), page.content.decode()

    few, page = count()
    assert page.count('class="overdue"') == 3
    assert "已过 2 天" in page
    for index in range(12):
        unit = UnitFactory(parent=department)
        AssessmentFactory(project__unit=unit, year=year)
        Project.objects.create(unit=unit, name=f"新项目{index}")
    many, page = count()
    assert page.count('class="overdue"') == 15
    assert many == few


def test_a_preparer_sees_her_units_deadline_and_exception(client, db, monkeypatch):
    monkeypatch.setattr(deadlines, "current_time", lambda: AFTER)
    department, (unit,), chief = department_with_units(1)
    preparer = member(UserFactory(username="preparer"), unit, "preparer")
    year = YearFactory(year=2023)
    cycle.set_deadline(department, year, entry_due=DUE, review_due=None, by=chief)
    client.force_login(preparer)
    page = client.get(reverse("home")).content.decode()
    assert "填报截止 2024年3月31日" in page and "已过 2 天" in page
    cycle.grant_exception(
        unit, year, until=deadlines.end_of_day(datetime.date(2024, 4, 10)), reason="补录", by=chief
    )
    page = client.get(reverse("home")).content.decode()
    assert "已批准延期至 2024年4月10日" in page


def test_target_tables_count_neither_as_started_nor_by_status(db):
    department, (unit,), chief = department_with_units(1)
    year = YearFactory(year=2023)
    cycle.set_deadline(department, year, entry_due=DUE, review_due=None, by=chief)
    targets = AssessmentFactory(project__unit=unit, year=year, kind="targets")
    Assessment.objects.filter(pk=targets.pk).update(status=Assessment.Status.SUBMITTED)
    (row,) = unit_progress(year, [unit], AFTER)
    assert (row["not_started"], row["draft"], row["submitted"]) == (1, 0, 0)
