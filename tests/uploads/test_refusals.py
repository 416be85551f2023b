"""Refusals: each names the cell or the reason, and changes nothing."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from assessments.models import Assessment

from ..factories import AssessmentFactory, UserFactory, YearFactory, member
from .helpers import (
    download,
    download_unit,
    preview_page,
    refused,
    refused_unit,
    saved,
    stored,
    unit_upload,
    upload,
)


@pytest.mark.parametrize(
    ("cell", "value", "message"),
    [
        (
            "F7",
            "约九千",
            "F7：全年执行数不是数字（填写的是“约九千”），可填 1234.5、1,234.50 或 0.12万元。",
        ),
        ("F7", -5, "F7：全年执行数不能为负数。"),
        ("F7", "12345678901234", "F7：全年执行数过大：整数部分最多 13 位。"),
        ("F7", "100.555", "F7：全年执行数最多保留两位小数。"),
        ("H13", "满分", "H13：得分不是数字（填写的是“满分”），可填 8、8.5 或 8.50分。"),
        ("H13", 1000, "H13：得分过大：整数部分最多 3 位。"),
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


def test_a_file_that_is_not_a_workbook_is_not_told_to_correct_cells(client_in, draft):
    page = upload(client_in, draft, b"%PDF-1.7 not a workbook", "说明.pdf").content.decode()
    assert "改正以下单元格" not in page
    assert "原因：" in page and "不是 Excel 工作簿" in page


def test_a_file_over_five_megabytes_is_refused(client_in, draft):
    data = b"PK\x03\x04" + b"0" * (5 * 1024 * 1024)
    assert refused(client_in, draft, data) == ["文件超过 5 MB，无法上传。"]


def test_an_empty_form_asks_for_a_file(client_in, draft):
    response = client_in.post(reverse("assessments:upload", args=[draft.pk]), {})
    assert "请选择要上传的填报表文件。" in response.content.decode()


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


def test_a_refusal_in_one_sheet_of_the_unit_workbook_names_sheet_and_cell(client_in, unit_tables):
    first, second, _ = unit_tables
    book = download_unit(client_in, 2023)
    book["1.就业援助"]["F7"] = 8000
    book["2.技能培训"]["H13"] = "满分"
    before = stored(first), stored(second)
    response = unit_upload(client_in, book)
    assert response.context["problems"] == [
        "工作表“2.技能培训”：H13：得分不是数字（填写的是“满分”），可填 8、8.5 或 8.50分。"
    ]
    assert (stored(first), stored(second)) == before


def test_a_table_submitted_since_the_unit_download_is_refused(client_in, unit_tables):
    first, second, _ = unit_tables
    book = download_unit(client_in, 2023)
    Assessment.objects.filter(pk=second.pk).update(status=Assessment.Status.SUBMITTED)
    problems = refused_unit(client_in, book, first)
    assert len(problems) == 1
    assert problems[0].startswith("工作表“2.技能培训”：2023 年度“技能培训”：")


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
