"""Enrolling a second factor: the password alone neither enrols it nor reads its codes."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from assessments import enrolment
from assessments.models import EnrolmentCode

from .factories import UnitFactory, UserFactory, member
from .test_signin import PASSWORD, code, code_for, set_up_device, signed_in


@pytest.fixture
def reviewer(db):
    return member(
        UserFactory(username="reviewer", email="r@example.gov.cn"), UnitFactory(), "reviewer"
    )


@pytest.fixture
def security_admin(db):
    return UserFactory(username="anquan", is_staff=True, is_superuser=True)


def setup_key(client):
    client.get(reverse("two_factor"))
    return bytes.fromhex(client.session[enrolment.SESSION_KEY])


def confirm(client, key, enrolment_code=""):
    return client.post(
        reverse("two_factor"),
        {"action": "confirm", "token": code_for(key), "enrolment_code": enrolment_code},
    )


def shown_key(page):
    return page.content.decode().split('id="totp-key">')[1].split("<")[0]


def test_every_set_up_gets_a_secret_of_its_own(reviewer):
    owner, intruder = Client(), Client()
    owner.force_login(reviewer)
    intruder.force_login(reviewer)
    owner_key = shown_key(owner.get(reverse("two_factor")))
    assert owner_key != shown_key(intruder.get(reverse("two_factor")))
    # The secret stays the same for the one session, and nothing is stored before a code
    # confirms it.
    assert shown_key(owner.get(reverse("two_factor"))) == owner_key
    assert not TOTPDevice.objects.filter(user=reviewer).exists()


def test_the_secret_an_intruder_saw_does_not_become_the_owners_device(reviewer):
    owner, intruder = Client(), Client()
    intruder.force_login(reviewer)
    intruders_key = setup_key(intruder)
    owner.force_login(reviewer)
    _, enrolment_code = enrolment.issue(reviewer, by=None)
    assert confirm(owner, setup_key(owner), enrolment_code).status_code == 200
    device = TOTPDevice.objects.get(user=reviewer, confirmed=True)
    assert device.bin_key != intruders_key
    intruder.logout()
    response = intruder.post(
        reverse("login"),
        {"username": "reviewer", "password": PASSWORD, "otp_token": code_for(intruders_key, 1)},
    )
    assert response.status_code == 200 and not signed_in(intruder)


def test_a_reviewer_cannot_enrol_with_the_password_alone(client, reviewer):
    client.force_login(reviewer)
    key = setup_key(client)
    response = confirm(client, key)
    page = response.content.decode()
    assert "启用码不正确或已失效" in page and 'aria-invalid="true"' in page
    assert not TOTPDevice.objects.filter(user=reviewer, confirmed=True).exists()
    assert confirm(client, key, "ABCD-EFGH-JKLM").status_code == 200
    assert not TOTPDevice.objects.filter(user=reviewer, confirmed=True).exists()


def test_an_enrolment_code_works_once_and_not_after_it_expires(reviewer):
    first, second = Client(), Client()
    _, enrolment_code = enrolment.issue(reviewer, by=None)
    first.force_login(reviewer)
    confirm(first, setup_key(first), enrolment_code)
    TOTPDevice.objects.filter(user=reviewer).delete()
    second.force_login(reviewer)
    confirm(second, setup_key(second), enrolment_code)
    assert not TOTPDevice.objects.filter(user=reviewer).exists()

    _, late = enrolment.issue(reviewer, by=None)
    EnrolmentCode.objects.filter(used_at__isnull=True).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    confirm(second, setup_key(second), late)
    assert not TOTPDevice.objects.filter(user=reviewer).exists()


def test_a_new_enrolment_code_ends_the_earlier_one_and_is_stored_hashed(reviewer):
    enrolment.issue(reviewer, by=None)
    record, later = enrolment.issue(reviewer, by=None)
    assert list(EnrolmentCode.objects.usable()) == [record]
    assert enrolment.normalise(later) not in record.code_hash


def test_recovery_codes_are_shown_once_and_never_to_a_session_without_the_second_factor(reviewer):
    owner, intruder = Client(), Client()
    intruder.force_login(reviewer)
    owner.force_login(reviewer)
    _, enrolment_code = enrolment.issue(reviewer, by=None)
    shown = confirm(owner, setup_key(owner), enrolment_code).content.decode()
    tokens = list(StaticToken.objects.filter(device__user=reviewer).values_list("token", flat=True))
    assert len(tokens) == 10 and all(token in shown for token in tokens)

    again = owner.get(reverse("two_factor")).content.decode()
    assert not any(token in again for token in tokens) and "还有 10 个未用的恢复码" in again
    stolen = intruder.get(reverse("two_factor")).content.decode()
    assert not any(token in stolen for token in tokens)
    intruder.post(reverse("two_factor"), {"action": "regenerate"})
    assert set(
        StaticToken.objects.filter(device__user=reviewer).values_list("token", flat=True)
    ) == set(tokens)


def test_after_a_lost_device_is_removed_enrolling_again_needs_a_new_code(
    client, reviewer, security_admin, settings
):
    device = set_up_device(client, reviewer)
    client.force_login(security_admin)
    client.post(reverse("admin:otp_totp_totpdevice_delete", args=[device.pk]), {"post": "yes"})
    assert not TOTPDevice.objects.filter(user=reviewer).exists()
    assert not StaticToken.objects.filter(device__user=reviewer).exists()
    client.logout()

    settings.TWO_FACTOR_REQUIRED = True

    response = client.post(reverse("login"), {"username": "reviewer", "password": PASSWORD})
    assert response.status_code == 302 and signed_in(client)
    assert client.get(reverse("assessments:list")).url == reverse("two_factor")
    key = setup_key(client)
    confirm(client, key)
    assert not TOTPDevice.objects.filter(user=reviewer).exists()
    _, enrolment_code = enrolment.issue(reviewer, by=security_admin)
    confirm(client, key, enrolment_code)
    new = TOTPDevice.objects.get(user=reviewer, confirmed=True)
    assert new.bin_key == key
    client.logout()
    data = {"username": "reviewer", "password": PASSWORD, "otp_token": code(new, 1)}
    assert client.post(reverse("login"), data).status_code == 302


def test_a_preparer_may_enrol_without_an_enrolment_code(client, db):
    preparer = member(UserFactory(username="preparer"), UnitFactory(), "preparer")
    client.force_login(preparer)
    page = client.get(reverse("two_factor")).content.decode()
    assert "启用码" not in page.replace("已启用", "")
    confirm(client, setup_key(client))
    assert TOTPDevice.objects.filter(user=preparer, confirmed=True).exists()


def test_a_security_administrator_issues_a_code_in_the_admin_and_sees_it_once(
    client, reviewer, security_admin
):
    client.force_login(security_admin)
    response = client.post(reverse("admin:assessments_enrolmentcode_add"), {"user": reviewer.pk})
    page = response.content.decode()
    record = EnrolmentCode.objects.get(user=reviewer)
    shown = page.split('id="enrolment-code">')[1].split("<")[0]
    assert record.issued_by == security_admin and len(enrolment.normalise(shown)) == 12
    listing = client.get(reverse("admin:assessments_enrolmentcode_changelist")).content.decode()
    assert shown not in listing
    from django.contrib.admin.models import LogEntry

    assert LogEntry.objects.filter(user=security_admin, object_id=str(record.pk)).exists()
