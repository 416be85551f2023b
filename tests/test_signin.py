"""Who gets in: one lockout for every sign-in page, limits on mail and on the public pages."""

import pytest
from django.core import mail
from django.urls import reverse

from .factories import UnitFactory, UserFactory, member

PASSWORD = "pass-word-123"


@pytest.fixture
def people(db):
    unit = UnitFactory(name="社会保障服务中心")
    return {
        "preparer": member(UserFactory(username="preparer", email="p@example.gov.cn"), unit, "preparer"),
        "colleague": member(UserFactory(username="colleague", email="c@example.gov.cn"), unit, "preparer"),
        "admin": UserFactory(username="admin", email="a@example.gov.cn", is_superuser=True, is_staff=True),
    }


def app_sign_in(client, username, password, **headers):
    return client.post(reverse("login"), {"username": username, "password": password}, **headers)


def admin_sign_in(client, username, password, **headers):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": reverse("admin:index")},
        **headers,
    )


def signed_in(client):
    return "_auth_user_id" in client.session


def test_a_locked_account_cannot_sign_in_at_the_admin_login(client, people, settings):
    for _ in range(settings.LOGIN_LOCK_FAILURES):
        app_sign_in(client, "admin", "wrong")
    response = admin_sign_in(client, "admin", PASSWORD)
    assert not signed_in(client)
    assert "账号已暂时锁定" in response.content.decode()


def test_failures_at_the_admin_login_count_towards_the_lock(client, people, settings):
    for _ in range(settings.LOGIN_LOCK_FAILURES):
        admin_sign_in(client, "admin", "wrong")
    response = app_sign_in(client, "admin", PASSWORD)
    assert not signed_in(client)
    assert "账号已暂时锁定" in response.content.decode()


def test_behind_the_proxy_one_persons_failures_do_not_lock_a_colleague_out(client, people, settings):
    settings.USE_X_FORWARDED_FOR = True
    proxy = {"REMOTE_ADDR": "172.18.0.5"}
    for n in range(40):
        app_sign_in(client, f"nobody{n}", "wrong", HTTP_X_FORWARDED_FOR="10.1.1.1", **proxy)
    for _ in range(settings.LOGIN_LOCK_FAILURES):
        app_sign_in(client, "preparer", "wrong", HTTP_X_FORWARDED_FOR="10.1.1.1", **proxy)
    response = app_sign_in(client, "colleague", PASSWORD, HTTP_X_FORWARDED_FOR="10.1.1.2", **proxy)
    assert response.status_code == 302 and signed_in(client)


def test_failures_under_many_names_from_one_address_do_not_lock_others_there(client, people):
    for n in range(40):
        app_sign_in(client, f"nobody{n}", "wrong")
    assert app_sign_in(client, "colleague", PASSWORD).status_code == 302


def test_the_client_address_is_the_one_the_proxy_appended(rf, settings):
    from assessments.signin import client_address

    request = rf.get("/", REMOTE_ADDR="172.18.0.5", HTTP_X_FORWARDED_FOR="6.6.6.6, 10.1.1.1")
    settings.USE_X_FORWARDED_FOR = False
    assert client_address(request) == "172.18.0.5"
    settings.USE_X_FORWARDED_FOR = True
    assert client_address(request) == "10.1.1.1"
    request = rf.get("/", REMOTE_ADDR="172.18.0.5", HTTP_X_FORWARDED_FOR="not an address")
    assert client_address(request) == "172.18.0.5"


def test_password_reset_cannot_mail_one_account_twenty_one_times(client, people):
    for _ in range(21):
        client.post(reverse("password_reset"), {"email": "p@example.gov.cn"})
    assert 0 < len(mail.outbox) <= 5
