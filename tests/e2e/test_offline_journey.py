from io import StringIO

import openpyxl
import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from assessments.models import Assessment, ReportingYear
from assessments.paper import fillable
from assessments.services import drafts
from tests.e2e.pages import log_in_to_dashboard
from tests.factories import UserFactory, member, user

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def server(live_server):
    call_command("load_demo", stdout=StringIO())
    return live_server


def open_cell(book, key):
    for row in book[fillable.META_SHEET].iter_rows(values_only=True):
        if row[1] == fillable.OPEN and row[3] == key:
            return row[2]
    raise KeyError(key)


def test_preparer_fills_the_table_offline_and_uploads_it_back(browser, server, artifacts, tmp_path):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    log_in_to_dashboard(page, server, "tianbao")
    page.get_by_role("link", name="自评表", exact=True).click()
    page.get_by_role("link", name="宣传费").click()
    page.get_by_role("link", name="复制到新年度").click()
    page.get_by_role("button", name="复制并开始填写").click()
    expect(page.get_by_role("heading", name="第 1 步 · 基本信息")).to_be_visible()
    draft = Assessment.objects.get(project__name="宣传费", year__year=2023)
    first_row = draft.indicators.order_by("position").first()

    # The wizard offers the offline way; the table page too.
    expect(page.locator("#offline")).to_contain_text("离线填写")
    page.get_by_role("link", name="2023 · 宣传费").click()
    expect(page.locator("#paper-actions")).to_contain_text("下载填报表")
    with page.expect_download() as info:
        page.locator("#paper-actions").get_by_role("link", name="下载填报表").click()
    downloaded = tmp_path / info.value.suggested_filename
    info.value.save_as(downloaded)
    assert downloaded.name.endswith("填报表.xlsx")

    # Offline, in a spreadsheet: figures as a clerk types them.
    book = openpyxl.load_workbook(downloaded)
    sheet = book["绩效自评表"]
    sheet[open_cell(book, "funds.current.executed")] = "１２，０００"
    sheet[open_cell(book, "outcome")] = "全年宣传任务完成。"
    actual = sheet[open_cell(book, fillable.indicator_key(first_row.pk, "actual"))]
    actual.value = "=36000件"
    actual.data_type = "s"  # typed into a text cell, as Excel keeps it
    sheet[open_cell(book, fillable.indicator_key(first_row.pk, "score"))] = "10"
    filled = tmp_path / "宣传费-已填.xlsx"
    book.save(filled)

    page.locator("#offline summary").click()
    page.get_by_label("填好的填报表").set_input_files(filled)
    page.get_by_role("button", name="上传填报表").click()

    expect(page.get_by_role("heading", name="核对上传的修改")).to_be_visible()
    changes = page.locator("#changes tbody tr")
    expect(changes).to_have_count(4)
    expect(changes.nth(0)).to_contain_text("当年财政拨款 · 全年执行数")
    expect(changes.nth(0)).to_contain_text("12000.00")
    expect(page.locator("#changes")).to_contain_text("=36000件")
    expect(page.locator('[data-new="total_score"]')).not_to_be_empty()
    page.screenshot(path=artifacts / "offline-preview.png", full_page=True)
    assert Assessment.objects.get(pk=draft.pk).version == draft.version  # nothing saved yet

    page.get_by_role("button", name="确认保存").click()
    expect(page.locator(".alert-success")).to_contain_text("已按上传的填报表“宣传费-已填.xlsx”保存")
    expect(page.locator(".official")).to_contain_text("=36000件")
    expect(page.locator(".official")).to_contain_text("12000.00")
    page.screenshot(path=artifacts / "offline-saved.png", full_page=True)

    # A file that cannot be taken is refused, naming the cell, and changes nothing.
    sheet[open_cell(book, "funds.current.executed")] = "约一万"
    book.save(filled)
    page.goto(f"{server.url}/assessments/{draft.pk}/upload/")
    page.get_by_label("填好的填报表").set_input_files(filled)
    page.get_by_role("button", name="上传并预览").click()
    expect(page.locator("#upload-problems")).to_contain_text("F7：全年执行数不是数字")
    page.screenshot(path=artifacts / "offline-refused.png", full_page=True)
    context.close()


def upload_file(page, server, draft, path):
    page.goto(f"{server.url}/assessments/{draft.pk}/upload/")
    page.get_by_label("填好的填报表").set_input_files(path)
    page.get_by_role("button", name="上传并预览").click()
    expect(page.get_by_role("heading", name="核对上传的修改")).to_be_visible()


def test_the_clerks_own_corrections_are_no_conflict_and_a_colleagues_change_is_named(
    page, server, artifacts, tmp_path
):
    source = Assessment.objects.get(project__name="宣传费", year__year=2022)
    year = ReportingYear.objects.get(year=2023)
    draft = drafts.copy_assessment(source, year=year, by=user("tianbao"))
    assert draft.current_initial_budget is None and draft.current_full_year_budget is None
    log_in_to_dashboard(page, server, "tianbao")
    page.goto(f"{server.url}/assessments/{draft.pk}/")
    with page.expect_download() as info:
        page.locator("#paper-actions").get_by_role("link", name="下载填报表").click()
    downloaded = tmp_path / "填报表.xlsx"
    info.value.save_as(downloaded)

    # The budget the copied table lacks is filled offline, with the year's spending.
    book = openpyxl.load_workbook(downloaded)
    sheet = book["绩效自评表"]
    sheet[open_cell(book, "funds.current.initial_budget")] = 20000
    sheet[open_cell(book, "funds.current.full_year_budget")] = 20000
    sheet[open_cell(book, "funds.current.executed")] = 18000
    filled = tmp_path / "宣传费-已填.xlsx"
    book.save(filled)
    upload_file(page, server, draft, filled)
    expect(page.locator("#changes")).to_contain_text("当年财政拨款 · 全年预算数")
    page.get_by_role("button", name="确认保存").click()
    expect(page.locator(".alert-success")).to_contain_text("保存")
    draft.refresh_from_db()
    assert draft.current_full_year_budget == 20000 and draft.execution_rate == 90

    # She corrects a cell in the same file and uploads it again: her own upload is no conflict.
    sheet[open_cell(book, "funds.current.executed")] = 19000
    book.save(filled)
    upload_file(page, server, draft, filled)
    expect(page.locator("#changes")).to_contain_text("下载后您本人改过，按本次上传保存")
    expect(page.locator("#changes")).not_to_contain_text("不覆盖")
    page.screenshot(path=artifacts / "offline-own-correction.png", full_page=True)
    page.get_by_role("button", name="确认保存").click()
    expect(page.locator(".alert-success")).to_contain_text("保存")
    draft.refresh_from_db()
    assert draft.current_executed == 19000

    # A colleague's change since the download is one, and the preview names her.
    colleague = member(
        UserFactory(username="tongshi", first_name="李娜"), draft.project.unit, "preparer"
    )
    drafts.save_draft(
        draft.pk,
        by=colleague,
        base_version=draft.version,
        step="goal",
        fields={"outcome": "同事写的完成情况。"},
    )
    sheet[open_cell(book, "outcome")] = "我写的完成情况。"
    first_row = draft.indicators.order_by("position").first()
    sheet[open_cell(book, fillable.indicator_key(first_row.pk, "score"))] = 5
    book.save(filled)
    upload_file(page, server, draft, filled)
    expect(page.locator("#changes")).to_contain_text("李娜已修改，不覆盖")
    expect(page.get_by_role("button", name="只保存没有他人修改的单元格")).to_be_visible()
    page.screenshot(path=artifacts / "offline-colleague-conflict.png", full_page=True)
