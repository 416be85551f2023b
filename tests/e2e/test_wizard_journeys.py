from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from assessments.models import Assessment
from tests.e2e.pages import log_in_to_dashboard

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def server(live_server):
    call_command("load_demo", stdout=StringIO())
    return live_server


def next_step(page):
    page.get_by_role("button", name="保存并下一步").click()


def test_preparer_fills_a_new_table_in_six_steps_with_a_break_after_step_four(
    browser, server, artifacts
):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    log_in_to_dashboard(page, server, "tianbao")
    page.get_by_role("link", name="新建自评表").click()
    page.get_by_label("年度").select_option(label="2023")
    page.get_by_label("新项目名称").fill("职业技能培训补贴")
    page.get_by_role("button", name="新建并开始填写").click()

    expect(page.get_by_role("heading", name="第 1 步 · 基本信息")).to_be_visible()
    expect(page.locator("main")).to_contain_text("闵行区人力资源和社会保障局")
    page.screenshot(path=artifacts / "wizard-1-basic.png", full_page=True)
    next_step(page)

    expect(page.get_by_role("heading", name="第 2 步 · 项目资金")).to_be_visible()
    page.locator("#id_current_initial_budget").fill("１２０，０００")  # typed with a Chinese IME
    page.locator("#id_current_full_year_budget").fill("100,000.00")
    page.locator("#id_current_executed").fill("85126")
    page.locator("#id_carryover_initial_budget").fill("0")
    page.locator("#id_carryover_full_year_budget").fill("0")
    expect(page.locator('[data-live="execution_rate"]')).to_have_text("85.13%")
    expect(page.locator('[data-live="budget_score"]')).to_have_text("8.51")
    expect(page.locator('[data-live="funds_total.initial_budget"]')).to_have_text("120000.00")
    page.screenshot(path=artifacts / "wizard-2-funds.png", full_page=True)
    next_step(page)

    expect(page.get_by_role("heading", name="第 3 步 · 年度总体目标")).to_be_visible()
    page.get_by_label("预期目标").fill("开展职业技能培训 500 人次，提升劳动者就业能力。")
    page.screenshot(path=artifacts / "wizard-3-goal.png", full_page=True)
    next_step(page)

    expect(page.get_by_role("heading", name="第 4 步 · 绩效指标与年度指标值")).to_be_visible()
    rows = [
        ("产出指标", "数量指标", "培训人次", "≥500人次", "30"),
        ("产出指标", "质量指标", "培训合格率", "≥90％", "20"),
        ("效益指标", "社会效益指标", "就业率", "≥60%", "30"),
        ("满意度指标", "服务对象满意度指标", "学员满意度", "及时", "10"),
    ]
    for index, (level1, level2, name, target, weight) in enumerate(rows):
        page.get_by_role("button", name="＋ 添加指标").click()
        page.locator(f"#id_rows-{index}-level1").select_option(level1)
        page.locator(f"#id_rows-{index}-level2").select_option(level2)
        page.locator(f"#id_rows-{index}-name").fill(name)
        page.locator(f"#id_rows-{index}-target").fill(target)
        page.locator(f"#id_rows-{index}-weight").fill(weight)
    expect(page.locator('[data-live="weight_total"]')).to_have_text("90")
    expect(page.locator("[data-row]").nth(1)).to_contain_text("识别为：≥ 90 %")
    page.screenshot(path=artifacts / "wizard-4-targets.png", full_page=True)
    next_step(page)
    expect(page.get_by_role("heading", name="第 5 步 · 实际完成")).to_be_visible()
    context.close()  # she closes the browser: lunch break

    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    log_in_to_dashboard(page, server, "tianbao")
    page.locator("#drafts").get_by_role("link", name="2023 · 职业技能培训补贴").click()
    expect(page.get_by_role("heading", name="第 5 步 · 实际完成")).to_be_visible()

    actuals = [
        ("=520人次", "", "30", ""),
        ("=85%", "", "18", "部分学员未通过考核"),
        ("=65%", "", "30", ""),
        ("及时", "achieved", "10", ""),
    ]
    for index, (actual, grade, score, reason) in enumerate(actuals):
        page.locator(f"#id_rows-{index}-actual").fill(actual)
        if grade:
            page.locator(f"#id_rows-{index}-grade").select_option(grade)
        page.locator(f"#id_rows-{index}-score").fill(score)
        if reason:
            page.locator(f"#id_rows-{index}-reason").fill(reason)
    page.get_by_label("实际完成情况").fill("完成培训 520 人次，执行率85.12%")
    expect(page.locator('[data-live="total_score"]')).to_have_text("96.51")
    expect(page.locator('[data-live="grade"]')).to_have_text("优")
    expect(page.locator("[data-row]").nth(1).locator('[data-live-row="suggested"]')).to_have_text(
        "18.89"
    )
    page.screenshot(path=artifacts / "wizard-5-actuals.png", full_page=True)
    next_step(page)

    expect(page.get_by_role("heading", name="第 6 步 · 核对")).to_be_visible()
    official = page.locator(".official")
    expect(official).to_contain_text("职业技能培训补贴")
    expect(official).to_contain_text("85.13%")
    expect(official).to_contain_text("96.51")
    findings = page.locator("#findings")
    expect(findings).to_contain_text("实际完成情况写明执行率 85.12%，按表中数据计算为 85.13%")
    expect(findings).to_contain_text("执行率 85.13% 低于 90%")
    page.screenshot(path=artifacts / "wizard-6-review.png", full_page=True)
    findings.get_by_role("link", name="实际完成情况写明执行率").click()
    expect(page.get_by_role("heading", name="第 5 步 · 实际完成")).to_be_visible()
    context.close()


