"""The finance bureau's reviewer samples the demo's filed 2022, re-scores a table and reads the
report."""

import re
from io import StringIO

import openpyxl
import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from assessments.models import Filing, ReviewScore, Signature
from assessments.trust import signing
from tests.e2e.pages import log_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo_server(live_server):
    call_command("load_demo", stdout=StringIO())
    return live_server


def test_bureau_reviewer_samples_rescores_and_reports(page, demo_server, artifacts):
    filing = Filing.objects.get()
    assert filing.status == Filing.Status.FILED and filing.table_count == 11

    log_in(page, demo_server, "caizheng")
    page.get_by_role("link", name="财政局", exact=True).click()
    page.get_by_role("link", name="2022 年度").click()
    expect(page.locator("#departments")).to_contain_text("闵行区人力资源和社会保障局")
    expect(page.locator("#departments")).to_contain_text("已报送")

    # A random sample of 30 % with a seed that anyone can use again.
    page.get_by_label("随机抽取（按部门、预算规模分层）").check()
    page.get_by_label("抽取比例（%）").fill("30")
    page.get_by_label("随机种子").fill("2022")
    page.screenshot(path=artifacts / "bureau-1-desk.png", full_page=True)
    page.get_by_role("button", name="抽取").click()
    expect(page.get_by_role("heading", name=re.compile(r"抽查 #\d+ · 随机抽取"))).to_be_visible()
    rows = page.locator("#sampled tbody tr")
    # 11 tables split at the median budget: 5 above (2 at 30 %), 6 not above (2 at 30 %).
    expect(rows).to_have_count(4)
    page.screenshot(path=artifacts / "bureau-2-sample.png", full_page=True)

    # Re-score the first sampled table: one indicator two points below the self score.
    rows.first.get_by_role("link", name="复核评分").click()
    expect(page.get_by_role("heading", name="复核：", exact=False)).to_be_visible()
    table = page.locator("#review-table tbody")
    budget_self = table.locator("tr").first.locator("td").nth(4).inner_text()
    page.get_by_label("预算执行复核得分").fill(budget_self)
    indicator_rows = table.locator("tr:has(input[name^='score_'])")
    self_scores = indicator_rows.locator("td:nth-child(7)").all_inner_texts()
    score_boxes = table.locator("input[name^='score_']")
    for index in range(score_boxes.count()):
        score_boxes.nth(index).fill(self_scores[index])
    first_self = float(self_scores[0])
    score_boxes.first.fill(f"{first_self - 2:.2f}")
    page.locator("input[name='remark_1']").fill("抽查凭证，完成数量少于所报")
    page.get_by_label("复核意见").fill("总体属实。")
    page.screenshot(path=artifacts / "bureau-3-review-form.png", full_page=True)
    page.get_by_role("button", name="保存复核得分").click()
    expect(page.get_by_text("复核得分已保存")).to_be_visible()
    expect(page.locator("#findings")).to_contain_text("抽查凭证，完成数量少于所报")
    page.screenshot(path=artifacts / "bureau-4-sample-reviewed.png", full_page=True)

    review = ReviewScore.objects.get()
    signature = Signature.objects.get(pk=review.sampled.signature_id)
    assert signing.check_signature(signature) == signing.SignatureState.VALID

    # The report: per department and per table, exported to Excel.
    page.get_by_role("link", name="闵行区财政局 · 2022 年度").click()
    page.get_by_role("link", name="抽查复核报告").click()
    expect(page.locator("#report-departments")).to_contain_text("闵行区人力资源和社会保障局")
    expect(page.locator("#report-departments")).to_contain_text("100.00%")
    expect(page.locator("#report-tables .table-warning")).to_have_count(1)
    page.screenshot(path=artifacts / "bureau-5-report.png", full_page=True)
    page.emulate_media(media="print")
    page.screenshot(path=artifacts / "bureau-6-report-print.png", full_page=True)
    page.emulate_media(media="screen")
    with page.expect_download() as download_info:
        page.locator("#report-xlsx").click()
    assert download_info.value.suggested_filename.endswith("抽查复核报告.xlsx")
    with open(download_info.value.path(), "rb") as handle:
        workbook = openpyxl.load_workbook(handle)
    # Row 1 is the title, row 2 the headings.
    department = next(workbook["各部门"].iter_rows(min_row=3, values_only=True))
    assert department[0] == "闵行区人力资源和社会保障局" and department[3] == 11
    assert department[8] == 1  # one table re-scored


def test_bureau_returns_the_filing_and_the_department_sees_why(page, demo_server, artifacts):
    log_in(page, demo_server, "caizheng")
    page.get_by_role("link", name="财政局", exact=True).click()
    page.get_by_role("link", name="2022 年度").click()
    page.locator("#departments").get_by_role("link", name="已报送").click()
    # The department's own table (部门整体) first, then its eleven projects.
    expect(page.locator("#manifest tbody tr")).to_have_count(12)
    expect(page.locator("#manifest tbody tr[data-own-table]")).to_contain_text("部门整体")
    expect(page.locator("#package-status")).to_have_text("生成中")
    page.screenshot(path=artifacts / "bureau-7-filing.png", full_page=True)
    page.get_by_label("退回原因").fill("宣传费执行率偏低的原因说明不充分，请补充后重新报送。")
    page.get_by_role("button", name="退回").click()
    expect(page.locator("#filing-status")).to_have_text("已退回")

    page.get_by_role("button", name="退出").click()
    log_in(page, demo_server, "juzhang")
    page.get_by_role("link", name="部门报送").click()
    expect(page.locator("#filing-years")).to_contain_text("可报送")
    page.screenshot(path=artifacts / "bureau-8-filings-after-return.png", full_page=True)
    page.locator("#filing-history").get_by_role("link", name="闵行区人力资源和社会保障局").click()
    expect(page.locator("#return-reason")).to_contain_text("宣传费执行率偏低的原因说明不充分")
    page.get_by_role("link", name="部门报送").first.click()
    page.get_by_role("button", name="报送 2022 年度").click()
    expect(page.get_by_text("年度已报送，报送材料正在生成")).to_be_visible()
    assert Filing.objects.filter(status=Filing.Status.FILED).count() == 1
    assert Filing.objects.count() == 2
