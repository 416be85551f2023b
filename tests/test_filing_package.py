"""A filing's package is made from the manifest only: later changes to the tables never reach it."""

import io
import subprocess
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from assessments import tasks
from assessments.models import Assessment, BureauEvent, Filing
from assessments.services import AssessmentError, workflow
from assessments.services import bureau as desk_services
from assessments.services.bureau import IndicatorReview
from assessments.trust import signing

from . import bureau_fixtures
from .factories import login
from .pdftools import pdf_text

desk = bureau_fixtures.desk

pytestmark = pytest.mark.slow


def file_b(desk):
    return desk_services.file_year(
        desk.departments[1].pk, desk.year.pk, by=desk.people["other_department_reviewer"]
    )


def stored(field):
    with field.open("rb") as handle:
        return handle.read()


def test_filing_freezes_its_package_against_later_changes(desk, artifacts):
    filing = file_b(desk)
    table = desk.tables[4]
    original_goal = table.goal
    # Before the worker builds the package, the table is reopened, changed and signed again.
    workflow.reopen_assessment(
        table.pk, by=desk.people["other_department_reviewer"], reason="改预期目标"
    )
    Assessment.objects.filter(pk=table.pk).update(
        goal="重新签发后的新目标", status=Assessment.Status.SIGNED_OFF
    )
    table.refresh_from_db()
    new_signature = signing.record_signature(table, by=desk.people["unit_reviewer"])

    tasks.build_filing_package.call(filing.pk)

    filing.refresh_from_db()
    assert filing.package_status == Filing.PackageStatus.DONE
    book = stored(filing.book_pdf)
    text = pdf_text(book, layout=False)
    assert original_goal in text
    assert "重新签发后的新目标" not in text
    (artifacts / "filing-book.pdf").write_bytes(book)
    workbook = openpyxl.load_workbook(io.BytesIO(stored(filing.summary_xlsx)))
    hashes = [row[7] for row in workbook["各项目"].iter_rows(min_row=2, values_only=True)]
    assert hashes == [filing.manifest["tables"][0]["content_hash"]]
    assert new_signature.content_hash not in hashes

    # Building again (a retried task) leaves the files as they are.
    before = (stored(filing.book_pdf), stored(filing.summary_xlsx))
    tasks.build_filing_package.call(filing.pk)
    filing.refresh_from_db()
    assert (stored(filing.book_pdf), stored(filing.summary_xlsx)) == before


def test_a_failed_package_leaves_the_filing_and_can_be_built_again(desk, monkeypatch, client):
    filing = file_b(desk)

    def broken(*args, **kwargs):
        raise OSError("storage unavailable")

    from assessments.paper import book_pdf

    monkeypatch.setattr(book_pdf, "render_signed_book", broken)
    tasks.build_filing_package.call(filing.pk)
    filing.refresh_from_db()
    assert filing.status == Filing.Status.FILED
    assert filing.package_status == Filing.PackageStatus.FAILED
    login(client, "juzhang_b")
    page = client.get(filing.get_absolute_url())
    assert page.status_code == 200 and "报送材料生成失败" in page.content.decode()
    assert client.get(reverse("assessments:filing_book", args=[filing.pk])).status_code == 404

    monkeypatch.undo()
    with pytest.raises(AssessmentError, match="只有报送部门或上级财政局"):
        desk_services.rebuild_package(filing.pk, by=desk.people["department_reviewer"])
    desk_services.rebuild_package(filing.pk, by=desk.people["other_department_reviewer"])
    assert BureauEvent.objects.filter(action=BureauEvent.Action.REBUILD).count() == 1
    with pytest.raises(AssessmentError, match="没有生成失败"):
        desk_services.rebuild_package(filing.pk, by=desk.people["other_department_reviewer"])
    tasks.build_filing_package.call(filing.pk)
    filing.refresh_from_db()
    assert filing.package_status == Filing.PackageStatus.DONE
    response = client.get(reverse("assessments:filing_book", args=[filing.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content)[:4] == b"%PDF"


def test_review_pdf_shows_self_and_review_side_by_side(desk, client, artifacts):
    file_b(desk)
    sample = desk_services.create_sample(
        desk.bureau.pk,
        desk.year.pk,
        by=desk.people["bureau_reviewer"],
        margin=Decimal("1"),
        assessment_ids=[desk.tables[4].pk],
    )
    sampled = sample.tables.get()
    signed_pdf_before = signing.check_signature(sampled.signature)
    desk_services.save_review(
        sampled.pk,
        by=desk.people["bureau_reviewer"],
        budget_score=Decimal("10"),
        indicators=[
            IndicatorReview(1, Decimal("42"), "抽查发现完成数量不足"),
            IndicatorReview(2, Decimal("30")),
            IndicatorReview(3, Decimal("10")),
        ],
        remark="总体属实，数量指标扣分。",
    )
    login(client, "caizheng")
    response = client.get(reverse("assessments:review_pdf", args=[sample.pk, sampled.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content, layout=False).replace("\n", "")
    assert "复核" in text and "抽查发现完成数量不足" in text
    assert "100.00" in text and "92.00" in text  # self 总分 and 复核 总分
    assert sampled.signature.content_hash in text
    assert signing.check_signature(sampled.signature) == signed_pdf_before
    (artifacts / "review.pdf").write_bytes(response.content)
    pdf_path, png_stem = artifacts / "review.pdf", artifacts / "review-page1"
    subprocess.run(
        ["pdftoppm", "-png", "-r", "80", "-singlefile", str(pdf_path), str(png_stem)],
        check=True,
        timeout=60,
    )
    assert (artifacts / "review-page1.png").stat().st_size > 0
