"""The fillable workbook's round trip: download, fill as a clerk would, upload, preview, confirm."""

import io
import zipfile
from decimal import Decimal
from urllib.parse import unquote

import pytest
from django.urls import reverse

from assessments.models import Assessment, AssessmentEvent
from assessments.paper import fillable
from assessments.services import drafts

from .helpers import (
    address,
    changed_addresses,
    download,
    download_unit,
    preview_page,
    row_key,
    run_import,
    saved,
    stored,
    unit_upload,
    upload,
)


def test_fillable_workbook_opens_the_cells_to_fill_and_locks_the_rest(client_in, draft):
    book = download(client_in, draft)
    sheet = book["绩效自评表"]
    assert sheet.protection.sheet
    assert book[fillable.META_SHEET].sheet_state == "veryHidden"
    assert address(book, "funds.current.executed") == "F7"
    assert address(book, "outcome") == "F11"
    assert address(book, row_key(draft, 1, "score")) == "H13"
    assert address(book, row_key(draft, 3, "grade")) == "J15"
    for key in ("funds.current.executed", "outcome", row_key(draft, 2, "actual")):
        assert sheet[address(book, key)].protection.locked is False
    for locked in ("E7", "D13", "E13", "G13", "B3"):  # a budget, a name, a target, 分值
        assert sheet[locked].protection.locked is True
    assert sheet["H6"].value.startswith("=IF(")  # 执行率
    assert sheet["H16"].value == "=ROUND(I6+SUM(H13:H15),2)"  # 总分
    validations = {str(v.sqref): v for v in sheet.data_validations.dataValidation}
    assert validations["J15"].type == "list"
    assert "部分达成年度指标并具有一定效果" in validations["J15"].formula1
    # Amounts and scores are left to the reader on upload ("12.5万元" is an amount): their
    # cells say what can be typed and refuse nothing.
    prompts = {v.promptTitle: v for v in validations.values() if v.type is None}
    assert "F7" in str(prompts["金额"].sqref)
    assert "0.12万元" in prompts["金额"].prompt
    assert "H13" in str(prompts["得分"].sqref)
    assert {v.type for v in validations.values()} == {None, "list"}
    # Only quantitative rows have no grade to choose.
    with pytest.raises(KeyError):
        address(book, row_key(draft, 1, "grade"))


def test_clerk_fills_offline_uploads_sees_every_change_and_confirms(client_in, draft):
    book = download(client_in, draft)
    sheet = book["绩效自评表"]
    sheet["F7"] = "９，５００"  # full-width digits and separator, typed with a Chinese IME
    sheet["F8"] = "600"  # a number stored as text
    sheet["F11"] = "执行率100%，全年任务完成。   "  # trailing spaces
    sheet[address(book, row_key(draft, 1, "actual"))] = 90  # a number in a text column
    sheet[address(book, row_key(draft, 1, "score"))] = "４５"
    sheet[address(book, row_key(draft, 1, "reason"))] = "因场地调整，少完成10件。"
    sheet[address(book, row_key(draft, 3, "grade"))] = "达成年度指标"
    before = stored(draft)

    location, page = preview_page(client_in, upload(client_in, draft, book, "就业援助.xlsx"))
    assert changed_addresses(page) == ["F7", "F8", "F11", "F13", "H13", "I13", "J15"]
    assert "10000.00" in page and "9500.00" in page
    assert stored(draft) == before  # nothing is saved before the confirmation
    # The new figures: 45 + 30 + 9 + budget 10.
    assert 'data-new="total_score">94.00<' in page

    response = client_in.post(location)
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.current_executed == Decimal("9500.00")
    assert draft.carryover_executed == Decimal("600.00")
    assert draft.total_executed == Decimal("10100.00")
    assert draft.outcome == "执行率100%，全年任务完成。"
    first, third = draft.indicators.get(position=1), draft.indicators.get(position=3)
    assert (first.actual, first.score, first.reason) == (
        "90",
        Decimal("45"),
        "因场地调整，少完成10件。",
    )
    assert third.grade == "achieved"
    assert draft.total_score == Decimal("94.00")
    event = draft.events.latest("created_at")
    assert event.action == AssessmentEvent.Action.EDIT
    assert event.comment == "上传填报表“就业援助.xlsx”"
    assert len(event.changes) == 8  # seven cells and the funds total
    assert draft.events.filter(action=AssessmentEvent.Action.EDIT).count() == 1


def test_an_unchanged_file_previews_no_change_and_offers_nothing_to_save(client_in, draft):
    book = download(client_in, draft)
    _, page = preview_page(client_in, upload(client_in, draft, book))
    assert "没有修改" in page
    assert "确认保存</button>" not in page


def test_a_value_that_breaks_a_rule_is_kept_and_shown_as_a_finding(client_in, draft):
    book = download(client_in, draft)
    sheet = book["绩效自评表"]
    sheet[address(book, row_key(draft, 2, "score"))] = 35  # above its 分值 of 30
    location, page = preview_page(client_in, upload(client_in, draft, book))
    assert "指标“覆盖率”的得分 35 超出 0 至分值 30 的范围。" in page
    client_in.post(location)
    draft.refresh_from_db()
    assert draft.indicators.get(position=2).score == Decimal("35")
    assert draft.error_count > 0


