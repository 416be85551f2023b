"""After the review: the bureau's reviewer samples the risky first, re-scores from the self
scores, asks the unit to rectify; the unit answers with evidence; the bureau accepts; the
department records how the result is applied, and the project's next year shows it."""

import datetime
import re
import subprocess
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from assessments.models import (
    Assessment,
    Organisation,
    Rectification,
    ReportingYear,
    ResultApplication,
)
from assessments.services import bureau as desk_services
from tests.e2e.pages import log_in_to_dashboard
from tests.factories import AssessmentFactory

pytestmark = pytest.mark.django_db(transaction=True)

EVIDENCE = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


@pytest.fixture
def demo_server(live_server, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("load_demo", stdout=StringIO())
    return live_server


def log_out(page):
    page.get_by_role("button", name="退出").click()


def test_sample_review_rectify_answer_accept_apply(page, demo_server, artifacts, tmp_path):
    page.set_viewport_size({"width": 1280, "height": 800})
    log_in_to_dashboard(page, demo_server, "caizheng")
    desk = page.locator("[id^='bureau-desk-']")
    expect(desk).to_contain_text("收到的报送")
    expect(page.locator("#to-review")).to_have_count(0)
    page.screenshot(path=artifacts / "followup-1-bureau-dashboard.png", full_page=True)

    # The sampling page: every filed table with score, rate and findings, the risky first.
    desk.get_by_role("link", name="抽查复核").click()
    page.get_by_role("link", name="风险提示多的在前").click()
    first = page.locator("#candidate-table tbody tr").first
    expect(first).to_contain_text("外省市差旅费")
    expect(first).to_contain_text("执行率 33.74% 低于 60%")
    page.get_by_label("风险优先（先抽有风险提示的表，不足部分随机）").check()
    page.get_by_label("抽取比例（%）").fill("20%")
    page.screenshot(path=artifacts / "followup-2-sampling.png", full_page=True)
    page.get_by_role("button", name="抽取").click()
    expect(
        page.get_by_role("heading", name=re.compile(r"抽查 #\d+ · 风险优先抽取"))
    ).to_be_visible()
    row = page.locator("#sampled tbody tr", has_text="外省市差旅费")
    expect(row).to_have_count(1)

    # 复核 starts from the self scores: one changed, with its reason; the total follows.
    row.get_by_role("link", name="复核评分").click()
    total = page.locator("#review-total")
    expect(total).to_have_text("93.37")
    expect(page.locator("#review-grade")).to_have_text("复核等级 优")
    first_score = page.locator("input[name='score_1']")
    before = Decimal(first_score.input_value())
    first_score.fill(str(before - Decimal("8")))
    expect(total).to_have_text("85.37")
    expect(page.locator("#review-grade")).to_have_text("复核等级 良")
    page.get_by_role("button", name="保存复核得分").click()
    expect(page.locator("#id_remark_1-error")).to_contain_text("请填写复核说明")
    page.locator("input[name='remark_1']").fill("执行率仅 33.74%，产出未达预期")
    page.screenshot(path=artifacts / "followup-3-review.png", full_page=True)
    page.get_by_role("button", name="保存复核得分").click()
    expect(page.get_by_text("复核得分已保存")).to_be_visible()
    row = page.locator("#sampled tbody tr", has_text="外省市差旅费")
    expect(row).to_contain_text("等级不同")

    # The reviewer signs the 复核表: its scores lock, the signed PDF and /verify/ name it.
    row.get_by_role("link", name="复核评分").click()
    expect(page.locator("#sign-review")).to_contain_text("复核总分 85.37，复核等级 良")
    page.locator("#sign-review").screenshot(path=artifacts / "followup-3a-sign-review.png")
    page.get_by_role("button", name=re.compile("确认签发复核表")).click()
    expect(page.locator("#review-signed")).to_contain_text("复核表已签发")
    expect(page.get_by_role("button", name="保存复核得分")).to_have_count(0)
    expect(page.locator("input[name='score_1']")).to_be_disabled()
    page.screenshot(path=artifacts / "followup-3b-review-signed.png", full_page=True)
    content_hash = page.locator("#review-hash code").inner_text()

    # The signed 复核表 as a PDF, page 1 looked at.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="复核 PDF（签发版）").click()
    assert download_info.value.suggested_filename == "2022-外省市差旅费-复核表.pdf"
    sheet = artifacts / "followup-review-sheet.pdf"
    download_info.value.save_as(sheet)
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "60",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(sheet),
            str(artifacts / "followup-4-review-sheet"),
        ],
        check=True,
        timeout=60,
    )

    # /verify/ of its hash: a 复核表, the table it reviewed, both scores and grades.
    page.locator("#review-hash").click()
    result = page.locator("#verify-result")
    expect(result).to_contain_text("该摘要属于一份签发的复核表，签发仍然有效")
    expect(result).to_contain_text("外省市差旅费 自评表")
    expect(result).to_contain_text("93.37 / 优")
    expect(result).to_contain_text("85.37 / 良")
    assert content_hash in page.url
    page.screenshot(path=artifacts / "followup-4b-review-verified.png", full_page=True)
    page.go_back()
    page.locator("nav .breadcrumb-item a", has_text="抽查 #").click()
    row = page.locator("#sampled tbody tr", has_text="外省市差旅费")
    expect(row.locator(".sheet-state")).to_have_text("已签发")
    page.wait_for_load_state()  # measured with the style sheets applied
    width = page.evaluate("document.querySelector('#sampled').scrollWidth")
    holder = page.evaluate("document.querySelector('#sampled').parentElement.clientWidth")
    assert width <= holder, (width, holder)
    page.screenshot(path=artifacts / "followup-4c-sample-signed.png", full_page=True)

    # 整改 from the 复核 row.
    row.get_by_role("link", name="整改").click()
    page.get_by_label("整改事项").fill("补充外省市差旅费的执行计划和已完成出差的凭证")
    page.get_by_label("整改原因").fill("执行率 33.74% 而自评为优，复核降为良")
    due = timezone.localdate() + datetime.timedelta(days=14)
    page.get_by_label("整改期限").fill(due.isoformat())
    page.get_by_role("button", name="发出整改通知").click()
    expect(page.locator("#rectification-status")).to_have_text("待整改")
    page.screenshot(path=artifacts / "followup-5-rectification-issued.png", full_page=True)
    rectification = Rectification.objects.get()
    log_out(page)

    # The unit answers with evidence.
    log_in_to_dashboard(page, demo_server, "tianbao")
    expect(page.locator("#unit-rectifications")).to_contain_text("外省市差旅费")
    page.locator("#unit-rectifications").get_by_role("link").first.click()
    page.get_by_label("整改结果").fill("已补充执行计划，第四季度出差凭证附后")
    evidence = tmp_path / "凭证.pdf"
    evidence.write_bytes(EVIDENCE)
    page.get_by_label("整改佐证（PDF 或 PNG、JPEG 图片）").set_input_files(evidence)
    page.get_by_role("button", name="答复").click()
    expect(page.locator("#rectification-status")).to_have_text("已答复")
    page.screenshot(path=artifacts / "followup-6-answered.png", full_page=True)
    log_out(page)

    # The bureau accepts.
    log_in_to_dashboard(page, demo_server, "caizheng")
    page.goto(f"{demo_server.url}{rectification.get_absolute_url()}")
    with page.expect_download() as download_info:
        page.locator("#rectification-attachment").click()
    assert download_info.value.suggested_filename == "凭证.pdf"
    page.get_by_label("通过").check()
    page.get_by_role("button", name="提交审核").click()
    expect(page.locator("#rectification-status")).to_have_text("已通过")
    expect(page.locator("#rectification-log li")).to_have_count(3)
    page.screenshot(path=artifacts / "followup-7-accepted.png", full_page=True)
    log_out(page)

    # The department records how the result is applied; the next year's target table shows it.
    table = Assessment.objects.get(project__name="外省市差旅费", year__year=2022)
    next_year, _ = ReportingYear.objects.get_or_create(year=2023)
    following = AssessmentFactory(project=table.project, year=next_year, kind="targets")
    log_in_to_dashboard(page, demo_server, "juzhang")
    page.goto(f"{demo_server.url}{table.get_absolute_url()}")
    page.locator("#record-application").click()
    page.get_by_label("应用方式").select_option(label="调减")
    page.get_by_label("涉及金额（元）").fill("1.5万元")
    page.get_by_label("说明").fill("执行率偏低，下一年度预算调减")
    page.get_by_role("button", name="保存结果应用").click()
    expect(page.locator("#current-application")).to_contain_text("调减，涉及金额 15000.00 元")
    assert ResultApplication.objects.get().amount == Decimal("15000.00")
    page.goto(f"{demo_server.url}{following.get_absolute_url()}")
    expect(page.locator("#result-applications")).to_contain_text("2022 年度评价：调减")
    page.screenshot(path=artifacts / "followup-8-next-year.png", full_page=True)
    log_out(page)

    # The bureau's report at 1280 px: 复核等级, 整改 and 结果应用, nothing wider than the page.
    log_in_to_dashboard(page, demo_server, "caizheng")
    page.locator("[id^='bureau-desk-']").get_by_role("link", name="报告").click()
    expect(page.locator("#report-tables")).to_contain_text("良")
    expect(page.locator("#report-application-rows tbody tr").first).to_contain_text(
        "外省市差旅费调减15000.00"
    )
    page.wait_for_load_state()
    width = page.evaluate("document.querySelector('#report-departments').scrollWidth")
    holder = page.evaluate(
        "document.querySelector('#report-departments').parentElement.clientWidth"
    )
    assert width <= holder, (width, holder)
    page.screenshot(path=artifacts / "followup-9-report.png", full_page=True)


