"""绩效信息公开: prepare a department's year for publication, 公开审核, publish, correct.

Each step locks its row, checks `permissions`, changes, writes one PublicationEvent, in one
transaction. A publication's items name the signature in force when they were added, so the
published tables are exactly the signed snapshots whatever becomes of the tables later.
"""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Case, IntegerField, Max, OuterRef, Subquery, Value, When
from django.utils import timezone

from .. import permissions
from ..models import (
    Assessment,
    FinalAccounts,
    Organisation,
    Publication,
    PublicationEvent,
    PublicationItem,
    ReportingYear,
    Signature,
)
from ..trust import approvals, keys
from . import AssessmentError, check
from .background import BUILD_PUBLICATION_PDF, enqueue_on_commit

# Days from the approval of the 部门决算 within which it is published (财预〔2016〕143号).
PUBLICATION_DAYS = 20


def _log(
    publication: Publication | None,
    action: str,
    *,
    by: User,
    department: Organisation | None = None,
    year: ReportingYear | None = None,
    comment: str = "",
    details: dict[str, Any] | None = None,
) -> PublicationEvent:
    return PublicationEvent.objects.create(
        organisation=department or publication.department,  # type: ignore[union-attr]
        year=year or publication.year,  # type: ignore[union-attr]
        actor=by,
        action=action,
        publication=publication,
        comment=comment,
        details=details or {},
    )


