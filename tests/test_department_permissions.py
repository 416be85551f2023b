"""The permission matrix of a department's own table (部门整体): every role × every action ×
every state. The department's preparer fills it, its reviewer returns, comments, signs and
reopens it, the bureau above reads it, and the department's units never see it."""

from decimal import Decimal

import pytest

from assessments import services
from assessments.models import Assessment, AssessmentEvent, Indicator, Organisation
from assessments.services import drafts
from assessments.trust import signing

from .factories import DepartmentFactory, UnitFactory, UserFactory, YearFactory, member
from .test_review import ACTIONS, attempt, events, fingerprint

DRAFT, SUBMITTED, RETURNED, SIGNED_OFF = Assessment.Status.values

ROLES = [
    "dept_preparer",
    "dept_reviewer",
    "bureau_reviewer",
    "unit_preparer",
    "unit_reviewer",
    "outsider",
    "admin",
    "anonymous",
]
READERS = {"dept_preparer", "dept_reviewer", "bureau_reviewer", "admin"}
FILLERS = {"dept_preparer", "admin"}
REVIEWERS = {"dept_reviewer", "admin"}
ALLOWED = {
    "view": {state: READERS for state in Assessment.Status.values},
    "download_pdf": {state: READERS for state in Assessment.Status.values},
    "edit": {DRAFT: FILLERS, RETURNED: FILLERS},
    "submit": {DRAFT: FILLERS, RETURNED: FILLERS},
    "return": {SUBMITTED: REVIEWERS},
    "comment": {SUBMITTED: REVIEWERS},
    "sign_off": {SUBMITTED: REVIEWERS},
    "reopen": {SIGNED_OFF: REVIEWERS},
    "withdraw": {SUBMITTED: FILLERS},
}


@pytest.fixture
def world(db):
    bureau = Organisation.objects.create(name="某区财政局", kind=Organisation.Kind.BUREAU)
    department = DepartmentFactory(name="某区民政局", parent=bureau)
    unit = UnitFactory(name="社区服务中心", parent=department)
    other = UnitFactory(name="别的中心")
    return {
        "department": department,
        "dept_preparer": member(UserFactory(username="d-preparer"), department, "preparer"),
        "dept_reviewer": member(UserFactory(username="d-reviewer"), department, "reviewer"),
        "bureau_reviewer": member(UserFactory(username="b-reviewer"), bureau, "reviewer"),
        "unit_preparer": member(UserFactory(username="u-preparer"), unit, "preparer"),
        "unit_reviewer": member(UserFactory(username="u-reviewer"), unit, "reviewer"),
        "outsider": member(UserFactory(username="outsider"), other, "preparer"),
        "admin": UserFactory(username="admin", is_superuser=True, is_staff=True),
    }


def make(world, status):
    """The department's table, complete (no error), in the given state."""
    table = drafts.create_assessment(
        unit=world["department"],
        year=YearFactory(year=2023),
        kind="department",
        by=world["dept_preparer"],
    )
    amounts = {"full_year_budget": Decimal("1000"), "executed": Decimal("950")}
    for column, value in amounts.items():
        setattr(table, f"current_{column}", value)
        setattr(table, f"total_{column}", value)
    table.goal, table.outcome = "完成年度工作。", "已完成。"
    table.save()
    for row in table.indicators.all():
        row.actual, row.score = row.target, row.weight
        row.save()
    for position, (level1, level2, name) in enumerate(
        [("产出指标", "职责履行", "救助对象覆盖率"), ("效果指标", "满意度", "群众满意度")],
        start=13,
    ):
        Indicator.objects.create(
            assessment=table,
            position=position,
            level1=level1,
            level2=level2,
            name=name,
            target=">=90%",
            actual="=95%",
            weight=Decimal("30"),
            score=Decimal("30"),
        )
    services.refresh_computed(table)
    table.save()
    Assessment.objects.filter(pk=table.pk).update(status=status)
    table.refresh_from_db()
    if status == SIGNED_OFF:
        services.log_event(table, AssessmentEvent.Action.SIGN_OFF, by=world["dept_reviewer"])
        signing.record_signature(table, by=world["dept_reviewer"])
    return table


CASES = [
    pytest.param(
        role,
        action,
        state,
        id=f"{role}-{action}-{state}",
        marks=[pytest.mark.slow]
        if action == "download_pdf" and role in ALLOWED[action].get(state, set())
        else [],
    )
    for role in ROLES
    for action in ACTIONS
    for state in Assessment.Status.values
]


@pytest.mark.parametrize(("role", "action", "state"), CASES)
def test_department_table_permission_matrix(client, world, role, action, state):
    table = make(world, state)
    assert table.evaluate().errors == []
    if role != "anonymous":
        client.force_login(world[role])
    expected = role in ALLOWED[action].get(state, set())
    before_state, before_events = fingerprint(table), len(events(table))
    response = attempt(client, table, action)
    after_state, after_events = fingerprint(table), len(events(table))
    if action in ("view", "download_pdf"):
        assert (response.status_code == 200) is expected
        if role != "anonymous" and role not in READERS:
            assert response.status_code == 404
        assert after_events == before_events
        return
    if expected:
        assert after_state != before_state
        assert after_events == before_events + 1
    else:
        assert after_state == before_state
        assert after_events == before_events
        assert response.status_code in (302, 403, 404)
