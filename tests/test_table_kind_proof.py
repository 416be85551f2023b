"""A kind declared only here, in the test: three cells, one step, one finding. Every generic
layer takes it without a change outside its declaration: the wizard and its live check, the
print page, the PDF, the official workbook, the fillable workbook's round trip, the
interchange's round trip, submission, sign-off and the signature's check.

Copy this declaration to start a new kind (docs/architecture.md, "Adding a table kind").
"""

import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from assessments import interchange, kinds, rules
from assessments.kinds.base import Cell, TableKind
from assessments.models import Assessment
from assessments.paper import printable
from assessments.services import drafts, importing, workflow
from assessments.trust import signing

from .factories import ProjectFactory, UnitFactory, UserFactory, YearFactory, member
from .pdftools import pdf_text
from .uploads.helpers import address, download, preview_page, saved, upload

NOTE_MISSING = "PROBE_NOTE_MISSING"


def probe_checks(data, rule_set, results, weight_total, level1_weights):
    """The kind's one finding: the 情况说明 may not stay empty."""
    if data.cells.get("note"):
        return []
    return [rules.Finding(NOTE_MISSING, rules.ERROR, "请填写情况说明。", "cells.note.value")]


class ProbeTable(TableKind):
    name = "probe"
    label = "项目试点统计表"
    short_label = "试点统计表"
    title = "财政项目试点统计表"
    file_words = "试点统计表"
    verify_noun = "统计表"
    steps = (("figures", "统计数据"),)
    cells = (
        Cell("people", "受益人数", "amount", "figures"),
        Cell("satisfaction", "满意度", "percent", "figures"),
        Cell("note", "情况说明", "text", "figures", max_length=500),
    )
    reported = False
    has_actuals = False

    def evaluate(self, data):
        return rules.evaluate(data, probe_checks, graded=False)


@pytest.fixture
def probe_kind():
    kinds.register(ProbeTable)
    yield kinds.get("probe")
    kinds.unregister("probe")


@pytest.fixture
def people(db, probe_kind):
    unit = UnitFactory(name="社区服务中心")
    return {
        "unit": unit,
        "preparer": member(UserFactory(username="preparer"), unit, "preparer"),
        "reviewer": member(UserFactory(username="reviewer"), unit, "reviewer"),
    }


@pytest.fixture
def table(people):
    return drafts.create_assessment(
        unit=people["unit"],
        year=YearFactory(year=2024, is_open=True),
        project=ProjectFactory(unit=people["unit"], name="社区养老试点"),
        kind="probe",
        by=people["preparer"],
    )


def table_cells():
    return {"people": "1200", "satisfaction": "95", "note": "运行平稳"}


def step_url(table, step="figures"):
    return reverse("assessments:wizard_step", args=[table.pk, step])


def fresh(table):
    return Assessment.objects.with_tree().get(pk=table.pk)


def fill(client, table, **values):
    names = {"people": "受益人数", "satisfaction": "满意度", "note": "情况说明"}
    posted = {f"cells.{key}.value": values.get(key, "") for key in names}
    return client.post(step_url(table), {"version": fresh(table).version, **posted})


def test_the_wizard_shows_the_kinds_step_with_an_input_per_cell(client, people, table):
    client.force_login(people["preparer"])
    assert client.get(reverse("assessments:wizard", args=[table.pk]))["Location"] == step_url(table)
    page = client.get(step_url(table)).content.decode()
    assert "第 1 步 · 统计数据" in page and "试点统计表" in page
    for name, label in (
        ("cells.people.value", "受益人数"),
        ("cells.satisfaction.value", "满意度"),
        ("cells.note.value", "情况说明"),
    ):
        assert f'name="{name}"' in page and label in page


def test_the_wizard_saves_the_cells_read_by_their_input_types(client, people, table):
    client.force_login(people["preparer"])
    response = fill(client, table, people="１,２００", satisfaction="95.5%", note="运行平稳")
    assert response.status_code == 302
    stored = fresh(table)
    assert stored.cells == {"people": "1200", "satisfaction": "95.5", "note": "运行平稳"}
    assert stored.events.last().changes["受益人数"] == ["", "1200"]


def test_input_that_cannot_be_stored_is_refused_beside_its_cell(client, people, table):
    client.force_login(people["preparer"])
    response = fill(client, table, people="很多", note="说明")
    assert response.status_code == 200
    assert "受益人数不是数字（填写的是“很多”），可填 1234.5" in response.content.decode()
    assert fresh(table).cells == {}


def test_the_live_check_reports_the_kinds_finding_and_typing_errors(client, people, table):
    client.force_login(people["preparer"])
    url = reverse("assessments:wizard_live", args=[table.pk, "figures"])
    payload = client.post(url, {"cells.people.value": "abc", "cells.note.value": ""}).json()
    assert list(payload["errors"]) == ["cells.people.value"]
    assert payload["errors"]["cells.people.value"].startswith("受益人数不是数字（填写的是“abc”）")
    (finding,) = payload["findings"]
    assert (finding["message"], finding["step"], finding["field"]) == (
        "请填写情况说明。",
        "figures",
        "cells.note.value",
    )
    payload = client.post(url, {"cells.note.value": "已说明"}).json()
    assert payload["findings"] == []


