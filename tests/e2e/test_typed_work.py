"""The preparer never loses typed work and always sees why a value is refused."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from assessments.models import Assessment, ReportingYear
from assessments.services import drafts
from tests.e2e.pages import log_in_to_dashboard
from tests.factories import user

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def server(live_server):
    call_command("load_demo", stdout=StringIO())
    return live_server


@pytest.fixture
def draft(server):
    """Next year's 宣传费, copied from 2022: indicators, targets and weights, no results yet."""
    source = Assessment.objects.get(project__name="宣传费", year__year=2022)
    year = ReportingYear.objects.get(year=2023)
    preparer = user("tianbao")
    return drafts.copy_assessment(source, year=year, by=preparer)


def step(server, assessment, name):
    return f"{server.url}/assessments/{assessment.pk}/edit/{name}/"


def test_a_refused_value_keeps_its_mark_and_message_after_the_save(page, server, draft, artifacts):
    log_in_to_dashboard(page, server, "tianbao")
    page.goto(step(server, draft, "targets"))
    weight = page.locator("#id_rows-0-weight")
    weight.fill("-5")
    page.locator("#id_rows-1-name").fill("宣传折页发放数量（改）")
    page.get_by_role("button", name="保存", exact=True).click()
    feedback = page.locator('[data-error-for="rows-0-weight"]')
    expect(feedback).to_have_text("分值不能为负数。")
    expect(weight).to_have_attribute("aria-invalid", "true")
    # the live check runs after the page loads and must not take the server's mark away
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(600)
    expect(feedback).to_be_visible()
    expect(feedback).to_have_text("分值不能为负数。")
    assert "is-invalid" in (weight.get_attribute("class") or "")
    # the refused box keeps its own look (the table's small right-aligned box) beside the mark
    expect(weight).to_have_class(re.compile(r"\bform-control\b.*\bnum\b"))
    expect(page.locator("#id_rows-1-name")).to_have_value("宣传折页发放数量（改）")
    page.screenshot(path=artifacts / "typed-refused-field.png", full_page=True)
    assert draft.indicators.filter(name="宣传折页发放数量（改）").count() == 0


def test_weights_that_do_not_add_up_are_saved_and_listed(page, server, draft):
    log_in_to_dashboard(page, server, "tianbao")
    page.goto(step(server, draft, "targets"))
    page.locator("#id_rows-0-weight").fill("1")
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.locator(".alert-success")).to_contain_text("已保存")
    expect(page.locator("#step-findings")).to_contain_text("绩效指标分值合计为")
    assert draft.indicators.order_by("position").first().weight == 1


def test_a_score_above_its_weight_is_shown_refused_and_not_counted(page, server, draft):
    log_in_to_dashboard(page, server, "tianbao")
    page.goto(step(server, draft, "actuals"))
    page.locator("#id_rows-0-score").fill("5")
    expect(page.locator('[data-live="indicator_score"]')).to_have_text("5")
    page.locator("#id_rows-0-score").fill("500")
    expect(page.locator("#id_rows-0-score")).to_have_class(re.compile(r"\bscore-refused\b"))
    expect(page.locator('[data-live="indicator_score"]')).to_have_text("0")
    expect(page.locator("#step-findings")).to_contain_text("超出 0 至分值")


def test_a_rule_finding_is_written_under_its_field_not_only_in_colour(
    page, server, draft, artifacts
):
    log_in_to_dashboard(page, server, "tianbao")
    page.goto(step(server, draft, "actuals"))
    score = page.locator("#id_rows-0-score")
    score.fill("500")
    message = page.locator('[data-finding-for="rows-0-score"]')
    expect(message).to_contain_text("错误：")
    expect(message).to_contain_text("超出 0 至分值")
    expect(score).to_have_attribute("aria-invalid", "true")
    described = score.get_attribute("aria-describedby") or ""
    assert message.get_attribute("id") in described.split()
    page.screenshot(path=artifacts / "typed-finding-under-field.png", full_page=True)
    # corrected, the message and the marks go
    score.fill("1")
    expect(message).to_have_count(0)
    expect(score).not_to_have_attribute("aria-invalid", "true")


