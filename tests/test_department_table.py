"""部门整体支出绩效自评表: the department's own table, its starting rows, the figures offered
from its projects' signed tables, its scores and grade, who may open it, and the book's order."""

from decimal import Decimal

import pytest
from django.urls import reverse

from assessments import rules
from assessments.models import Assessment, Organisation
from assessments.rules import department as department_rules
from assessments.services import AssessmentError, department, drafts
from assessments.services.books import book_assessments

from .factories import (
    AssessmentFactory,
    DepartmentFactory,
    ProjectFactory,
    UnitFactory,
    UserFactory,
    YearFactory,
    member,
)

SIGNED = Assessment.Status.SIGNED_OFF


@pytest.fixture
def world(db):
    bureau = Organisation.objects.create(name="某区财政局", kind=Organisation.Kind.BUREAU)
    dept = DepartmentFactory(name="某区人社局", parent=bureau)
    unit = UnitFactory(name="就业促进中心", parent=dept)
    year = YearFactory(year=2022, is_open=True)
    signed = [
        AssessmentFactory(
            project=ProjectFactory(unit=unit, name=name),
            year=year,
            status=SIGNED,
            total_initial_budget=Decimal(budget),
            total_full_year_budget=Decimal(budget),
            total_executed=Decimal(executed),
            current_initial_budget=Decimal(budget),
            current_full_year_budget=Decimal(budget),
            current_executed=Decimal(executed),
        )
        for name, budget, executed in (
            ("职业培训", "600000", "540000"),
            ("创业补贴", "400000", "400000"),
        )
    ]
    draft = AssessmentFactory(project=ProjectFactory(unit=unit, name="见习基地"), year=year)
    preparer = member(UserFactory(username="dept-preparer"), dept, "preparer")
    people = {
        "preparer": preparer,
        "reviewer": member(UserFactory(username="dept-reviewer"), dept, "reviewer"),
        "unit_preparer": member(UserFactory(username="unit-preparer"), unit, "preparer"),
        "bureau_reviewer": member(UserFactory(username="bureau-reviewer"), bureau, "reviewer"),
    }
    table = drafts.create_assessment(unit=dept, year=year, kind="department", by=preparer)
    return {"dept": dept, "year": year, "signed": signed, "draft": draft, "table": table, **people}


def fresh(table):
    return Assessment.objects.with_tree().get(pk=table.pk)


def test_a_new_table_starts_with_the_common_management_indicators(world):
    table = fresh(world["table"])
    names = [row.name for row in table.indicators.all()]
    assert names[:3] == ["财政供养人员控制率", "三公经费控制率", "预算完成率"]
    assert len(names) == 12 and "固定资产利用率" in names
    assert sum(row.weight for row in table.indicators.all()) == Decimal("30")
    # The department's indicator system: no taxonomy finding on its own rows.
    assert not [f for f in table.evaluate().findings if f.code == "TAXONOMY"]
    assert table.table_kind.fund_labels["carryover"] == "项目支出"


def test_the_offer_sums_the_signed_project_tables_and_names_the_draft(world):
    offer = department.offer(fresh(world["table"]))
    sums = offer.sums
    assert (sums.count, sums.full_year_budget, sums.executed) == (
        2,
        Decimal("1000000.00"),
        Decimal("940000.00"),
    )
    assert sums.execution_rate == Decimal("94.00")
    assert sums.left_out == (("见习基地", "草稿"),)
    grades = {grade: (count, share) for grade, count, share in sums.grades}
    assert grades["优"] == (2, Decimal("100.00")) and grades["差"] == (0, Decimal("0"))


def codes(table):
    return {f.code: f for f in fresh(table).evaluate().findings if f.code.startswith("DEPT_")}


def test_an_offer_not_taken_is_a_warning(world):
    (finding,) = codes(world["table"]).values()
    assert (finding.code, finding.severity) == (department_rules.OFFER_NOT_TAKEN, rules.WARNING)


def test_taking_the_offer_fills_project_spending_and_keeps_the_sums(world):
    table = fresh(department.take_offer(world["table"].pk, by=world["preparer"]))
    assert table.fund("carryover").full_year_budget == Decimal("1000000.00")
    assert table.fund("carryover").initial_budget == Decimal("1000000.00")
    assert table.fund("total").executed == Decimal("940000.00")
    assert table.cells["projects_count"] == "2"
    assert table.cells["projects_rate"] == "94.00"
    assert table.cells["projects_grades"].startswith("优 2 张（100.00%）、良 0 张（0.00%）")
    assert codes(table) == {}
    assert not department.offer(table).stale


def test_an_override_without_a_reason_blocks_and_with_one_shows_the_difference(world):
    table = department.take_offer(world["table"].pk, by=world["preparer"])
    table = drafts.save_draft(
        table.pk,
        by=world["preparer"],
        base_version=table.version,
        step="funds",
        fields={"carryover_full_year_budget": Decimal("1100000")},
    )
    (finding,) = codes(table).values()
    assert (finding.code, finding.severity) == (department_rules.OFFER_REASON_MISSING, rules.ERROR)
    assert finding.where == "funds.carryover.full_year_budget"
    assert "1,100,000.00 元与 2 张签发的项目自评表合计 1,000,000.00 元相差 100,000.00 元" in (
        finding.message
    )
    department.take_offer(
        table.pk, by=world["preparer"], fill=False, reason="含年中追加的区级配套资金"
    )
    table = fresh(table)
    assert table.fund("carryover").full_year_budget == Decimal("1100000.00")
    (finding,) = codes(table).values()
    assert (finding.code, finding.severity) == (department_rules.OFFER_DIFFERS, rules.WARNING)
    assert finding.message.endswith("差异说明：含年中追加的区级配套资金")


