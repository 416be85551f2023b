"""Background tasks (Django's tasks framework; `manage.py run_worker` runs them).

The services queue them by name (services.background) once their transaction commits; each
task joins the state change of a service with the paper it makes. The PDF libraries are heavy
to import: a task imports them when it runs, so that a web process that queues a task
(services.background imports this module) does not load them.
"""

import logging
from collections.abc import Sequence

from django.tasks import task

from .models import Assessment, Book, Filing, Signature
from .paper import books as book_paper
from .reporting.bureau import filing_workbook
from .services import books, filing
from .services.books import Progress

logger = logging.getLogger(__name__)


@task()
def build_book(book_id: int) -> str | None:
    """Build the 合订本 with this id; returns the stored file's name."""
    from .paper import book_pdf  # loaded by the worker, not by the pages that queue

    def render(
        book: Book, assessments: Sequence[Assessment], progress: Progress
    ) -> tuple[str, bytes]:
        content = book_pdf.render_book(
            assessments,
            organisation=book.organisation.name,
            year=book.year.year,
            progress=progress,
        )
        return book_paper.filename_of(book), content

    return books.build(book_id, render)


@task()
def build_filing_package(filing_id: int) -> None:
    """Build a filing's package (the book of its signed copies and its summary workbook)."""
    from .paper import book_pdf  # loaded by the worker, not by the pages that queue

    def bind_book(filed: Filing, signatures: Sequence[Signature]) -> bytes:
        return book_pdf.render_signed_book(
            signatures, organisation=filed.department.name, year=filed.year.year
        )

    filing.build_package(filing_id, bind_book=bind_book, write_workbook=filing_workbook)


@task()
def store_signed_pdf(signature_id: int) -> str:
    """Render and store a signed table's PDF after its sign-off; returns the stored file's name.

    Nothing runs a failed task again: the failure is logged, and the first download renders
    the PDF from the signed snapshot (paper.stored.stored_signed_pdf), which holds everything it
    prints. That function locks the signature and renders only while no file is stored, so
    this task and a download racing it render once between them.
    """
    from .paper import stored  # WeasyPrint: loaded by the worker, not by the pages that queue

    signature = Signature.objects.get(pk=signature_id)
    try:
        return str(stored.stored_signed_pdf(signature).name)
    except Exception:
        logger.exception("签发版 PDF 生成失败，将在下载时生成：签发记录 %s", signature_id)
        raise


@task()
def build_publication_pdf(publication_id: int) -> str:
    """Render and store a published publication's PDF; the first download renders it when
    this has not run."""
    from .models import Publication
    from .paper import publication

    return str(publication.stored_publication_pdf(Publication.objects.get(pk=publication_id)).name)
