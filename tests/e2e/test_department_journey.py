"""部门整体支出绩效自评表 in the browser: the department's preparer starts the year's table,
takes 项目支出 from the signed project tables (two drafts left out, named), fills the funds,
the goal, her own 履职 rows and the results, submits; the department's reviewer signs it; the
bureau reads it; a unit's preparer cannot open it."""

import datetime
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from assessments import interchange
from assessments.demo import DEMO_DEPARTMENT
from assessments.models import Assessment, Organisation, ReportingYear
from assessments.services import cycle, importing
from tests.e2e.pages import signed_in_window

pytestmark = pytest.mark.django_db(transaction=True)

DRAFTS = ("邮寄费", "鉴定、认定费")


def next_step(page):
    page.get_by_role("button", name="保存并下一步").click()


def saved_then_next(page, elsewhere):
    """Leave the field (the step saves itself), wait for the save, then go on: a click on the
    button while an automatic save is on its way is not followed here."""
    page.locator(elsewhere).focus()
    expect(page.get_by_role("status")).to_contain_text("已自动保存")
    next_step(page)


def projects_of_2023():
    """The demo's eleven projects again in 2023: nine signed, two still drafts."""
    records = [
        interchange.export_assessment(table)
        for table in Assessment.objects.with_tree().filter(kind="assessment", year__year=2022)
    ]
    for record in records:
        record.update(year=2023, targets=None)
        if record["project"] in DRAFTS:
            record["status"] = "draft"
    parsed, problems = interchange.parse_document(interchange.dumps(records))
    assert problems == []
    importing.import_records(parsed, by=User.objects.get(username="juzhang"))


def test_department_fills_and_signs_its_own_table(browser, live_server, artifacts):
    call_command("load_demo", stdout=StringIO())
    projects_of_2023()
    department = Organisation.objects.get(name=DEMO_DEPARTMENT)
    year = ReportingYear.objects.get(year=2023)
    # The department's 2023 deadlines moved a month ahead (the demo's have long passed).
    today = timezone.localdate()
    cycle.set_deadline(
        department,
        year,
        entry_due=today + datetime.timedelta(days=30),
        review_due=today + datetime.timedelta(days=60),
        by=User.objects.get(username="juzhang"),
    )

    context, page = signed_in_window(browser, live_server, "bumen")
    page.goto(f"{live_server.url}/assessments/new/")
    page.get_by_label("部门整体自评表").check()
    page.get_by_label("填报单位").select_option(label=DEMO_DEPARTMENT)
    page.get_by_label("年度").select_option(label="2023")
    page.screenshot(path=artifacts / "department-0-start.png", full_page=True)
    page.get_by_role("button", name="新建并开始填写").click()
    expect(page.get_by_role("heading", name="第 1 步 · 基本信息")).to_be_visible()
    expect(page.locator("main")).to_contain_text("部门名称")
    next_step(page)

    expect(page.get_by_role("heading", name="第 2 步 · 部门资金")).to_be_visible()
    offer = page.locator("#offer")
    expect(offer).to_contain_text("已签发的项目自评表 9 张")
    expect(offer).to_contain_text("未计入（尚未签发）：")
    for name in DRAFTS:
        expect(offer).to_contain_text(f"{name}（草稿）")
    page.get_by_role("button", name="将合计填入“项目支出”").click()
    expect(page.locator("#offer-state")).to_contain_text("已核对")
    expect(page.locator("#id_carryover_full_year_budget")).not_to_have_value("")
    page.locator("#id_current_initial_budget").fill("86,500,000")
    page.locator("#id_current_full_year_budget").fill("88,200,000")
    page.locator("#id_current_executed").fill("87,350,000")
    page.screenshot(path=artifacts / "department-1-funds.png", full_page=True)
    next_step(page)

    expect(page.get_by_role("heading", name="第 3 步 · 年度总体目标")).to_be_visible()
    page.get_by_label("年初设定目标").fill("落实就业优先政策，新增就业岗位不少于 3 万个。")
    next_step(page)

    expect(page.get_by_role("heading", name="第 4 步 · 绩效指标与年度指标值")).to_be_visible()
    expect(page.locator("#id_rows-0-name")).to_have_value("财政供养人员控制率")
    for index, (level1, level2, name, target) in enumerate(
        [
            ("产出指标", "职责履行", "城镇新增就业岗位", ">=30000个"),
            ("效果指标", "满意度", "服务对象满意度", ">=90%"),
        ],
        start=12,
    ):
        page.get_by_role("button", name="＋ 添加指标").click()
        page.locator(f"#id_rows-{index}-level1").select_option(level1)
        page.locator(f"#id_rows-{index}-level2").select_option(level2)
        page.locator(f"#id_rows-{index}-name").fill(name)
        page.locator(f"#id_rows-{index}-target").fill(target)
        page.locator(f"#id_rows-{index}-weight").fill("30")
    expect(page.locator('[data-live="weight_total"]')).to_have_text("90")
    page.screenshot(path=artifacts / "department-2-indicators.png", full_page=True)
    saved_then_next(page, "#id_rows-13-name")
    expect(page.get_by_role("heading", name="第 5 步 · 实际完成")).to_be_visible()
    table = Assessment.objects.get(organisation=department, year=year)
    for index, row in enumerate(table.indicators.order_by("position")):
        actual = {"健全", "合规", "按规定公开", "安全"}
        page.locator(f"#id_rows-{index}-actual").fill(
            row.target if row.target in actual else row.target.replace(">=", "=").replace("<=", "=")
        )
        page.locator(f"#id_rows-{index}-score").fill(format(row.weight, "f"))
    page.get_by_label("完成情况").fill("新增就业岗位 3.2 万个，各项工作按计划完成。")
    saved_then_next(page, "#id_rows-0-actual")

    expect(page.get_by_role("heading", name="第 6 步 · 核对")).to_be_visible()
    expect(page.locator(".official h2")).to_have_text("部门整体支出绩效自评表")
    page.screenshot(path=artifacts / "department-3-review.png", full_page=True)
    url = f"{live_server.url}{table.get_absolute_url()}"
    page.goto(url)
    page.get_by_role("button", name="提交审核").click()
    expect(page.locator(".alert-success")).to_contain_text("已提交审核")

    reviewer_context, reviewer = signed_in_window(browser, live_server, "juzhang")
    expect(reviewer.locator("main")).to_contain_text("闵行区人力资源和社会保障局（部门整体）")
    reviewer.goto(url)
    reviewer.screenshot(path=artifacts / "department-4-reviewer.png", full_page=True)
    reviewer.get_by_role("link", name="审核通过并签发").click()
    reviewer.get_by_role("button", name="确认签发").click()
    expect(reviewer.locator("#signature")).to_contain_text("已签发")
    reviewer.screenshot(path=artifacts / "department-5-signed.png", full_page=True)

    bureau_context, bureau = signed_in_window(browser, live_server, "caizheng")
    bureau.goto(url)
    expect(bureau.locator(".official h2")).to_have_text("部门整体支出绩效自评表")
    unit_context, unit = signed_in_window(browser, live_server, "tianbao")
    assert unit.goto(url).status == 404
    table.refresh_from_db()
    assert table.status == Assessment.Status.SIGNED_OFF
    assert table.cells["projects_count"] == "9"
    for opened in (context, reviewer_context, bureau_context, unit_context):
        opened.close()