def test_a_project_signed_later_makes_the_kept_offer_stale(world):
    table = department.take_offer(world["table"].pk, by=world["preparer"])
    Assessment.objects.filter(pk=world["draft"].pk).update(status=SIGNED)
    offer = department.offer(fresh(table))
    assert offer.stale and offer.sums.count == 3 and offer.sums.left_out == ()


def test_scores_and_grade_follow_the_same_rules(world):
    table = fresh(world["table"])
    data = table.rules_input()
    funds = dict(data.funds)
    funds["total"] = rules.FundsLine(Decimal("100"), Decimal("100"), Decimal("95"))
    rows = [
        rules.IndicatorInput(**{**row.__dict__, "actual": row.target, "score": row.weight})
        for row in data.indicators
    ]
    evaluation = table.table_kind.evaluate(
        rules.AssessmentInput(**{**data.__dict__, "funds": funds, "indicators": rows})
    )
    assert evaluation.indicator_score == Decimal("30.00")
    assert evaluation.budget_score == Decimal("9.50")
    assert evaluation.total_score == Decimal("39.50")
    assert evaluation.grade == "差"


def test_who_may_open_it(client, world):
    url = world["table"].get_absolute_url()
    for who, status in (
        ("preparer", 200),
        ("reviewer", 200),
        ("bureau_reviewer", 200),
        ("unit_preparer", 404),
    ):
        client.force_login(world[who])
        assert client.get(url).status_code == status, who
    client.force_login(world["unit_preparer"])
    page = client.get(reverse("assessments:start")).content.decode()
    assert "某区人社局" not in page


def test_the_book_binds_the_departments_table_after_the_cover_before_the_projects(world):
    for row in [world["table"], world["draft"]]:
        Assessment.objects.filter(pk=row.pk).update(status=SIGNED)
    tables = list(book_assessments(world["dept"], world["year"], user=world["reviewer"]))
    assert tables[0].pk == world["table"].pk
    assert {t.pk for t in tables[1:]} == {t.pk for t in [*world["signed"], world["draft"]]}


def test_the_print_page_has_the_departments_layout(client, world):
    client.force_login(world["preparer"])
    page = client.get(reverse("assessments:print", args=[world["table"].pk])).content.decode()
    assert "部门整体支出绩效自评表" in page and "部门资金" in page and "项目支出" in page
    assert "基本支出" in page and "部门名称" in page and "实施单位" not in page
    assert "预算完成率＝预算完成数 ÷ 预算数 × 100%" in page


def test_the_workbook_and_the_fillable_workbook_round_trip(client, world):
    import io

    import openpyxl

    from .uploads.helpers import address, download, preview_page, saved, upload

    table = department.take_offer(world["table"].pk, by=world["preparer"])
    client.force_login(world["preparer"])
    response = client.get(reverse("assessments:xlsx", args=[table.pk]))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = [cell for row in sheet.iter_rows(values_only=True) for cell in row if cell]
    assert "部门整体支出绩效自评表" in values and "项目支出" in values and "年初设定目标" in values
    book = download(client, table)
    sheet = book[book.sheetnames[0]]
    assert sheet["A1"].value == "部门整体支出绩效自评表（填报用）"
    sheet[address(book, "funds.current.executed")] = "87,350,000"
    sheet[address(book, "outcome")] = "线下填写的完成情况"
    location, page = preview_page(client, upload(client, table, saved(book)))
    assert "线下填写的完成情况" in page
    client.post(location, {"confirm": "1"})
    table = fresh(table)
    assert table.outcome == "线下填写的完成情况"
    assert table.fund("current").executed == Decimal("87350000.00")
    # The kept offer is untouched by the workbook.
    assert table.cells["projects_count"] == "2"


def test_the_list_has_a_tab_of_department_tables(client, world):
    url = reverse("assessments:list")
    client.force_login(world["reviewer"])
    own = client.get(url, {"kind": "department"}).content.decode()
    assert "某区人社局（部门整体）" in own and "职业培训" not in own
    projects = client.get(url).content.decode()
    assert "职业培训" in projects and "某区人社局（部门整体）" not in projects
    assert "部门整体自评表" in projects  # the tab
    client.force_login(world["unit_preparer"])
    assert "部门整体）" not in client.get(url, {"kind": "department"}).content.decode()


def test_next_year_starts_from_a_copy_of_this_years_table(world):
    table = fresh(world["table"])
    later = drafts.copy_assessment(table, year=YearFactory(year=2023), by=world["preparer"])
    later = fresh(later)
    assert (later.organisation, later.project, later.year.year) == (world["dept"], None, 2023)
    assert [r.name for r in later.indicators.all()] == [r.name for r in table.indicators.all()]
    with pytest.raises(AssessmentError, match="已有 2023 年度的部门整体自评表"):
        drafts.copy_assessment(table, year=later.year, by=world["preparer"])
