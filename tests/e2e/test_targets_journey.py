"""The year's cycle in the browser: targets declared (项目支出绩效目标申报表), returned,
answered, approved with the reviewer's opinion; its PDF and /verify/; the self-assessment from
them with goal and targets read-only, a changed budget flagged for the reviewer; an adjustment
asked for and approved, both people told."""

import re
import subprocess
from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from assessments.models import Assessment, Notice, TargetAdjustment
from tests.e2e.pages import signed_in_window
from tests.pdftools import compact, pdf_text

pytestmark = pytest.mark.django_db(transaction=True)

ROWS = [
    ("产出指标", "数量指标", "宣传品发放数量", "≥3000份", "50"),
    ("效益指标", "社会效益指标", "政策知晓率", "≥90%", "30"),
    ("满意度指标", "服务对象满意度指标", "群众满意度", "≥85%", "10"),
]


def next_step(page):
    page.get_by_role("button", name="保存并下一步").click()


def test_targets_approved_then_self_assessment_and_adjustment(browser, live_server, artifacts):
    call_command("load_demo", stdout=StringIO())
    preparer_context, preparer = signed_in_window(browser, live_server, "tianbao")
    preparer.goto(f"{live_server.url}/assessments/new/")
    preparer.get_by_label("绩效目标表").check()
    preparer.screenshot(path=artifacts / "targets-0-start.png", full_page=True)
    preparer.get_by_label("已有项目").select_option(label="宣传费（上海市闵行区社会保障服务中心）")
    preparer.get_by_label("年度").select_option(label="2023")
    preparer.get_by_role("button", name="新建并开始填写").click()
    expect(preparer.locator(".wizard-steps li")).to_have_count(5 + 1)
    next_step(preparer)
    expect(preparer.locator("h2, h1").filter(has_text="申报信息").first).to_be_visible()
    preparer.get_by_label("项目属性").select_option("延续")
    preparer.get_by_label("项目负责人").fill("周文华")
    preparer.get_by_label("联系电话").fill("021-64120618")
    preparer.get_by_label("项目期限（开始）").fill("2023年1月1日")
    preparer.get_by_label("项目期限（结束）").fill("2024/12/31")
    preparer.get_by_label("项目概况").fill(
        "在全区社区和服务窗口发放社会保障政策宣传品，开展政策咨询。"
    )
    preparer.get_by_label("立项依据（可行性、必要性）").fill(
        "区人社局年度政策宣传工作要点；群众对新政策的知晓率偏低，需要持续宣传。"
    )
    preparer.get_by_label("实施期目标（跨年度项目填写）").fill(
        "两年内辖区参保居民政策知晓率达到 95%。"
    )
    preparer.screenshot(path=artifacts / "targets-0b-declaration.png", full_page=True)
    next_step(preparer)
    preparer.locator("#id_current_initial_budget").fill("60000")
    preparer.locator("#id_current_full_year_budget").fill("60000")
    preparer.screenshot(path=artifacts / "targets-1-funds.png", full_page=True)
    next_step(preparer)
    preparer.get_by_label("预期目标").fill("开展政策宣传，提高群众对社会保障政策的知晓率。")
    next_step(preparer)
    for index, (level1, level2, name, target, weight) in enumerate(ROWS):
        preparer.locator("[data-add-row]").click()
        row = preparer.locator("tbody[data-rows] tr").nth(index)
        row.locator("[data-level1]").select_option(level1)
        row.locator("[data-level2]").select_option(level2)
        row.get_by_label("三级指标").fill(name)
        row.get_by_label("年度指标值").fill(target)
        row.get_by_label("分值").fill(weight)
    preparer.screenshot(path=artifacts / "targets-2-indicators.png", full_page=True)
    next_step(preparer)
    expect(preparer.locator(".official h2")).to_have_text("项目支出绩效目标申报表")
    table = Assessment.objects.target_tables().get(project__name="宣传费", year__year=2023)
    url = f"{live_server.url}{table.get_absolute_url()}"
    preparer.goto(url)
    preparer.get_by_role("button", name="提交审核").click()
    expect(preparer.locator(".alert-success")).to_contain_text("已提交审核")

    reviewer_context, reviewer = signed_in_window(browser, live_server, "shenhe")
    reviewer.goto(url)
    reviewer.locator('.official td[data-target="goal"]').click()
    reviewer.get_by_label("批注内容").fill("请写明宣传品的发放对象。")
    reviewer.get_by_role("button", name="添加批注").click()
    reviewer.get_by_label("退回原因").fill("预期目标不够具体。")
    reviewer.get_by_role("button", name="退回修改").click()
    expect(reviewer.locator(".alert-success")).to_contain_text("已退回")

    preparer.goto(url)
    expect(preparer.locator("#returned-reason")).to_contain_text("预期目标不够具体。")
    preparer.locator("#comments").get_by_label("答复批注").fill("已写明：发放给辖区参保居民。")
    preparer.locator("#comments").get_by_role("button", name="答复").click()
    preparer.get_by_role("button", name="提交审核").click()
    expect(preparer.locator(".alert-success")).to_contain_text("已提交审核")

    reviewer.goto(url)
    reviewer.get_by_role("link", name="审核通过并批准").click()
    reviewer.get_by_label("单位审核意见").fill("")
    reviewer.get_by_role("button", name="确认批准").click()
    expect(reviewer.locator("#opinion-error")).to_contain_text("请填写审核意见")
    reviewer.get_by_label("单位审核意见").fill("同意申报，按计划组织实施。")
    reviewer.screenshot(path=artifacts / "targets-3-confirm-approval.png", full_page=True)
    reviewer.get_by_role("button", name="确认批准").click()
    expect(reviewer.locator(".alert-success").first).to_contain_text("已批准")
    expect(reviewer.locator("#signature")).to_contain_text("已批准")
    declaration = reviewer.locator(".official-declaration")
    expect(declaration.locator("h2")).to_have_text("项目支出绩效目标申报表")
    for text in (
        "延续",
        "周文华",
        "2023年1月1日至2024年12月31日",
        "实施期",
        "同意申报，按计划组织实施。",
    ):
        expect(declaration).to_contain_text(text)
    for absent in ("全年执行数", "得分", "偏差原因", "实际完成值"):
        expect(declaration).not_to_contain_text(absent)
    reviewer.screenshot(path=artifacts / "targets-4-approved.png", full_page=True)
    declaration.screenshot(path=artifacts / "targets-4a-declaration.png")

    # The approved table's PDF, page 1 as an image, and what /verify/ says of its hash.
    pdf = reviewer_context.request.get(f"{url}pdf/")
    assert pdf.ok and pdf.body().startswith(b"%PDF")
    (artifacts / "targets-approved.pdf").write_bytes(pdf.body())
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
            str(artifacts / "targets-approved.pdf"),
            str(artifacts / "targets-pdf-page1"),
        ],
        check=True,
    )
    text = compact(pdf_text(pdf.body(), page=1))
    assert "项目支出绩效目标申报表" in text and "单位审核意见" in text
    assert "全年执行数" not in text and "得分" not in text and "偏差原因" not in text
    table.refresh_from_db()
    content_hash = table.valid_signature().content_hash
    reviewer.goto(f"{live_server.url}/verify/{content_hash}/")
    expect(reviewer.locator("main")).to_contain_text("目标表")
    reviewer.screenshot(path=artifacts / "targets-4b-verify.png", full_page=True)

    preparer.goto(f"{live_server.url}/assessments/new/")
    preparer.get_by_label("绩效自评表").check()
    preparer.get_by_label("已有项目").select_option(label="宣传费（上海市闵行区社会保障服务中心）")
    preparer.get_by_label("年度").select_option(label="2023")
    preparer.get_by_role("button", name="新建并开始填写").click()
    expect(preparer.locator(".alert-success")).to_contain_text("已按批准的绩效目标表新建自评表")
    preparer.locator(".wizard-steps button", has_text="年度总体目标").click()
    expect(preparer.locator("#goal-locked")).to_contain_text("如需改变，请在下方提出目标调整")
    expect(preparer.locator("#locked-goal")).to_contain_text("开展政策宣传")
    expect(preparer.locator('textarea[name="goal"]:not(#adjustment-request *)')).to_have_count(0)
    preparer.screenshot(path=artifacts / "targets-4c-goal-read-only.png", full_page=True)
    preparer.locator(".wizard-steps button", has_text="项目资金").click()
    preparer.locator("#id_current_full_year_budget").fill("55000")
    preparer.get_by_role("button", name="保存", exact=True).click()
    preparer.locator(".wizard-steps button", has_text="绩效指标与年度指标值").click()
    expect(preparer.locator("#targets-locked")).to_be_visible()
    expect(preparer.locator("#locked-targets")).to_contain_text("≥3000份")
    expect(preparer.locator('input[name$="-target"]')).to_have_count(0)
    preparer.locator("#adjustment-request summary").click()
    request = preparer.locator("#adjustment-request")
    request.get_by_label("宣传品发放数量 分值").fill("五十")
    request.get_by_label("调整理由").fill("印刷经费压减。")
    request.get_by_role("button", name="提交调整申请").click()
    expect(preparer.locator(".alert-danger").first).to_contain_text("目标调整申请尚未提交")
    request = preparer.locator("#adjustment-request")
    expect(request.get_by_label("宣传品发放数量 分值")).to_have_class(re.compile("is-invalid"))
    preparer.screenshot(path=artifacts / "targets-5a-unreadable-weight.png", full_page=True)
    request.get_by_label("宣传品发放数量 分值").fill("50")
    request.get_by_label("宣传品发放数量 年度指标值").fill("≥2500份")
    request.get_by_label("调整理由").fill("印刷经费压减，宣传品数量相应减少。")
    preparer.screenshot(path=artifacts / "targets-5-adjustment-request.png", full_page=True)
    request.get_by_role("button", name="提交调整申请").click()
    expect(preparer.locator(".alert-success")).to_contain_text("已提交目标调整申请")
    assert Notice.objects.filter(user__username="shenhe", title__contains="申请调整目标").exists()
    assert Notice.objects.filter(user__username="juzhang", title__contains="申请调整目标").exists()

    assessment = Assessment.objects.self_assessments().get(project__name="宣传费", year__year=2023)
    reviewer.goto(f"{live_server.url}{assessment.get_absolute_url()}")
    # The changed budget is flagged for the reviewer, with the approved figure beside it.
    expect(reviewer.locator("body")).to_contain_text("与已批准的绩效目标表（60,000.00）不同")
    reviewer.locator("#decide-adjustment").get_by_label("审批意见").fill("同意调整。")
    reviewer.get_by_role("button", name="批准调整").click()
    expect(reviewer.locator(".alert-success").first).to_contain_text("已批准目标调整")
    expect(reviewer.locator("#history")).to_contain_text("批准目标调整")
    expect(reviewer.locator("#adjustments")).to_contain_text("调整为 ≥2500份")
    reviewer.screenshot(path=artifacts / "targets-6-adjustment-approved.png", full_page=True)
    assert Notice.objects.filter(
        user__username="tianbao", title__contains="目标调整已批准"
    ).exists()
    preparer.goto(f"{live_server.url}/assessments/?kind=targets")
    expect(preparer.locator("#list-kinds .active")).to_have_text("绩效目标表")
    expect(preparer.locator("table")).to_contain_text("宣传费")
    preparer.screenshot(path=artifacts / "targets-7-list-of-target-tables.png", full_page=True)
    preparer.goto(f"{live_server.url}/assessments/")
    expect(preparer.locator("table").get_by_text("目标未经审批")).to_have_count(11)
    preparer.screenshot(path=artifacts / "targets-8-list-unapproved.png", full_page=True)
    assert TargetAdjustment.objects.get().status == TargetAdjustment.Status.APPROVED
    assert assessment.indicators.get(name="宣传品发放数量").target == "≥2500份"
    preparer_context.close()
    reviewer_context.close()