def test_copying_the_2022_leaflet_table_shows_last_years_values(page, server, artifacts):
    log_in_to_dashboard(page, server, "tianbao")
    page.get_by_role("link", name="自评表", exact=True).click()
    page.get_by_role("link", name="宣传费").click()
    page.get_by_role("link", name="复制到新年度").click()
    page.get_by_role("button", name="复制并开始填写").click()
    expect(page.get_by_role("heading", name="第 1 步 · 基本信息")).to_be_visible()
    page.locator(".wizard-steps button", has_text="实际完成").click()
    expect(page.get_by_role("heading", name="第 5 步 · 实际完成")).to_be_visible()
    first = page.locator("[data-row]").first
    expect(first).to_contain_text("告知单制作数量")
    expect(first).to_contain_text("上年：=35000件，得分 10")
    expect(page.locator("#id_rows-0-actual")).to_have_value("")
    page.screenshot(path=artifacts / "wizard-copy-actuals.png", full_page=True)
    page.locator(".wizard-steps button", has_text="绩效指标与年度指标值").click()
    expect(page.locator("[data-row]").first).to_contain_text("上年：=35000件 → =35000件")
    page.screenshot(path=artifacts / "wizard-copy-targets.png", full_page=True)


def test_second_of_two_concurrent_saves_is_refused_and_the_first_stays(browser, server, artifacts):
    first = browser.new_context(locale="zh-CN")
    second = browser.new_context(locale="zh-CN")
    page_one, page_two = first.new_page(), second.new_page()
    log_in_to_dashboard(page_one, server, "tianbao")
    log_in_to_dashboard(page_two, server, "tianbao")
    page_one.get_by_role("link", name="自评表", exact=True).click()
    page_one.get_by_role("link", name="宣传费").click()
    page_one.get_by_role("link", name="复制到新年度").click()
    page_one.get_by_role("button", name="复制并开始填写").click()
    url = page_one.url.replace("/basic/", "/goal/")
    page_one.goto(url)
    page_two.goto(url)
    page_one.get_by_label("预期目标").fill("第一位的目标")
    page_two.get_by_label("预期目标").fill("第二位的目标")
    page_one.get_by_role("button", name="保存", exact=True).click()
    expect(page_one.locator(".alert-success")).to_contain_text("已保存")
    page_two.get_by_role("button", name="保存", exact=True).click()
    expect(page_two.locator(".alert-danger")).to_contain_text("张丽 已于")
    expect(page_two.locator(".alert-danger")).to_contain_text("您的修改没有保存")
    expect(page_two.get_by_label("预期目标")).to_have_value("第二位的目标")
    page_two.screenshot(path=artifacts / "wizard-conflict.png", full_page=True)
    leaflet = Assessment.objects.get(project__name="宣传费", year__year=2023)
    assert leaflet.goal == "第一位的目标"
    first.close()
    second.close()


def test_a_block_pasted_from_excel_fills_the_funds_table(page, server, artifacts):
    log_in_to_dashboard(page, server, "tianbao")
    page.get_by_role("link", name="新建自评表").click()
    page.get_by_label("新项目名称").fill("就业援助")
    page.get_by_role("button", name="新建并开始填写").click()
    next_step(page)
    page.locator("#id_current_initial_budget").evaluate(
        """(input) => {
            const data = new DataTransfer();
            data.setData("text/plain", "120,000.00\\t100,000.00\\t95,000.00\\r\\n0\\t0\\t\\r\\n");
            input.dispatchEvent(new ClipboardEvent("paste", {
                clipboardData: data, bubbles: true, cancelable: true}));
        }"""
    )
    expect(page.locator("#id_current_executed")).to_have_value("95,000.00")
    expect(page.locator("#id_carryover_full_year_budget")).to_have_value("0")
    expect(page.locator("#id_carryover_executed")).to_have_value("")
    expect(page.locator('[data-live="execution_rate"]')).to_have_text("95.00%")
    page.screenshot(path=artifacts / "wizard-paste-from-excel.png", full_page=True)
