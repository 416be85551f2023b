"""公开 in the browser: the department publishes its year, and anyone reads the tables on
/gongkai/ without signing in, in markup a screen reader can follow."""

import re
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from playwright.sync_api import expect

from assessments.models import Membership, Organisation, ReportingYear
from assessments.services import publication as publishing
from tests.e2e.pages import log_in_to_dashboard

pytestmark = pytest.mark.django_db(transaction=True)

DEPARTMENT = "闵行区人力资源和社会保障局"

# What an accessibility check asks of each page: a language, no image without alt text, no
# scripts, and every table with a caption, every header with a scope and every data cell
# naming the header cells it belongs to.
ACCESSIBILITY_PROBLEMS = """() => {
  const problems = [];
  if (!document.documentElement.lang) problems.push("html without lang");
  document.querySelectorAll("img:not([alt])").forEach(() => problems.push("img without alt"));
  if (document.querySelector("script")) problems.push("a script");
  for (const table of document.querySelectorAll("table")) {
    if (!table.querySelector("caption")) problems.push("table without caption");
    for (const th of table.querySelectorAll("th")) {
      if (!th.getAttribute("scope")) problems.push("th without scope: " + th.textContent);
    }
    for (const td of table.querySelectorAll("td")) {
      const ids = (td.getAttribute("headers") || "").split(/\\s+/).filter(Boolean);
      if (!ids.length) problems.push("td without headers: " + td.textContent.slice(0, 20));
      for (const id of ids) {
        const header = document.getElementById(id);
        if (!header || header.tagName !== "TH") problems.push("headers names no th: " + id);
      }
    }
  }
  return problems;
}"""


@pytest.fixture
def published_demo(live_server):
    call_command("load_demo", stdout=StringIO())
    department = Organisation.objects.get(name=DEPARTMENT)
    year = ReportingYear.objects.get(year=2022)
    juzhang = get_user_model().objects.get(username="juzhang")
    head = get_user_model().objects.create_user(username="fuzhang", password="demo2022")
    Membership.objects.create(user=head, organisation=department, role="reviewer")
    publication = publishing.create_publication(department.pk, year.pk, by=juzhang)
    publishing.submit(publication.pk, by=juzhang)
    publishing.approve(publication.pk, by=head)
    publishing.publish(publication.pk, by=juzhang)
    return live_server


def test_anyone_reads_the_published_tables_in_accessible_markup(page, published_demo, artifacts):
    page.goto(f"{published_demo.url}/gongkai/")
    expect(page.get_by_role("heading", name="绩效信息公开")).to_be_visible()
    assert page.evaluate(ACCESSIBILITY_PROBLEMS) == []
    page.screenshot(path=artifacts / "public-0-index.png", full_page=True)

    page.get_by_role("link", name="第 1 版").click()
    expect(page.get_by_role("heading", name=DEPARTMENT)).to_be_visible()
    expect(page.get_by_role("table", name="公开的自评表（共 11 张）")).to_be_visible()
    assert page.evaluate(ACCESSIBILITY_PROBLEMS) == []
    expect(page.get_by_role("link", name="核验签发").first).to_have_attribute(
        "href", re.compile(r"/verify/[0-9a-f]{64}/$")
    )

    page.get_by_role("link", name=re.compile(r"^查看表格\s*：宣传费$")).click()
    expect(page.get_by_role("heading", name="财政项目支出绩效自评表")).to_be_visible()
    assert page.evaluate("document.documentElement.lang") == "zh-CN"
    assert page.evaluate(ACCESSIBILITY_PROBLEMS) == []
    indicators = page.get_by_role("table", name="绩效指标")
    expect(indicators.get_by_role("columnheader", name="三级指标")).to_be_visible()
    expect(indicators.get_by_role("rowheader").first).to_be_visible()
    expect(page.get_by_role("table", name="项目基本情况")).to_contain_text("宣传费")
    page.screenshot(path=artifacts / "public-1-table.png", full_page=True)


def test_the_department_sees_its_publication_and_the_deadline(page, published_demo, artifacts):
    log_in_to_dashboard(page, published_demo, "juzhang")
    page.get_by_role("link", name="公开", exact=True).click()
    expect(page.get_by_role("heading", name="绩效信息公开")).to_be_visible()
    accounts = page.locator("#final-accounts-form")
    accounts.get_by_label("主管部门").select_option(label=DEPARTMENT)
    accounts.get_by_label("年度").select_option(label="2022")
    accounts.get_by_label("决算批复日期").fill("2023-07-10")
    page.get_by_role("button", name="登记决算批复日期").click()
    expect(page.locator("#publication-deadlines")).to_contain_text("2023-07-30")
    page.get_by_role("link", name=DEPARTMENT).click()
    expect(page.locator("#publication-status")).to_contain_text("已公开")
    expect(page.locator("#publication-items tbody tr")).to_have_count(11)
    page.screenshot(path=artifacts / "public-2-department.png", full_page=True)
