from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tests.e2e.pages import log_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo_server(live_server):
    call_command("load_demo", stdout=StringIO())
    return live_server


def test_preparer_logs_in_sees_eleven_tables_and_opens_one(page, demo_server, artifacts):
    log_in(page, demo_server, "tianbao")
    expect(page.get_by_role("heading", name="工作台")).to_be_visible()
    page.screenshot(path=artifacts / "first-screens-0-dashboard.png", full_page=True)
    page.get_by_role("link", name="自评表", exact=True).click()
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(11)
    expect(page.get_by_text("外省市差旅费")).to_be_visible()
    # On a 1280-pixel screen every column shows: none hides behind a scroll bar.
    page.set_viewport_size({"width": 1280, "height": 800})
    page.wait_for_load_state()
    width, holder = page.evaluate(
        "(() => { const table = document.querySelector('table');"
        " return [table.scrollWidth, table.parentElement.clientWidth]; })()"
    )
    assert width <= holder, (width, holder)
    page.screenshot(path=artifacts / "first-screens-1-list.png", full_page=True)

    page.get_by_role("link", name="外省市差旅费").click()
    expect(page.get_by_role("heading", name="财政项目支出绩效自评表")).to_be_visible()
    expect(page.locator("#findings")).to_contain_text("实际完成情况写明执行率 33.73%")
    expect(page.locator(".official")).to_contain_text("33.74%")
    expect(page.locator(".official")).to_contain_text("93.37")
    page.screenshot(path=artifacts / "first-screens-2-detail.png", full_page=True)


def test_wrong_password_gets_a_chinese_message(page, demo_server, artifacts):
    log_in(page, demo_server, "tianbao", password="wrong")
    expect(page.locator(".alert-danger")).to_contain_text("用户名")
    page.screenshot(path=artifacts / "first-screens-0-login-error.png")
