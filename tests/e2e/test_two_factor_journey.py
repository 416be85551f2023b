"""Signing in as a reviewer where two-factor sign-in is required, and one lock for both logins."""

import base64

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from assessments import enrolment
from tests.factories import UnitFactory, UserFactory, member

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "pass-word-123"


@pytest.fixture
def reviewer(db):
    user = UserFactory(username="shenhe2", first_name="强", last_name="王")
    return member(user, UnitFactory(name="上海市闵行区社会保障服务中心"), "reviewer")


def fill_sign_in(page, username, password, token=""):
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_label("动态验证码").fill(token)
    page.get_by_role("button", name="登录").click()


def test_reviewer_sets_up_totp_then_signs_in_with_password_and_code(
    browser, live_server, reviewer, settings, artifacts
):
    settings.TWO_FACTOR_REQUIRED = True
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    fill_sign_in(page, "shenhe2", PASSWORD)

    # Without a device, every page leads to the set-up page.
    expect(page.get_by_role("heading", name="两步验证")).to_be_visible()
    expect(page.locator(".alert-info")).to_contain_text("必须启用两步验证")
    page.goto(f"{live_server.url}/assessments/")
    expect(page.get_by_role("heading", name="两步验证")).to_be_visible()
    expect(page.locator("#totp-qr")).to_be_visible()
    page.screenshot(path=artifacts / "two-factor-1-set-up.png", full_page=True)

    # The secret is this page's own: read off the page as someone typing it by hand would.
    key = base64.b32decode(page.locator("#totp-key").inner_text().replace(" ", ""))
    assert not TOTPDevice.objects.filter(user=reviewer).exists()

    # The password alone does not enrol a reviewer: a security administrator's code is needed.
    page.get_by_label("启用码").fill("ABCD-EFGH-JKLM")
    page.get_by_label("动态验证码").fill(f"{totp(key):06d}")
    page.get_by_role("button", name="启用").click()
    expect(page.locator("#enrolment-code-error")).to_contain_text("启用码不正确或已失效")
    expect(page.get_by_label("启用码")).to_have_attribute("aria-invalid", "true")
    page.screenshot(path=artifacts / "two-factor-1b-enrolment-code-missing.png", full_page=True)

    _, enrolment_code = enrolment.issue(reviewer, by=None)
    page.get_by_label("启用码").fill(enrolment_code)
    page.get_by_label("动态验证码").fill(f"{totp(key):06d}")
    page.get_by_role("button", name="启用").click()
    expect(page.locator(".alert-success").first).to_contain_text("两步验证已启用")
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    page.screenshot(path=artifacts / "two-factor-2-recovery-codes.png", full_page=True)
    device = TOTPDevice.objects.get(user=reviewer, confirmed=True)

    # Shown once: the page opened again names how many are left, not the codes.
    page.goto(f"{live_server.url}/accounts/two-factor/")
    expect(page.locator("#recovery-codes")).to_have_count(0)
    expect(page.locator("#recovery-remaining")).to_contain_text("还有 10 个未用的恢复码")

    page.get_by_role("button", name="退出").click()
    expect(page.get_by_label("用户名")).to_be_visible()

    fill_sign_in(page, "shenhe2", PASSWORD, "000000")
    expect(page.locator(".alert-danger")).to_contain_text("请填写正确的动态验证码")
    page.screenshot(path=artifacts / "two-factor-3-wrong-code.png", full_page=True)

    # django-otp refuses any code for a second after a wrong one (its throttling).
    page.wait_for_timeout(1500)
    device.refresh_from_db()
    fill_sign_in(page, "shenhe2", PASSWORD, f"{totp(device.bin_key, drift=1):06d}")
    expect(page.get_by_role("heading", name="工作台")).to_be_visible()
    page.goto(f"{live_server.url}/assessments/")
    expect(page.get_by_role("heading", name="两步验证")).to_have_count(0)
    context.close()


def test_failures_at_the_admin_login_lock_the_application_login(
    browser, live_server, settings, artifacts, db
):
    settings.LOGIN_LOCK_FAILURES = settings.AXES_FAILURE_LIMIT = 3
    UserFactory(username="admin2", is_staff=True, is_superuser=True)
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server.url}/admin/login/")
    page.screenshot(path=artifacts / "admin-sign-in.png")
    for _ in range(3):
        page.goto(f"{live_server.url}/admin/login/")
        page.locator("#id_username").fill("admin2")
        page.locator("#id_password").fill("wrong")
        expect(page.get_by_label("动态验证码")).to_be_visible()
        page.locator("#login-form [type=submit]").click()
    expect(page.locator("#locked")).to_contain_text("账号已暂时锁定")

    page.goto(f"{live_server.url}/accounts/login/")
    fill_sign_in(page, "admin2", PASSWORD)
    expect(page.locator("#locked")).to_contain_text("账号已暂时锁定")
    page.screenshot(path=artifacts / "lockout-shared.png", full_page=True)
    context.close()
