import io
import re
from decimal import ROUND_HALF_UP, Decimal

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.models import Assessment, Organisation
from assessments.reporting.summary import Scope, build_summary

from .factories import AssessmentFactory, UnitFactory, UserFactory, YearFactory, login, member, user

SUMMARY = reverse("assessments:summary")
SUMMARY_XLSX = reverse("assessments:summary_xlsx")
DEPARTMENT = "闵行区人力资源和社会保障局"
UNIT = "上海市闵行区社会保障服务中心"


def scope_of(name, year=2022):
    organisation = Organisation.objects.get(name=name)
    return Scope(organisation.pk, organisation.name, organisation.kind, year)


def figure(text, element_id):
    return re.search(rf'id="{element_id}">([^<]*)<', text).group(1)


def test_money_weighted_figures_of_the_demo_tables_equal_the_hand_computation(demo):
    report = build_summary(user("juzhang"), scope_of(DEPARTMENT))
    figures = report.figures

    # 全年预算数 of the eleven seed tables (年度资金总额 row), in the order of the seed, in 元:
    budget = (
        Decimal("14900.00")  # 工伤认定和劳动能力鉴定业务系统(2022运维)
        + Decimal("21607511.00")  # 城乡居民社会养老保险财政补助资金
        + Decimal("40000.00")  # 外省市差旅费
        + Decimal("110000.00")  # 邮寄费
        + Decimal("58000.00")  # 宣传费
        + Decimal("450000.00")  # 征地养老慰问经费
        + Decimal("10000.00")  # 外区属地化管理人员服务费
        + Decimal("1058948800.00")  # 征地养老费支出
        + Decimal("1979409.00")  # 政府购买辅助服务
        + Decimal("32000.00")  # 征地养老管理信息系统(2022 运维)
        # 鉴定、认定费 is headed 万元 as published (a slip: the figures are in 元), so its
        # 342000 counts as 342000 万元.
        + Decimal("3420000000.00")
    )
    assert budget == Decimal("4503250620.00")
    executed = (
        Decimal("14900.00")
        + Decimal("21607511.00")
        + Decimal("13494.00")
        + Decimal("90613.00")
        + Decimal("54800.00")
        + Decimal("449725.30")
        + Decimal("10000.00")
        + Decimal("1007060239.00")
        + Decimal("1979409.00")
        + Decimal("32000.00")
        + Decimal("2811102500.00")  # 281110.25 万元
    )
    assert executed == Decimal("3842415191.30")
    assert figures.budget_total == budget and figures.executed_total == executed
    # 3842415191.30 ÷ 4503250620.00 = 0.853253…, so 85.33%.
    assert figures.execution_rate == Decimal("85.33")

    # 总分 of the eleven tables, same order: five at 100, six below.
    scores = [
        Decimal("100.00"),
        Decimal("100.00"),
        Decimal("93.37"),
        Decimal("95.24"),
        Decimal("99.45"),
        Decimal("93.99"),
        Decimal("100.00"),
        Decimal("99.51"),
        Decimal("100.00"),
        Decimal("100.00"),
        Decimal("98.22"),
    ]
    assert sum(scores) == Decimal("1079.78")
    # 1079.78 ÷ 11 = 98.1618…, so 98.16.
    assert figures.average_score == Decimal("98.16")

    # Σ 总分 × 全年预算数, table by table:
    weighted = (
        Decimal("1490000.0000")  # 100.00 × 14900
        + Decimal("2160751100.0000")  # 100.00 × 21607511
        + Decimal("3734800.0000")  # 93.37 × 40000
        + Decimal("10476400.0000")  # 95.24 × 110000
        + Decimal("5768100.0000")  # 99.45 × 58000
        + Decimal("42295500.0000")  # 93.99 × 450000
        + Decimal("1000000.0000")  # 100.00 × 10000
        + Decimal("105375995088.0000")  # 99.51 × 1058948800
        + Decimal("197940900.0000")  # 100.00 × 1979409
        + Decimal("3200000.0000")  # 100.00 × 32000
        + Decimal("335912400000.0000")  # 98.22 × 3420000000
    )
    assert weighted == Decimal("443715051888.0000")
    # 443715051888 ÷ 4503250620 = 98.5321…, so 98.53: 鉴定、认定费 (98.22) now weighs most.
    assert figures.weighted_average_score == Decimal("98.53")


