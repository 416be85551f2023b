"""No input answers 5xx: every URL pattern, as every role, with malformed ids, parameters and
form fields."""

import itertools
import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RoutePattern

from assessments.models import Assessment, Comment, Signature

from .factories import UnitFactory, UserFactory, member

HUGE = "99999999999999999999999"
JUNK_QUERY = {
    "page": "abc",
    "sort": "-;drop",
    "year": HUGE,
    "unit": "-1",
    "organisation": "1e309",
    "status": "无此状态",
    "grade": "\x00",
    "q": "%' OR 1=1 --",
    "content_hash": "z" * 500,
    "paper": "A9",
    "money_unit": "亿元",
    "per_page": "-5",
}
JUNK_FORM = {
    "version": "abc",
    "rows-TOTAL_FORMS": "abc",
    "rows-INITIAL_FORMS": "1e309",
    "rows-MIN_NUM_FORMS": "-1",
    "rows-MAX_NUM_FORMS": HUGE,
    "rows-0-weight": "1e309",
    "rows-0-score": "NaN",
    "rows-0-level1": "\x00",
    "rows-0-grade": "Z",
    "current_executed": "9" * 40,
    "budget_weight": "Infinity",
    "reason": "x" * 20000,
    "comment": "\u2028",
    "cell": "../../etc",
    "text": "",
    "parent": HUGE,
    "project": HUGE,
    "unit": "abc",
    "year": "-1",
    "kind": "无",
    "organisation": "1e309",
    "username": "x\x00",
    "password": "",
}
LIVE_JUNK = [{"rows-TOTAL_FORMS": "abc"}, {"rows-TOTAL_FORMS": "1e309"}]


def walk(resolver, prefix=""):
    """(route as text, converters by name) of every URL pattern."""
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from walk(entry, prefix + route_text(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + route_text(entry.pattern), entry.pattern.converters


def route_text(pattern):
    if isinstance(pattern, RoutePattern):
        return str(pattern)
    # A regular expression (the admin's app index): its groups become placeholders.
    text = str(pattern).lstrip("^").rstrip("$").replace("\\", "")
    return re.sub(r"\(\?P<(\w+)>[^)]*\)", r"<str:\1>", text)


def values_for(name, converter, real):
    kind = type(converter).__name__ if converter else "str"
    if kind in ("IntConverter", "IdConverter"):
        return [str(real.get(name, 1)), "0", HUGE]
    if name == "step":
        return ["funds", "targets", "junk"]
    if name == "content_hash":
        return [real["content_hash"], "0" * 64, "zz"]
    return [str(real.get(name, "junk")), "%00"]


def paths(real):
    for route, converters in walk(get_resolver()):
        names = re.findall(r"<(?:\w+:)?(\w+)>", route)
        choices = [values_for(n, converters.get(n), real) for n in names]
        for combination in itertools.product(*choices):
            concrete = route
            for value in combination:
                concrete = re.sub(r"<(?:\w+:)?\w+>", value, concrete, count=1)
            yield "/" + concrete


@pytest.fixture
def demo_people(demo):
    outsider = member(UserFactory(username="outsider"), UnitFactory(name="别的单位"), "preparer")
    users = {u.username: u for u in get_user_model().objects.all()}
    return {
        "anonymous": None,
        "preparer": users["tianbao"],
        "unit reviewer": users["shenhe"],
        "department reviewer": users["juzhang"],
        "outsider": outsider,
        "superuser": users["admin"],
    }


def test_the_live_endpoint_refuses_malformed_form_counts(client, demo):
    client.force_login(get_user_model().objects.get(username="tianbao"))
    assessment = Assessment.objects.first()
    for data in LIVE_JUNK:
        response = client.post(
            reverse("assessments:wizard_live", args=[assessment.pk, "targets"]), data
        )
        assert response.status_code == 200, data
        assert response.json()["rows"] == []


def test_an_id_too_large_for_the_database_is_not_found(client, demo):
    client.force_login(get_user_model().objects.get(username="juzhang"))
    assert client.get(f"/assessments/projects/{HUGE}/").status_code == 404
    assert client.get(f"/assessments/{HUGE}/pdf/").status_code == 404
    assert client.get("/assessments/999999999999999999/").status_code == 404


@pytest.mark.slow
def test_no_url_answers_5xx_for_any_role_and_input(client, demo_people, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    signature = Signature.objects.select_related("assessment").first()
    assessment = signature.assessment
    comment = Comment.objects.create(
        assessment=assessment,
        author=demo_people["unit reviewer"],
        target="goal",
        target_label="预期目标",
        text="请核实",
    )
    real = {
        "pk": assessment.pk,
        "comment_pk": comment.pk,
        "content_hash": signature.content_hash,
        "app_label": "assessments",
    }
    all_paths = sorted(set(paths(real)))
    assert len(all_paths) > 100  # every pattern, the admin's included
    client.raise_request_exception = False  # a 500 is counted, not raised
    failures, requests = [], 0
    for role, user in demo_people.items():
        client.logout()
        if user is not None:
            client.force_login(user)
        for path in all_paths:
            for method, data in (("get", JUNK_QUERY), ("post", JUNK_FORM), ("get", {})):
                response = getattr(client, method)(path, data)
                requests += 1
                if user is not None and "/logout/" in path:
                    client.force_login(user)  # signed out: the next paths need the role again
                if response.status_code >= 500:
                    failures.append(f"{role} {method.upper()} {path} → {response.status_code}")
    assert not failures, "\n".join(failures[:40])
    assert requests == len(all_paths) * 3 * len(demo_people)
