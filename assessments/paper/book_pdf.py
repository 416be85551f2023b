"""A book (合订本) as one PDF: its front matter drawn (paper.front_matter), then every table's
own pages bound after it (paper.binding), each numbered in the book.

Nothing here loads WeasyPrint: a signed table is bound from its stored signed copy, and the
tables that are not signed are laid out in the layout workers (paper.stored).
"""

from collections.abc import Callable, Sequence
from datetime import datetime

from django.utils import timezone

from ..models import Assessment, Signature
from . import binding, front_matter
from .books import BookEntry, BookFront
from .stored import stored_signed_pdf, table_pdfs


def render_book(
    assessments: Sequence[Assessment],
    *,
    organisation: str,
    year: int,
    progress: Callable[[int, int], object] | None = None,
    generated_at: datetime | None = None,
) -> bytes:
    """One PDF: cover, contents, summary, then every table, each on its own pages.

    A signed table is bound from its stored signed copy, page for page; the others are laid
    out, several at a time.
    """
    signatures = Signature.objects.in_force(assessments)
    contents = table_pdfs(assessments, progress=progress, signatures=signatures)
    entries = [BookEntry.of(a, s) for a, s in zip(assessments, signatures, strict=True)]
    return bind_book(
        entries, contents, organisation=organisation, year=year, generated_at=generated_at
    )


def render_signed_book(
    signatures: Sequence[Signature],
    *,
    organisation: str,
    year: int,
    generated_at: datetime | None = None,
) -> bytes:
    """A book of these signed copies, whatever became of their tables since (a filing's
    package): each bound from its stored signed PDF, listed from its signed content."""
    contents = []
    for signature in signatures:
        with stored_signed_pdf(signature).open("rb") as stored:
            contents.append(stored.read())
    entries = [BookEntry.signed(signature) for signature in signatures]
    return bind_book(
        entries, contents, organisation=organisation, year=year, generated_at=generated_at
    )


def bind_book(
    entries: Sequence[BookEntry],
    contents: Sequence[bytes],
    *,
    organisation: str,
    year: int,
    generated_at: datetime | None = None,
) -> bytes:
    """The front matter drawn for these entries, then their PDFs bound after it."""
    with binding.opened(contents) as tables:
        for entry, table in zip(entries, tables, strict=True):
            entry.pages = len(table.pages)
        front = BookFront(
            entries,
            title=f"{year} 年度财政项目支出绩效自评表",
            organisation=organisation,
            generated_at=generated_at or timezone.now(),
        )
        front_pdf, front_pages = front_matter.front_matter_pdf(front)
        titles = [f"{e.assessment.year.year} {e.assessment.subject}" for e in entries]
        return binding.bind_numbered(
            front_pdf, front_pages, tables, titles, front_matter.PAGE_NUMBER
        )
