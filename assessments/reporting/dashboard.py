"""What the page after sign-in shows: what waits for this person, and the open year's progress."""

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from .. import deadlines, permissions
from ..models import (
    Assessment,
    Filing,
    Membership,
    Organisation,
    ReportingYear,
    TargetAdjustment,
    memberships_of,
)
from ..services.publication import publication_deadlines
from . import followup, progress


def dashboard_for(user):
    """The dashboard's lists and counts for this user, as template context."""
    visible = Assessment.objects.for_table().visible_to(user)
    memberships = memberships_of(user)
    reviewer_of = [m.organisation_id for m in memberships if m.role == Membership.Role.REVIEWER]
    preparer_of = [m.organisation_id for m in memberships if m.role == Membership.Role.PREPARER]
    reviewer_scope = (
        Q(project__unit_id__in=reviewer_of)
        | Q(project__unit__parent_id__in=reviewer_of)
        | Q(organisation_id__in=reviewer_of)
    )
    if user.is_superuser:
        reviewer_scope = Q()
    to_review = (
        visible.filter(reviewer_scope, status=Assessment.Status.SUBMITTED)
        if reviewer_of or user.is_superuser
        else visible.none()
    )
    mine = visible.filter(
        Q(project__unit_id__in=preparer_of) | Q(organisation_id__in=preparer_of),
        status__in=[Assessment.Status.DRAFT, Assessment.Status.RETURNED],
    )
    year = ReportingYear.objects.filter(is_open=True).order_by("-year").first()
    departments = [
        m.organisation
        for m in memberships
        if m.role == Membership.Role.REVIEWER
        and m.organisation.kind == Organisation.Kind.DEPARTMENT
    ]
    now = deadlines.current_time()
    overview = []
    if year and (departments or reviewer_of):
        reviewed_units = Organisation.objects.filter(
            Q(parent__in=departments) | Q(pk__in=reviewer_of), kind=Organisation.Kind.UNIT
        ).order_by("name")
        overview = progress.unit_progress(year, list(reviewed_units), now)
    own_progress = []
    own_units: list[Organisation] = []
    if year and preparer_of:
        own_units = list(
            Organisation.objects.filter(pk__in=preparer_of, kind=Organisation.Kind.UNIT)
            .select_related("parent")
            .order_by("name")
        )
        own_progress = progress.unit_progress(year, own_units, now)
    # A new year starts from the last one: its projects that have no table yet this year.
    to_start = []
    if year and preparer_of:
        started = Assessment.objects.self_assessments().filter(year=year).values("project_id")
        to_start = list(
            Assessment.objects.for_table()
            .self_assessments()
            .filter(year__year=year.year - 1, project__unit_id__in=preparer_of)
            .exclude(project_id__in=started)
            .order_by("project__unit__name", "project__name")[:100]
        )
    days_left = (year.deadline - timezone.localdate(now)).days if year and year.deadline else None
    # After 填报截止 the page offers nothing the services would refuse, and says why.
    entry_closed = ""
    if year and preparer_of:
        refusals = [deadlines.entry_refusal(unit, year, now=now) for unit in own_units]
        if refusals and all(refusals):
            entry_closed = refusals[0]
    waiting = list(to_review.order_by("updated_at")[:50])
    adjustments = adjustments_to_decide(user, reviewer_of)
    return {
        "entry_closed": entry_closed,
        "adjustments_to_decide": adjustments,
        "waiting_count": len(waiting) + len(adjustments),
        "link_offers": link_offers(preparer_of),
        "returned_filings": returned_filings(departments),
        "to_start": to_start,
        "is_preparer": bool(preparer_of),
        "days_left": days_left,
        "to_review": waiting,
        "drafts": mine.filter(status=Assessment.Status.DRAFT).order_by("-updated_at")[:50],
        "returned": mine.filter(status=Assessment.Status.RETURNED)
        .with_last_return()
        .order_by("-updated_at")[:50],
        "year": year,
        "overview": overview,
        "own_progress": own_progress,
        "departments": departments,
        "statuses": Assessment.Status.choices,
        "can_create": permissions.prepares_anywhere(user) and not entry_closed,
        "is_reviewer": bool(reviewer_of) or user.is_superuser,
        "recent": visible.order_by("-updated_at")[:10],
        **followup.dashboard_part(user),
        # 绩效信息公开 due within days (or overdue) and not yet published.
        "publication_warnings": [
            d
            for d in publication_deadlines(departments, today=timezone.localdate(now))
            if d.needs_warning
        ]
        if departments
        else [],
    }


def adjustments_to_decide(user, reviewer_of):
    """Pending 目标调整 the user may decide: of her units or her department's, not her own."""
    if not (reviewer_of or user.is_superuser):
        return []
    pending = TargetAdjustment.objects.pending().exclude(requested_by=user)
    if not user.is_superuser:
        pending = pending.filter(
            Q(assessment__project__unit_id__in=reviewer_of)
            | Q(assessment__project__unit__parent_id__in=reviewer_of)
        )
    return list(
        pending.select_related(
            "assessment__project__unit", "assessment__year", "requested_by"
        ).order_by("requested_at")[:50]
    )


def link_offers(preparer_of):
    """The preparer's self-assessments begun before their project's target table of the year
    was approved: she may take the approved targets (services.linking)."""
    if not preparer_of:
        return []
    approved = Assessment.objects.target_tables().filter(
        project=OuterRef("project"),
        year=OuterRef("year"),
        status=Assessment.Status.SIGNED_OFF,
    )
    return list(
        Assessment.objects.self_assessments()
        .filter(project__unit_id__in=preparer_of, targets_source__isnull=True)
        .filter(status__in=[Assessment.Status.DRAFT, Assessment.Status.RETURNED])
        .filter(Exists(approved))
        .select_related("project__unit", "year")
        .order_by("project__unit__name", "project__name")[:50]
    )


def returned_filings(departments):
    """The department's filings the bureau returned and not yet filed again, with the reason."""
    if not departments:
        return []
    filed_again = Filing.objects.filter(
        department=OuterRef("department"), year=OuterRef("year"), status=Filing.Status.FILED
    )
    return list(
        Filing.objects.filter(department__in=departments, status=Filing.Status.RETURNED)
        .exclude(Exists(filed_again))
        .select_related("department", "year", "returned_by")
        .order_by("-returned_at")[:10]
    )
