"""Steps that many browser journeys share."""

from playwright.sync_api import expect

DEMO_PASSWORD = "demo2022"


def log_in(page, server, username, password=DEMO_PASSWORD):
    """Open the site, which sends a visitor to the login form, and submit it."""
    page.goto(f"{server.url}/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def signed_in_window(browser, server, username):
    """A browser window of its own, signed in as `username`: (context, page)."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    log_in_to_dashboard(page, server, username)
    return context, page


def log_in_to_dashboard(page, server, username):
    """Sign in on the login page and wait until the dashboard (工作台) is shown."""
    page.goto(f"{server.url}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="工作台")).to_be_visible()