def test_amounts_written_in_wan_yuan_are_converted_to_the_tables_unit(client_in, draft):
    book = download(client_in, draft)
    book["绩效自评表"]["F7"] = "0.95万元"
    location, _ = preview_page(client_in, upload(client_in, draft, book))
    client_in.post(location)
    draft.refresh_from_db()
    assert draft.current_executed == Decimal("9500.00")


def test_an_empty_budget_is_open_and_filled_offline(client_in, draft):
    # copied from last year: no budget yet
    Assessment.objects.filter(pk=draft.pk).update(
        total_initial_budget=None,
        total_full_year_budget=None,
        current_initial_budget=None,
        current_full_year_budget=None,
    )
    book = download(client_in, draft)
    sheet = book["绩效自评表"]
    assert not sheet["D7"].protection.locked and not sheet["E7"].protection.locked
    assert sheet["E6"].data_type == "f"  # 年度资金总额 sums what is typed
    sheet["D7"], sheet["E7"] = 12000, "1.25万元"
    location, page = preview_page(client_in, upload(client_in, draft, book))
    assert "当年财政拨款 · 年初预算数" in page and "当年财政拨款 · 全年预算数" in page
    client_in.post(location)
    draft.refresh_from_db()
    assert (draft.current_initial_budget, draft.current_full_year_budget) == (
        Decimal("12000.00"),
        Decimal("12500.00"),
    )
    assert (draft.total_initial_budget, draft.total_full_year_budget) == (
        Decimal("12000.00"),
        Decimal("12500.00"),
    )
    assert draft.execution_rate == Decimal("80.00")


def test_a_budget_the_table_has_stays_locked(client_in, draft):
    sheet = download(client_in, draft)["绩效自评表"]
    assert sheet["D7"].protection.locked and sheet["E7"].protection.locked
    assert sheet["D7"].value == Decimal("10000")
    assert not sheet["D8"].protection.locked  # 上年结转: left empty, so open


def test_a_table_kept_in_wan_yuan_is_filled_in_wan_yuan(client_in, draft):
    Assessment.objects.filter(pk=draft.pk).update(
        money_unit="万元", current_full_year_budget=Decimal("1.5"), current_executed=None
    )
    book = download(client_in, draft)
    assert book["绩效自评表"]["A5"].value == "项目资金\n（万元）"
    assert book["绩效自评表"]["E7"].value == Decimal("1.5")
    book["绩效自评表"]["F7"] = "1.2万元"  # the unit written out: already the table's
    location, page = preview_page(client_in, upload(client_in, draft, book))
    assert "1.20" in page
    client_in.post(location)
    draft.refresh_from_db()
    assert draft.current_executed == Decimal("1.20")


def test_cells_someone_else_changed_since_the_download_are_left_alone(client_in, draft, colleague):
    book = download(client_in, draft)
    first, second = draft.indicators.get(position=1), draft.indicators.get(position=2)
    drafts.save_draft(
        draft.pk,
        by=colleague,
        base_version=draft.version,
        step="actuals",
        rows=[
            {
                "id": first.pk,
                "actual": "=98件",
                "grade": "",
                "score": Decimal("48"),
                "reason": "同事填写",
            }
        ],
        row_fields=drafts.ROW_FIELDS_ACTUALS,
    )
    sheet = book["绩效自评表"]
    sheet[address(book, row_key(draft, 1, "score"))] = 40
    sheet[address(book, row_key(draft, 2, "score"))] = 28
    sheet[address(book, row_key(draft, 2, "reason"))] = "覆盖率略低。"
    location, page = preview_page(client_in, upload(client_in, draft, book))
    assert "在您下载填报表之后被他人修改过" in page
    assert "重新下载填报表" in page and "只保存没有他人修改的单元格" in page
    assert changed_addresses(page) == ["H13", "H14", "I14"]
    assert page.count("李娜已修改，不覆盖") == 1
    client_in.post(location)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.score == Decimal("48")  # the colleague's value stands
    assert (second.score, second.reason) == (Decimal("28"), "覆盖率略低。")


