"""Each unit's progress for a year against its deadlines, in a fixed number of queries."""

import datetime
from collections import defaultdict
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from .. import deadlines
from ..models import Assessment, DeadlineException, Organisation, Project, ReportingYear
from ..models.cycle import last_day_before

WAITING_FOR_PREPARER = (Assessment.Status.DRAFT, Assessment.Status.RETURNED)


def unit_progress(
    year: ReportingYear, units: list[Organisation], now: datetime.datetime
) -> list[dict]:
    """One row per unit: 未开始 / 草稿 / 已提交 / 退回 / 已签发, its deadlines, days left, and
    whether it is overdue (entry closed with work left and no exception in force)."""
    if not units:
        return []
    ids = [unit.pk for unit in units]
    statuses = {status: Count("pk", filter=Q(status=status)) for status in Assessment.Status.values}
    counts: dict[int, Any] = {
        row["project__unit_id"]: row
        for row in Assessment.objects.self_assessments()
        .filter(year=year, project__unit_id__in=ids)
        .values("project__unit_id")
        .annotate(total=Count("pk"), **statuses)
        .order_by()
    }
    not_started = dict(
        Project.objects.filter(unit_id__in=ids)
        .exclude(pk__in=Assessment.objects.self_assessments().filter(year=year).values("project"))
        .values("unit_id")
        .annotate(count=Count("pk"))
        .values_list("unit_id", "count")
        .order_by()
    )
    parent_ids = {unit.parent_id for unit in units if unit.parent_id}
    rows = deadlines.rows_for(year, [*ids, *parent_ids])
    excepted: dict[int, datetime.datetime] = defaultdict(lambda: now)
    for unit_id, until in (
        DeadlineException.objects.in_force(now)
        .filter(year=year, unit_id__in=ids)
        .values_list("unit_id", "until")
    ):
        excepted[unit_id] = max(excepted[unit_id], until)
    today = timezone.localdate(now)
    progress = []
    for unit in units:
        row: dict[str, int] = counts.get(unit.pk) or {}
        due = deadlines.resolve(unit, year, rows)
        entry_closed = due.entry_closed(now)
        review_closed = due.review is not None and now >= deadlines.end_of_day(due.review)
        waiting = not_started.get(unit.pk, 0) + sum(row.get(s, 0) for s in WAITING_FOR_PREPARER)
        in_force = unit.pk in excepted
        progress.append(
            {
                "unit": unit,
                "not_started": not_started.get(unit.pk, 0),
                **{status: row.get(status, 0) for status in Assessment.Status.values},
                "total": row.get("total", 0),
                "due": due,
                "days_left": due.days_left(today),
                "review_days_left": due.review_days_left(today),
                "exception_until": last_day_before(excepted[unit.pk]) if in_force else None,
                "overdue": entry_closed and waiting > 0 and not in_force,
                "review_overdue": review_closed and row.get(Assessment.Status.SUBMITTED, 0) > 0,
            }
        )
    return progress
