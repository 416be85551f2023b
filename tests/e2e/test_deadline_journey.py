"""The year's cycle in the browser: deadlines set, entry refused after them, an exception
granted, the preparer saving again, the reminders in her notices."""

import datetime
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from assessments import reminders
from assessments.demo import DEMO_DEPARTMENT, DEMO_UNIT
from assessments.models import (
    Assessment,
    DeadlineException,
    NoticeSettings,
    Organisation,
    ReportingYear,
)
from assessments.services import drafts
from tests.e2e.pages import log_in_to_dashboard
from tests.factories import user

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo_draft(live_server):
    """The demo (its 2023 deadline long past, an exception in force) and a 2023 draft."""
    call_command("load_demo", stdout=StringIO())
    source = Assessment.objects.get(project__name="宣传费")
    year = ReportingYear.objects.get(year=2023)
    return drafts.copy_assessment(source, year=year, by=user("tianbao"))


def signed_in(browser, live_server, username):
    page = browser.new_context().new_page()
    log_in_to_dashboard(page, live_server, username)
    return page


def test_deadline_exception_and_notices_journey(browser, live_server, demo_draft, artifacts):
    unit = Organisation.objects.get(name=DEMO_UNIT)

    # The department's reviewer sees each unit against its deadline, and sets the dates.
    chief = signed_in(browser, live_server, "juzhang")
    expect(chief.locator("#overview")).to_contain_text("2024年3月31日")
    chief.screenshot(path=str(artifacts / "deadline-dashboard.png"), full_page=True)
    chief.get_by_role("link", name=f"{DEMO_DEPARTMENT} · 填报期限").click()
    chief.get_by_label("填报截止").first.fill("2024-03-31")
    chief.get_by_label("审核截止").first.fill("2024-04-30")
    chief.get_by_role("button", name="保存期限").click()
    expect(chief.locator(".alert-success")).to_contain_text(
        "已设置本部门所有单位的 2023 年度填报期限"
    )
    expect(chief.locator("#unit-deadlines")).to_contain_text("2024年4月30日")
    chief.screenshot(path=str(artifacts / "deadline-department.png"), full_page=True)
    chief.get_by_role("link", name=DEMO_UNIT).click()
    # …and withdraws the demo's exception: the unit is past its deadline again.
    chief.get_by_role("button", name="撤销").click()
    expect(chief.locator(".alert-success")).to_contain_text("已撤销")
    chief.screenshot(path=str(artifacts / "deadline-page.png"), full_page=True)

    # The preparer is refused with the date and what to do.
    preparer = signed_in(browser, live_server, "tianbao")
    step = f"{live_server.url}/assessments/{demo_draft.pk}/edit/goal/"
    preparer.goto(step)
    expect(preparer.locator("#entry-closed")).to_contain_text(
        "2024年3月31日填报已截止；如需补填，请联系审核人申请延期。"
    )
    expect(preparer.locator("textarea[name=goal]")).to_have_count(0)
    preparer.screenshot(path=str(artifacts / "deadline-refused.png"), full_page=True)

    # The unit's reviewer grants an exception.
    reviewer = signed_in(browser, live_server, "shenhe")
    reviewer.goto(f"{live_server.url}/assessments/deadlines/{unit.pk}/2023/")
    until = timezone.localdate() + datetime.timedelta(days=14)
    reviewer.get_by_label("延期至（含当日）").fill(until.isoformat())
    reviewer.get_by_label("延期原因").fill("系统培训延误，补填 2023 年度")
    reviewer.get_by_role("button", name="批准延期").click()
    expect(reviewer.locator(".alert-success")).to_contain_text(f"已批准{DEMO_UNIT}延期")
    assert DeadlineException.objects.filter(unit=unit, revoked_at__isnull=True).count() == 1

    # The preparer fills in and saves again.
    preparer.goto(step)
    preparer.locator("textarea[name=goal]").fill("延期内补填的年度总体目标。")
    preparer.get_by_role("button", name="保存", exact=True).click()
    expect(preparer.locator(".alert-success")).to_contain_text("已保存")
    demo_draft.refresh_from_db()
    assert demo_draft.goal == "延期内补填的年度总体目标。"

    # The reminders of a day before the deadline reach her notices.
    moment = timezone.make_aware(datetime.datetime(2024, 3, 30, 9))
    reminders.send_reminders(moment)
    preparer.goto(f"{live_server.url}/")
    expect(preparer.locator("#unread-notices")).to_have_text("1")
    preparer.locator("#nav-notices").click()
    expect(preparer.locator("#notice-list")).to_contain_text("还有 1 天（2024年3月31日）填报截止")
    expect(preparer.locator("#notice-list")).to_contain_text("宣传费（草稿）")
    preparer.screenshot(path=str(artifacts / "notices.png"), full_page=True)
    preparer.get_by_role("button", name="标为已读", exact=True).click()
    expect(preparer.locator("#unread-notices")).to_have_count(0)
    expect(preparer.get_by_text(re.compile("未读"))).to_have_count(0)

    # She turns reminder mail off; the notices stay.
    preparer.get_by_role("link", name="提醒设置").first.click()
    preparer.get_by_label("截止前通过邮件提醒我").uncheck()
    preparer.get_by_role("button", name="保存").click()
    expect(preparer.locator(".alert-success")).to_contain_text("已关闭截止提醒邮件")
    preparer.screenshot(path=str(artifacts / "notice-settings.png"), full_page=True)
    assert NoticeSettings.objects.get(user=user("tianbao")).reminder_mail is False
    preparer.goto(f"{live_server.url}/")
    expect(preparer.locator(".own-deadline")).to_contain_text("已批准延期至")
    preparer.screenshot(path=str(artifacts / "deadline-preparer-dashboard.png"), full_page=True)
