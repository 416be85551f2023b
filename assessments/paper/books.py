"""Books (合订本): requesting one, building it in the background, its front matter."""

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone

from .. import rules
from ..models import (
    Assessment,
    Book,
    Organisation,
    ReportingYear,
    Signature,
    visible_organisations,
)
from .official_table import chinese_date, convert_amount
from .printable import assessment_from_snapshot, book_filename, watermark_for

logger = logging.getLogger(__name__)


class BookError(Exception):
    """A book that cannot be requested; the message is for the user."""


def visible_books(user: User | AnonymousUser) -> QuerySet[Book]:
    return Book.objects.filter(organisation__in=visible_organisations(user)).select_related(
        "organisation", "year", "requested_by"
    )


def book_assessments(
    organisation: Organisation,
    year: ReportingYear,
    *,
    user: User | None,
    signed_only: bool = False,
) -> QuerySet[Assessment]:
    """The tables a book binds, in print order: unit by unit, project by project.

    `user` is who asked for it; None when that account has been deleted since, and then the
    organisation alone decides.
    """
    queryset = Assessment.objects.self_assessments().with_tree()
    if user is not None:
        queryset = queryset.visible_to(user)
    queryset = (
        queryset.filter(year=year)
        .filter(Q(project__unit=organisation) | Q(project__unit__parent=organisation))
        .order_by("project__unit__name", "project__pk")
    )
    if signed_only:
        queryset = queryset.filter(status=Assessment.Status.SIGNED_OFF)
    return queryset


def filename_of(book: Book) -> str:
    return book_filename(book.year.year, book.organisation.name)


STUCK_MESSAGE = (
    "合订本排队已超过 {minutes} 分钟仍未开始生成：后台任务程序（run_worker）可能没有运行。"
    "请联系系统管理员检查后台任务程序；它恢复运行后会自动继续生成。"
)


def is_stuck(book: Book, *, now: datetime | None = None) -> bool:
    """Queued longer than TASK_STUCK_MINUTES: no worker has taken it up."""
    limit = timedelta(minutes=settings.TASK_STUCK_MINUTES)
    return book.status == Book.Status.QUEUED and (now or timezone.now()) - book.requested_at > limit


def stuck_message() -> str:
    return STUCK_MESSAGE.format(minutes=settings.TASK_STUCK_MINUTES)


def request_book(
    organisation: Organisation, year: ReportingYear, *, by: User, signed_only: bool = False
) -> Book:
    """Record the request and hand the building to the background worker."""
    from ..tasks import build_book

    if not visible_organisations(by).filter(pk=organisation.pk).exists():
        raise BookError("您无权为该单位生成合订本。")
    count = book_assessments(organisation, year, user=by, signed_only=signed_only).count()
    if count == 0:
        raise BookError(f"{organisation.name} 在 {year.year} 年度没有可装订的自评表。")
    with transaction.atomic():
        book = Book.objects.create(
            organisation=organisation,
            year=year,
            signed_only=signed_only,
            requested_by=by,
            total=count,
        )

        def enqueue() -> None:
            result = build_book.enqueue(book.pk)
            Book.objects.filter(pk=book.pk).update(task_id=str(result.id))

        transaction.on_commit(enqueue)
    return book


def build(book_id: int) -> str | None:
    """Lay out every table, reporting progress on the Book row, then store the PDF."""
    from . import pdf  # WeasyPrint: loaded by the worker that builds, not by the web pages

    book = Book.objects.select_related("organisation", "year", "requested_by").get(pk=book_id)
    if book.status == Book.Status.DONE:
        return book.pdf.name
    assessments = list(
        book_assessments(
            book.organisation, book.year, user=book.requested_by, signed_only=book.signed_only
        )
    )
    Book.objects.filter(pk=book.pk).update(
        status=Book.Status.RUNNING, done=0, total=len(assessments), error=""
    )

    def progress(done: int, total: int) -> None:
        Book.objects.filter(pk=book.pk).update(done=done, total=total)

    try:
        content = pdf.render_book(
            assessments,
            organisation=book.organisation.name,
            year=book.year.year,
            progress=progress,
        )
        book.pdf.save(filename_of(book), ContentFile(content), save=False)
    except Exception:
        logger.exception("Building book %s failed", book.pk)
        Book.objects.filter(pk=book.pk).update(
            status=Book.Status.FAILED,
            error="生成合订本时出错，请稍后重试或联系系统管理员。",
            finished_at=timezone.now(),
        )
        raise
    Book.objects.filter(pk=book.pk).update(
        status=Book.Status.DONE,
        pdf=book.pdf.name,
        done=len(assessments),
        finished_at=timezone.now(),
    )
    return book.pdf.name


