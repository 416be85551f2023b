"""The year's cycle: deadlines set by the department, exceptions granted and revoked."""

import datetime

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from .. import deadlines, permissions
from ..models import (
    Deadline,
    DeadlineException,
    Organisation,
    OrganisationEvent,
    ReportingYear,
)
from . import AssessmentError, check


def _log(
    organisation: Organisation,
    year: ReportingYear,
    action: str,
    *,
    by: User,
    comment: str = "",
    details: dict[str, object] | None = None,
) -> OrganisationEvent:
    return OrganisationEvent.objects.create(
        organisation=organisation,
        year=year,
        actor=by,
        action=action,
        comment=comment,
        details=details or {},
    )


def _iso(day: datetime.date | None) -> str | None:
    return day.isoformat() if day else None


@transaction.atomic
def set_deadline(
    organisation: Organisation,
    year: ReportingYear,
    *,
    entry_due: datetime.date,
    review_due: datetime.date | None,
    by: User,
) -> Deadline:
    """填报截止 and 审核截止 for a department (all its units) or for one unit of it."""
    check(permissions.can_set_deadline(by, organisation))
    reason = deadlines.closed_year_reason(year)
    if reason:
        raise AssessmentError(reason)
    if review_due is not None and review_due < entry_due:
        raise AssessmentError("审核截止不能早于填报截止。")
    row = Deadline.objects.select_for_update().filter(year=year, organisation=organisation).first()
    before: dict[str, str | None] = {"entry_due": None, "review_due": None}
    if row is None:
        row = Deadline(year=year, organisation=organisation)
    else:
        before = {"entry_due": _iso(row.entry_due), "review_due": _iso(row.review_due)}
    row.entry_due, row.review_due = entry_due, review_due
    row.set_by, row.set_at = by, timezone.now()
    row.save()
    after = {"entry_due": _iso(entry_due), "review_due": _iso(review_due)}
    _log(
        organisation,
        year,
        OrganisationEvent.Action.DEADLINE_SET,
        by=by,
        details={key: [before[key], after[key]] for key in after},
    )
    return row


@transaction.atomic
def grant_exception(
    unit: Organisation,
    year: ReportingYear,
    *,
    until: datetime.datetime,
    reason: str,
    by: User,
) -> DeadlineException:
    """Let the unit fill in and submit past 填报截止 until the given time."""
    # Grants for one unit are made one at a time.
    unit = Organisation.objects.select_for_update().get(pk=unit.pk)
    check(permissions.can_grant_exception(by, unit))
    closed = deadlines.closed_year_reason(year)
    if closed:
        raise AssessmentError(closed)
    reason = (reason or "").strip()
    if not reason:
        raise AssessmentError("批准延期时必须填写原因。")
    if until <= deadlines.current_time():
        raise AssessmentError("延期截止时间必须晚于现在。")
    exception = DeadlineException.objects.create(
        year=year, unit=unit, until=until, reason=reason, granted_by=by
    )
    _log(
        unit,
        year,
        OrganisationEvent.Action.EXCEPTION_GRANT,
        by=by,
        comment=reason,
        details={"exception": exception.pk, "until": timezone.localtime(until).isoformat()},
    )
    return exception


@transaction.atomic
def revoke_exception(exception_id: int, *, by: User, reason: str = "") -> DeadlineException:
    exception = (
        DeadlineException.objects.select_for_update(of=("self",))
        .select_related("unit__parent", "year")
        .get(pk=exception_id)
    )
    check(permissions.can_revoke_exception(by, exception))
    exception.revoked_at, exception.revoked_by = timezone.now(), by
    exception.save(update_fields=["revoked_at", "revoked_by"])
    _log(
        exception.unit,
        exception.year,
        OrganisationEvent.Action.EXCEPTION_REVOKE,
        by=by,
        comment=(reason or "").strip(),
        details={
            "exception": exception.pk,
            "until": timezone.localtime(exception.until).isoformat(),
        },
    )
    return exception