def test_the_uploaders_own_changes_since_the_download_are_not_conflicts(
    client_in, draft, colleague
):
    book = download(client_in, draft)
    sheet = book["绩效自评表"]
    sheet[address(book, row_key(draft, 1, "score"))] = 40
    location, _ = preview_page(client_in, upload(client_in, draft, book))
    client_in.post(location)
    # she corrects the same file and uploads it again: her own upload is no one else's change
    sheet[address(book, row_key(draft, 1, "score"))] = 45
    sheet[address(book, row_key(draft, 2, "reason"))] = "覆盖率略低。"
    location, page = preview_page(client_in, upload(client_in, draft, book))
    assert "已修改，不覆盖" not in page and "只保存没有他人修改的单元格" not in page
    assert "下载后您本人改过，按本次上传保存" in page
    assert "确认保存" in page
    client_in.post(location)
    first, second = draft.indicators.get(position=1), draft.indicators.get(position=2)
    assert (first.score, second.reason) == (Decimal("45"), "覆盖率略低。")
    # a colleague's change after hers is one again, and names her
    drafts.save_draft(
        draft.pk,
        by=colleague,
        base_version=Assessment.objects.get(pk=draft.pk).version,
        step="actuals",
        rows=[{"id": first.pk, "actual": "", "grade": "", "score": Decimal("30"), "reason": ""}],
        row_fields=drafts.ROW_FIELDS_ACTUALS,
    )
    sheet[address(book, row_key(draft, 1, "score"))] = 46
    _, page = preview_page(client_in, upload(client_in, draft, book))
    assert page.count("李娜已修改，不覆盖") == 1


def test_a_change_between_preview_and_confirmation_saves_nothing(client_in, draft, preparer):
    book = download(client_in, draft)
    book["绩效自评表"]["F7"] = 9000
    location, _ = preview_page(client_in, upload(client_in, draft, book))
    drafts.save_draft(
        draft.pk, by=preparer, base_version=draft.version, step="goal", fields={"goal": "新目标"}
    )
    before = stored(draft)
    response = client_in.post(location, follow=True)
    assert "在预览之后又被修改过" in response.content.decode()
    assert stored(draft) == before


def test_the_unit_workbook_has_a_sheet_per_table_the_preparer_may_still_fill(
    client_in, unit_tables
):
    book = download_unit(client_in, 2023)
    assert book.sheetnames == ["1.就业援助", "2.技能培训", fillable.META_SHEET]
    response = client_in.get(reverse("assessments:unit_fillable", args=[2023]))
    assert unquote(response["Content-Disposition"]).endswith("2023-上海市某某服务中心-填报表.xlsx")
    assert client_in.get(reverse("assessments:unit_fillable", args=[2030])).status_code == 404


def test_the_unit_upload_previews_every_table_and_saves_them_all(client_in, unit_tables):
    first, second, _ = unit_tables
    book = download_unit(client_in, 2023)
    book["1.就业援助"]["F7"] = 8000
    book["2.技能培训"]["F7"] = "７０００"
    response = unit_upload(client_in, book)
    location, page = preview_page(client_in, response)
    assert "2023 年度 就业援助" in page and "2023 年度 技能培训" in page
    assert page.count("当年财政拨款 · 全年执行数") == 2
    client_in.post(location)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.current_executed, second.current_executed) == (Decimal(8000), Decimal(7000))


def test_the_unit_upload_saves_none_when_one_table_changed_after_the_preview(
    client_in, unit_tables, preparer
):
    first, second, _ = unit_tables
    book = download_unit(client_in, 2023)
    book["1.就业援助"]["F7"] = 8000
    book["2.技能培训"]["F7"] = 7000
    location, _ = preview_page(client_in, unit_upload(client_in, book))
    drafts.save_draft(
        second.pk, by=preparer, base_version=second.version, step="goal", fields={"goal": "改"}
    )
    before = stored(first), stored(second)
    response = client_in.post(location, follow=True)
    assert "在预览之后又被修改过" in response.content.decode()
    assert (stored(first), stored(second)) == before


def test_the_command_prints_the_preview_and_saves_only_with_apply(
    client_in, draft, preparer, tmp_path
):
    book = download(client_in, draft)
    book["绩效自评表"]["F7"] = "９０００"
    book["绩效自评表"][address(book, row_key(draft, 2, "score"))] = 35
    path = tmp_path / "填报表.xlsx"
    path.write_bytes(saved(book))
    before = stored(draft)
    output = run_import(path, "--user", "preparer")
    assert "F7 当年财政拨款 · 全年执行数：10000.00 → 9000.00" in output
    assert "H14 指标“覆盖率” · 得分：30 → 35" in output
    assert "新的错误：第 2 行指标“覆盖率”的得分 35 超出 0 至分值 30 的范围。" in output
    assert "以上修改尚未保存" in output
    assert stored(draft) == before
    output = run_import(path, "--user", "preparer", "--apply")
    assert "已保存 1 张自评表。" in output
    draft.refresh_from_db()
    assert draft.current_executed == Decimal("9000.00")
    assert draft.events.latest("created_at").comment == "上传填报表“填报表.xlsx”"


def test_macros_of_an_xlsm_are_ignored(client_in, draft):
    book = download(client_in, draft)
    book["绩效自评表"]["F7"] = 9000
    source = zipfile.ZipFile(io.BytesIO(saved(book)))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as target:
        for item in source.infolist():
            target.writestr(item, source.read(item.filename))
        target.writestr("xl/vbaProject.bin", b'Attribute VB_Name = "Module1"')
    location, page = preview_page(client_in, upload(client_in, draft, output.getvalue(), "a.xlsm"))
    assert changed_addresses(page) == ["F7"]
    client_in.post(location)
    draft.refresh_from_db()
    assert draft.current_executed == Decimal("9000.00")
