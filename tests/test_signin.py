"""Who gets in: one lockout for every sign-in page, limits on mail and on the public pages."""

import tempfile
from pathlib import Path

import pytest
from django.contrib.auth.hashers import make_password
from django.core import mail
from django.test import override_settings
from django.urls import reverse

from config import settings as project_settings

from .factories import UnitFactory, UserFactory, member
from .test_deployment import production_env, run_manage

PASSWORD = "pass-word-123"


@pytest.fixture
def colleague(people):
    """A second preparer of the unit."""
    return member(
        UserFactory(username="colleague", email="c@example.gov.cn"), people["unit"], "preparer"
    )


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


def test_behind_the_proxy_one_persons_failures_do_not_lock_a_colleague_out(
    client, people, colleague, settings
):
    settings.USE_X_FORWARDED_FOR = True
    proxy = {"REMOTE_ADDR": "172.18.0.5"}
    for n in range(40):
        app_sign_in(client, f"nobody{n}", "wrong", HTTP_X_FORWARDED_FOR="10.1.1.1", **proxy)
    for _ in range(settings.LOGIN_LOCK_FAILURES):
        app_sign_in(client, "preparer", "wrong", HTTP_X_FORWARDED_FOR="10.1.1.1", **proxy)
    response = app_sign_in(client, "colleague", PASSWORD, HTTP_X_FORWARDED_FOR="10.1.1.2", **proxy)
    assert response.status_code == 302 and signed_in(client)


def test_failures_under_many_names_from_one_address_do_not_lock_others_there(
    client, people, colleague
):
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


# ---------------------------------------------------------------------------
# Two-factor sign-in


@pytest.fixture
def reviewer(db):
    return member(
        UserFactory(username="reviewer", email="r@example.gov.cn"), UnitFactory(), "reviewer"
    )


def code_for(key, steps_ahead=0):
    from django_otp.oath import totp

    return f"{totp(key, drift=steps_ahead):06d}"


def code(device, steps_ahead=0):
    return code_for(device.bin_key, steps_ahead)


