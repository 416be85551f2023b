"""Background tasks (Django's tasks framework; `manage.py db_worker` runs them)."""

import logging

from django.tasks import task

from .models import Signature
from .paper import books

logger = logging.getLogger(__name__)


@task()
def build_book(book_id):
    """Build the 合订本 with this id; returns the stored file's name."""
    return books.build(book_id)


@task()
def build_filing_package(filing_id):
    """Build a filing's package (the book of its signed copies and its summary workbook)."""
    from .paper import filing

    filing.build_package(filing_id)


@task()
def store_signed_pdf(signature_id: int) -> str:
    """Render and store a signed table's PDF after its sign-off; returns the stored file's name.

    Nothing runs a failed task again: the failure is logged, and the first download renders
    the PDF from the signed snapshot (paper.pdf.stored_signed_pdf), which holds everything it
    prints. That function locks the signature and renders only while no file is stored, so
    this task and a download racing it render once between them.
    """
    from .paper import pdf  # WeasyPrint: loaded by the worker, not by the pages that queue

    signature = Signature.objects.get(pk=signature_id)
    try:
        return str(pdf.stored_signed_pdf(signature).name)
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
