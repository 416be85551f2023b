"""`manage.py publish_year` on the demo: the seed's eleven signed tables, as published."""

import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from assessments.management.commands.load_demo import DEMO_FILE
from assessments.models import Signature
from assessments.paper import stored as paper_stored

from .pdftools import compact, dark_pixels, pdf_text

pytestmark = pytest.mark.slow

DEPARTMENT = "闵行区人力资源和社会保障局"


def seed_records():
    return json.loads(DEMO_FILE.read_text(encoding="utf-8"))["assessments"]


def test_publish_year_writes_the_seed_s_tables_in_its_order(demo, tmp_path):
    out = StringIO()
    call_command(
        "publish_year",
        "--year",
        "2022",
        "--department",
        DEPARTMENT,
        "-o",
        str(tmp_path),
        stdout=out,
    )

    records = seed_records()
    pdf = next(tmp_path.glob("*.pdf"))
    text = compact(pdf_text(pdf.read_bytes()))
    # The cover in the form departments use.
    assert text.startswith(compact(f"{DEPARTMENT} 2022年度 项目支出绩效自评表"))
    starts = [text.find(compact(f"项目名称{record['project']}")) for record in records]
    assert -1 not in starts, [r["project"] for r, s in zip(records, starts, strict=True) if s < 0]
    assert starts == sorted(starts), "the tables are not in the seed's order"
    for record, start, end in zip(records, starts, [*starts[1:], len(text)], strict=True):
        table = text[start:end]
        for label in ("主管部门", "实施单位", "年初预算数", "全年预算数", "全年执行数", "三级指标"):
            assert label in table
        total = record["funds"]["total"]
        for column in ("full_year_budget", "executed"):
            assert f"{Decimal(total[column]):.2f}" in table, (record["project"], column)
        assert compact(record["unit"]) in table
        for row in record["indicators"]:
            assert compact(row["name"])[:6] in table, (record["project"], row["name"])
    # Page-numbered through: the last page says how many there are.
    pages = pdf_text(pdf.read_bytes()).split("\f")
    pages = [page for page in pages if page.strip()]
    assert compact(f"第 {len(pages)} 页 共 {len(pages)} 页") in compact(pages[-1])

    data = json.loads(next(tmp_path.glob("*.json")).read_text(encoding="utf-8"))
    assert [r["project"] for r in data["assessments"]] == [r["project"] for r in records]
    assert {r["status"] for r in data["assessments"]} == {"signed_off"}

    pages = sorted(tmp_path.glob("table-*.html"))
    assert len(pages) == len(records)
    for page, record in zip(pages, records, strict=True):
        html = page.read_text(encoding="utf-8")
        assert '<html lang="zh-CN">' in html
        assert "<script" not in html
        assert record["project"] in html


def test_the_page_numbers_laid_over_leave_the_tables_visible(demo, tmp_path):
    """Each table page of the PDF shows what the stored signed copy shows: the page laid over
    it for the page number covers nothing."""
    call_command(
        "publish_year",
        "--year",
        "2022",
        "--department",
        DEPARTMENT,
        "-o",
        str(tmp_path),
        stdout=StringIO(),
    )
    first = Signature.objects.valid().get(
        assessment__project__name=seed_records()[0]["project"], assessment__year__year=2022
    )
    signed_copy = tmp_path / "signed.pdf"
    with paper_stored.stored_signed_pdf(first).open("rb") as stored:
        signed_copy.write_bytes(stored.read())

    published = next(tmp_path.glob("2022-*.pdf"))
    assert dark_pixels(published, 2) >= 0.9 * dark_pixels(signed_copy, 1)
