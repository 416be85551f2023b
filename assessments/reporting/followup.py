"""整改 and 结果应用 as the dashboards and the bureau's report list them; the bureau's own
dashboard: filings received and returned, samples in progress, 整改 open and overdue."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q
from django.utils import timezone

from .. import permissions
from ..models import (
    Filing,
    Notice,
    Organisation,
    Rectification,
    ReportingYear,
    ResultApplication,
    ReviewSample,
    memberships_of,
)


@dataclass
class RectificationLine:
    rectification: Rectification
    overdue: bool


def lines_of(rows, today) -> list[RectificationLine]:
    return [RectificationLine(r, r.is_overdue(today)) for r in rows]


def _rectifications():
    return Rectification.objects.select_related(
        "assessment__project", "assessment__year", "unit", "issuer"
    ).order_by("due_date", "pk")


def unit_rectifications(user, today) -> list[RectificationLine]:
    """The open requests to the units in which the user prepares or reviews."""
    units = [
        m.organisation_id
        for m in memberships_of(user)
        if m.organisation.kind == Organisation.Kind.UNIT
    ]
    if not units:
        return []
    return lines_of(_rectifications().open().filter(unit_id__in=units)[:50], today)


@dataclass
class BureauDesk:
    bureau: Organisation
    year: ReportingYear | None
    filings: list[Filing] = field(default_factory=list)
    returned: list[Filing] = field(default_factory=list)
    samples_in_progress: list[tuple[ReviewSample, int, int]] = field(default_factory=list)
    rectifications: list[RectificationLine] = field(default_factory=list)

    @property
    def overdue_count(self) -> int:
        return sum(1 for line in self.rectifications if line.overdue)


def bureau_desks(user, today) -> list[BureauDesk]:
    """For a bureau's reviewer, each of her bureaus in the latest year with a filing."""
    desks = []
    for bureau in permissions.reviewed_bureaus(user).order_by("name"):
        filings = list(
            Filing.objects.filter(department__parent=bureau)
            .select_related("department", "year", "filed_by")
            .order_by("-year__year", "-filed_at")
        )
        year = filings[0].year if filings else None
        in_year = [f for f in filings if f.year == year]
        samples = (
            ReviewSample.objects.filter(bureau=bureau, year=year)
            .annotate(
                table_count=Count("tables", distinct=True),
                reviewed_count=Count("tables__review", distinct=True),
            )
            .order_by("-created_at")
        )
        desks.append(
            BureauDesk(
                bureau=bureau,
                year=year,
                filings=[f for f in in_year if f.status == Filing.Status.FILED],
                returned=[f for f in in_year if f.status == Filing.Status.RETURNED],
                samples_in_progress=[
                    (s, s.reviewed_count, s.table_count)
                    for s in samples
                    if s.reviewed_count < s.table_count
                ],
                rectifications=lines_of(_rectifications().open().filter(issuer=bureau), today),
            )
        )
    return desks


def dashboard_part(user) -> dict:
    """What the dashboard adds: the unit's 整改, and a bureau reviewer's own desk."""
    today = timezone.localdate()
    desks = bureau_desks(user, today)
    memberships = memberships_of(user)
    only_bureau = bool(memberships) and all(
        m.organisation.kind == Organisation.Kind.BUREAU for m in memberships
    )
    return {
        "unit_rectifications": unit_rectifications(user, today),
        "bureau_desks": desks,
        "bureau_only": only_bureau and not user.is_superuser,
        "desk_notices": (
            list(Notice.objects.filter(user=user, read_at__isnull=True)[:5]) if desks else []
        ),
    }


# ---------------------------------------------------------------------------
# The bureau's report


@dataclass
class ApplicationTotals:
    applications: list[ResultApplication]
    by_kind: list[tuple[str, int, Decimal]]  # label, count, Σ amount


def report_rectifications(bureau: Organisation, year: ReportingYear) -> list[RectificationLine]:
    rows = _rectifications().filter(
        Q(issuer=bureau) | Q(unit__parent__parent=bureau), assessment__year=year
    )
    return lines_of(rows, timezone.localdate())


def report_applications(bureau: Organisation, year: ReportingYear) -> ApplicationTotals:
    rows = list(
        ResultApplication.objects.filter(project__unit__parent__parent=bureau, year=year)
        .select_related("project__unit__parent", "recorded_by_organisation")
        .order_by("project__unit__parent__name", "project__unit__name", "project__name")
    )
    return ApplicationTotals(rows, totals_by_decision(rows))


def totals_by_decision(rows: Sequence[ResultApplication]) -> list[tuple[str, int, Decimal]]:
    return [
        (
            str(label),
            sum(1 for r in rows if r.decision == value),
            sum((r.amount or Decimal(0) for r in rows if r.decision == value), Decimal(0)),
        )
        for value, label in ResultApplication.Decision.choices
    ]
