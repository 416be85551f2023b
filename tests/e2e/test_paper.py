import re
from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from assessments.models import Assessment, ReportingYear, Signature
from tests.e2e.pages import log_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo_server(live_server, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("load_demo", stdout=StringIO())
    return live_server


def test_preparer_prints_and_downloads_the_official_table(page, demo_server, artifacts):
    log_in(page, demo_server, "tianbao")
    page.get_by_role("navigation").get_by_role("link", name="自评表", exact=True).click()
    page.locator("table").get_by_role("link", name="宣传费", exact=True).click()
    page.get_by_role("link", name="打印").click()
    expect(page.get_by_role("button", name="打印")).to_be_visible()
    sheet = page.locator(".paper")
    expect(sheet).to_contain_text("财政项目支出绩效自评表")
    expect(sheet).to_contain_text("94.48%")
    expect(sheet).to_contain_text("内容摘要（SHA-256）")
    expect(sheet.locator("img.qr")).to_be_visible()
    page.screenshot(path=artifacts / "paper-1-print-page.png", full_page=True)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="下载 PDF").click()
    download = download_info.value
    assert download.suggested_filename == "2022-宣传费-绩效自评表.pdf"
    path = artifacts / "paper-2-宣传费.pdf"
    download.save_as(path)
    assert path.read_bytes().startswith(b"%PDF")


def test_anyone_verifies_a_printed_hash_without_signing_in(page, demo_server, artifacts):
    signature = Signature.objects.get(assessment__project__name="宣传费")
    grouped = " ".join(signature.content_hash[i : i + 8] for i in range(0, 64, 8))
    page.goto(f"{demo_server.url}/verify/")
    page.get_by_label("内容摘要（SHA-256）").fill(grouped)
    page.get_by_role("button", name="核验").click()
    expect(page).to_have_url(re.compile(f"/verify/{signature.content_hash}/$"))
    result = page.locator("#verify-result")
    expect(result).to_contain_text("有效")
    expect(result).to_contain_text("宣传费")
    page.screenshot(path=artifacts / "paper-3-verify-valid.png", full_page=True)

    page.get_by_label("内容摘要（SHA-256）").fill("0" * 64)
    page.get_by_role("button", name="核验").click()
    expect(page.locator("#verify-result")).to_contain_text("未找到")
    page.screenshot(path=artifacts / "paper-4-verify-unknown.png", full_page=True)


def test_reviewer_builds_a_book_and_watches_it_finish(page, demo_server, artifacts):
    log_in(page, demo_server, "juzhang")
    page.get_by_role("link", name="合订本").click()
    page.get_by_label("单位").select_option(label="上海市闵行区社会保障服务中心")
    expect(page.get_by_label("年度")).to_have_value(str(ReportingYear.objects.get(year=2022).pk))
    page.get_by_role("button", name="生成合订本").click()
    status = page.locator("#book-status")
    expect(status).to_contain_text("排队中")
    expect(status).to_contain_text("已排版 0 / 11 张")
    page.screenshot(path=artifacts / "paper-5-book-queued.png", full_page=True)

    call_command("db_worker", "--batch", "--no-reload", "--no-startup-delay", verbosity=0)

    expect(status).to_contain_text("已完成", timeout=15_000)
    expect(status).to_contain_text("已排版 11 / 11 张")
    download_link = page.get_by_role("link", name="下载合订本 PDF")
    expect(download_link).to_be_visible()
    page.screenshot(path=artifacts / "paper-6-book-done.png", full_page=True)
    with page.expect_download() as download_info:
        download_link.click()
    assert (
        download_info.value.suggested_filename
        == "2022-上海市闵行区社会保障服务中心-绩效自评表合订本.pdf"
    )


def test_preparer_prints_a_draft_with_chosen_settings(page, demo_server, artifacts):
    Assessment.objects.filter(project__name="邮寄费").update(status=Assessment.Status.DRAFT)
    log_in(page, demo_server, "tianbao")
    # The dashboard's recent list is led by the demo's 2023 target tables: open it from the list.
    page.get_by_role("link", name="自评表", exact=True).click()
    page.locator("table").get_by_role("link", name="邮寄费", exact=True).click()
    expect(page.locator("#paper-actions")).to_be_visible()
    page.screenshot(path=artifacts / "paper-7-detail-actions.png")
    page.get_by_role("link", name="打印").click()
    expect(page.get_by_text("本表尚未签发")).to_be_visible()
    page.get_by_label("列出规则集中未使用的二级指标").check()
    page.get_by_label("金额单位").select_option(label="万元")
    page.get_by_role("button", name="应用").click()
    sheet = page.locator(".paper")
    expect(sheet).to_contain_text("（万元）")
    expect(sheet).to_contain_text("12.00")
    expect(sheet).to_contain_text("经济效益指标")
    expect(sheet.locator(".watermark")).to_have_text("草稿")
    page.screenshot(path=artifacts / "paper-8-draft-print-settings.png", full_page=True)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="下载 PDF").click()
    assert download_info.value.suggested_filename == "2022-邮寄费-绩效自评表（草稿）.pdf"