def default_signatures(department: Organisation, year: ReportingYear) -> list[Signature]:
    """Every signed self-assessment of the department and its units for the year, with its
    signature in force: the department's own first, then by unit, then the tables as entered."""
    own_first = Case(
        When(assessment__project__unit=department, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    tables = Assessment.objects.self_assessments().filter(
        year=year, status=Assessment.Status.SIGNED_OFF
    )
    return list(
        Signature.objects.valid()
        .filter(assessment__in=tables)
        .filter(
            assessment__project__unit__in=Organisation.objects.filter(pk=department.pk)
            | Organisation.objects.filter(parent=department)
        )
        .select_related("key")
        .annotate(own_first=own_first)
        .order_by(
            "own_first",
            "assessment__project__unit__name",
            "assessment_id",
        )
    )


def _locked(publication_id: int) -> Publication:
    return (
        Publication.objects.select_for_update(of=("self",))
        .select_related("department", "year", "replaces")
        .get(pk=publication_id)
    )


def _add_items(publication: Publication, signatures: Sequence[Signature]) -> None:
    PublicationItem.objects.bulk_create(
        PublicationItem(publication=publication, signature=signature, position=position)
        for position, signature in enumerate(signatures, start=1)
    )


def _refuse_open_version(department: Organisation, year: ReportingYear) -> None:
    pending = (
        Publication.objects.filter(department=department, year=year)
        .exclude(status=Publication.Status.PUBLISHED)
        .first()
    )
    if pending is not None:
        raise AssessmentError(
            f"{year.year} 年度已有未公开的第 {pending.version} 版"
            f"（{pending.get_status_display()}），请先完成或修改它。"
        )


@transaction.atomic
def create_publication(
    department_id: int, year_id: int, *, by: User, print_names: bool = True
) -> Publication:
    """A draft of the department's year: every signed table, in the default order."""
    department = Organisation.objects.select_for_update().get(pk=department_id)
    year = ReportingYear.objects.get(pk=year_id)
    check(permissions.can_prepare_publication(by, department))
    _refuse_open_version(department, year)
    if Publication.objects.filter(department=department, year=year).exists():
        raise AssessmentError(f"{year.year} 年度已经公开，如需修改请发布更正版本。")
    signatures = default_signatures(department, year)
    if not signatures:
        raise AssessmentError(f"{department.name} 在 {year.year} 年度没有已签发的自评表可以公开。")
    publication = Publication.objects.create(
        department=department, year=year, created_by=by, print_names=print_names
    )
    _add_items(publication, signatures)
    _log(publication, PublicationEvent.Action.CREATE, by=by, details={"tables": len(signatures)})
    return publication


@transaction.atomic
def reorder(publication_id: int, signature_ids: Sequence[int], *, by: User) -> Publication:
    """The department's order of the tables (the same tables; some may be left out)."""
    publication = _locked(publication_id)
    check(permissions.can_edit_publication(by, publication))
    items = {item.signature_id: item for item in publication.items.all()}
    chosen = list(signature_ids)
    if not chosen:
        raise AssessmentError("至少要公开一张自评表。")
    if len(set(chosen)) != len(chosen) or not set(chosen) <= set(items):
        raise AssessmentError("所选的表格不在这次公开中，请刷新页面后重试。")
    before = [item.signature_id for item in sorted(items.values(), key=lambda i: i.position)]
    publication.items.all().delete()
    _add_items(publication, [items[pk].signature for pk in chosen])
    _log(
        publication,
        PublicationEvent.Action.REORDER,
        by=by,
        details={"before": before, "after": chosen},
    )
    return publication


@transaction.atomic
def set_print_names(publication_id: int, print_names: bool, *, by: User) -> Publication:
    publication = _locked(publication_id)
    check(permissions.can_edit_publication(by, publication))
    publication.print_names = print_names
    publication.save(update_fields=["print_names"])
    _log(publication, PublicationEvent.Action.OPTIONS, by=by, details={"print_names": print_names})
    return publication


def _refuse_voided(publication: Publication) -> None:
    """A table reopened since it was added is no longer signed as listed: refused until the
    department prepares the publication again (or corrects it) with the new signature."""
    voided = (
        Signature.objects.filter(pk__in=publication.items.values("signature_id"))
        .filter(voided_at__isnull=False)
        .select_related("assessment__project")
        .first()
    )
    if voided is not None:
        raise AssessmentError(
            f"{voided.assessment.subject} 的签发已作废（表格已重新打开），"
            "请退回后不公开此表，或待其再次签发后重新准备公开。"
        )


@transaction.atomic
def submit(publication_id: int, *, by: User) -> Publication:
    publication = _locked(publication_id)
    check(permissions.can_submit_publication(by, publication))
    _refuse_voided(publication)
    publication.status = Publication.Status.SUBMITTED
    publication.submitted_at = timezone.now()
    publication.save(update_fields=["status", "submitted_at"])
    _log(publication, PublicationEvent.Action.SUBMIT, by=by)
    return publication


@transaction.atomic
def approve(publication_id: int, *, by: User) -> Publication:
    """公开审核: another reviewer approves; the approval is signed like a sign-off."""
    publication = _locked(publication_id)
    check(permissions.can_approve_publication(by, publication))
    _refuse_voided(publication)
    approved_at = timezone.now()
    content = approvals.approved_content(
        publication,
        approvals.item_signatures(publication),
        approved_by_id=by.pk,
        approved_at=approved_at,
    )
    try:
        content_hash, key, value = approvals.sign_approval(content)
    except keys.SigningKeyMissing as error:
        raise AssessmentError(str(error)) from None
    publication.status = Publication.Status.APPROVED
    publication.decided_by = by
    publication.decided_at = approved_at
    publication.content_hash = content_hash
    publication.key = key
    publication.value = value
    publication.save(
        update_fields=["status", "decided_by", "decided_at", "content_hash", "key", "value"]
    )
    _log(publication, PublicationEvent.Action.APPROVE, by=by, details={"hash": content_hash})
    return publication


@transaction.atomic
def return_publication(publication_id: int, *, by: User, reason: str) -> Publication:
    publication = _locked(publication_id)
    check(permissions.can_return_publication(by, publication))
    if not reason.strip():
        raise AssessmentError("请填写退回原因。")
    publication.status = Publication.Status.DRAFT
    publication.submitted_at = None
    # A later approval signs anew.
    publication.decided_by = publication.decided_at = publication.key = None
    publication.content_hash = publication.value = ""
    publication.save(
        update_fields=[
            "status",
            "submitted_at",
            "decided_by",
            "decided_at",
            "key",
            "content_hash",
            "value",
        ]
    )
    _log(publication, PublicationEvent.Action.RETURN, by=by, comment=reason.strip())
    return publication


@transaction.atomic
def publish(publication_id: int, *, by: User) -> Publication:
    """Publish an approved publication: from now on it is frozen."""
    publication = _locked(publication_id)
    check(permissions.can_publish(by, publication))
    _refuse_voided(publication)
    valid, reason = approvals.check_approval(publication)
    if not valid:
        raise AssessmentError(f"批准的签名核验未通过，不能公开：{reason}")
    publication.status = Publication.Status.PUBLISHED
    publication.published_by = by
    publication.published_at = timezone.now()
    publication.save(update_fields=["status", "published_by", "published_at"])
    _log(publication, PublicationEvent.Action.PUBLISH, by=by)
    enqueue_pdf(publication.pk)
    return publication


def enqueue_pdf(publication_id: int) -> None:
    """The published PDF is built by the worker once the publication commits."""
    enqueue_on_commit(BUILD_PUBLICATION_PDF, publication_id)


@transaction.atomic
def correct(publication_id: int, *, by: User, reason: str) -> Publication:
    """A correction: a new draft version that names the published one it replaces, with the
    signatures in force now (a table reopened and signed again is published anew)."""
    old = _locked(publication_id)
    check(permissions.can_correct_publication(by, old))
    if not reason.strip():
        raise AssessmentError("请填写更正原因。")
    _refuse_open_version(old.department, old.year)
    signatures = default_signatures(old.department, old.year)
    if not signatures:
        raise AssessmentError("没有已签发的自评表可以公开。")
    latest = Publication.objects.filter(department=old.department, year=old.year).aggregate(
        latest=Max("version")
    )["latest"]
    publication = Publication.objects.create(
        department=old.department,
        year=old.year,
        version=latest + 1,
        replaces=old,
        correction_reason=reason.strip(),
        created_by=by,
        print_names=old.print_names,
    )
    _add_items(publication, signatures)
    _log(
        publication,
        PublicationEvent.Action.CORRECT,
        by=by,
        comment=reason.strip(),
        details={"replaces": old.pk, "version": publication.version},
    )
    return publication


# ---------------------------------------------------------------------------
# The deadline: 20 days from the approval of the 部门决算


def publication_due(approved_on: datetime.date) -> datetime.date:
    return approved_on + datetime.timedelta(days=PUBLICATION_DAYS)


@transaction.atomic
def record_final_accounts(
    department_id: int, year_id: int, approved_on: datetime.date, *, by: User
) -> FinalAccounts:
    department = Organisation.objects.select_for_update().get(pk=department_id)
    year = ReportingYear.objects.get(pk=year_id)
    check(permissions.can_record_final_accounts(by, department))
    if approved_on > timezone.localdate():
        raise AssessmentError("决算批复日期不能晚于今天。")
    accounts, created = FinalAccounts.objects.update_or_create(
        department=department,
        year=year,
        defaults={"approved_on": approved_on, "recorded_by": by, "recorded_at": timezone.now()},
    )
    _log(
        None,
        PublicationEvent.Action.ACCOUNTS,
        by=by,
        department=department,
        year=year,
        details={"approved_on": approved_on.isoformat(), "first": created},
    )
    return accounts


# Warn this many days before the 20 days run out.
WARN_DAYS = 5


@dataclass(frozen=True)
class PublicationDeadline:
    """Where a department's year stands against the 20 days after its 决算 approval."""

    department: Organisation
    year: ReportingYear
    approved_on: datetime.date
    published_on: datetime.date | None  # when the first version was published
    today: datetime.date

    @property
    def due(self) -> datetime.date:
        return publication_due(self.approved_on)

    @property
    def days_left(self) -> int:
        return (self.due - self.today).days

    @property
    def on_time(self) -> bool | None:
        """Published by the due date; None while not published."""
        return None if self.published_on is None else self.published_on <= self.due

    @property
    def needs_warning(self) -> bool:
        return self.published_on is None and self.days_left <= WARN_DAYS

    @property
    def label(self) -> str:
        if self.published_on is not None:
            state = "按时" if self.on_time else f"逾期 {(self.published_on - self.due).days} 天"
            return f"{self.published_on:%Y-%m-%d} 公开（{state}）"
        if self.days_left < 0:
            return f"已逾期 {-self.days_left} 天未公开（应于 {self.due:%Y-%m-%d} 前公开）"
        return f"还剩 {self.days_left} 天（应于 {self.due:%Y-%m-%d} 前公开）"


def publication_deadlines(
    departments: Sequence[Organisation],
    *,
    year: ReportingYear | None = None,
    today: datetime.date | None = None,
) -> list[PublicationDeadline]:
    """Every recorded 决算 approval of these departments (of one year, or all) with its first
    publication, newest year first: one query."""
    today = today or timezone.localdate()
    first_published = (
        Publication.objects.published()
        .filter(department=OuterRef("department"), year=OuterRef("year"))
        .order_by("published_at")
        .values("published_at")[:1]
    )
    accounts = (
        FinalAccounts.objects.filter(department__in=departments)
        .select_related("department", "year")
        .annotate(first_published=Subquery(first_published))
        .order_by("-year__year", "department__name")
    )
    if year is not None:
        accounts = accounts.filter(year=year)
    return [
        PublicationDeadline(
            a.department,
            a.year,
            a.approved_on,
            timezone.localdate(a.first_published) if a.first_published else None,
            today,
        )
        for a in accounts
    ]
