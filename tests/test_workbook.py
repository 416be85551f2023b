"""The official table as an Excel workbook: layout, numbers, texts kept as texts, access."""

import io
from decimal import Decimal
from urllib.parse import quote

import openpyxl
from django.urls import reverse

from assessments.models import Assessment, Signature

from .factories import AssessmentFactory, UnitFactory, UserFactory, login, member


def xlsx_url(project):
    return reverse(
        "assessments:xlsx",
        args=[Assessment.objects.self_assessments().get(project__name=project).pk],
    )


def sheet_of(response):
    assert response.status_code == 200, response.content[:200]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return openpyxl.load_workbook(io.BytesIO(response.content))["绩效自评表"]


def row_of(sheet, first_cell):
    """The values of the row whose first non-empty cell in column B or D is `first_cell`."""
    for row in sheet.iter_rows():
        if any(cell.value == first_cell for cell in row[:4]):
            return row
    raise AssertionError(f"no row with {first_cell}")


def test_signed_table_downloads_as_the_official_layout_with_numbers(client, demo):
    response = login(client, "tianbao").get(xlsx_url("宣传费"))
    filename = "2022-宣传费-绩效自评表.xlsx"
    assert f"filename*=utf-8''{quote(filename)}" in response["Content-Disposition"]
    sheet = sheet_of(response)

    assert sheet["A1"].value == "财政项目支出绩效自评表"
    assert sheet["A2"].value == "（2022 年度）"
    assert (sheet["A3"].value, sheet["B3"].value) == ("项目名称", "宣传费")
    assert sheet["B4"].value == "闵行区人力资源和社会保障局(汇总)"
    assert sheet["F4"].value == "上海市闵行区社会保障服务中心"
    assert sheet["A5"].value == "项目资金\n（元）"
    total = row_of(sheet, "年度资金总额")
    # Amounts are numbers, formatted with two decimals; the rate is a percentage.
    assert [total[c].value for c in (3, 4, 5)] == [103000, 58000, 54800]
    assert total[3].number_format == "0.00"
    assert Decimal(str(total[7].value)) == Decimal("0.9448")
    assert total[7].number_format == "0.00%"
    assert Decimal(str(total[8].value)) == Decimal("9.45")
    assert row_of(sheet, "其中：当年财政拨款")[6].value == "—"

    merged = {str(r) for r in sheet.merged_cells.ranges}
    assert {"A1:I1", "B3:I3", "A5:A9", "B11:E11", "F11:I11"} <= merged
    quantity = row_of(sheet, "告知单制作数量")
    # A target starting with "=" stays text: Excel would take it for a formula.
    assert quantity[4].value == "=35000件" and quantity[4].data_type == "s"
    assert (
        quantity[1].value == "产出指标" and f"B{quantity[1].row}:B{quantity[1].row + 3}" in merged
    )
    total_score = row_of(sheet, "总分")
    assert Decimal(str(total_score[7].value)) == Decimal("99.45")

    signature = Signature.objects.get(assessment__project__name="宣传费", voided_at__isnull=True)
    texts = [cell.value for row in sheet.iter_rows() for cell in row if isinstance(cell.value, str)]
    assert any(signature.content_hash in text for text in texts)
    assert sheet.oddHeader.right.text is None
    assert sheet.oddFooter.center.text == "-&P-"
    assert str(sheet.page_setup.paperSize) == sheet.PAPERSIZE_A4


def test_signed_table_downloads_the_signed_version_after_the_data_changed(client, demo):
    Assessment.objects.filter(project__name="宣传费").update(goal="改过的目标")
    sheet = sheet_of(login(client, "tianbao").get(xlsx_url("宣传费")))
    assert sheet["B11"].value.startswith("通过告知单发放和横幅")


def test_draft_says_so_in_its_page_header_and_file_name(client, db):
    unit = UnitFactory()
    preparer = member(UserFactory(username="preparer"), unit, "preparer")
    assessment = AssessmentFactory(
        project__unit=unit,
        project__name="维修经费",
        goal='=HYPERLINK("http://x","点我")',
        money_unit=Assessment.MoneyUnit.WAN_YUAN,
        total_full_year_budget=Decimal("12.50"),
    )
    client.force_login(preparer)
    response = client.get(reverse("assessments:xlsx", args=[assessment.pk]))
    assert quote("2022-维修经费-绩效自评表（草稿）.xlsx") in response["Content-Disposition"]
    sheet = sheet_of(response)
    assert sheet.oddHeader.right.text == "草稿 · 未经审核签发，不作正式文件"
    assert sheet["B11"].value == '=HYPERLINK("http://x","点我")'
    assert sheet["B11"].data_type == "s"
    assert sheet["A5"].value == "项目资金\n（万元）"
    assert row_of(sheet, "年度资金总额")[4].value == Decimal("12.50")

    # The print settings of the print page apply: here amounts converted to 元.
    converted = sheet_of(
        client.get(
            reverse("assessments:xlsx", args=[assessment.pk]),
            {"options": "1", "money_unit": "元"},
        )
    )
    assert converted["A5"].value == "项目资金\n（元）"
    assert row_of(converted, "年度资金总额")[4].value == 125000
    bad = client.get(
        reverse("assessments:xlsx", args=[assessment.pk]), {"options": "1", "money_unit": "两"}
    )
    assert bad.status_code == 400 and "打印设置无效" in bad.content.decode()


def test_anonymous_and_outsiders_get_no_workbook_and_post_is_refused(client, demo, outsider):
    url = xlsx_url("宣传费")
    assert client.get(url).status_code == 302
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    assert login(client, "tianbao").post(url).status_code == 405


def test_detail_and_print_pages_offer_the_workbook(client, demo):
    assessment = Assessment.objects.get(project__name="宣传费")
    url = reverse("assessments:xlsx", args=[assessment.pk])
    login(client, "tianbao")
    for page in ("assessments:detail", "assessments:print"):
        text = client.get(reverse(page, args=[assessment.pk])).content.decode()
        assert f'href="{url}"' in text and "下载 Excel" in text


def test_texts_stored_with_control_characters_still_download(client, db):
    unit = UnitFactory()
    preparer = member(UserFactory(username="preparer"), unit, "preparer")
    assessment = AssessmentFactory(project__unit=unit, project__name="维修经费")
    Assessment.objects.filter(pk=assessment.pk).update(goal="第一行\x0b第二行\x01")
    client.force_login(preparer)
    sheet = sheet_of(client.get(reverse("assessments:xlsx", args=[assessment.pk])))
    assert sheet["B11"].value == "第一行\n第二行"


def test_a_long_table_prints_one_page_wide_with_the_indicator_header_on_every_page(client, db):
    unit = UnitFactory()
    preparer = member(UserFactory(username="preparer"), unit, "preparer")
    rows = [
        ("产出指标", "数量指标", f"指标{n:02d}", "＞＝１００件", "=100件", "2.25", "2.25")
        for n in range(40)
    ]
    assessment = AssessmentFactory(project__unit=unit, indicators=rows)
    client.force_login(preparer)
    sheet = sheet_of(client.get(reverse("assessments:xlsx", args=[assessment.pk])))
    header = row_of(sheet, "一级指标")[0].row
    assert sheet.print_title_rows == f"${header}:${header}"
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0)
    # Full-width digits and signs print as ordinary ones, as on the PDF.
    assert row_of(sheet, "指标00")[4].value == ">=100件"
