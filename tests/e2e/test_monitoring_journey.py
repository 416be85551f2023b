"""运行监控 in the browser: the department opens a round, the preparer fills and submits a
monitoring table, the reviewer returns one row with a comment and then approves it, the
department's view shows the red project, and the year-end self-assessment shows the
monitoring values beside its rows."""

import re
import subprocess
from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from assessments.models import Assessment, MonitoringRound
from assessments.paper import pdf, printable
from tests.e2e.pages import signed_in_window

pytestmark = pytest.mark.django_db(transaction=True)

PROJECT = "邮寄费"


@pytest.fixture
def demo(live_server):
    call_command("load_demo", stdout=StringIO())


def test_monitoring_round_journey(browser, live_server, demo, artifacts):
    # The department opens a second round of the year, at 10月31日.
    chief_context, chief = signed_in_window(browser, live_server, "juzhang")
    chief.get_by_role("link", name="运行监控").click()
    chief.get_by_label("监控范围").select_option(label="闵行区人力资源和社会保障局")
    chief.get_by_label("年度").select_option(label="2023")
    chief.get_by_label("数据截至").fill("2023-10-31")
    chief.get_by_label("填报截止").fill("2023-11-15")
    chief.get_by_role("button", name="发起").click()
    expect(chief.locator(".alert-success")).to_contain_text("生成 3 张运行监控表")
    expect(chief.locator("#monitoring-round")).to_contain_text("序时进度 83.29%")
    expect(chief.locator("#round-projects")).to_contain_text("未填报")
    chief.screenshot(path=artifacts / "monitoring-1-round-opened.png", full_page=True)
    round_ = MonitoringRound.objects.get(cut_off__month=10)
    table = Assessment.objects.get(monitoring_round=round_, project__name=PROJECT)
    detail = f"{live_server.url}{table.get_absolute_url()}"

    # The preparer fills the table in the wizard, a row that cannot be reached among them.
    preparer_context, preparer = signed_in_window(browser, live_server, "tianbao")
    preparer.goto(f"{live_server.url}/assessments/{table.pk}/edit/")
    preparer.locator('[name="cells.executed.value"]').fill("20000")
    preparer.locator('[name="cells.forecast_executed.value"]').fill("60000")
    preparer.locator('[name="cells.forecast_reason.value"]').fill("部分文书改为电子送达。")
    preparer.get_by_role("button", name="保存并下一步").click()
    expect(preparer).to_have_url(re.compile(r"/edit/indicators/$"))
    rows = Assessment.objects.get(pk=table.pk).indicators.count()
    for number in range(1, rows + 1):
        preparer.locator(f'[name="cells.r{number}_current.value"]').fill("按进度完成")
        preparer.locator(f'[name="cells.r{number}_likelihood.value"]').select_option("确定能")
    preparer.locator('[name="cells.r1_likelihood.value"]').select_option("完全不可能")
    preparer.locator('[name="cells.r1_cause.value"]').select_option("经费保障")
    preparer.get_by_role("button", name="保存", exact=True).click()
    # The measure is missing: kept as a draft, reported beside the row.
    expect(
        preparer.locator("#step-findings, .card", has_text="请填写纠偏措施").first
    ).to_be_visible()
    preparer.screenshot(path=artifacts / "monitoring-2-row-finding.png", full_page=True)
    preparer.locator('[name="cells.r1_measure.value"]').fill("申请追加预算，按月调度")
    preparer.get_by_role("button", name="保存并下一步").click()
    expect(preparer).to_have_url(re.compile(r"/edit/goal/$"))
    preparer.locator('[name="cells.goal_progress.value"]').fill("邮寄业务按计划开展。")
    preparer.get_by_role("button", name="保存", exact=True).click()
    expect(preparer.locator(".alert-success")).to_contain_text("已保存")
    preparer.goto(detail)
    preparer.get_by_role("button", name="提交审核").click()
    expect(preparer.locator(".alert-success")).to_contain_text("已提交审核")

    # The reviewer pins a comment on one row and returns the table.
    reviewer_context, reviewer = signed_in_window(browser, live_server, "shenhe")
    reviewer.goto(detail)
    expect(reviewer.locator(".official-monitoring")).to_contain_text("序时进度")
    reviewer.locator('.official td[data-target="cells.r1_measure.value"]').click()
    reviewer.get_by_label("批注内容").fill("追加预算的时间安排请写明。")
    reviewer.get_by_role("button", name="添加批注").click()
    expect(reviewer.locator("#comments")).to_contain_text("纠偏措施")
    reviewer.get_by_label("退回原因").fill("请按批注补充纠偏措施。")
    reviewer.get_by_role("button", name="退回修改").click()
    expect(reviewer.locator(".alert-success")).to_contain_text("已退回")
    reviewer.screenshot(path=artifacts / "monitoring-3-returned.png", full_page=True)

    preparer.goto(f"{live_server.url}/assessments/{table.pk}/edit/indicators/")
    expect(preparer.locator("#step-comments")).to_contain_text("追加预算的时间安排请写明")
    preparer.locator('[name="cells.r1_measure.value"]').fill("11月申请追加预算，12月完成支付")
    preparer.get_by_role("button", name="保存", exact=True).click()
    preparer.get_by_label("答复批注").fill("已写明时间安排。")
    preparer.get_by_role("button", name="答复", exact=True).click()
    expect(preparer.locator("#step-comments")).to_contain_text("已答复")
    preparer.goto(detail)
    preparer.get_by_role("button", name="提交审核").click()
    expect(preparer.locator(".alert-success")).to_contain_text("已提交审核")

    reviewer.goto(detail)
    reviewer.get_by_role("link", name="审核通过").click()
    reviewer.get_by_role("button", name=re.compile("^确认审核通过")).click()
    expect(reviewer.locator("#signature")).to_contain_text("内容与审核通过版本一致")
    reviewer.screenshot(path=artifacts / "monitoring-4-approved.png", full_page=True)
    assert Assessment.objects.get(pk=table.pk).status_label == "已审核通过"

    # The department's view of the round: the project is red, with its reasons.
    chief.goto(f"{live_server.url}/assessments/monitoring/{round_.pk}/")
    red = chief.locator("#round-projects tr", has_text=PROJECT)
    expect(red).to_contain_text("红灯")
    expect(red).to_contain_text("1 项指标完全不可能完成")
    expect(red).to_contain_text("已审核通过")
    chief.screenshot(path=artifacts / "monitoring-5-department-view.png", full_page=True)
    chief.emulate_media(media="print")
    (artifacts / "monitoring-round-a4-landscape.pdf").write_bytes(
        chief.pdf(format="A4", landscape=True, print_background=True)
    )
    chief.emulate_media(media="screen")

    # Year end: the self-assessment from the approved targets shows the monitoring values.
    preparer.goto(f"{live_server.url}/assessments/new/")
    preparer.get_by_label("已有项目").select_option(
        label=f"{PROJECT}（上海市闵行区社会保障服务中心）"
    )
    preparer.get_by_label("年度").select_option(label="2023")
    preparer.get_by_role("button", name=re.compile("新建|开始")).click()
    year_end = Assessment.objects.get(project__name=PROJECT, year__year=2023, kind="assessment")
    preparer.goto(f"{live_server.url}/assessments/{year_end.pk}/edit/actuals/")
    reference = preparer.locator(".monitoring-reference").first
    expect(reference).to_contain_text("运行监控（数据截至 10月31日）")
    expect(reference).to_contain_text("完全不可能")
    expect(reference).to_contain_text("11月申请追加预算，12月完成支付")
    preparer.screenshot(path=artifacts / "monitoring-6-year-end-reference.png", full_page=True)

    # The approved table on paper.
    signed = Assessment.objects.with_tree().get(pk=table.pk)
    path = artifacts / "monitoring-signed.pdf"
    path.write_bytes(pdf.render_pdf(printable.printable(signed)))
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
            str(path),
            str(artifacts / "monitoring-signed"),
        ],
        check=True,
    )
    for context in (chief_context, preparer_context, reviewer_context):
        context.close()
