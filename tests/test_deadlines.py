"""Deadlines that lock a unit's entry, exceptions that open it again for a while, closed years."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments import deadlines, permissions, services
from assessments.models import (
    Assessment,
    AssessmentEvent,
    Deadline,
    DeadlineException,
    Organisation,
    OrganisationEvent,
)
from assessments.services import cycle, drafts, workflow

from .factories import AssessmentFactory, UnitFactory, UserFactory, YearFactory, member

DRAFT, SUBMITTED, RETURNED, SIGNED_OFF = Assessment.Status.values
DUE = datetime.date(2024, 3, 31)
BEFORE = timezone.make_aware(datetime.datetime(2024, 3, 31, 23, 59))
AFTER = timezone.make_aware(datetime.datetime(2024, 4, 1, 0, 0))
REFUSAL = "2024年3月31日填报已截止；如需补填，请联系审核人申请延期。"


@pytest.fixture
def people(people):
    """The shared people, with what the cycle needs beside them: the department itself, a
    sister unit, the year, the department's reviewer as `chief`, a reviewer elsewhere."""
    unit = people["unit"]
    return {
        **people,
        "sister": UnitFactory(name="就业促进中心", parent=unit.parent),
        "department": unit.parent,
        "year": YearFactory(year=2023),
        "chief": people["department"],
        "stranger": member(UserFactory(username="stranger"), UnitFactory(), "reviewer"),
    }


@pytest.fixture
def clock(monkeypatch):
    """A fixed clock for the deadline rules; `clock.now = …` moves it."""

    class Clock:
        now = BEFORE

    fixed = Clock()
    monkeypatch.setattr(deadlines, "current_time", lambda: fixed.now)
    return fixed


def draft(people, status=DRAFT):
    assessment = AssessmentFactory(project__unit=people["unit"], year=people["year"])
    Assessment.objects.filter(pk=assessment.pk).update(status=status)
    return Assessment.objects.for_table().get(pk=assessment.pk)


def fresh(assessment):
    return Assessment.objects.for_table().get(pk=assessment.pk)


# ---------------------------------------------------------------------------
# Which deadline counts


def test_a_date_ends_at_midnight_in_shanghai():
    end = deadlines.end_of_day(DUE)
    assert timezone.localtime(end).isoformat() == "2024-04-01T00:00:00+08:00"
    assert end == datetime.datetime(2024, 3, 31, 16, 0, tzinfo=datetime.UTC)


def due(organisation, year):
    """The deadlines as a fresh read of the unit sees them."""
    return deadlines.due_for(Organisation.objects.get(pk=organisation.pk), year)


def test_a_units_own_date_wins_over_its_departments_and_the_years(people):
    year, unit = people["year"], people["unit"]
    year.deadline = datetime.date(2024, 5, 31)
    year.save()
    assert due(unit, year) == deadlines.Due(year.deadline, None, "year")
    cycle.set_deadline(
        people["department"], year, entry_due=DUE, review_due=DUE, by=people["chief"]
    )
    assert due(unit, year) == deadlines.Due(DUE, DUE, "department")
    own = DUE + datetime.timedelta(days=10)
    cycle.set_deadline(unit, year, entry_due=own, review_due=None, by=people["chief"])
    # The unit's review date falls back on the department's.
    assert due(unit, year) == deadlines.Due(own, DUE, "unit")
    assert due(people["sister"], year).entry == DUE


def test_no_deadline_never_locks(people):
    assert deadlines.entry_refusal(people["unit"], people["year"], now=AFTER) == ""


def test_entry_closes_at_the_end_of_the_day(people):
    cycle.set_deadline(
        people["department"], people["year"], entry_due=DUE, review_due=None, by=people["chief"]
    )
    unit = people["unit"]
    assert deadlines.entry_refusal(unit, people["year"], now=BEFORE) == ""
    assert deadlines.entry_refusal(unit, people["year"], now=AFTER) == REFUSAL


# ---------------------------------------------------------------------------
# The services


def test_department_reviewer_sets_a_deadline_with_one_log_entry(people):
    row = cycle.set_deadline(
        people["department"], people["year"], entry_due=DUE, review_due=None, by=people["chief"]
    )
    assert (row.entry_due, row.set_by) == (DUE, people["chief"])
    cycle.set_deadline(
        people["department"],
        people["year"],
        entry_due=DUE,
        review_due=DUE + datetime.timedelta(days=5),
        by=people["chief"],
    )
    assert Deadline.objects.count() == 1
    events = list(OrganisationEvent.objects.order_by("pk"))
    assert [e.action for e in events] == [OrganisationEvent.Action.DEADLINE_SET] * 2
    assert events[1].details == {
        "entry_due": [DUE.isoformat(), DUE.isoformat()],
        "review_due": [None, "2024-04-05"],
    }
    assert events[1].actor == people["chief"]


