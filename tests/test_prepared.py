"""The lookups every request makes (its session, her account, her memberships, the table by
its key, the unit's deadlines, her unread notices) are compiled once and run with each
request's keys: they answer exactly what Django's own query answers, for every key, and
never another row."""

import datetime
import importlib
import threading

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments.backends import ProductionModelBackend
from assessments.models import Assessment, Membership, Notice, ReportingYear, memberships_of
from assessments.permissions import _TABLE, _TREE
from assessments.prepared import PREPARED, Prepared
from assessments.sessions import SessionStore

from .factories import AssessmentFactory, UnitFactory, UserFactory, YearFactory, login, member

PREPARED_IN = [
    "assessments.backends",
    "assessments.context_processors",
    "assessments.deadlines",
    "assessments.filters",
    "assessments.models.organisations",
    "assessments.permissions",
    "assessments.reporting.review",
    "assessments.sessions",
    "assessments.templatetags.followup_tags",
    "assessments.trust.signing",
    "assessments.views.assessments",
    "assessments.views.wizard",
]


def signed_in_preparer(client):
    """A preparer signed in on the client, her list seen once."""
    user = UserFactory()
    member(user, UnitFactory(), Membership.Role.PREPARER)
    login(client, user.username)
    assert client.get(reverse("assessments:list")).status_code == 200
    return user


def django_reads(pk, tree):
    queryset = Assessment.objects.with_tree() if tree else Assessment.objects.for_table()
    return list(queryset.filter(pk=pk))


def described(assessment):
    """What a page reads of the table and of the rows read with it."""
    return (
        assessment.pk,
        assessment.project.name,
        assessment.project.unit.name,
        assessment.project.unit.parent.name,
        assessment.year.year,
        assessment.status,
        assessment.total_executed,
        assessment.updated_at,
    )


@pytest.mark.django_db
@pytest.mark.parametrize("tree", [False, True])
def test_the_table_by_its_key_is_read_as_django_reads_it(tree):
    first, second = AssessmentFactory(), AssessmentFactory(outcome="另一张表")
    prepared = _TREE if tree else _TABLE
    for assessment in (first, second, first):
        (read,) = prepared(assessment.pk)
        (expected,) = django_reads(assessment.pk, tree)
        assert described(read) == described(expected)
        if tree:
            with CaptureQueriesContext(connection) as queries:
                rows = [(row.pk, row.name, row.score) for row in read.indicators.all()]
            assert len(queries) == 0  # read with the table
            assert rows == [(row.pk, row.name, row.score) for row in expected.indicators.all()]
            assert rows
    assert prepared(second.pk + 1000) == []


@pytest.mark.django_db
@pytest.mark.parametrize("key", [-1, 0, 2**31, 10**20, -(10**20)])
def test_a_key_no_table_has_answers_no_rows(key):
    AssessmentFactory()
    assert _TABLE(key) == [] and _TREE(key) == []


@pytest.mark.django_db
def test_a_twenty_digit_address_is_not_found(client):
    user = UserFactory()
    member(user, UnitFactory(), Membership.Role.PREPARER)
    login(client, user.username)
    assert client.get("/assessments/99999999999999999999/").status_code == 404
    assert client.get(f"/assessments/{2**63}/edit/actuals/").status_code == 404


@pytest.mark.django_db
def test_the_query_is_built_and_compiled_once_per_connection():
    first, second = UserFactory(), UserFactory()
    built = []

    def users(pk):
        built.append(pk)
        return get_user_model().objects.filter(pk=pk)

    prepared = Prepared(users)
    assert [user.username for user in prepared(first.pk)] == [first.username]
    assert [user.username for user in prepared(second.pk)] == [second.username]
    assert prepared(second.pk + 1000) == []
    # Built with stand-ins to learn its database and to compile, and once with the first
    # real key to check the two agree; never again.
    assert len(built) == 3 and built[2] == first.pk and second.pk not in built


@pytest.mark.django_db(transaction=True)
def test_each_threads_connection_compiles_its_own():
    """A thread has its own connection: the statement compiled on another is not used there
    (on SQLite it could not be)."""
    user = UserFactory()
    prepared = Prepared(lambda pk: get_user_model().objects.filter(pk=pk))
    assert prepared(user.pk)[0].username == user.username
    seen = []

    def in_a_thread():
        try:
            seen.append(prepared(user.pk)[0].username)
        finally:
            connection.close()

    thread = threading.Thread(target=in_a_thread)
    thread.start()
    thread.join()
    assert seen == [user.username]