def test_the_print_page_and_the_official_workbook_show_the_cells(client, people, table):
    client.force_login(people["preparer"])
    fill(client, table, people="1200", satisfaction="95", note="运行平稳")
    page = client.get(reverse("assessments:print", args=[table.pk])).content.decode()
    assert "财政项目试点统计表" in page and "受益人数" in page and "运行平稳" in page
    assert "总分" not in page and "实际完成值" not in page
    response = client.get(reverse("assessments:xlsx", args=[table.pk]))
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = [cell for row in sheet.iter_rows(values_only=True) for cell in row if cell]
    assert "财政项目试点统计表" in values and "受益人数" in values and "运行平稳" in values
    assert printable.table_filename(fresh(table)) == "2024-社区养老试点-试点统计表.pdf"


def test_the_fillable_workbook_goes_out_and_comes_back(client, people, table):
    client.force_login(people["preparer"])
    fill(client, table, people="1200", satisfaction="95")
    book = download(client, table)
    sheet = book[book.sheetnames[0]]
    sheet[address(book, "cells.note.value")] = "线下填写的说明"
    sheet[address(book, "cells.people.value")] = "１,３００"
    location, page = preview_page(client, upload(client, table, saved(book)))
    assert "情况说明" in page and "线下填写的说明" in page
    client.post(location, {"confirm": "1"})
    assert fresh(table).cells == {"people": "1300", "satisfaction": "95", "note": "线下填写的说明"}


def test_a_cell_value_the_kind_cannot_store_refuses_the_upload(client, people, table):
    client.force_login(people["preparer"])
    book = download(client, table)
    sheet = book[book.sheetnames[0]]
    sheet[address(book, "cells.satisfaction.value")] = "大约一半"
    response = upload(client, table, saved(book))
    assert response.status_code == 200
    assert any("满意度不是数字" in problem for problem in response.context["problems"])
    assert fresh(table).cells == {}


def test_the_interchange_carries_the_kind_and_its_cells_there_and_back(people, table):
    drafts.save_draft(
        table.pk,
        by=people["preparer"],
        base_version=table.version,
        step="figures",
        cells=table_cells(),
    )
    record = interchange.export_assessment(fresh(table))
    assert record["kind"] == "probe"
    assert record["cells"] == table_cells()
    record["year"] = 2025
    records, problems = interchange.parse_document(interchange.dumps([record]))
    assert problems == []
    (imported,) = importing.import_records(records, by=people["preparer"])
    imported = fresh(imported)
    assert (imported.kind, imported.year.year, imported.cells) == ("probe", 2025, table_cells())


def test_an_unknown_cell_in_a_file_is_refused(people, table):
    record = {**interchange.export_assessment(fresh(table)), "cells": {"weather": "晴"}}
    _, problems = interchange.parse_document(interchange.dumps([record]))
    assert problems == ["$.assessments[0].cells.weather：未知的字段。"]


def test_submission_waits_for_the_finding_then_sign_off_signs_a_snapshot_that_verifies(
    client, people, table
):
    client.force_login(people["preparer"])
    fill(client, table, people="1200", satisfaction="95")
    with pytest.raises(workflow.AssessmentError):
        workflow.submit_assessment(table.pk, by=people["preparer"])
    fill(client, table, people="1200", satisfaction="95", note="运行平稳")
    workflow.submit_assessment(table.pk, by=people["preparer"])
    workflow.sign_off_assessment(table.pk, by=people["reviewer"])
    signed = fresh(table)
    assert signed.status_label == "已签发"
    signature = signed.valid_signature()
    assert signature.snapshot["kind"] == "probe"
    assert signature.snapshot["cells"] == table_cells()
    assert signing.check_signature(signature) == signing.SignatureState.VALID
    page = client.get(reverse("verify:hash", args=[signature.content_hash])).content.decode()
    assert "该摘要属于一份签发的统计表，签发仍然有效" in page


@pytest.mark.slow
def test_the_pdf_prints_the_cells(people, table):
    from assessments.paper import pdf

    drafts.save_draft(
        table.pk,
        by=people["preparer"],
        base_version=table.version,
        step="figures",
        cells=table_cells(),
    )
    text = pdf_text(pdf.render_pdf(printable.printable(fresh(table))), layout=False)
    assert "财政项目试点统计表" in text and "运行平稳" in text and "1200" in text
    assert "草稿" in text  # the watermark of a table not yet signed


def test_the_kinds_cells_are_checked_when_declared():
    with pytest.raises(ValueError, match="unknown input type"):
        Cell("x", "某栏", "colour", "figures")
    assert Decimal(ProbeTable().cell("people").read("1,200元")) == Decimal("1200")


def test_the_detail_page_shows_the_cells_and_comments_pin_to_them(client, people, table):
    from assessments.services import comments

    client.force_login(people["preparer"])
    fill(client, table, people="1200", note="运行平稳")
    workflow.submit_assessment(table.pk, by=people["preparer"])
    client.force_login(people["reviewer"])
    page = client.get(fresh(table).get_absolute_url()).content.decode()
    assert "财政项目试点统计表" in page and "已填栏目" in page and "2 / 3" in page
    assert 'data-target="cells.people.value"' in page
    assert dict(comments.comment_targets(fresh(table))) == {
        "cells.people.value": "受益人数",
        "cells.satisfaction.value": "满意度",
        "cells.note.value": "情况说明",
    }
    comments.add_comment(table.pk, by=people["reviewer"], target="cells.note.value", text="请细化")
    workflow.return_assessment(table.pk, by=people["reviewer"], reason="见批注")
    client.force_login(people["preparer"])
    step = client.get(step_url(table)).content.decode()
    assert "请细化" in step and "批注 1" in step
