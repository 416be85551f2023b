"""A kind declared only here that belongs to a department, not to a project: one table per
department and year, filled by the department's own staff, signed by its reviewer, read by
the bureau above it and never seen by its units. Every generic layer takes it: the wizard,
the print page, the PDF, the official workbook, the fillable workbook's round trip, the
interchange's round trip, submission, sign-off and the signature's check.
"""

import io

import openpyxl
import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from assessments import interchange, kinds, rules
from assessments.kinds.base import DEPARTMENT, Cell, TableKind
from assessments.models import Assessment, Organisation
from assessments.paper import printable
from assessments.services import AssessmentError, drafts, importing, workflow
from assessments.trust import signing

from .factories import DepartmentFactory, UnitFactory, UserFactory, YearFactory, member
from .pdftools import pdf_text
from .uploads.helpers import address, download, preview_page, saved, upload


def ledger_checks(data, rule_set, results, weight_total, level1_weights):
    if data.cells.get("note"):
        return []
    return [rules.Finding("LEDGER_NOTE", rules.ERROR, "请填写情况说明。", "cells.note.value")]


class LedgerTable(TableKind):
    name = "ledger"
    label = "部门试点统计表"
    short_label = "部门统计表"
    title = "部门整体试点统计表"
    file_words = "部门统计表"
    verify_noun = "部门统计表"
    belongs_to = DEPARTMENT
    steps = (("figures", "统计数据"),)
    cells = (
        Cell("staff", "在编人数", "amount", "figures"),
        Cell("note", "情况说明", "text", "figures", max_length=500),
    )
    reported = False
    has_actuals = False

    def evaluate(self, data):
        return rules.evaluate(data, ledger_checks, graded=False)


@pytest.fixture
def ledger_kind():
    kinds.register(LedgerTable)
    yield kinds.get("ledger")
    kinds.unregister("ledger")


@pytest.fixture
def people(db, ledger_kind):
    bureau = Organisation.objects.create(name="某区财政局", kind=Organisation.Kind.BUREAU)
    department = DepartmentFactory(name="某区民政局", parent=bureau)
    unit = UnitFactory(name="社区服务中心", parent=department)
    return {
        "bureau": bureau,
        "department": department,
        "unit": unit,
        "preparer": member(UserFactory(username="dept-preparer"), department, "preparer"),
        "reviewer": member(UserFactory(username="dept-reviewer"), department, "reviewer"),
        "unit_preparer": member(UserFactory(username="unit-preparer"), unit, "preparer"),
        "unit_reviewer": member(UserFactory(username="unit-reviewer"), unit, "reviewer"),
        "bureau_reviewer": member(UserFactory(username="bureau-reviewer"), bureau, "reviewer"),
    }


@pytest.fixture
def table(people):
    return drafts.create_assessment(
        unit=people["department"],
        year=YearFactory(year=2024, is_open=True),
        kind="ledger",
        by=people["preparer"],
    )


def fresh(table):
    return Assessment.objects.with_tree().get(pk=table.pk)


def step_url(table):
    return reverse("assessments:wizard_step", args=[table.pk, "figures"])


def fill(client, table, **values):
    posted = {f"cells.{key}.value": values.get(key, "") for key in ("staff", "note")}
    return client.post(step_url(table), {"version": fresh(table).version, **posted})


def test_the_table_belongs_to_the_department_and_names_it(table, people):
    table = fresh(table)
    assert (table.project, table.organisation) == (None, people["department"])
    assert table.unit == table.department == people["department"]
    assert table.subject == "某区民政局（部门整体）"
    assert str(table) == "2024 某区民政局（部门整体）"
    assert table.owner_lines == [("部门名称", "某区民政局")]
    assert printable.table_filename(table) == "2024-某区民政局-部门统计表.pdf"