def test_amounts_kept_in_wan_yuan_count_in_yuan_in_the_summary_and_the_export(client, db):
    year = YearFactory(year=2024)
    unit = UnitFactory(name="测试单位")
    AssessmentFactory(
        project__name="元表",
        project__unit=unit,
        year=year,
        total_full_year_budget=Decimal("50000.00"),
        total_executed=Decimal("40000.00"),
    )
    AssessmentFactory(
        project__name="万元表",
        project__unit=unit,
        year=year,
        money_unit=Assessment.MoneyUnit.WAN_YUAN,
        total_full_year_budget=Decimal("12.50"),
        total_executed=Decimal("12.34"),
    )
    reviewer = UserFactory()
    member(reviewer, unit, "reviewer")
    report = build_summary(reviewer, Scope(unit.pk, unit.name, unit.kind, 2024))
    assert report.figures.budget_total == Decimal("175000.00")  # 50000 + 12.50 × 10000
    assert report.figures.executed_total == Decimal("163400.00")  # 40000 + 12.34 × 10000
    # 163400 ÷ 175000 = 0.933714…, so 93.37%.
    assert report.figures.execution_rate == Decimal("93.37")
    rows = {row.project: (row.budget, row.executed) for row in report.rows}
    assert rows["万元表"] == (Decimal("125000.00"), Decimal("123400.00"))
    assert rows["元表"] == (Decimal("50000.00"), Decimal("40000.00"))

    client.force_login(reviewer)
    response = client.get(reverse("assessments:export_csv"), {"year": 2024})
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    line = next(line for line in text.splitlines() if line.startswith("2024,万元表"))
    assert ",125000.00,123400.00," in line


def test_summary_counts_states_grades_shortfalls_and_findings(demo):
    report = build_summary(user("juzhang"), scope_of(DEPARTMENT))
    assert report.figures.count == 11
    assert dict((value, count) for value, _, count in report.status_counts) == {
        "draft": 0,
        "submitted": 0,
        "returned": 0,
        "signed_off": 11,
    }
    assert report.grade_counts == [("优", 11), ("良", 0), ("中", 0), ("差", 0)]
    assert [(s.project, s.name, s.weight, s.score) for s in report.shortfalls] == [
        ("征地养老慰问经费", "征地养老人员福利提升情况", Decimal("10.00"), Decimal("6.00")),
        ("征地养老慰问经费", "慰问对象满意度", Decimal("10.00"), Decimal("8.00")),
        ("邮寄费", "送达文书数量", Decimal("15.00"), Decimal("12.00")),
    ]
    assert report.shortfalls[2].reason == "由于疫情，申请工伤鉴定案件数量减少"
    assert len(report.with_findings) == 7 == report.warning_tables
    assert report.error_tables == 0
    assert [line.unit for line in report.units] == [UNIT]


def test_unit_summary_covers_only_that_unit(demo):
    other = UnitFactory(name="另一个服务中心", parent=Organisation.objects.get(name=DEPARTMENT))
    AssessmentFactory(project__unit=other, project__name="另一个项目")
    department = build_summary(user("juzhang"), scope_of(DEPARTMENT))
    unit = build_summary(user("juzhang"), scope_of(UNIT))
    assert department.figures.count == 12 and unit.figures.count == 11
    assert [line.unit for line in department.units] == [UNIT, "另一个服务中心"]
    assert unit.units == []


def test_tables_without_budget_stay_out_of_the_weighted_rate(demo):
    unit = Organisation.objects.get(name=UNIT)
    AssessmentFactory(project__unit=unit, total_full_year_budget=None, total_executed=None)
    figures = build_summary(user("juzhang"), scope_of(DEPARTMENT)).figures
    assert figures.count == 12 and figures.rated_count == 11 and figures.unrated_count == 1
    assert figures.execution_rate == Decimal("85.33")