@pytest.mark.parametrize("who", ["reviewer", "preparer", "stranger"])
def test_only_the_department_sets_deadlines(people, who):
    with pytest.raises(services.AssessmentError, match="只有主管部门的审核人"):
        cycle.set_deadline(
            people["unit"], people["year"], entry_due=DUE, review_due=None, by=people[who]
        )
    assert not OrganisationEvent.objects.exists()


def test_a_review_date_before_the_entry_date_is_refused(people):
    with pytest.raises(services.AssessmentError, match="审核截止不能早于填报截止"):
        cycle.set_deadline(
            people["department"],
            people["year"],
            entry_due=DUE,
            review_due=DUE - datetime.timedelta(days=1),
            by=people["chief"],
        )
    assert not Deadline.objects.exists()


@pytest.mark.parametrize("who", ["reviewer", "chief"])
def test_a_reviewer_of_the_unit_or_department_grants_an_exception(people, clock, who):
    clock.now = AFTER
    until = AFTER + datetime.timedelta(days=3)
    exception = cycle.grant_exception(
        people["unit"], people["year"], until=until, reason="系统故障补录", by=people[who]
    )
    assert (exception.until, exception.granted_by) == (until, people[who])
    (event,) = OrganisationEvent.objects.all()
    assert (event.action, event.organisation, event.comment) == (
        OrganisationEvent.Action.EXCEPTION_GRANT,
        people["unit"],
        "系统故障补录",
    )


def test_an_exception_needs_a_reason_a_future_end_and_a_reviewer(people, clock):
    clock.now = AFTER
    later = AFTER + datetime.timedelta(days=1)
    refusals = [
        (dict(until=later, reason="  ", by=people["chief"]), "必须填写原因"),
        (dict(until=AFTER, reason="补录", by=people["chief"]), "必须晚于现在"),
        (dict(until=later, reason="补录", by=people["preparer"]), "只有本单位或主管部门"),
        (dict(until=later, reason="补录", by=people["stranger"]), "只有本单位或主管部门"),
    ]
    for arguments, message in refusals:
        with pytest.raises(services.AssessmentError, match=message):
            cycle.grant_exception(people["unit"], people["year"], **arguments)
    assert not DeadlineException.objects.exists()
    assert not OrganisationEvent.objects.exists()


def test_revoking_an_exception_is_logged_once_and_only_once(people, clock):
    exception = cycle.grant_exception(
        people["unit"],
        people["year"],
        until=AFTER + datetime.timedelta(days=1),
        reason="补录",
        by=people["reviewer"],
    )
    cycle.revoke_exception(exception.pk, by=people["chief"], reason="已补录完毕")
    exception.refresh_from_db()
    assert exception.revoked_by == people["chief"]
    with pytest.raises(services.AssessmentError, match="已经撤销"):
        cycle.revoke_exception(exception.pk, by=people["chief"])
    assert list(OrganisationEvent.objects.values_list("action", flat=True).order_by("pk")) == [
        OrganisationEvent.Action.EXCEPTION_GRANT,
        OrganisationEvent.Action.EXCEPTION_REVOKE,
    ]


def test_the_organisation_log_is_append_only(people):
    cycle.set_deadline(
        people["department"], people["year"], entry_due=DUE, review_due=None, by=people["chief"]
    )
    event = OrganisationEvent.objects.get()
    with pytest.raises(ValueError):
        event.save()
    with pytest.raises(ValueError):
        event.delete()


# ---------------------------------------------------------------------------
# The lock, end to end through the services