def test_one_table_per_department_year_and_kind(table, people):
    with pytest.raises(AssessmentError, match="已有 2024 年度的部门统计表"):
        drafts.create_assessment(
            unit=people["department"], year=table.year, kind="ledger", by=people["preparer"]
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Assessment.objects.create(
            organisation=people["department"], year=table.year, kind="ledger", department_name="x"
        )


def test_a_table_has_exactly_one_owner(table, people):
    with pytest.raises(IntegrityError), transaction.atomic():
        Assessment.objects.create(year=table.year, kind="ledger", department_name="x")


def test_a_unit_cannot_start_a_department_table(people):
    member(people["unit_preparer"], people["department"], "reviewer")
    with pytest.raises(AssessmentError, match="只有本单位的填报人"):
        drafts.create_assessment(
            unit=people["department"],
            year=YearFactory(year=2024),
            kind="ledger",
            by=people["unit_preparer"],
        )
    with pytest.raises(AssessmentError, match="由主管部门本部门填报"):
        drafts.create_assessment(
            unit=people["unit"],
            year=YearFactory(year=2025),
            kind="ledger",
            by=people["unit_preparer"],
        )


def test_the_start_form_creates_the_departments_table(client, people):
    year = YearFactory(year=2024, is_open=True)
    client.force_login(people["preparer"])
    response = client.post(
        reverse("assessments:start"),
        {"kind": "ledger", "unit": people["department"].pk, "year": year.pk},
    )
    table = Assessment.objects.get(organisation=people["department"], kind="ledger")
    assert response["Location"] == step_url(table)


def test_who_sees_it_the_department_and_its_bureau_not_its_units(client, people, table):
    url = fresh(table).get_absolute_url()
    for who, status in (
        ("preparer", 200),
        ("reviewer", 200),
        ("bureau_reviewer", 200),
        ("unit_preparer", 404),
        ("unit_reviewer", 404),
    ):
        client.force_login(people[who])
        assert client.get(url).status_code == status, who
        visible = Assessment.objects.visible_to(people[who])
        assert visible.filter(pk=table.pk).exists() == (status == 200), who
    client.force_login(people["preparer"])
    page = client.get(url).content.decode()
    assert "某区民政局（部门整体）" in page and "历年对比" not in page


def test_the_wizard_saves_the_cells(client, people, table):
    client.force_login(people["preparer"])
    page = client.get(step_url(table)).content.decode()
    assert "第 1 步 · 统计数据" in page and "某区民政局（部门整体）" in page
    assert fill(client, table, staff="４２", note="运行平稳").status_code == 302
    assert fresh(table).cells == {"staff": "42", "note": "运行平稳"}
    client.force_login(people["unit_preparer"])
    assert fill(client, table, staff="1").status_code == 404


def test_the_print_page_the_workbook_and_the_fillable_workbook(client, people, table):
    client.force_login(people["preparer"])
    fill(client, table, staff="42", note="运行平稳")
    page = client.get(reverse("assessments:print", args=[table.pk])).content.decode()
    assert "部门整体试点统计表" in page and "部门名称" in page and "实施单位" not in page
    response = client.get(reverse("assessments:xlsx", args=[table.pk]))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = [cell for row in sheet.iter_rows(values_only=True) for cell in row if cell]
    assert "部门名称" in values and "某区民政局" in values and "运行平稳" in values
    book = download(client, table)
    sheet = book[book.sheetnames[0]]
    sheet[address(book, "cells.note.value")] = "线下填写"
    location, page = preview_page(client, upload(client, table, saved(book)))
    assert "线下填写" in page
    client.post(location, {"confirm": "1"})
    assert fresh(table).cells == {"staff": "42", "note": "线下填写"}


def test_the_interchange_carries_the_department_there_and_back(people, table):
    drafts.save_draft(
        table.pk,
        by=people["preparer"],
        base_version=table.version,
        step="figures",
        cells={"staff": "42", "note": "运行平稳"},
    )
    record = interchange.export_assessment(fresh(table))
    assert (record["project"], record["unit"], record["department"]) == (
        "",
        "某区民政局",
        "某区民政局",
    )
    document = interchange.dumps([record])
    assert '"version": 3' in document
    records_of = lambda record: interchange.parse_document(interchange.dumps([record]))[0]  # noqa: E731
    _, problems = interchange.parse_document(document)
    assert problems == []
    assert interchange.check_against_database(records_of(record), replace=False)
    record["year"] = 2025
    records, problems = interchange.parse_document(interchange.dumps([record]))
    assert problems == []
    (imported,) = importing.import_records(records, by=people["preparer"])
    imported = fresh(imported)
    assert (imported.organisation, imported.project, imported.year.year) == (
        people["department"],
        None,
        2025,
    )
    (again,) = importing.import_records(records, replace=True, by=people["preparer"])
    assert again.pk == imported.pk


def test_a_file_of_version_2_cannot_hold_a_department_table(people, table):
    record = interchange.export_assessment(fresh(table))
    document = interchange.dumps([record]).replace('"version": 3', '"version": 2')
    _, problems = interchange.parse_document(document)
    assert problems == ["$.assessments[0].kind：部门整体的表自第 3 版起才能读写。"]
    record["project"] = "某项目"
    _, problems = interchange.parse_document(interchange.dumps([record]))
    assert problems == ["$.assessments[0].project：部门整体的表不属于项目，应为空文本。"]


def test_the_departments_reviewer_signs_and_the_signature_verifies(client, people, table):
    client.force_login(people["preparer"])
    fill(client, table, staff="42", note="运行平稳")
    workflow.submit_assessment(table.pk, by=people["preparer"])
    for who in ("bureau_reviewer", "unit_reviewer"):
        with pytest.raises(AssessmentError):
            workflow.sign_off_assessment(table.pk, by=people[who])
    workflow.sign_off_assessment(table.pk, by=people["reviewer"])
    signed = fresh(table)
    signature = signed.valid_signature()
    assert signature.snapshot["kind"] == "ledger"
    assert (signature.snapshot["project"], signature.snapshot["unit"]) == ("", "某区民政局")
    assert signing.check_signature(signature) == signing.SignatureState.VALID
    page = client.get(reverse("verify:hash", args=[signature.content_hash])).content.decode()
    assert "该摘要属于一份签发的部门统计表，签发仍然有效" in page
    assert "部门名称" in page and "某区民政局" in page and "实施单位" not in page


@pytest.mark.slow
def test_the_pdf_prints_the_department(people, table):
    from assessments.paper import pdf

    drafts.save_draft(
        table.pk,
        by=people["preparer"],
        base_version=table.version,
        step="figures",
        cells={"staff": "42", "note": "运行平稳"},
    )
    text = pdf_text(pdf.render_pdf(printable.printable(fresh(table))), layout=False)
    assert "部门整体试点统计表" in text and "某区民政局" in text and "运行平稳" in text
