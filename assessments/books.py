"""Books (合订本): requesting one, building it in the background, naming the file."""

import logging

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from . import pdf
from .models import Assessment, Book
from .querysets import visible_organisations

logger = logging.getLogger(__name__)


class BookError(Exception):
    """A book that cannot be requested; the message is for the user."""


def visible_books(user):
    return Book.objects.filter(organisation__in=visible_organisations(user)).select_related(
        "organisation", "year", "requested_by"
    )


def book_assessments(organisation, year, *, user, signed_only=False):
    """The tables a book binds, in print order: unit by unit, project by project.

    `user` is who asked for it; None when that account has been deleted since, and then the
    organisation alone decides.
    """
    queryset = Assessment.objects.with_tree()
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


def book_filename(book):
    return pdf.book_filename(book.year.year, book.organisation.name)


def request_book(organisation, year, *, by, signed_only=False):
    """Record the request and hand the building to the background worker."""
    from .tasks import build_book

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

        def enqueue():
            result = build_book.enqueue(book.pk)
            Book.objects.filter(pk=book.pk).update(task_id=str(result.id))

        transaction.on_commit(enqueue)
    return book


def build(book_id):
    """Lay out every table, reporting progress on the Book row, then store the PDF."""
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

    def progress(done, total):
        Book.objects.filter(pk=book.pk).update(done=done, total=total)

    try:
        content = pdf.render_book(
            assessments,
            organisation=book.organisation.name,
            year=book.year.year,
            progress=progress,
        )
        book.pdf.save(book_filename(book), ContentFile(content), save=False)
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
