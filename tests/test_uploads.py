"""The fillable workbook's round trip: download, fill as a clerk would, upload, preview, confirm.

The last tests open the workbook in LibreOffice Calc, headless (Debian's
libreoffice-calc-nogui, installed by `make install` and CI); without it they fail, not skip.
"""

import io
import json
import shutil
import subprocess
import zipfile
from decimal import Decimal

import openpyxl
import pytest
import xlrd
from django.core.management import CommandError, call_command
from django.urls import reverse

from assessments.interchange import assessment_record
from assessments.models import Assessment, AssessmentEvent
from assessments.paper import fillable
from assessments.services import drafts

from .factories import AssessmentFactory, UnitFactory, UserFactory, YearFactory, member

QUALITATIVE_ROWS = [
    ("产出指标", "数量指标", "完成数量", "=100件", "=100件", "50", "50"),
    ("效益指标", "社会效益指标", "覆盖率", ">=95%", "=98%", "30", "30"),
    ("满意度指标", "服务对象满意度指标", "制度建设", "建立健全", "已建立", "10", "9"),
]


@pytest.fixture
def unit(db):
    return UnitFactory(name="上海市某某服务中心")


@pytest.fixture
def preparer(unit):
    return member(UserFactory(username="preparer", first_name="张丽"), unit, "preparer")


@pytest.fixture
def draft(unit):
    return AssessmentFactory(
        project__unit=unit,
        project__name="就业援助",
        year=YearFactory(year=2023),
        indicators=QUALITATIVE_ROWS,
    )


@pytest.fixture
def client_in(client, preparer):
    client.force_login(preparer)
    return client


def stored(assessment):
    """Everything stored about the table, to prove that a refused upload changed nothing."""
    assessment = Assessment.objects.get(pk=assessment.pk)
    record = json.dumps(assessment_record(assessment), ensure_ascii=False, sort_keys=True)
    return record, assessment.version, assessment.events.count()


