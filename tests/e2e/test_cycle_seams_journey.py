"""The cycle's seams in the browser: the preparer's dashboard after the deadline, and the
department's filing refused for a project without a table, then filed with an exemption."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from assessments.demo import DEMO_UNIT
from assessments.models import Assessment, DeadlineException, Filing, Organisation, Project
from assessments.services import bureau, cycle
from tests.e2e.pages import log_in_to_dashboard
from tests.factories import AssessmentFactory, user

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo_server(live_server):
    call_command("load_demo", stdout=StringIO())
    return live_server


def test_dashboard_after_the_deadline_and_the_filing_refusal(browser, demo_server, artifacts):
    # The demo's 2023 deadline is long past; without its exception the unit is closed.
    for exception in DeadlineException.objects.all():
        cycle.revoke_exception(exception.pk, by=user("juzhang"), reason="演示：撤销延期")
    preparer = browser.new_context().new_page()
    log_in_to_dashboard(preparer, demo_server, "tianbao")
    expect(preparer.locator("#entry-closed")).to_contain_text("填报已截止")
    expect(preparer.get_by_role("link", name="新建自评表")).to_have_count(0)
    expect(preparer.get_by_role("button", name="上传本单位填报表")).to_have_count(0)
    preparer.screenshot(path=str(artifacts / "cycle-dashboard-closed.png"), full_page=True)

    # The bureau returns the 2022 filing; a project budgeted in 2022 has no table.
    filing = Filing.objects.get()
    bureau.return_filing(filing.pk, by=user("caizheng"), reason="缺少年中追加项目的自评表")
    unit = Organisation.objects.get(name=DEMO_UNIT)
    project = Project.objects.create(unit=unit, name="公益性岗位补贴（年中追加）")
    AssessmentFactory(
        project=project,
        year=filing.year,
        kind="targets",
        status=Assessment.Status.SIGNED_OFF,
        mid_year=True,
        total_full_year_budget=Decimal("120000"),
        indicators=[],
    )
    chief = browser.new_context().new_page()
    log_in_to_dashboard(chief, demo_server, "juzhang")
    expect(chief.locator(".returned-filing")).to_contain_text("缺少年中追加项目的自评表")
    chief.goto(f"{demo_server.url}/assessments/filings/")
    chief.get_by_role("button", name="报送 2022 年度").click()
    expect(chief.locator(".alert-danger, .alert-error").first).to_contain_text(
        "还有 1 个本年度有预算的项目没有自评表"
    )
    expect(chief.locator("#scope-projects")).to_contain_text("没有自评表（缺）")
    chief.screenshot(path=str(artifacts / "cycle-filing-refused.png"), full_page=True)

    chief.get_by_label("公益性岗位补贴（年中追加）的免报理由").fill("岗位未能招满，资金已收回")
    chief.get_by_role("button", name="登记免报").click()
    expect(chief.locator("#scope-projects")).to_contain_text("岗位未能招满，资金已收回")
    chief.get_by_role("button", name="报送 2022 年度").click()
    expect(chief.locator("#exemptions")).to_contain_text("岗位未能招满，资金已收回")
    expect(chief.locator("#filing-coverage")).to_contain_text("已自评 11 个")
    chief.screenshot(path=str(artifacts / "cycle-filed-with-exemption.png"), full_page=True)
