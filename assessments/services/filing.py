"""A filing's package, built by the worker: the 合订本 bound from the signed copies its
manifest lists, and its summary workbook. Both are made from the manifest only, so later
changes to the tables never reach them; the filing itself stands whatever happens here."""

import logging
from collections.abc import Callable, Sequence

from django.core.files.base import ContentFile

from ..models import Filing, Signature

logger = logging.getLogger(__name__)

# A failure is often passing (the storage, a busy database): the build tries again this often.
ATTEMPTS = 3
FAILED_MESSAGE = "报送材料生成失败，请稍后在本页点“重新生成报送材料”，或联系系统管理员。"

# Binds the signed copies into one PDF (the worker's paper.pdf).
BindBook = Callable[[Filing, Sequence[Signature]], bytes]
# Writes the summary workbook from the manifest (reporting.bureau.filing_workbook).
WriteWorkbook = Callable[[Filing], bytes]


def filing_basename(filing: Filing) -> str:
    return f"{filing.year.year}-{filing.department.name}-部门报送-{filing.pk}"


def build_package(filing_id: int, *, bind_book: BindBook, write_workbook: WriteWorkbook) -> None:
    """Bind the book and write the workbook; on failure try again, then mark it failed."""
    filing = Filing.objects.select_related("department", "year").get(pk=filing_id)
    if filing.package_status == Filing.PackageStatus.DONE:
        return
    Filing.objects.filter(pk=filing.pk).update(
        package_status=Filing.PackageStatus.PENDING, package_error=""
    )
    # The department's own tables first (after the book's cover), then its projects'.
    ids = [
        row["signature"]
        for row in [*filing.manifest.get("department_tables", []), *filing.manifest["tables"]]
    ]
    for attempt in range(1, ATTEMPTS + 1):
        try:
            found = Signature.objects.select_related(
                "assessment__project__unit",
                "assessment__organisation",
                "assessment__year",
                "signed_by",
            ).in_bulk(ids)
            content = bind_book(filing, [found[pk] for pk in ids])
            name = filing_basename(filing)
            filing.book_pdf.save(f"{name}.pdf", ContentFile(content), save=False)
            filing.summary_xlsx.save(
                f"{name}.xlsx", ContentFile(write_workbook(filing)), save=False
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