def test_editing_is_refused_after_the_deadline_allowed_in_an_exception_and_refused_after_it(
    people, clock
):
    cycle.set_deadline(
        people["department"], people["year"], entry_due=DUE, review_due=None, by=people["chief"]
    )
    table = draft(people)
    preparer = people["preparer"]

    def save(goal):
        current = fresh(table)
        return drafts.save_draft(
            table.pk, by=preparer, base_version=current.version, step="goal", fields={"goal": goal}
        )

    save("截止前填写。")
    clock.now = AFTER
    with pytest.raises(services.AssessmentError) as refused:
        save("截止后填写。")
    assert str(refused.value) == REFUSAL
    assert fresh(table).goal == "截止前填写。"
    with pytest.raises(services.AssessmentError, match="填报已截止"):
        workflow.submit_assessment(table.pk, by=preparer)

    cycle.grant_exception(
        people["unit"],
        people["year"],
        until=AFTER + datetime.timedelta(days=2),
        reason="补录",
        by=people["reviewer"],
    )
    save("延期内填写。")
    assert fresh(table).goal == "延期内填写。"

    clock.now = AFTER + datetime.timedelta(days=2)
    with pytest.raises(services.AssessmentError, match="填报已截止"):
        save("延期后填写。")
    edits = AssessmentEvent.objects.filter(assessment=table, action=AssessmentEvent.Action.EDIT)
    label = str(Assessment._meta.get_field("goal").verbose_name)
    assert [e.changes[label][1] for e in edits.order_by("pk")] == [
        "截止前填写。",
        "延期内填写。",
    ]
    assert list(OrganisationEvent.objects.values_list("action", flat=True).order_by("pk")) == [
        OrganisationEvent.Action.DEADLINE_SET,
        OrganisationEvent.Action.EXCEPTION_GRANT,
    ]


def test_no_table_is_created_or_copied_after_the_deadline(people, clock):
    cycle.set_deadline(
        people["department"], people["year"], entry_due=DUE, review_due=None, by=people["chief"]
    )
    clock.now = AFTER
    with pytest.raises(services.AssessmentError, match="填报已截止"):
        drafts.create_assessment(
            unit=people["unit"], year=people["year"], by=people["preparer"], project_name="新项目"
        )
    assert not Assessment.objects.exists()


def test_a_submitted_table_is_reviewed_after_the_entry_deadline(people, clock):
    cycle.set_deadline(
        people["department"], people["year"], entry_due=DUE, review_due=None, by=people["chief"]
    )
    clock.now = AFTER
    table = draft(people, SUBMITTED)
    assert permissions.can_return(people["reviewer"], table) == (True, "")
    # …but the preparer may not take it back: she could not submit it again.
    assert permissions.can_withdraw(people["preparer"], table)[0] is False


@pytest.mark.parametrize(
    ("status", "check", "who"),
    [
        (DRAFT, permissions.can_edit, "preparer"),
        (DRAFT, permissions.can_submit, "preparer"),
        (RETURNED, permissions.can_answer, "preparer"),
        (SUBMITTED, permissions.can_return, "reviewer"),
        (SUBMITTED, permissions.can_comment, "reviewer"),
        (SUBMITTED, permissions.can_sign_off, "reviewer"),
    ],
)
def test_a_closed_year_is_read_only_for_everyone(people, status, check, who):
    people["year"].is_open = False
    people["year"].save()
    table = draft(people, status)
    assert check(people[who], table) == (False, "2023 年度已关闭，只能查看，不能修改、提交或审核。")


def test_a_closed_year_can_still_be_reopened(people):
    people["year"].is_open = False
    people["year"].save()
    table = draft(people, SIGNED_OFF)
    assert permissions.can_reopen(people["chief"], table) == (True, "")


# ---------------------------------------------------------------------------
# The wizard after the deadline


def test_the_wizard_shows_the_message_instead_of_a_form(client, people, clock):
    cycle.set_deadline(
        people["department"], people["year"], entry_due=DUE, review_due=None, by=people["chief"]
    )
    clock.now = AFTER
    table = draft(people)
    client.force_login(people["preparer"])
    url = reverse("assessments:wizard_step", args=[table.pk, "goal"])
    page = client.get(url)
    assert page.status_code == 200
    assert REFUSAL in page.content.decode()
    assert 'name="goal"' not in page.content.decode()
    assert "只暂存在这台电脑的浏览器里" not in page.content.decode()
    posted = client.post(url, {"goal": "截止后补写的目标。", "version": table.version})
    assert posted.status_code == 403
    assert REFUSAL in posted.content.decode()
    # The refused text is in no table: the page says where it is, not "saved in the draft".
    assert "只暂存在这台电脑的浏览器里" in posted.content.decode()
    assert "仍然保存在草稿中" not in posted.content.decode()
    assert fresh(table).goal == table.goal
    autosaved = client.post(url, {"goal": "自动保存", "version": table.version, "autosave": "1"})
    assert autosaved.status_code == 403
    assert autosaved.json()["message"].startswith(REFUSAL)
    assert "只暂存在这台电脑的浏览器里" in autosaved.json()["message"]
    assert fresh(table).version == table.version


