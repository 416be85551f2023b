"""绩效运行监控: opening a round, which begins a monitoring table for every project of its
scope whose targets of the year are approved."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q, QuerySet

from .. import deadlines, kinds, notifications, permissions
from ..models import (
    Assessment,
    Membership,
    MonitoringRound,
    Organisation,
    OrganisationEvent,
    Project,
    ReportingYear,
)
from ..rules import monitoring as m
from . import AssessmentError, check
from .drafts import start_from_targets

KIND = kinds.monitoring.MonitoringTable.name


def _projects_in(scope: Organisation) -> Q:
    """The lookup of the projects below a department (its units) or a bureau."""
    return Q(**{MonitoringRound.PROJECTS_BELOW[Organisation.Kind(scope.kind)]: scope})


def projects_of_year(scope: Organisation, year: ReportingYear) -> QuerySet[Project]:
    """The projects of the scope that belong to the year: with a table of the year, or with
    a self-assessment of the year before (continuing)."""
    return (
        Project.objects.filter(_projects_in(scope))
        .filter(
            Q(assessments__year=year)
            | Q(
                assessments__year__year=year.year - 1,
                assessments__kind__in=kinds.names(reported=True),
            )
        )
        .distinct()
        .select_related("unit__parent")
        .order_by("unit__name", "name")
    )


def approved_targets_of(scope: Organisation, year: ReportingYear) -> dict[int, Assessment]:
    """Each project's approved target table of the year, by project id."""
    tables = (
        Assessment.objects.target_tables()
        .filter(year=year, status=Assessment.Status.SIGNED_OFF)
        .filter(project__in=projects_of_year(scope, year))
        .select_related("project__unit__parent")
        .prefetch_related("indicators")
    )
    return {table.project_id: table for table in tables}


@dataclass
class Opened:
    round: MonitoringRound
    tables: list[Assessment] = field(default_factory=list)
    # Projects of the scope without approved targets of the year: listed, not monitored.
    without_targets: list[Project] = field(default_factory=list)


@transaction.atomic
def open_round(
    scope: Organisation,
    year: ReportingYear,
    *,
    cut_off: datetime.date,
    due: datetime.date,
    margin: Decimal | None = None,
    by: User,
) -> Opened:
    """Open a monitoring round: one monitoring table per project of the scope with approved
    targets, pre-filled from them (funds, goal, indicator rows with their 年度指标值); the
    units' preparers are told. One log entry for the round, one per table."""
    check(permissions.can_open_monitoring(by, scope))
    if reason := deadlines.closed_year_reason(year):
        raise AssessmentError(reason)
    if cut_off.year != year.year:
        raise AssessmentError(f"数据截至日应在 {year.year} 年内。")
    if due < cut_off:
        raise AssessmentError("填报截止不能早于数据截至日。")
    margin = m.DEFAULT_MARGIN if margin is None else margin
    if not Decimal(0) <= margin <= Decimal(100):
        raise AssessmentError("预警线应在 0 到 100 个百分点之间。")
    if MonitoringRound.objects.filter(year=year, scope=scope, cut_off=cut_off).exists():
        raise AssessmentError(f"{scope.name}已发起数据截至 {cut_off:%m月%d日} 的运行监控。")
    round_ = MonitoringRound.objects.create(
        year=year, scope=scope, cut_off=cut_off, due=due, margin=margin, opened_by=by
    )
    targets = approved_targets_of(scope, year)
    opened = Opened(round_)
    for project in projects_of_year(scope, year):
        source = targets.get(project.pk)
        if source is None:
            opened.without_targets.append(project)
            continue
        opened.tables.append(
            start_from_targets(
                source,
                KIND,
                by=by,
                monitoring_round=round_,
                cells=_funds_from(source),
            )
        )
    OrganisationEvent.objects.create(
        organisation=scope,
        year=year,
        actor=by,
        action=OrganisationEvent.Action.MONITORING_OPEN,
        comment=round_.title,
        details={
            "cut_off": cut_off.isoformat(),
            "due": due.isoformat(),
            "margin": format(margin, "f"),
            "tables": len(opened.tables),
            "without_targets": [project.name for project in opened.without_targets],
        },
    )
    _tell_units(opened)
    return opened


def _funds_from(targets: Assessment) -> dict[str, str]:
    def text(value: Decimal | None) -> str:
        return "" if value is None else format(value, "f")

    return {
        m.INITIAL_BUDGET: text(targets.total_initial_budget),
        m.FULL_YEAR_BUDGET: text(targets.total_full_year_budget),
    }


def _tell_units(opened: Opened) -> None:
    round_ = opened.round
    units = {table.unit.pk for table in opened.tables}
    preparers = [
        membership.user
        for membership in Membership.objects.filter(
            organisation_id__in=units, role=Membership.Role.PREPARER
        ).select_related("user")
    ]
    notifications.tell(
        preparers,
        title=f"请填报运行监控表（数据截至 {round_.cut_off:%m月%d日}）",
        body=(
            f"{round_.scope.name}发起了{round_.title}，请于 {round_.due:%Y年%m月%d日} 前"
            "填报本单位项目的绩效运行监控表。"
        ),
        url="/assessments/?kind=" + KIND,
    )
