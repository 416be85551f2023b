"""A monitoring round as the department and the bureau see it: each project's execution
against 序时进度, its rows that may miss or cannot reach their targets, the table's status and
its light (红灯, 黄灯, 绿灯) with the reasons; the same rows for the Excel export."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch

from .. import kinds, rules
from ..kinds.monitoring import MonitoringSheet, SheetRow
from ..models import Assessment, Indicator, MonitoringRound, Project
from ..rules import monitoring as m
from ..services.monitoring import projects_of_year
from .exports import StreamedWorkbook, _percent, xlsx_response

LIGHT_ORDER = {m.RED: 0, m.AMBER: 1, m.BLANK: 2, m.GREEN: 3}


@dataclass
class RoundRow:
    table: Assessment
    sheet: MonitoringSheet
    # Whether the user may issue a rectification (整改) from the table's rows.
    may_rectify: bool = False

    @property
    def at_risk(self) -> list[tuple[SheetRow, str]]:
        """The rows that may miss or cannot reach their targets, each with the words a
        rectification started from it names it by."""
        cut_off = self.table.monitoring_round.cut_off if self.table.monitoring_round else None
        when = f"运行监控 {cut_off.month}月{cut_off.day}日" if cut_off else "运行监控"
        return [
            (line, f"{line.row.name}（{when}：{line.values.likelihood}）")
            for line in self.sheet.rows
            if line.values.at_risk
        ]


@dataclass
class RoundView:
    round: MonitoringRound
    rows: list[RoundRow]
    without_targets: list[Project] = field(default_factory=list)

    @property
    def schedule(self) -> Decimal:
        return self.round.schedule

    def count(self, colour: str) -> int:
        return sum(1 for row in self.rows if row.sheet.light.colour == colour)

    @property
    def lights(self) -> list[tuple[str, str, int]]:
        return [(colour, m.LIGHT_LABELS[colour], self.count(colour)) for colour in LIGHT_ORDER]

    @property
    def statuses(self) -> dict[str, int]:
        counted: dict[str, int] = {}
        for row in self.rows:
            counted[row.table.status_label] = counted.get(row.table.status_label, 0) + 1
        return counted


def round_view(round_: MonitoringRound) -> RoundView:
    """Every table of the round with its figures (three queries), red first, and the
    projects of the scope that have no approved targets of the year."""
    tables = list(
        Assessment.objects.filter(monitoring_round=round_)
        .select_related("project__unit__parent", "year", "monitoring_round")
        .prefetch_related(Prefetch("indicators", queryset=Indicator.objects.order_by("position")))
    )
    rows = [RoundRow(table, table.table_kind.table_sheet(table)) for table in tables]
    rows.sort(
        key=lambda row: (
            LIGHT_ORDER[row.sheet.light.colour],
            row.table.unit.name,
            row.table.subject,
        )
    )
    monitored = {table.project_id for table in tables}
    without = [
        project
        for project in projects_of_year(round_.scope, round_.year)
        if project.pk not in monitored
    ]
    return RoundView(round_, rows, without)


COLUMNS = (
    ("实施单位", 22),
    ("项目名称", 30),
    ("状态", 10),
    ("全年预算数", 16),
    ("执行数", 16),
    ("执行率", 10),
    ("序时进度", 10),
    ("落后序时进度（百分点）", 12),
    ("完全不可能", 10),
    ("有可能", 10),
    ("监控结果", 10),
    ("原因", 50),
)


def write_round_workbook(view: RoundView, target) -> None:
    book = StreamedWorkbook(target)
    sheet = book.sheet("运行监控", COLUMNS, title=f"{view.round.scope.name} {view.round.title}")
    for row in view.rows:
        funds = row.sheet.funds
        sheet.append(
            [
                row.table.unit.name,
                row.table.subject,
                row.table.status_label,
                (funds.full_year_budget, "money"),
                (funds.executed, "money"),
                (_percent(funds.rate), "percent"),
                (_percent(funds.schedule), "percent"),
                funds.lag,
                row.sheet.counts[m.IMPOSSIBLE],
                row.sheet.counts[m.POSSIBLE],
                row.sheet.light.label,
                "；".join(row.sheet.light.reasons),
            ]
        )
    for project in view.without_targets:
        sheet.append(
            [project.unit.name, project.name, "无已批准的绩效目标", *[""] * 8, "未纳入本次监控"]
        )
    book.close()


def round_xlsx_response(view: RoundView):
    name = f"{view.round.year.year}-{view.round.scope.name}-运行监控-{view.round.cut_off:%m%d}.xlsx"
    return xlsx_response(lambda target: write_round_workbook(view, target), name)


def format_lag(value: Decimal | None) -> str:
    return "—" if value is None else rules.format_points(value)


@dataclass
class Reference:
    """A row's values in the latest approved monitoring table, shown at year end."""

    table: Assessment
    line: SheetRow

    @property
    def cut_off(self):
        return self.table.monitoring_round.cut_off if self.table.monitoring_round else None

    @property
    def flagged(self) -> bool:
        return self.line.values.at_risk


def monitoring_reference(assessment: Assessment) -> dict[tuple[str, str, str], Reference]:
    """The latest approved table opened in a round from the same approved targets, row by
    row (by 一级, 二级 and 三级指标); empty for a table without actuals or approved targets."""
    if not assessment.table_kind.has_actuals or not assessment.targets_source_id:
        return {}
    latest = (
        Assessment.objects.filter(
            targets_source_id=assessment.targets_source_id,
            kind__in=kinds.names(opened_in_rounds=True),
            status=Assessment.Status.SIGNED_OFF,
        )
        .exclude(pk=assessment.pk)
        .select_related("monitoring_round", "year")
        .prefetch_related(Prefetch("indicators", queryset=Indicator.objects.order_by("position")))
        .order_by("-monitoring_round__cut_off", "-pk")
        .first()
    )
    if latest is None:
        return {}
    sheet = latest.table_kind.table_sheet(latest)
    return {
        (line.row.level1, line.row.level2, line.row.name): Reference(latest, line)
        for line in sheet.rows
    }