def test_summary_page_shows_the_figures_the_rule_and_the_charts(client, demo):
    response = login(client, "juzhang").get(SUMMARY)
    text = response.content.decode()
    assert response.status_code == 200
    assert f"{DEPARTMENT} 2022 年度绩效自评汇总" in text
    assert figure(text, "weighted-rate") == "85.33%"
    assert figure(text, "average-score") == "98.16"
    assert figure(text, "weighted-score") == "98.53"
    assert "Σ全年执行数 ÷ Σ全年预算数" in text and "Σ（总分 × 全年预算数）÷ Σ全年预算数" in text
    assert text.count("<svg") == 3
    assert "由于疫情，申请工伤鉴定案件数量减少" in text
    assert "1,058,948,800.00" in text


def test_summary_offers_only_organisations_the_user_may_see(client, demo):
    other_department = UnitFactory().parent
    text = login(client, "tianbao").get(SUMMARY).content.decode()
    assert f"{UNIT}</option>" in text and "（全部单位）" not in text
    assert f"{UNIT} 2022 年度绩效自评汇总" in text
    text = login(client, "juzhang").get(SUMMARY).content.decode()
    assert f"{DEPARTMENT}（全部单位）" in text and other_department.name not in text


def test_summary_of_an_organisation_out_of_reach_is_refused(client, demo):
    other = UnitFactory()
    AssessmentFactory(project__unit=other)
    login(client, "tianbao")
    department = Organisation.objects.get(name=DEPARTMENT)
    for organisation in (department, other):
        response = client.get(SUMMARY, {"organisation": organisation.pk, "year": 2022})
        text = response.content.decode()
        assert response.status_code == 200
        assert "选择一个有效的选项" in text and 'id="summary-report"' not in text
        response = client.get(SUMMARY_XLSX, {"organisation": organisation.pk, "year": 2022})
        assert response.status_code == 302


def test_user_without_organisation_is_told_so(client, demo):
    client.force_login(UserFactory(username="nobody"))
    text = client.get(SUMMARY).content.decode()
    assert "还没有可汇总的自评表" in text


def test_organisation_without_tables_is_told_so(client, db):
    client.force_login(member(UserFactory(username="newcomer"), UnitFactory(), "preparer"))
    text = client.get(SUMMARY).content.decode()
    assert "还没有可汇总的自评表" in text and 'id="summary-report"' not in text


def test_summary_query_count_does_not_grow_with_tables(client, demo):
    login(client, "juzhang")
    url = f"{SUMMARY}?organisation={Organisation.objects.get(name=DEPARTMENT).pk}&year=2022"

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    few = count()
    unit = Organisation.objects.get(name=UNIT)
    second = UnitFactory(parent=unit.parent)
    for index in range(12):
        AssessmentFactory(
            project__unit=unit if index % 2 else second,
            indicators=[
                ("产出指标", "数量指标", "完成数量", "=100件", "=60件", "50", "30"),
                ("效益指标", "社会效益指标", "覆盖率", ">=95%", "=98%", "30", "30"),
                ("满意度指标", "服务对象满意度指标", "满意度", ">=90%", "=80%", "10", "8"),
            ],
        )
    # Session and user; organisations and years for the form; memberships; totals; totals
    # per unit; project rows; indicators below weight; the coverage of the year (tables,
    # target tables, last year's tables, exemptions, projects); the unread notices in the
    # menu. (The session was refreshed at sign-in: not again within the minute.)
    assert count() == few == 15


def test_summary_xlsx_holds_the_figures_and_every_list(client, demo):
    department = Organisation.objects.get(name=DEPARTMENT)
    response = login(client, "juzhang").get(
        SUMMARY_XLSX, {"organisation": department.pk, "year": 2022}
    )
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book.sheetnames == [
        "汇总",
        "按实施单位",
        "各项目",
        "低于分值的指标",
        "有检查发现的自评表",
    ]
    figures = {row[0]: row[1] for row in book["汇总"].iter_rows(values_only=True) if row}
    assert figures["自评表张数"] == 11
    assert Decimal(str(figures["金额加权执行率"])) == Decimal("0.8533")
    assert Decimal(str(figures["金额加权平均总分"])) == Decimal("98.53")
    assert Decimal(str(figures["简单平均总分"])) == Decimal("98.16")
    assert figures["全年预算数合计（元）"] == 4503250620
    assert book["各项目"].max_row == 12
    assert book["低于分值的指标"].max_row == 4
    assert book["有检查发现的自评表"].max_row == 8


