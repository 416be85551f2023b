"""Books (合订本): the request, and the Book row's progress while the worker builds it."""

import logging
from collections.abc import Callable, Sequence

from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.tasks import TaskResult
from django.utils import timezone

from ..models import Assessment, Book, Organisation, ReportingYear, visible_organisations
from .background import BUILD_BOOK, enqueue_on_commit

logger = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
# Lays out a book's tables (the worker's paper.pdf); returns the file's name and content.
Render = Callable[[Book, Sequence[Assessment], Progress], tuple[str, bytes]]

FAILED_MESSAGE = "生成合订本时出错，请稍后重试或联系系统管理员。"


class BookError(Exception):
    """A book that cannot be requested; the message is for the user."""


def book_assessments(
    organisation: Organisation,
    year: ReportingYear,
    *,
    user: User | None,
    signed_only: bool = False,
) -> QuerySet[Assessment]:
    """The tables a book binds, in print order: a department's own first, then unit by unit,
    project by project.

    `user` is who asked for it; None when that account has been deleted since, and then the
    organisation alone decides.
    """
    queryset = Assessment.objects.self_assessments().with_tree()
    if user is not None:
        queryset = queryset.visible_to(user)
    queryset = (
        queryset.filter(year=year)
        .filter(
            Q(project__unit=organisation)
            | Q(project__unit__parent=organisation)
            | Q(organisation=organisation)
        )
        # A department's own tables come first, after the cover; then its units' projects.
        .order_by(F("organisation").asc(nulls_last=True), "project__unit__name", "project__pk")
    )
    if signed_only:
        queryset = queryset.filter(status=Assessment.Status.SIGNED_OFF)
    return queryset


def request_book(
    organisation: Organisation, year: ReportingYear, *, by: User, signed_only: bool = False
) -> Book:
    """Record the request and hand the building to the background worker."""
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

        def keep_task_id(result: TaskResult) -> None:
            Book.objects.filter(pk=book.pk).update(task_id=str(result.id))

        enqueue_on_commit(BUILD_BOOK, book.pk, then=keep_task_id)
    return book


def build(book_id: int, render: Render) -> str | None:
    """Lay out every table with `render`, reporting progress on the Book row, then store the
    PDF; returns the stored file's name."""
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
        name, content = render(book, assessments, progress)
        book.pdf.save(name, ContentFile(content), save=False)
    except Exception:
        logger.exception("Building book %s failed", book.pk)
        Book.objects.filter(pk=book.pk).update(
            status=Book.Status.FAILED, error=FAILED_MESSAGE, finished_at=timezone.now()
        )
        raise
    Book.objects.filter(pk=book.pk).update(
        status=Book.Status.DONE,
        pdf=book.pdf.name,
        done=len(assessments),
        finished_at=timezone.now(),
    )
    return book.pdf.name
