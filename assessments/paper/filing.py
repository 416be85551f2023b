"""A filing's package: the 合订本 bound from the signed copies it lists, and its summary
workbook, both made from the filing's manifest, so that later changes to the tables never
reach them."""

import io
import logging
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone

from ..models import Filing, Signature
from ..reporting.exports import StreamedWorkbook

logger = logging.getLogger(__name__)

# A failure is often passing (the storage, a busy database): the build tries again this often.
ATTEMPTS = 3
FAILED_MESSAGE = "报送材料生成失败，请稍后在本页点“重新生成报送材料”，或联系系统管理员。"

TABLE_COLUMNS = [
    ("实施单位", 30),
    ("项目名称", 40),
    ("全年预算数（元）", 18),
    ("全年执行数（元）", 18),
    ("执行率", 10),
    ("总分", 8),
    ("等级", 6),
    ("内容摘要（SHA-256）", 68),
]


def filing_basename(filing: Filing) -> str:
    return f"{filing.year.year}-{filing.department.name}-部门报送-{filing.pk}"


def _decimal(value: str | None) -> Decimal | None:
    return None if value in (None, "") else Decimal(value)


def _percent(value: str | None) -> Decimal | None:
    rate = _decimal(value)
    return None if rate is None else rate / Decimal(100)


def summary_workbook(filing: Filing) -> bytes:
    """The filed tables and their sums, as the manifest holds them."""
    target = io.BytesIO()
    book = StreamedWorkbook(target)
    summary = filing.manifest["summary"]
    sheet = book.sheet("汇总")
    sheet.worksheet.set_column(0, 0, 24)
    sheet.worksheet.set_column(1, 1, 30)
    sheet.append([(f"{filing.department.name} {filing.year.year} 年度部门报送", "bold")])
    sheet.append()
    for label, value, style in [
        ("报送时间", timezone.localtime(filing.filed_at).replace(tzinfo=None), "datetime"),
        ("自评表张数", summary["count"], None),
        ("全年预算数合计（元）", _decimal(summary["budget_yuan"]), "money"),
        ("全年执行数合计（元）", _decimal(summary["executed_yuan"]), "money"),
        ("金额加权执行率", _percent(summary["execution_rate"]), "percent"),
        ("平均自评总分", _decimal(summary["average_score"]), "points"),
    ]:
        sheet.append([label, (value, style)])
    sheet.append()
    sheet.append([("等级", "bold"), ("张数", "bold")])
    for grade, count in summary["grades"].items():
        sheet.append([grade, count])
    sheet = book.sheet("各项目", TABLE_COLUMNS)
    for row in filing.manifest["tables"]:
        sheet.append(
            [
                row["unit"],
                row["project"],
                (_decimal(row["budget_yuan"]), "money"),
                (_decimal(row["executed_yuan"]), "money"),
                (_percent(row["execution_rate"]), "percent"),
                (_decimal(row["total_score"]), "points"),
                row["grade"],
                row["content_hash"],
            ]
        )
    book.close()
    return target.getvalue()


def build_package(filing_id: int) -> None:
    """Bind the book and write the workbook; on failure try again, then mark it failed
    (the filing itself stands whatever happens here)."""
    from . import pdf  # WeasyPrint: loaded by the worker that builds

    filing = Filing.objects.select_related("department", "year").get(pk=filing_id)
    if filing.package_status == Filing.PackageStatus.DONE:
        return
    Filing.objects.filter(pk=filing.pk).update(
        package_status=Filing.PackageStatus.PENDING, package_error=""
    )
    ids = [row["signature"] for row in filing.manifest["tables"]]
    for attempt in range(1, ATTEMPTS + 1):
        try:
            found = Signature.objects.select_related(
                "assessment__project__unit", "assessment__year", "signed_by"
            ).in_bulk(ids)
            content = pdf.render_signed_book(
                [found[pk] for pk in ids],
                organisation=filing.department.name,
                year=filing.year.year,
            )
            name = filing_basename(filing)
            filing.book_pdf.save(f"{name}.pdf", ContentFile(content), save=False)
            filing.summary_xlsx.save(
                f"{name}.xlsx", ContentFile(summary_workbook(filing)), save=False
            )
        except Exception:
            logger.exception("Filing %s: package attempt %s failed", filing.pk, attempt)
            continue
        Filing.objects.filter(pk=filing.pk).update(
            package_status=Filing.PackageStatus.DONE,
            book_pdf=filing.book_pdf.name,
            summary_xlsx=filing.summary_xlsx.name,
            package_error="",
        )
        return
    Filing.objects.filter(pk=filing.pk).update(
        package_status=Filing.PackageStatus.FAILED, package_error=FAILED_MESSAGE
    )