@pytest.mark.django_db
def test_a_query_that_drops_its_key_is_refused():
    prepared = Prepared(lambda pk: Assessment.objects.all())
    with pytest.raises(ImproperlyConfigured):
        prepared(1)


@pytest.mark.django_db
def test_memberships_are_the_users_own():
    unit, other = UnitFactory(), UnitFactory()
    first, second = UserFactory(), UserFactory()
    member(first, unit, Membership.Role.PREPARER)
    member(second, other, Membership.Role.REVIEWER)
    member(second, unit, Membership.Role.REVIEWER)
    assert [(m.organisation.name, m.role) for m in memberships_of(first)] == [
        (unit.name, Membership.Role.PREPARER)
    ]
    fresh = get_user_model().objects.get(pk=second.pk)
    assert sorted(m.organisation.name for m in memberships_of(fresh)) == sorted(
        [unit.name, other.name]
    )


@pytest.mark.django_db
def test_a_deactivated_account_is_signed_out_on_its_next_request(client):
    user = signed_in_preparer(client)
    get_user_model().objects.filter(pk=user.pk).update(is_active=False)
    response = client.get(reverse("assessments:list"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert ProductionModelBackend().get_user(user.pk) is None
    assert ProductionModelBackend().get_user(user.pk + 1000) is None


@pytest.mark.django_db
def test_the_unread_count_is_hers_and_follows_reading(client):
    user, other = UserFactory(), UserFactory()
    member(user, UnitFactory(), Membership.Role.PREPARER)
    for person, count in ((user, 2), (other, 5)):
        for number in range(count):
            Notice.objects.create(user=person, title=f"通知{number}", body="内容")
    login(client, user.username)
    page = client.get(reverse("assessments:list"))
    assert page.context["unread_notices"] == 2
    client.post(reverse("notices_read"))
    assert client.get(reverse("assessments:list")).context["unread_notices"] == 0


@pytest.mark.django_db
def test_a_session_is_read_while_it_lasts_and_not_after(client):
    signed_in_preparer(client)
    key = client.session.session_key
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )
    response = client.get(reverse("assessments:list"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["", "short", "x" * 40, "\x00stand-in-0", "' OR '1'='1"])
def test_a_session_key_of_no_session_reads_nothing(key):
    UserFactory()
    session = SessionStore(session_key=key)
    assert session.load() == {} and session.session_key is None


@pytest.mark.django_db
def test_each_session_reads_its_own_row():
    first, second = SessionStore(), SessionStore()
    first["who"], second["who"] = "第一", "第二"
    first.save()
    second.save()
    for store, who in ((first, "第一"), (second, "第二"), (first, "第一")):
        assert SessionStore(session_key=store.session_key).load() == {"who": who}


@pytest.mark.django_db
def test_every_prepared_lookup_is_written_as_django_writes_it():
    """A stand-in key that Django wrote differently from a real one (a column too small for
    it, arithmetic on it) would leave each request on Django's own slower query: each lookup
    of the project, compiled with stand-ins, is the statement Django writes for real keys."""
    for module in PREPARED_IN:
        importlib.import_module(module)
    project = [p for p in PREPARED if p._build.__module__.startswith("assessments.")]
    assert {p._build.__module__ for p in project} == set(PREPARED_IN)
    for prepared in project:
        keys = tuple(
            7 + number if kind is int else "abcdefgh12345678"
            for number, kind in enumerate(prepared._kinds)
        )
        assert prepared.agrees(prepared.compile(connection), keys, connection), prepared


@pytest.mark.django_db
def test_a_query_whose_key_django_writes_differently_falls_back_to_django():
    """A stand-in that a column cannot hold (a year is a small positive number) drops that
    comparison from the stand-ins' statement: the real key gets Django's own answer, and
    nothing is kept."""
    year = YearFactory(year=2024)
    prepared = Prepared(lambda key: ReportingYear.objects.filter(Q(year=key) | Q(pk=key)))
    for _ in range(2):
        assert prepared(2024) == [year]
    assert prepared not in connection.__dict__.get("prepared_lookups", {})
