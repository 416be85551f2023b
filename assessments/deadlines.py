"""When a unit's entry closes: its own deadline, else its department's, else the year's.

A date means the end of that day in Asia/Shanghai. Every function takes `now`, so that tests
use a fixed clock; `current_time` is the one place the real clock is read.
"""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from .models import Deadline, DeadlineException, Organisation, ReportingYear
from .prepared import Prepared


def current_time() -> datetime.datetime:
    return timezone.now()


def end_of_day(day: datetime.date) -> datetime.datetime:
    """The first moment after the day, in the site's time zone (Asia/Shanghai)."""
    midnight = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time())
    return timezone.make_aware(midnight)


def written_date(day: datetime.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


@dataclass(frozen=True)
class Due:
    """A unit's deadlines for a year, and where they come from."""

    entry: datetime.date | None
    review: datetime.date | None
    source: str  # "unit", "department", "year" or "" when none is set

    def entry_closed(self, now: datetime.datetime) -> bool:
        return self.entry is not None and now >= end_of_day(self.entry)

    def days_left(self, today: datetime.date) -> int | None:
        return (self.entry - today).days if self.entry else None

    def review_days_left(self, today: datetime.date) -> int | None:
        return (self.review - today).days if self.review else None


def resolve(unit: Organisation, year: ReportingYear, rows: dict[int, Deadline]) -> Due:
    """The unit's deadlines from the rows of the year keyed by organisation id (no query)."""
    own, department = rows.get(unit.pk), rows.get(unit.parent_id) if unit.parent_id else None
    if own is not None:
        review = own.review_due or (department.review_due if department else None)
        return Due(own.entry_due, review, "unit")
    if department is not None:
        return Due(department.entry_due, department.review_due, "department")
    return Due(year.deadline, None, "year" if year.deadline else "")


def rows_for(year: ReportingYear, organisation_ids) -> dict[int, Deadline]:
    # Unordered: a lookup by organisation, and the model's order joins two more tables.
    rows = Deadline.objects.filter(year=year, organisation_id__in=organisation_ids).order_by()
    return {row.organisation_id: row for row in rows}


def _rows_of_unit(year_id, unit_id, parent_id):
    return Deadline.objects.filter(
        year_id=year_id, organisation_id__in=[unit_id, parent_id]
    ).order_by()


# A unit's own and its department's rows: read on every request that may change a table.
_ROWS_OF_UNIT = Prepared(_rows_of_unit)


def due_for(unit: Organisation, year: ReportingYear) -> Due:
    """The unit's deadlines, read once per unit object and year."""
    cache = unit.__dict__.setdefault("_due_cache", {})
    if year.pk not in cache:
        rows = _ROWS_OF_UNIT(year.pk, unit.pk, unit.parent_id or unit.pk)
        cache[year.pk] = resolve(unit, year, {row.organisation_id: row for row in rows})
    return cache[year.pk]


def exception_in_force(
    unit: Organisation, year: ReportingYear, now: datetime.datetime
) -> DeadlineException | None:
    """The latest-running exception of the unit for the year at `now`, if any."""
    return (
        DeadlineException.objects.in_force(now)
        .filter(unit=unit, year=year)
        .order_by("-until")
        .first()
    )


def closed_year_reason(year: ReportingYear) -> str:
    if year.is_open:
        return ""
    return f"{year.year} 年度已关闭，只能查看，不能修改、提交或审核。"


def entry_refusal(
    unit: Organisation, year: ReportingYear, now: datetime.datetime | None = None
) -> str:
    """Why the unit may not fill in tables of the year now; "" when it may."""
    reason = closed_year_reason(year)
    if reason:
        return reason
    now = now or current_time()
    due = due_for(unit, year)
    if not due.entry_closed(now):
        return ""
    if exception_in_force(unit, year, now) is not None:
        return ""
    assert due.entry is not None
    return f"{written_date(due.entry)}填报已截止；如需补填，请联系审核人申请延期。"
