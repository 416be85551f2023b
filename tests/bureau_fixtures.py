"""A finance bureau with two departments, their units, people and tables, for the bureau tests."""

import copy
from dataclasses import dataclass, field
from decimal import Decimal

import pytest

from assessments import services
from assessments.models import Assessment, AssessmentEvent, Organisation
from assessments.trust import signing

from .database import restore_rows
from .factories import AssessmentFactory, UnitFactory, UserFactory, YearFactory, member


@dataclass
class Desk:
    bureau: Organisation
    departments: list[Organisation]
    units: list[Organisation]
    people: dict
    year: object
    tables: list[Assessment] = field(default_factory=list)


def signed_table(unit, year, people, *, budget="10000", executed="10000", indicators=None):
    """A table of the unit, signed off by its reviewer (as the workflow leaves it)."""
    options = {} if indicators is None else {"indicators": indicators}
    table = AssessmentFactory(
        project__unit=unit,
        year=year,
        total_full_year_budget=Decimal(budget),
        current_full_year_budget=Decimal(budget),
        total_executed=Decimal(executed),
        current_executed=Decimal(executed),
        **options,
    )
    services.refresh_computed(table)
    table.status = Assessment.Status.SIGNED_OFF
    table.save()
    services.log_event(table, AssessmentEvent.Action.SIGN_OFF, by=people["unit_reviewer"])
    signing.record_signature(table, by=people["unit_reviewer"])
    return table


@pytest.fixture
def desk(db, desk_rows):
    """闵行区财政局 above two departments; department A has two units with two signed tables
    each, department B one unit with one signed table.

    Built once per session (desk_rows in conftest.py): each test gets a copy of its rows and
    of the objects."""
    made, rows = desk_rows
    restore_rows(rows)
    return copy.deepcopy(made)


def make_desk():
    bureau = Organisation.objects.create(name="测试区财政局", kind=Organisation.Kind.BUREAU)
    dept_a = Organisation.objects.create(
        name="甲局", kind=Organisation.Kind.DEPARTMENT, parent=bureau
    )
    dept_b = Organisation.objects.create(
        name="乙局", kind=Organisation.Kind.DEPARTMENT, parent=bureau
    )
    units = [
        UnitFactory(name="甲局一中心", parent=dept_a),
        UnitFactory(name="甲局二中心", parent=dept_a),
        UnitFactory(name="乙局一中心", parent=dept_b),
    ]
    people = {
        "bureau_reviewer": member(UserFactory(username="caizheng"), bureau, "reviewer"),
        "department_reviewer": member(UserFactory(username="juzhang_a"), dept_a, "reviewer"),
        "other_department_reviewer": member(UserFactory(username="juzhang_b"), dept_b, "reviewer"),
        "unit_reviewer": member(UserFactory(username="shenhe_a"), units[0], "reviewer"),
        "preparer": member(UserFactory(username="tianbao_a"), units[0], "preparer"),
    }
    member(people["unit_reviewer"], units[1], "reviewer")
    member(people["unit_reviewer"], units[2], "reviewer")
    year = YearFactory(year=2022)
    result = Desk(bureau, [dept_a, dept_b], units, people, year)
    for unit, budgets in [
        (units[0], ["10000", "30000"]),
        (units[1], ["20000", "50000"]),
        (units[2], ["40000"]),
    ]:
        for budget in budgets:
            result.tables.append(signed_table(unit, year, people, budget=budget, executed=budget))
    return result
