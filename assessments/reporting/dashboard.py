"""What the page after sign-in shows: what waits for this person, and the open year's progress."""

from django.db.models import Q
from django.utils import timezone

from .. import deadlines, permissions
from ..models import Assessment, Membership, Organisation, ReportingYear, memberships_of
from ..services.publication import publication_deadlines
from . import progress


def dashboard_for(user):
    """The dashboard's lists and counts for this user, as template context."""
    visible = Assessment.objects.for_table().visible_to(user)
    memberships = memberships_of(user)
    reviewer_of = [m.organisation_id for m in memberships if m.role == Membership.Role.REVIEWER]
    preparer_of = [m.organisation_id for m in memberships if m.role == Membership.Role.PREPARER]
    reviewer_scope = Q(project__unit_id__in=reviewer_of) | Q(
        project__unit__parent_id__in=reviewer_of
    )
    if user.is_superuser:
        reviewer_scope = Q()
    to_review = (
        visible.filter(reviewer_scope, status=Assessment.Status.SUBMITTED)
        if reviewer_of or user.is_superuser
        else visible.none()
    )
    mine = visible.filter(
        project__unit_id__in=preparer_of,
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
    if year and preparer_of:
        own_units = Organisation.objects.filter(pk__in=preparer_of, kind=Organisation.Kind.UNIT)
        own_progress = progress.unit_progress(year, list(own_units.order_by("name")), now)
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
    return {
        "to_start": to_start,
        "is_preparer": bool(preparer_of),
        "days_left": days_left,
        "to_review": to_review.order_by("updated_at")[:50],
        "drafts": mine.filter(status=Assessment.Status.DRAFT).order_by("-updated_at")[:50],
        "returned": mine.filter(status=Assessment.Status.RETURNED)
        .with_last_return()
        .order_by("-updated_at")[:50],
        "year": year,
        "overview": overview,
        "own_progress": own_progress,
        "departments": departments,
        "statuses": Assessment.Status.choices,
        "can_create": permissions.prepares_anywhere(user),
        "is_reviewer": bool(reviewer_of) or user.is_superuser,
        "recent": visible.order_by("-updated_at")[:10],
        # 绩效信息公开 due within days (or overdue) and not yet published.
        "publication_warnings": [
            d
            for d in publication_deadlines(departments, today=timezone.localdate(now))
            if d.needs_warning
        ]
        if departments
        else [],
    }