def test_the_step_bar_counts_errors_as_the_page_checks(page, server, draft):
    log_in_to_dashboard(page, server, "tianbao")
    page.goto(step(server, draft, "actuals"))
    badge = page.locator('[data-step-errors="actuals"]')
    before = int((badge.text_content() or "").split()[-1])
    # a row's result typed in: its missing-value errors go
    page.locator("#id_rows-0-actual").fill("1")
    page.locator("#id_rows-0-score").fill("1")
    expect(badge).not_to_have_text(f"错误 {before}")
    live = badge.text_content() or ""
    assert int(live.split()[-1]) < before
    expect(page.locator("#autosave-state")).to_contain_text("已自动保存", timeout=10_000)
    page.reload()
    # the count the server gives after the reload is the one the live check showed
    expect(page.locator('[data-step-errors="actuals"]')).to_have_text(live)


def test_typing_is_saved_automatically_and_survives_a_reload(page, server, draft, artifacts):
    log_in_to_dashboard(page, server, "tianbao")
    page.goto(step(server, draft, "goal"))
    page.get_by_label("预期目标").fill("全年印制宣传折页 4 万份，覆盖全区社区。")
    expect(page.locator("#autosave-state")).to_contain_text("已自动保存", timeout=10_000)
    page.screenshot(path=artifacts / "typed-autosaved.png", full_page=True)
    page.reload()
    expect(page.get_by_label("预期目标")).to_have_value("全年印制宣传折页 4 万份，覆盖全区社区。")
    draft.refresh_from_db()
    assert draft.goal == "全年印制宣传折页 4 万份，覆盖全区社区。"


def test_a_click_on_save_and_next_during_an_automatic_save_moves_on_after_it(page, server, draft):
    log_in_to_dashboard(page, server, "tianbao")
    page.goto(step(server, draft, "actuals"))
    # Every request from the page's scripts takes a second longer, so that the automatic
    # save is still on its way when the button is clicked.
    page.evaluate(
        "const send = window.fetch;"
        "window.fetch = (...args) => new Promise((done) => setTimeout(done, 1000))"
        ".then(() => send(...args));"
    )
    page.locator("#id_rows-0-actual").fill("98%")
    page.locator("#id_rows-1-actual").focus()  # leaving the field saves it
    expect(page.locator("#autosave-state")).to_have_text("正在保存…")
    page.get_by_role("button", name="保存并下一步").click()
    expect(page).to_have_url(step(server, draft, "review"), timeout=10_000)
    assert draft.indicators.order_by("position").first().actual == "98%"


def test_leaving_with_unsaved_changes_asks_first(page, server, draft):
    log_in_to_dashboard(page, server, "tianbao")
    page.goto(step(server, draft, "goal"))
    page.get_by_label("预期目标").click()
    page.keyboard.type("还没保存的内容")
    dialogs = []

    def answer(dialog):
        dialogs.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", answer)
    page.locator(".breadcrumb").get_by_role("link", name="自评表").click()
    page.wait_for_timeout(500)
    assert dialogs == ["beforeunload"]
    expect(page.get_by_label("预期目标")).to_have_value(re.compile("还没保存的内容$"))


def test_an_expired_session_keeps_the_typed_text_and_brings_it_back(page, server, draft, artifacts):
    log_in_to_dashboard(page, server, "tianbao")
    page.goto(step(server, draft, "goal"))
    page.context.clear_cookies()  # the session ends while she types
    page.get_by_label("预期目标").fill("会话过期前输入的目标")
    state = page.locator("#autosave-state")
    expect(state).to_contain_text("登录已过期", timeout=10_000)
    page.screenshot(path=artifacts / "typed-session-expired.png", full_page=True)
    state.get_by_role("link", name="重新登录").click()
    page.get_by_label("用户名").fill("tianbao")
    page.get_by_label("密码").fill("demo2022")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="第 3 步 · 年度总体目标")).to_be_visible()
    expect(page.get_by_label("预期目标")).to_have_value("会话过期前输入的目标")
    expect(page.locator("#restored-notice")).to_contain_text("已恢复")
    expect(state).to_contain_text("已自动保存", timeout=10_000)
    draft.refresh_from_db()
    assert draft.goal == "会话过期前输入的目标"
