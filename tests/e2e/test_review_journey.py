import re
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from assessments import rules
from assessments.models import Assessment, ReportingYear
from assessments.services import drafts
from tests.e2e.pages import signed_in_window
from tests.factories import user

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def draft(live_server):
    """The demo, and a 2023 copy of 宣传费 that its preparer has filled in."""
    call_command("load_demo", stdout=StringIO())
    preparer = user("tianbao")
    source = Assessment.objects.get(project__name="宣传费")
    copy = drafts.copy_assessment(source, year=ReportingYear.objects.get(year=2023), by=preparer)
    drafts.save_draft(
        copy.pk,
        by=preparer,
        base_version=copy.version,
        step="funds",
        fields={
            "current_initial_budget": Decimal(60000),
            "current_full_year_budget": Decimal(60000),
            "current_executed": Decimal(57000),
        },
    )
    copy.refresh_from_db()
    rows = [
        {
            "id": row.pk,
            "actual": row.target,
            "grade": "achieved" if rules.parse_value(row.target).is_qualitative else "",
            "score": row.weight,
            "reason": "",
        }
        for row in copy.indicators.all()
    ]
    drafts.save_draft(
        copy.pk,
        by=preparer,
        base_version=copy.version,
        step="actuals",
        fields={"outcome": "执行率95%"},
        rows=rows,
        row_fields=drafts.ROW_FIELDS_ACTUALS,
    )
    return copy


def test_submit_return_answer_resubmit_and_sign_off(browser, live_server, draft, artifacts):
    url = f"{live_server.url}{draft.get_absolute_url()}"

    preparer_context, preparer = signed_in_window(browser, live_server, "tianbao")
    preparer.goto(url)
    preparer.get_by_role("button", name="提交审核").click()
    expect(preparer.locator(".alert-success")).to_contain_text("已提交审核")
    preparer.screenshot(path=artifacts / "review-1-submitted.png", full_page=True)

    reviewer_context, reviewer = signed_in_window(browser, live_server, "shenhe")
    expect(reviewer.locator("#to-review")).to_contain_text("宣传费")
    reviewer.locator("#to-review").get_by_role("link", name="2023 · 宣传费").click()
    reviewer.locator('.official td[data-target="funds.total.executed"]').click()
    reviewer.get_by_label("批注内容").fill("执行数与决算不符，请核对。")
    reviewer.get_by_role("button", name="添加批注").click()
    expect(reviewer.locator("#comments")).to_contain_text("年度资金总额 · 全年执行数")
    leaflet_score = reviewer.locator('.official td[data-target$=".score"]').first
    leaflet_score.click()
    reviewer.get_by_label("批注内容").fill("告知单数量的得分依据是什么？")
    reviewer.get_by_role("button", name="添加批注").click()
    expect(reviewer.locator("#comments li")).to_have_count(2)
    reviewer.get_by_label("退回原因").fill("请按批注核对执行数和得分。")
    reviewer.get_by_role("button", name="退回修改").click()
    expect(reviewer.locator(".alert-success")).to_contain_text("已退回")
    reviewer.screenshot(path=artifacts / "review-2-returned.png", full_page=True)

    preparer.goto(f"{live_server.url}/")
    expect(preparer.locator("#returned")).to_contain_text("宣传费")
    expect(preparer.locator("#returned")).to_contain_text("请按批注核对执行数和得分。")
    preparer.goto(url)
    expect(preparer.locator("#returned-reason")).to_contain_text("请按批注核对执行数和得分。")
    expect(preparer.locator("#returned-reason")).to_contain_text("2 条批注待答复")
    preparer.screenshot(path=artifacts / "review-2-returned-for-the-preparer.png")
    preparer.get_by_role("button", name="提交审核").click()
    expect(preparer.locator("main > .alert-danger").first).to_contain_text("2 条批注还没有答复")
    preparer.get_by_role("link", name="继续填写").click()
    preparer.locator(".wizard-steps button", has_text="项目资金").click()
    expect(preparer.locator("#step-comments")).to_contain_text("执行数与决算不符")
    preparer.locator("#id_current_executed").fill("56800")
    preparer.get_by_role("button", name="保存", exact=True).click()
    expect(preparer.locator(".alert-success")).to_contain_text("已保存")
    preparer.get_by_label("答复批注").fill("已按决算更正为 56800。")
    preparer.get_by_role("button", name="答复", exact=True).click()
    expect(preparer.locator("#step-comments")).to_contain_text("已答复")
    preparer.screenshot(path=artifacts / "review-3-answered-in-wizard.png", full_page=True)
    preparer.goto(url)
    preparer.locator("#comments").get_by_label("答复批注").fill("按年度宣传计划完成，得满分。")
    preparer.locator("#comments").get_by_role("button", name="答复").click()
    preparer.get_by_role("button", name="提交审核").click()
    expect(preparer.locator(".alert-success")).to_contain_text("已提交审核")

    reviewer.goto(url)
    changes = reviewer.locator(".comparison", has_text="自退回以来的修改")
    expect(changes).to_contain_text("当年财政拨款 · 全年执行数")
    expect(changes).to_contain_text("57000.00")
    expect(changes).to_contain_text("56800.00")
    reviewer.screenshot(path=artifacts / "review-4-changes-since-return.png", full_page=True)
    reviewer.get_by_role("link", name="审核通过并签发").click()
    expect(reviewer.locator("#sign-off-findings")).to_be_visible()
    reviewer.screenshot(path=artifacts / "review-5-confirm-sign-off.png", full_page=True)
    reviewer.get_by_role("button", name=re.compile("^确认签发")).click()
    expect(reviewer.locator("#signature")).to_contain_text("内容与签发版本一致")
    reviewer.screenshot(path=artifacts / "review-6-signed.png", full_page=True)

    for page in (preparer, reviewer):
        page.goto(url)
        expect(page.get_by_role("link", name="继续填写")).to_have_count(0)
        expect(page.locator("#workflow")).to_have_count(0)
    preparer.goto(f"{url}edit/funds/")
    expect(preparer.locator(".alert-info")).to_contain_text("已签发")
    assert Assessment.objects.get(pk=draft.pk).status == Assessment.Status.SIGNED_OFF
    preparer_context.close()
    reviewer_context.close()
