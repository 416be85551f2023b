"""The people and tables of the upload tests."""

import pytest

from assessments.models import Assessment

from ..factories import AssessmentFactory, UnitFactory, UserFactory, YearFactory, member
from .helpers import (
    QUALITATIVE_ROWS,
)


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
def draft(unit):
    return AssessmentFactory(
        project__unit=unit,
        project__name="就业援助",
        year=YearFactory(year=2023),
        indicators=QUALITATIVE_ROWS,
    )


@pytest.fixture
def client_in(client, preparer):
    client.force_login(preparer)
    return client


@pytest.fixture
def unit_tables(draft, unit):
    second = AssessmentFactory(project__unit=unit, project__name="技能培训", year=draft.year)
    submitted = AssessmentFactory(
        project__unit=unit,
        project__name="已提交的项目",
        year=draft.year,
        status=Assessment.Status.SUBMITTED,
    )
    AssessmentFactory(project__name="别的单位的项目", year=draft.year)
    return draft, second, submitted