# ---------------------------------------------------------------------------
# Front matter: contents and the summary of the bound tables


@dataclass
class BookEntry:
    """A table as the contents and the summary list it: the signed version of a signed one."""

    assessment: Assessment
    evaluation: rules.Evaluation
    watermark: str = ""  # blank: signed
    pages: int = 1  # how many pages the table takes in the book
    first_page: int = 0

    @classmethod
    def of(cls, assessment: Assessment, signature: Signature | None) -> "BookEntry":
        """The entry of a table whose signature in force (or None) the caller has read."""
        if signature is None:
            return cls(assessment, assessment.evaluate(), watermark_for(assessment))
        return cls.signed(signature)

    @classmethod
    def signed(cls, signature: Signature) -> "BookEntry":
        """The table as this signature covers it, whether or not it is still in force."""
        signed, indicators = assessment_from_snapshot(signature)
        return cls(signed, signed.evaluate(indicators))

    @property
    def status_label(self) -> str:
        return self.watermark or "已签发"


@dataclass
class BookSummary:
    budget: Decimal
    executed: Decimal
    execution_rate: Decimal | None
    grade_counts: list[tuple[str, int]]


YUAN = Assessment.MoneyUnit.YUAN


def book_summary(entries: Sequence[BookEntry]) -> BookSummary:
    """Totals in 元 (tables in 万元 are converted), money-weighted rate and counts by grade."""
    budget = executed = Decimal("0")
    for entry in entries:
        a = entry.assessment
        budget += convert_amount(a.total_full_year_budget or Decimal("0"), a.money_unit, YUAN)
        executed += convert_amount(a.total_executed or Decimal("0"), a.money_unit, YUAN)
    grades = rules.default_rule_set().grades
    counts = [(grade, sum(1 for e in entries if e.evaluation.grade == grade)) for grade in grades]
    return BookSummary(budget, executed, rules.execution_rate(budget, executed), counts)


# Contents rows of one line that fit on a page: the first guess of how long the contents are.
# A wrong guess costs one more layout, never a wrong page number (paper.pdf.render_book).
CONTENTS_ROWS_PER_PAGE = 30


@dataclass
class BookFront:
    """A book's front matter: the cover and the contents, then the summary; the tables follow."""

    entries: Sequence[BookEntry]
    title: str
    organisation: str
    generated_at: datetime

    def guess_contents_pages(self) -> int:
        return -(-(len(self.entries) + 1) // CONTENTS_ROWS_PER_PAGE)

    def summary_page(self, contents_pages: int) -> int:
        return 2 + contents_pages  # after the cover and the contents

    def number_entries(self, contents_pages: int, summary_pages: int) -> int:
        """Each entry's first page; returns the page after the front matter."""
        page = self.summary_page(contents_pages) + summary_pages
        for entry in self.entries:
            entry.first_page = page
            page += entry.pages
        return self.summary_page(contents_pages) + summary_pages

    def html(
        self, part: str, *, first_page: int = 1, summary_page: int = 0, stamps: int = 0
    ) -> str:
        """One part of the front matter as HTML: "contents" (with the cover), "summary", or
        "stamps": a blank page per table page with only the book's page number."""
        return render_to_string(
            "assessments/pdf/book_front.html",
            {
                "part": part,
                "first_page": first_page,
                "summary_page": summary_page,
                "stamp_pages": range(stamps),
                "entries": self.entries,
                "title": self.title,
                "organisation": self.organisation,
                "generated_on": chinese_date(self.generated_at),
                "summary": book_summary(self.entries),
                "mixed_units": len({e.assessment.money_unit for e in self.entries}) > 1,
            },
        )