def set_up_device(client, user):
    """The set-up page as its owner goes through it: the secret shown, an enrolment code from
    a security administrator, a code from the authenticator."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from assessments import enrolment

    client.force_login(user)
    client.get(reverse("two_factor"))
    key = bytes.fromhex(client.session[enrolment.SESSION_KEY])
    _, enrolment_code = enrolment.issue(user, by=None)
    response = client.post(
        reverse("two_factor"),
        {"action": "confirm", "token": code_for(key), "enrolment_code": enrolment_code},
    )
    assert response.status_code == 200 and "两步验证已启用" in response.content.decode()
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    client.logout()
    return device


def test_where_required_a_reviewer_without_a_device_is_sent_to_set_one_up(
    client, reviewer, settings
):
    settings.TWO_FACTOR_REQUIRED = True
    assert app_sign_in(client, "reviewer", PASSWORD).status_code == 302
    response = client.get(reverse("assessments:list"))
    assert response.status_code == 302 and response.url == reverse("two_factor")
    page = client.get(reverse("two_factor")).content.decode()
    assert "必须启用两步验证" in page and 'src="data:image/svg+xml' in page


def test_where_required_a_preparer_still_may_sign_in_without(client, people, settings):
    settings.TWO_FACTOR_REQUIRED = True
    app_sign_in(client, "preparer", PASSWORD)
    assert client.get(reverse("assessments:list")).status_code == 200


def test_in_the_demo_a_reviewer_needs_no_second_factor(client, reviewer, settings):
    settings.TWO_FACTOR_REQUIRED = False
    app_sign_in(client, "reviewer", PASSWORD)
    assert client.get(reverse("assessments:list")).status_code == 200


@pytest.mark.slow
def test_two_factor_is_required_in_production_mode_by_default():
    with tempfile.TemporaryDirectory() as var:
        result = run_manage(
            "shell",
            "-c",
            "from django.conf import settings; print(settings.TWO_FACTOR_REQUIRED)",
            **production_env(Path(var)),
        )
    assert result.stdout.strip().endswith("True"), result.stderr


def test_with_a_device_the_password_alone_is_not_enough(client, reviewer, settings):
    settings.TWO_FACTOR_REQUIRED = True
    device = set_up_device(client, reviewer)
    response = app_sign_in(client, "reviewer", PASSWORD)
    assert response.status_code == 200 and not signed_in(client)
    assert "动态验证码" in response.content.decode()
    response = client.post(
        reverse("login"),
        {"username": "reviewer", "password": PASSWORD, "otp_token": code(device, 1)},
    )
    assert response.status_code == 302 and signed_in(client)
    assert client.get(reverse("assessments:list")).status_code == 200


def test_wrong_codes_count_towards_the_lock(client, reviewer, settings):
    set_up_device(client, reviewer)
    for _ in range(settings.LOGIN_LOCK_FAILURES):
        client.post(
            reverse("login"), {"username": "reviewer", "password": PASSWORD, "otp_token": "000000"}
        )
    response = app_sign_in(client, "reviewer", PASSWORD)
    assert response.status_code == 429 and "账号已暂时锁定" in response.content.decode()


def test_a_recovery_code_signs_in_once(client, reviewer):
    from django_otp.plugins.otp_static.models import StaticToken

    set_up_device(client, reviewer)
    tokens = list(StaticToken.objects.filter(device__user=reviewer).values_list("token", flat=True))
    assert len(tokens) == 10
    data = {"username": "reviewer", "password": PASSWORD, "otp_token": tokens[0]}
    assert client.post(reverse("login"), data).status_code == 302
    client.logout()
    assert client.post(reverse("login"), data).status_code == 200
    assert not signed_in(client)


def test_the_admin_login_asks_for_the_code_too(client, people):
    device = set_up_device(client, people["admin"])
    assert admin_sign_in(client, "admin", PASSWORD).status_code == 200
    assert not signed_in(client)
    response = client.post(
        reverse("admin:login"),
        {
            "username": "admin",
            "password": PASSWORD,
            "otp_token": code(device, 1),
            "next": reverse("admin:index"),
        },
    )
    assert response.status_code == 302 and signed_in(client)


def test_recovery_codes_can_be_renewed(client, reviewer):
    from django_otp.plugins.otp_static.models import StaticToken

    device = set_up_device(client, reviewer)
    old = set(StaticToken.objects.values_list("token", flat=True))
    client.post(
        reverse("login"),
        {"username": "reviewer", "password": PASSWORD, "otp_token": code(device, 1)},
    )
    page = client.post(reverse("two_factor"), {"action": "regenerate"}).content.decode()
    new = set(StaticToken.objects.values_list("token", flat=True))
    assert len(new) == 10 and not new & old
    assert all(token in page for token in new) and not any(token in page for token in old)


def test_password_reset_is_limited_per_address_too(client, people, settings):
    settings.PASSWORD_RESET_LIMIT_PER_ADDRESS = (3, 3600)
    statuses = [
        client.post(reverse("password_reset"), {"email": f"x{n}@example.gov.cn"}).status_code
        for n in range(4)
    ]
    assert statuses == [302, 302, 302, 429]
    response = client.post(reverse("password_reset"), {"email": "p@example.gov.cn"})
    assert "请求过于频繁" in response.content.decode() and not mail.outbox
    other = client.post(
        reverse("password_reset"), {"email": "p@example.gov.cn"}, REMOTE_ADDR="10.0.0.9"
    )
    assert other.status_code == 302 and len(mail.outbox) == 1


def test_the_sign_in_records_cannot_be_changed_or_deleted_in_the_admin(client, people):
    from axes.models import AccessFailureLog

    app_sign_in(client, "preparer", "wrong")
    record = AccessFailureLog.objects.get(username="preparer")
    client.force_login(people["admin"])
    for view in ("change", "delete"):
        url = reverse(f"admin:axes_accessfailurelog_{view}", args=[record.pk])
        client.post(url, {"post": "yes", "username": "someone-else"})
    assert AccessFailureLog.objects.get(pk=record.pk).username == "preparer"
    changelist = reverse("admin:axes_accessfailurelog_changelist")
    client.post(
        changelist, {"action": "delete_selected", "_selected_action": [record.pk], "post": "yes"}
    )
    assert AccessFailureLog.objects.filter(pk=record.pk).exists()


def test_a_preparer_who_set_up_a_device_needs_the_code_too(client, people, settings):
    settings.TWO_FACTOR_REQUIRED = True
    device = set_up_device(client, people["preparer"])
    assert app_sign_in(client, "preparer", PASSWORD).status_code == 200
    assert not signed_in(client)
    data = {"username": "preparer", "password": PASSWORD, "otp_token": code(device, 1)}
    assert client.post(reverse("login"), data).status_code == 302


def test_sign_ins_and_sign_outs_are_logged(client, people):
    from axes.models import AccessLog

    app_sign_in(client, "preparer", PASSWORD)
    client.post(reverse("logout"))
    entry = AccessLog.objects.get(username="preparer")
    assert entry.ip_address == "127.0.0.1" and entry.attempt_time and entry.logout_time


def test_a_session_without_the_second_factor_ends_once_the_account_has_one(
    client, reviewer, settings
):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    settings.TWO_FACTOR_REQUIRED = True
    app_sign_in(client, "reviewer", PASSWORD)
    TOTPDevice.objects.create(user=reviewer, name="验证器", confirmed=True)
    response = client.get(reverse("assessments:list"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert not signed_in(client)


def test_passwords_are_stored_with_argon2_and_older_hashes_still_sign_in(client, people):
    """With the project's hashers (the suite otherwise hashes the fast way), a PBKDF2 password
    from before signs in and is stored again with Argon2id."""
    with override_settings(PASSWORD_HASHERS=project_settings.PASSWORD_HASHERS):
        preparer = people["preparer"]
        preparer.password = make_password(PASSWORD, hasher="pbkdf2_sha256")
        preparer.save(update_fields=["password"])
        app_sign_in(client, "preparer", PASSWORD)
        assert signed_in(client)
        preparer.refresh_from_db()
        assert preparer.password.startswith("argon2$argon2id$")
        preparer.set_password("another-pass-word-456")
        assert preparer.password.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")


# ---------------------------------------------------------------------------
# Nobody can lock an account's owner out from elsewhere


def fail_from_many_addresses(settings, username):
    from django.test import Client

    attacker = Client()
    for n in range(settings.LOGIN_LOCK_ACCOUNT_FAILURES):
        app_sign_in(attacker, username, "wrong", REMOTE_ADDR=f"10.9.{n // 9}.{n % 9 + 1}")
    return attacker


def test_failures_from_many_addresses_do_not_lock_the_owner_out_of_a_browser_she_used(
    client, people, settings
):
    assert app_sign_in(client, "preparer", PASSWORD).status_code == 302
    client.post(reverse("logout"))
    attacker = fail_from_many_addresses(settings, "preparer")

    response = app_sign_in(attacker, "preparer", PASSWORD, REMOTE_ADDR="10.9.9.9")
    assert response.status_code == 429 and "从未登录过该账号的浏览器" in response.content.decode()
    assert app_sign_in(client, "preparer", PASSWORD).status_code == 302 and signed_in(client)


def test_a_forged_known_device_cookie_does_not_pass_the_lock(client, people, settings):
    from assessments.signin import KNOWN_DEVICE_COOKIE

    fail_from_many_addresses(settings, "preparer")
    client.cookies[KNOWN_DEVICE_COOKIE] = "preparer"
    assert app_sign_in(client, "preparer", PASSWORD, REMOTE_ADDR="10.9.9.9").status_code == 429


def test_a_known_browser_is_still_locked_by_its_own_failures(client, people, settings):
    app_sign_in(client, "preparer", PASSWORD)
    client.post(reverse("logout"))
    for _ in range(settings.LOGIN_LOCK_FAILURES):
        app_sign_in(client, "preparer", "wrong")
    assert app_sign_in(client, "preparer", PASSWORD).status_code == 429


def test_a_lock_is_mailed_to_the_account_and_the_security_administrators_once(
    client, people, settings, django_capture_on_commit_callbacks, duty_groups
):
    from assessments import duties

    security = UserFactory(username="anquan", email="s@example.gov.cn", is_staff=True)
    security.groups.add(duty_groups[duties.SECURITY])
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(settings.LOGIN_LOCK_FAILURES + 3):
            app_sign_in(client, "preparer", "wrong")
    recipients = sorted(address for message in mail.outbox for address in message.to)
    assert recipients == ["a@example.gov.cn", "p@example.gov.cn", "s@example.gov.cn"]
    assert all(
        "preparer" in message.body and "127.0.0.1" in message.body for message in mail.outbox
    )

    with django_capture_on_commit_callbacks(execute=True):
        fail_from_many_addresses(settings, "preparer")
    assert len(mail.outbox) == 4 and "多个地址" in mail.outbox[-1].body


def test_a_lock_alert_that_cannot_be_mailed_still_answers_with_the_lock_page(
    client, people, settings, django_capture_on_commit_callbacks, monkeypatch
):
    def relay_down(*args, **kwargs):
        raise OSError("relay down")

    monkeypatch.setattr("assessments.signin.send_mail", relay_down)
    with django_capture_on_commit_callbacks(execute=True):
        responses = [
            app_sign_in(client, "preparer", "wrong") for _ in range(settings.LOGIN_LOCK_FAILURES)
        ]
    assert responses[-1].status_code == 429
