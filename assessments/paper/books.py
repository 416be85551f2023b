"""Books (合订本): who sees which, their names and waiting, what their front matter lists.

The request and the Book row's progress are services.books; the PDF is paper.book_pdf."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet
from django.utils import timezone

from .. import rules
from ..models import Assessment, Book, Signature, visible_organisations
from ..trust.copies import signed_evaluation
from .official_table import convert_amount
from .printable import book_filename, watermark_for


def visible_books(user: User | AnonymousUser) -> QuerySet[Book]:
    return Book.objects.filter(organisation__in=visible_organisations(user)).select_related(
        "organisation", "year", "requested_by"
    )


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
        signed, _, evaluation = signed_evaluation(signature)
        return cls(signed, evaluation)

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


def project_entries(entries: Sequence[BookEntry]) -> list[BookEntry]:
    """The projects' tables of a book; a department's own table is bound before them but not
    summed with them (its 项目支出 is their money)."""
    return [entry for entry in entries if not entry.assessment.of_department]


def book_summary(entries: Sequence[BookEntry]) -> BookSummary:
    """Totals in 元 (tables in 万元 are converted), money-weighted rate and counts by grade,
    of the projects' tables."""
    entries = project_entries(entries)
    budget = executed = Decimal("0")
    for entry in entries:
        a = entry.assessment
        budget += convert_amount(a.total_full_year_budget or Decimal("0"), a.money_unit, YUAN)
        executed += convert_amount(a.total_executed or Decimal("0"), a.money_unit, YUAN)
    grades = rules.default_rule_set().grades
    counts = [(grade, sum(1 for e in entries if e.evaluation.grade == grade)) for grade in grades]
    return BookSummary(budget, executed, rules.execution_rate(budget, executed), counts)


@dataclass
class BookFront:
    """A book's front matter: the cover and the contents, then the summary; the tables follow."""

    entries: Sequence[BookEntry]
    title: str
    organisation: str
    generated_at: datetime

    def summary_page(self, contents_pages: int) -> int:
        return 2 + contents_pages  # after the cover and the contents

    def number_entries(self, contents_pages: int, summary_pages: int) -> None:
        """Each entry's first page, after the front matter."""
        page = self.summary_page(contents_pages) + summary_pages
        for entry in self.entries:
            entry.first_page = page
            page += entry.pages