def test_review_scores_typed_while_the_page_loads_still_count(page, demo_server):
    """On a slow network the reviewer may type before the page's script has arrived: the
    总分 and 等级 then follow what was typed as soon as it does."""
    table = Assessment.objects.get(project__name="外省市差旅费", year__year=2022)
    sample = desk_services.create_sample(
        Organisation.objects.get(kind=Organisation.Kind.BUREAU).pk,
        table.year_id,
        by=get_user_model().objects.get(username="caizheng"),
        margin=Decimal("1"),
        assessment_ids=[table.pk],
    )
    log_in_to_dashboard(page, demo_server, "caizheng")
    page.route("**/review*.js", lambda route: route.abort())
    address = reverse("assessments:review_table", args=[sample.pk, sample.tables.get().pk])
    page.goto(demo_server.url + address)
    total = page.locator("#review-total")
    first_score = page.locator("input[name='score_1']")
    first_score.fill(str(Decimal(first_score.input_value()) - Decimal("8")))
    expect(total).to_have_text("93.37")  # typed, and nothing has computed yet

    script = page.locator("script[src*='review']").get_attribute("src")
    page.unroute("**/review*.js")
    page.add_script_tag(url=script)
    expect(total).to_have_text("85.37")
    expect(page.locator("#review-grade")).to_have_text("复核等级 良")
