"""The admin: no second factor can be read or set there, and three duties that do not mix."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from assessments import duties

from .factories import UnitFactory, UserFactory, member
from .test_signin import PASSWORD, app_sign_in, set_up_device


@pytest.fixture
def reviewer(db):
    return member(UserFactory(username="reviewer"), UnitFactory(), "reviewer")


def administrator(username, duty):
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(Group.objects.get(name=duty))
    return user


@pytest.fixture
def staff(db):
    return {
        duty: administrator(username, duty)
        for username, duty in [
            ("xitong", duties.SYSTEM),
            ("anquan", duties.SECURITY),
            ("shenji", duties.AUDIT),
        ]
    }


def test_the_admin_shows_no_second_factor_secret_or_recovery_code(client, reviewer):
    device = set_up_device(client, reviewer)
    tokens = list(StaticToken.objects.values_list("token", flat=True))
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    page = client.get(reverse("admin:otp_totp_totpdevice_change", args=[device.pk]))
    assert page.status_code == 200 and device.key not in page.content.decode()
    config = client.get(reverse("admin:otp_totp_totpdevice_config", args=[device.pk]))
    assert config.status_code == 403
    recovery = StaticDevice.objects.get(user=reviewer)
    page = client.get(reverse("admin:otp_static_staticdevice_change", args=[recovery.pk]))
    assert page.status_code == 200 and not any(t in page.content.decode() for t in tokens)


def test_nobody_adds_or_changes_a_second_factor_in_the_admin(client, reviewer):
    device = set_up_device(client, reviewer)
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    assert client.get(reverse("admin:otp_totp_totpdevice_add")).status_code == 403
    assert client.get(reverse("admin:otp_static_staticdevice_add")).status_code == 403
    client.post(
        reverse("admin:otp_totp_totpdevice_change", args=[device.pk]),
        {"user": reviewer.pk, "name": "x", "key": "00" * 20, "step": 30, "t0": 0, "digits": 6},
    )
    assert TOTPDevice.objects.get(pk=device.pk).key == device.key


PAGES = {
    "users": "admin:auth_user_changelist",
    "organisations": "admin:assessments_organisation_changelist",
    "second factors": "admin:otp_totp_totpdevice_changelist",
    "enrolment codes": "admin:assessments_enrolmentcode_add",
    "sign-in locks": "admin:axes_accessattempt_changelist",
    "sign-in log": "admin:axes_accesslog_changelist",
    "failure log": "admin:axes_accessfailurelog_changelist",
    "admin log": "admin:admin_logentry_changelist",
    "table history": "admin:assessments_assessmentevent_changelist",
}
OPEN_TO = {
    duties.SYSTEM: {"users", "organisations"},
    duties.SECURITY: {"users", "second factors", "enrolment codes", "sign-in locks"},
    duties.AUDIT: {"sign-in log", "failure log", "admin log", "table history"},
}


@pytest.mark.parametrize("duty", [duties.SYSTEM, duties.SECURITY, duties.AUDIT])
def test_each_duty_opens_its_own_pages_and_no_other(client, staff, duty):
    client.force_login(staff[duty])
    statuses = {page: client.get(reverse(name)).status_code for page, name in PAGES.items()}
    assert {page for page, status in statuses.items() if status == 200} == OPEN_TO[duty]
    assert {status for page, status in statuses.items() if page not in OPEN_TO[duty]} == {403}


def test_the_security_administrator_sees_accounts_but_changes_none(client, staff, reviewer):
    client.force_login(staff[duties.SECURITY])
    url = reverse("admin:auth_user_change", args=[reviewer.pk])
    client.post(url, {"username": "renamed", "is_active": "on"})
    reviewer.refresh_from_db()
    assert reviewer.username == "reviewer"


def test_the_system_administrator_cannot_grant_a_duty_nor_change_an_administrator(
    client, staff, reviewer
):
    client.force_login(staff[duties.SYSTEM])
    url = reverse("admin:auth_user_change", args=[reviewer.pk])
    page = client.get(url).content.decode()
    assert 'name="is_superuser"' not in page and 'name="groups"' not in page
    security = Group.objects.get(name=duties.SECURITY)
    response = client.post(
        url,
        {
            "username": "reviewer",
            "date_joined_0": "2026-01-05",
            "date_joined_1": "09:00:00",
            "is_active": "on",
            "is_staff": "on",
            "is_superuser": "on",
            "groups": [security.pk],
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    reviewer.refresh_from_db()
    assert not (reviewer.is_staff or reviewer.is_superuser or reviewer.groups.exists())
    other = reverse("admin:auth_user_change", args=[staff[duties.SECURITY].pk])
    assert client.post(other, {"username": "x", "is_active": ""}).status_code == 403


def test_only_the_security_administrator_unlocks_an_account(client, staff, reviewer, settings):
    for _ in range(settings.LOGIN_LOCK_FAILURES):
        app_sign_in(client, "reviewer", "wrong")
    unlock = {"action": "unlock_accounts", "_selected_action": [reviewer.pk]}
    changelist = reverse("admin:auth_user_changelist")
    client.force_login(staff[duties.SYSTEM])
    client.post(changelist, unlock)
    client.logout()
    assert app_sign_in(client, "reviewer", PASSWORD).status_code == 429
    client.force_login(staff[duties.SECURITY])
    client.post(changelist, unlock)
    client.logout()
    assert app_sign_in(client, "reviewer", PASSWORD).status_code == 302