# ---------------------------------------------------------------------------
# The pages


def page_urls(people):
    unit, year = people["unit"], people["year"].year
    exception = DeadlineException.objects.create(
        unit=unit, year=people["year"], until=AFTER, reason="补录", granted_by=people["chief"]
    )
    return {
        "page": reverse("assessments:deadlines", args=[unit.pk, year]),
        "set": reverse("assessments:set_deadline", args=[unit.pk, year]),
        "grant": reverse("assessments:grant_exception", args=[unit.pk, year]),
        "revoke": reverse("assessments:revoke_exception", args=[exception.pk]),
    }


def test_the_cycle_pages_ask_anonymous_visitors_to_sign_in(client, people):
    for name, url in page_urls(people).items():
        response = client.get(url) if name == "page" else client.post(url)
        assert response.status_code == 302 and "/accounts/login/" in response.url, name


def test_the_cycle_pages_do_not_exist_for_an_outsider(client, people, outsider):
    client.force_login(outsider)
    for name, url in page_urls(people).items():
        response = client.get(url) if name == "page" else client.post(url)
        assert response.status_code == 404, name


def test_the_cycle_pages_are_forbidden_to_a_preparer(client, people):
    client.force_login(people["preparer"])
    for name, url in page_urls(people).items():
        response = client.get(url) if name == "page" else client.post(url)
        assert response.status_code == 403, name
    assert not OrganisationEvent.objects.exists()


def test_the_cycle_pages_take_only_their_method(client, people):
    client.force_login(people["chief"])
    for name, url in page_urls(people).items():
        response = client.post(url) if name == "page" else client.get(url)
        assert response.status_code == 405, name


def test_the_department_sets_all_units_then_one_units_own_date(client, people):
    client.force_login(people["chief"])
    department, year = people["department"], people["year"]
    url = reverse("assessments:set_deadline", args=[department.pk, year.year])
    response = client.post(url, {"entry_due": "2024-03-31", "review_due": "2024-04-30"})
    assert response.status_code == 302
    own = reverse("assessments:set_deadline", args=[people["sister"].pk, year.year])
    client.post(own, {"entry_due": "2024-04-15", "review_due": "", "back": "department"})
    page = client.get(reverse("assessments:deadlines", args=[department.pk, year.year]))
    text = page.content.decode()
    assert "2024年4月15日" in text and "2024年3月31日" in text
    assert set(Deadline.objects.values_list("organisation__name", "entry_due")) == {
        (department.name, DUE),
        ("就业促进中心", datetime.date(2024, 4, 15)),
    }


def test_a_typed_date_that_is_no_date_is_refused_with_a_message(client, people):
    client.force_login(people["chief"])
    url = reverse("assessments:set_deadline", args=[people["department"].pk, 2023])
    response = client.post(url, {"entry_due": "2024-02-30"}, follow=True)
    assert "请填写有效日期" in response.content.decode()
    assert not Deadline.objects.exists()


def test_a_reviewer_grants_and_revokes_an_exception_on_the_units_page(client, people, clock):
    client.force_login(people["reviewer"])
    unit = people["unit"]
    grant = reverse("assessments:grant_exception", args=[unit.pk, 2023])
    client.post(grant, {"until": "2024-04-10", "reason": "系统故障补录"})
    exception = DeadlineException.objects.get()
    assert exception.until == deadlines.end_of_day(datetime.date(2024, 4, 10))
    client.post(reverse("assessments:revoke_exception", args=[exception.pk]))
    exception.refresh_from_db()
    assert exception.revoked_by == people["reviewer"]
    assert OrganisationEvent.objects.count() == 2


def test_the_department_page_query_count_does_not_grow_with_units(client, people, clock):
    client.force_login(people["chief"])
    url = reverse("assessments:deadlines", args=[people["department"].pk, 2023])

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    few = count()
    for index in range(10):
        unit = UnitFactory(parent=people["department"])
        cycle.set_deadline(unit, people["year"], entry_due=DUE, review_due=None, by=people["chief"])
        cycle.grant_exception(
            unit, people["year"], until=AFTER, reason=f"补录{index}", by=people["chief"]
        )
    assert count() == few