def download(client, assessment):
    response = client.get(reverse("assessments:fillable", args=[assessment.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith(".xlsx")
    return openpyxl.load_workbook(io.BytesIO(response.content))


def address(book, key):
    """Where the sheet keeps a key (read from the hidden sheet, as the upload does)."""
    for row in book[fillable.META_SHEET].iter_rows(values_only=True):
        if row[1] == fillable.OPEN and row[3] == key:
            return row[2]
    raise KeyError(key)


def saved(book):
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def upload(client, assessment, data, name="填报表.xlsx"):
    file = io.BytesIO(data if isinstance(data, bytes) else saved(data))
    file.name = name
    return client.post(reverse("assessments:upload", args=[assessment.pk]), {"file": file})


def row_key(assessment, position, name):
    return fillable.indicator_key(assessment.indicators.get(position=position).pk, name)


def preview_page(client, response):
    assert response.status_code == 302, response.content.decode()[:2000]
    return response["Location"], client.get(response["Location"]).content.decode()


def changed_addresses(page):
    """The 单元格 column of the preview's table of changes."""
    body = page.split('id="changes"')[1].split("</table>")[0]
    return [cell.split("</td>")[0] for cell in body.split('<td class="text-nowrap">')[1:]]


# ---------------------------------------------------------------------------
# The workbook


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
    assert {v.type for v in validations.values()} == {"decimal", "list"}
    # Only quantitative rows have no grade to choose.
    with pytest.raises(KeyError):
        address(book, row_key(draft, 1, "grade"))


# ---------------------------------------------------------------------------
# The round trip


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
    assert "指标“覆盖率”的得分 35 超出 0 至分值 30.00 的范围。" in page
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


# ---------------------------------------------------------------------------
# A table changed in the application since the download


def test_cells_someone_else_changed_since_the_download_are_left_alone(client_in, draft, preparer):
    book = download(client_in, draft)
    first, second = draft.indicators.get(position=1), draft.indicators.get(position=2)
    drafts.save_draft(
        draft.pk,
        by=preparer,
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
    assert "在您下载填报表之后被修改过" in page
    assert "重新下载填报表" in page and "只保存没有他人修改的单元格" in page
    assert changed_addresses(page) == ["H13", "H14", "I14"]
    assert page.count("他人已修改，不覆盖") == 1
    client_in.post(location)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.score == Decimal("48")  # the colleague's value stands
    assert (second.score, second.reason) == (Decimal("28"), "覆盖率略低。")


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


# ---------------------------------------------------------------------------
# Refusals: each names the cell or the reason, and changes nothing


def refused(client, assessment, data, name="填报表.xlsx"):
    before = stored(assessment)
    response = upload(client, assessment, data, name)
    assert response.status_code == 200
    assert stored(assessment) == before
    return response.context["problems"]


@pytest.mark.parametrize(
    ("cell", "value", "message"),
    [
        ("F7", "约九千", "F7：全年执行数不是数字（填写的是“约九千”）"),
        ("F7", -5, "F7：全年执行数不能为负数"),
        ("F7", "12345678901234", "F7：全年执行数过大：整数部分最多 13 位。"),
        ("F7", "100.555", "F7：全年执行数最多保留两位小数。"),
        ("H13", "满分", "H13：得分不是数字（填写的是“满分”）"),
        ("H13", 150, "H13：得分不能超过 100。"),
        ("F13", "很" * 201, "F13：实际完成值过长：最多 200 字，现有 201 字"),
        ("J15", "基本达成", "J15：完成等级只能从下拉列表中选择（填写的是“基本达成”）"),
    ],
)
def test_a_value_that_cannot_be_stored_refuses_the_file_naming_the_cell(
    client_in, draft, cell, value, message
):
    book = download(client_in, draft)
    sheet = book["绩效自评表"]
    sheet["F8"] = 100  # a good cell beside the bad one is not saved either
    sheet[cell] = value
    assert refused(client_in, draft, book) == [message]


def test_a_locked_cell_altered_after_removing_the_protection_is_refused(client_in, draft):
    book = download(client_in, draft)
    sheet = book["绩效自评表"]
    sheet.protection.sheet = False
    sheet["E13"] = "80件"  # the approved target
    sheet["H7"] = "99%"  # an empty locked cell
    problems = refused(client_in, draft, book)
    assert problems[0] == (
        "H7：锁定的单元格被改动（下载时为“”，现在为“99%”），请在新下载的填报表中填写"
    )
    assert problems[1].startswith("E13：锁定的单元格被改动（下载时为“=100件”，现在为“80件”）")


def test_a_formula_replaced_by_a_figure_is_refused(client_in, draft):
    book = download(client_in, draft)
    book["绩效自评表"]["H16"] = 100
    assert refused(client_in, draft, book) == ["H16：计算公式被改动，请在新下载的填报表中填写"]


def test_a_formula_without_its_result_asks_to_save_in_excel(client_in, draft):
    book = download(client_in, draft)
    book["绩效自评表"]["F7"] = "=4000+5000"  # written by a program, never calculated
    assert refused(client_in, draft, book) == ["F7：公式没有计算结果，请在 Excel 中保存后再上传"]


def test_a_file_of_another_table_is_refused(client_in, draft, unit):
    other = AssessmentFactory(project=draft.project, year=YearFactory(year=2024))
    book = download(client_in, other)
    book["绩效自评表"]["F7"] = 1
    assert refused(client_in, draft, book) == [
        "这份填报表是2024 年度“就业援助”的，不是2023 年度“就业援助”的，不能上传到这里"
    ]


def test_the_official_excel_download_is_not_a_fillable_workbook(client_in, draft):
    response = client_in.get(reverse("assessments:xlsx", args=[draft.pk]))
    problems = refused(client_in, draft, response.content)
    assert problems == [
        "这不是本系统下载的填报表（找不到表格标识）。请在自评表页面点“下载填报表”，"
        "在下载的文件中填写后再上传。"
    ]


@pytest.mark.parametrize(
    "data",
    [b"%PDF-1.7 not a workbook", b"PK\x03\x04broken zip", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1junk"],
)
def test_a_file_that_is_not_a_workbook_is_refused(client_in, draft, data):
    assert refused(client_in, draft, data, "说明.xlsx") == [
        "这个文件不是 Excel 工作簿（.xlsx、.xlsm 或 .xls），无法读取。"
    ]


def test_a_file_over_five_megabytes_is_refused(client_in, draft):
    data = b"PK\x03\x04" + b"0" * (5 * 1024 * 1024)
    assert refused(client_in, draft, data) == ["文件超过 5 MB，无法上传。"]


def test_an_empty_form_asks_for_a_file(client_in, draft):
    response = client_in.post(reverse("assessments:upload", args=[draft.pk]), {})
    assert "请选择要上传的填报表文件。" in response.content.decode()


# ---------------------------------------------------------------------------
# Who may


def test_only_those_who_may_edit_upload(client, draft, unit):
    url = reverse("assessments:upload", args=[draft.pk])
    assert client.get(url).status_code == 302  # anonymous: to the sign-in page
    outsider = UserFactory(username="outsider")
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    reviewer = member(UserFactory(username="reviewer"), unit, "reviewer")
    client.force_login(reviewer)
    assert client.get(url).status_code == 403


def test_someone_elses_upload_token_is_not_found(client_in, draft, client, preparer):
    book = download(client_in, draft)
    book["绩效自评表"]["F7"] = 1
    location, _ = preview_page(client_in, upload(client_in, draft, book))
    colleague = member(UserFactory(username="colleague"), draft.project.unit, "preparer")
    other = type(client_in)()
    other.force_login(colleague)
    assert other.get(location).status_code == 404
    assert other.post(location).status_code == 404


# ---------------------------------------------------------------------------
# A whole unit at once


@pytest.fixture
def unit_tables(draft, unit):
    second = AssessmentFactory(project__unit=unit, project__name="技能培训", year=draft.year)
    submitted = AssessmentFactory(
        project__unit=unit,
        project__name="已提交的项目",
        year=draft.year,
        status=Assessment.Status.SUBMITTED,
    )
    AssessmentFactory(project__name="别的单位的项目", year=draft.year)
    return draft, second, submitted


def unit_upload(client, data, name="本单位.xlsx"):
    file = io.BytesIO(data if isinstance(data, bytes) else saved(data))
    file.name = name
    return client.post(reverse("assessments:unit_upload"), {"file": file})


def download_unit(client, year):
    response = client.get(reverse("assessments:unit_fillable", args=[year]))
    assert response.status_code == 200
    return openpyxl.load_workbook(io.BytesIO(response.content))


def test_the_unit_workbook_has_a_sheet_per_table_the_preparer_may_still_fill(
    client_in, unit_tables
):
    book = download_unit(client_in, 2023)
    assert book.sheetnames == ["1.就业援助", "2.技能培训", fillable.META_SHEET]
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


def test_a_refusal_in_one_sheet_of_the_unit_workbook_names_sheet_and_cell(client_in, unit_tables):
    first, second, _ = unit_tables
    book = download_unit(client_in, 2023)
    book["1.就业援助"]["F7"] = 8000
    book["2.技能培训"]["H13"] = "满分"
    before = stored(first), stored(second)
    response = unit_upload(client_in, book)
    assert response.context["problems"] == [
        "工作表“2.技能培训”：H13：得分不是数字（填写的是“满分”）"
    ]
    assert (stored(first), stored(second)) == before


def test_a_table_submitted_since_the_unit_download_is_refused(client_in, unit_tables):
    first, second, _ = unit_tables
    book = download_unit(client_in, 2023)
    Assessment.objects.filter(pk=second.pk).update(status=Assessment.Status.SUBMITTED)
    problems = refused_unit(client_in, book, first)
    assert len(problems) == 1
    assert problems[0].startswith("工作表“2.技能培训”：2023 年度“技能培训”：")


def refused_unit(client, book, assessment):
    before = stored(assessment)
    response = unit_upload(client, book)
    assert response.status_code == 200
    assert stored(assessment) == before
    return response.context["problems"]


# ---------------------------------------------------------------------------
# The command line


def run_import(path, *args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_workbook", str(path), *args, stdout=out, stderr=err)
    return out.getvalue()


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
    assert "新的错误：第 2 行指标“覆盖率”的得分 35 超出 0 至分值 30.00 的范围。" in output
    assert "以上修改尚未保存" in output
    assert stored(draft) == before
    output = run_import(path, "--user", "preparer", "--apply")
    assert "已保存 1 张自评表。" in output
    draft.refresh_from_db()
    assert draft.current_executed == Decimal("9000.00")
    assert draft.events.latest("created_at").comment == "上传填报表“填报表.xlsx”"


def test_the_command_refuses_as_the_page_does(client_in, draft, preparer, tmp_path):
    book = download(client_in, draft)
    book["绩效自评表"]["F7"] = "约九千"
    path = tmp_path / "填报表.xlsx"
    path.write_bytes(saved(book))
    before = stored(draft)
    err = io.StringIO()
    with pytest.raises(CommandError, match="没有任何改动"):
        call_command("import_workbook", str(path), "--user", "preparer", "--apply", stderr=err)
    assert "F7：全年执行数不是数字（填写的是“约九千”）" in err.getvalue()
    assert stored(draft) == before
    outsider = UserFactory(username="outsider")
    with pytest.raises(CommandError):
        call_command("import_workbook", str(path), "--user", outsider.username, stderr=err)
    assert "不存在，或您无权查看" in err.getvalue()


# ---------------------------------------------------------------------------
# LibreOffice, headless: the workbook prints, and comes back as a legacy .xls


@pytest.fixture
def soffice():
    path = shutil.which("soffice")
    if path is None:
        pytest.fail("soffice is missing: install Debian's libreoffice-calc-nogui (make install).")
    return path


def convert(soffice, source, fmt, tmp_path):
    """LibreOffice's headless conversion, with a profile of its own so runs do not collide."""
    out = tmp_path / "out"
    result = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--headless",
            "--convert-to",
            fmt,
            "--outdir",
            str(out),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    converted = out / f"{source.stem}.{fmt.split(':')[0]}"
    assert converted.exists(), result.stdout + result.stderr
    return converted


def test_libreoffice_prints_the_fillable_workbook_with_its_formulas_computed(
    client_in, draft, soffice, tmp_path, artifacts
):
    source = tmp_path / "fillable.xlsx"
    source.write_bytes(saved(download(client_in, draft)))
    pdf = convert(soffice, source, "pdf", tmp_path)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    assert "Pages:           1" in info.stdout
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "财政项目支出绩效自评表（填报用）" in text
    assert "就业援助" in text and "建立健全" in text
    # 执行率, the budget score and 总分 come from the formulas, computed by LibreOffice.
    assert "100.00%" in text
    assert "99" in text.split("总分")[1].split("\n")[0]  # 50 + 30 + 9 + 10
    shutil.copy(pdf, artifacts / "fillable-libreoffice.pdf")
    subprocess.run(
        ["pdftoppm", "-r", "60", "-png", str(pdf), str(artifacts / "fillable-libreoffice")],
        check=True,
    )


def test_a_workbook_saved_as_xls_by_libreoffice_is_read_with_xlrd_and_uploaded(
    client_in, draft, soffice, tmp_path
):
    book = download(client_in, draft)
    sheet = book["绩效自评表"]
    sheet["F7"] = "=4000+5500"  # a formula: LibreOffice saves its result
    sheet[address(book, row_key(draft, 1, "score"))] = 45
    sheet[address(book, row_key(draft, 1, "reason"))] = "少完成10件。"
    sheet[address(book, row_key(draft, 3, "grade"))] = "部分达成年度指标并具有一定效果"
    sheet[address(book, row_key(draft, 3, "score"))] = 7
    source = tmp_path / "filled.xlsx"
    source.write_bytes(saved(book))
    xls = convert(soffice, source, "xls", tmp_path)

    legacy = xlrd.open_workbook(str(xls))
    assert legacy.sheet_names() == ["绩效自评表", fillable.META_SHEET]
    assert legacy.sheet_by_name("绩效自评表").cell_value(6, 5) == 9500  # F7
    assert legacy.sheet_by_name("绩效自评表").cell_value(15, 7) == 9.5 + 45 + 30 + 7  # 总分 H16

    location, page = preview_page(client_in, upload(client_in, draft, xls.read_bytes(), "旧版.xls"))
    assert "F7" in page and "H13" in page and "J15" in page and "H15" in page
    client_in.post(location)
    draft.refresh_from_db()
    assert draft.current_executed == Decimal("9500.00")
    assert draft.indicators.get(position=1).score == Decimal("45")
    third = draft.indicators.get(position=3)
    assert (third.grade, third.score) == ("partial", Decimal("7"))
    assert draft.total_score == Decimal("91.50")


def test_a_formula_saved_by_libreoffice_as_xlsx_carries_its_result(
    client_in, draft, soffice, tmp_path
):
    book = download(client_in, draft)
    book["绩效自评表"]["F7"] = "=4000+5000"
    source = tmp_path / "formula.xlsx"
    source.write_bytes(saved(book))
    resaved = convert(soffice, source, "xlsx:Calc MS Excel 2007 XML", tmp_path)
    # Saved by LibreOffice, the workbook keeps its protection and its hidden sheet.
    reopened = openpyxl.load_workbook(io.BytesIO(resaved.read_bytes()))
    assert reopened["绩效自评表"].protection.sheet
    assert reopened[fillable.META_SHEET].sheet_state in ("hidden", "veryHidden")
    location, _ = preview_page(client_in, upload(client_in, draft, resaved.read_bytes()))
    client_in.post(location)
    draft.refresh_from_db()
    assert draft.current_executed == Decimal("9000.00")
