from decimal import Decimal
from io import StringIO

import openpyxl
import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from assessments.models import Assessment, Organisation
from tests.e2e.pages import log_in
from tests.factories import AssessmentFactory, YearFactory

pytestmark = pytest.mark.django_db(transaction=True)

UNIT = "上海市闵行区社会保障服务中心"


@pytest.fixture
def demo_server(live_server):
    """The eleven 2022 demo tables (all 优), a 2022 table graded 良, and 外省市差旅费 again in
    2023."""
    call_command("load_demo", stdout=StringIO())
    unit = Organisation.objects.get(name=UNIT)
    AssessmentFactory(
        project__unit=unit,
        project__name="档案整理经费",
        indicators=[
            ("产出指标", "数量指标", "整理卷数", "=100件", "=60件", "50", "30"),
            ("效益指标", "社会效益指标", "查阅满意度", ">=95%", "=98%", "30", "30"),
            ("满意度指标", "服务对象满意度指标", "满意度", ">=90%", "=95%", "10", "10"),
        ],
    )
    travel = Assessment.objects.get(project__name="外省市差旅费")
    AssessmentFactory(
        project=travel.project,
        year=YearFactory(year=2023),
        department_name=travel.department_name,
        total_full_year_budget=Decimal("50000"),
        total_executed=Decimal("45000"),
    )
    return live_server


def test_department_reviewer_filters_exports_and_opens_the_summary(page, demo_server, artifacts):
    log_in(page, demo_server, "juzhang")
    page.get_by_role("link", name="自评表", exact=True).click()
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(13)

    page.locator("#filter-year").select_option("2022")
    page.locator("#filter-grade").select_option("优")
    page.get_by_role("button", name="筛选").click()
    expect(rows).to_have_count(11)
    expect(page.locator("#list-count")).to_have_text("筛选出 11 张")
    expect(page.locator("table")).not_to_contain_text("档案整理经费")
    on_screen = set(page.locator("table tbody tr td:nth-child(2)").all_inner_texts())
    page.screenshot(path=artifacts / "summary-1-list-filtered.png", full_page=True)

    with page.expect_download() as download_info:
        page.locator("#export-xlsx").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    path = artifacts / "summary-2-filtered-list.xlsx"
    download.save_as(path)
    sheet = openpyxl.load_workbook(path)["自评表"]
    exported = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(exported) == 11
    assert {row[1] for row in exported} == on_screen
    assert {(row[0], row[8]) for row in exported} == {(2022, "优")}

    page.get_by_role("link", name="汇总").click()
    # The summary opens on the latest year with tables; the reviewer picks 2022.
    expect(page.locator("#summary-year")).to_have_value("2023")
    page.locator("#summary-year").select_option("2022")
    page.get_by_role("button", name="查看").click()
    expect(
        page.get_by_role("heading", name="闵行区人力资源和社会保障局 2022 年度绩效自评汇总")
    ).to_be_visible()
    expect(page.locator("#summary-figures")).to_contain_text("12 张")
    expect(page.locator("#summary-report svg.chart")).to_have_count(3)
    expect(page.locator("#summary-shortfalls")).to_contain_text(
        "由于疫情，申请工伤鉴定案件数量减少"
    )
    expect(page.locator("#summary-findings")).to_contain_text("档案整理经费")
    page.screenshot(path=artifacts / "summary-3-summary.png", full_page=True)

    page.emulate_media(media="print")
    expect(page.locator("nav.navbar")).to_be_hidden()
    expect(page.locator("#summary-form")).to_be_hidden()
    page.screenshot(path=artifacts / "summary-4-summary-print.png", full_page=True)
    page.pdf(path=artifacts / "summary-5-summary-print.pdf", prefer_css_page_size=True)
    page.emulate_media(media="screen")

    page.locator("#summary-organisation").select_option(label=UNIT)
    page.get_by_role("button", name="查看").click()
    expect(page.get_by_role("heading", name=f"{UNIT} 2022 年度绩效自评汇总")).to_be_visible()
    expect(page.locator("#summary-units")).to_have_count(0)

    travel_row = page.locator("#summary-projects tr", has_text="外省市差旅费")
    travel_row.get_by_role("link", name="历年对比").click()
    expect(page.locator("#year-figures")).to_contain_text("2023 年度")
    expect(page.locator("#year-figures")).to_contain_text("+10,000.00")
    page.screenshot(path=artifacts / "summary-6-project-years.png", full_page=True)