def test_summary_needs_login(client, demo):
    assert client.get(SUMMARY).status_code == 302
    assert client.get(SUMMARY_XLSX).status_code == 302


def test_summary_with_bad_input_changes_nothing_and_explains(client, demo):
    login(client, "juzhang")
    response = client.get(SUMMARY, {"organisation": "abc", "year": "x"})
    assert response.status_code == 200
    assert "选择一个有效的选项" in response.content.decode()
    response = client.get(SUMMARY_XLSX, {"year": "x"}, follow=True)
    assert "请选择可汇总的单位和年度后再导出。" in response.content.decode()


# ---------------------------------------------------------------------------
# A project over the years


@pytest.fixture
def two_years(demo):
    travel = Assessment.objects.get(project__name="外省市差旅费")
    later = AssessmentFactory(
        project=travel.project,
        year=YearFactory(year=2023),
        total_full_year_budget=Decimal("50000"),
        total_executed=Decimal("45000"),
        indicators=[
            ("产出指标", "数量指标", "出差人次", ">=20人次", "=25人次", "50", "50"),
            ("效益指标", "社会效益指标", "覆盖率", ">=95%", "=98%", "30", "30"),
            ("满意度指标", "服务对象满意度指标", "满意度", ">=90%", "=95%", "10", "10"),
        ],
    )
    return travel, later


def test_project_years_sets_the_years_side_by_side(client, two_years):
    travel, later = two_years
    url = reverse("assessments:project_years", args=[travel.project_id])
    text = login(client, "juzhang").get(url).content.decode()
    assert "2022 年度" in text and "2023 年度" in text
    assert text.index("2022 年度") < text.index("2023 年度")
    assert "40,000.00" in text and "50,000.00" in text and "+10,000.00" in text
    assert "33.74%" in text and "90.00%" in text
    assert later.total_score == Decimal("99.00") and "93.37" in text and "99.00" in text
    assert "出差人次" in text


def test_project_years_is_404_for_those_who_cannot_see_the_project(client, two_years, outsider):
    travel, _ = two_years
    client.force_login(outsider)
    url = reverse("assessments:project_years", args=[travel.project_id])
    assert client.get(url).status_code == 404
    assert login(client, "tianbao").get(url).status_code == 200


def test_detail_links_to_the_years_of_its_project(client, two_years):
    travel, _ = two_years
    text = login(client, "tianbao").get(reverse("assessments:detail", args=[travel.pk]))
    assert reverse("assessments:project_years", args=[travel.project_id]) in text.content.decode()


def test_a_table_holding_most_of_the_money_is_named_in_the_summary(client, demo):
    report = build_summary(user("juzhang"), scope_of(DEPARTMENT))
    total = sum((row.budget for row in report.rows if row.budget), Decimal(0))
    # 鉴定、认定费 is kept in 万元 with amounts in 元: 342000 万元 = 3,420,000,000 元
    share = (Decimal("3420000000") * 100 / total).quantize(Decimal(1), ROUND_HALF_UP)
    assert [(row.project, value) for row, value in report.dominant] == [("鉴定、认定费", share)]
    text = login(client, "juzhang").get(SUMMARY).content.decode()
    assert "金额远超其他自评表的项目" in text and f"占合计的 {share}%" in text


def test_after_the_unit_is_corrected_the_largest_real_project_is_named_instead(demo):
    Assessment.objects.filter(project__name="鉴定、认定费").update(money_unit="元")
    report = build_summary(user("juzhang"), scope_of(DEPARTMENT))
    assert [row.project for row, _ in report.dominant] == ["征地养老费支出"]


def test_a_summary_of_two_tables_names_none(db):
    year = YearFactory(year=2024)
    unit = UnitFactory(name="小单位")
    for budget in ("900", "100"):
        AssessmentFactory(project__unit=unit, year=year, total_full_year_budget=Decimal(budget))
    reviewer = member(UserFactory(), unit, "reviewer")
    report = build_summary(reviewer, Scope(unit.pk, unit.name, unit.kind, 2024))
    assert report.figures.count == 2 and report.dominant == []
