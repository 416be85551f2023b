"""项目支出绩效运行监控表: a project's mid-year monitoring ("双监控": execution and targets),
one per project and monitoring round, pre-filled from the approved targets.

Its funds and the goal's progress are declared cells; its indicator rows are the approved
target table's, and each row has the cells of rules.monitoring.ROW_COLUMNS, keyed
`r<n>_<column>` in Assessment.cells (table_cells builds them from the table's rows).
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .. import rules
from ..rules import monitoring as m
from . import register
from .base import Cell, TableKind

FUNDS, INDICATORS, GOAL = "funds", "indicators", "goal"

LIKELIHOOD_CHOICES = tuple((value, value) for value in m.LIKELIHOODS)
CAUSE_CHOICES = tuple((value, value) for value in m.CAUSES)

CELLS = (
    Cell(m.INITIAL_BUDGET, "年初预算数", "amount", FUNDS),
    Cell(m.FULL_YEAR_BUDGET, "全年预算数", "amount", FUNDS),
    Cell(m.EXECUTED, "执行数（截至数据截至日）", "amount", FUNDS),
    Cell(m.FORECAST_EXECUTED, "预计全年执行数", "amount", FUNDS),
    Cell(m.FORECAST_REASON, "预计执行不足的原因", "text", FUNDS, max_length=500),
    Cell(m.GOAL_PROGRESS, "年度总体目标进展情况", "text", GOAL, max_length=1000),
)


def _row_cell(number: int, column: str, name: str = "", group: str = "") -> Cell:
    label = m.ROW_COLUMN_LABELS[column]
    label = f"{name} · {label}" if name else f"第 {number} 行 · {label}"
    key = m.row_key(number, column)
    if column == "likelihood":
        return Cell(key, label, "choice", INDICATORS, choices=LIKELIHOOD_CHOICES, group=group)
    if column == "cause":
        return Cell(key, label, "choice", INDICATORS, choices=CAUSE_CHOICES, group=group)
    long = column in ("cause_note", "measure")
    return Cell(key, label, "text", INDICATORS, max_length=500 if long else 200, group=group)


def _rows(table: Any) -> list[Any]:
    return list(table.indicators.all()) if table is not None and table.pk else []


def monitoring_checks(
    data: rules.AssessmentInput,
    rule_set: rules.RuleSet,
    results: list[rules.IndicatorResult],
    weight_total: Decimal,
    level1_weights: dict[str, Decimal],
) -> list[rules.Finding]:
    return m.monitoring_findings(
        data.cells, [row.name for row in data.indicators], data.cut_off, data.lag_margin
    )


@dataclass
class SheetRow:
    row: Any  # the Indicator
    values: m.Row
    number: int

    def address(self, column: str) -> str:
        return m.address(m.row_key(self.number, column))


@dataclass
class MonitoringSheet:
    funds: m.Funds
    rows: list[SheetRow]
    counts: dict[str, int]
    light: m.Light
    cut_off: Any
    # The funds' amounts as the table prints them (two decimals), by cell key.
    amounts: dict[str, str]

    @property
    def impossible(self) -> int:
        return self.counts[m.IMPOSSIBLE]

    @property
    def possible(self) -> int:
        return self.counts[m.POSSIBLE]


@register
class MonitoringTable(TableKind):
    name = "monitoring"
    order = 30
    label = "绩效运行监控表"
    short_label = "运行监控表"
    title = "项目支出绩效运行监控表"
    file_words = "绩效运行监控表"
    verify_noun = "运行监控表"
    # The field says 审核 of a monitoring table; the reviewer's 审核通过 signs it.
    sign_verb = "审核通过"
    signed_message = "已审核通过。监控表内容已锁定并签名。"
    sign_off_heading = "确认审核通过运行监控表"
    sign_off_note = "审核通过后内容锁定并签名；年终自评时，各指标将显示本次监控的完成情况供参考。"
    badge = "运行监控表"
    layout = "assessments/_monitoring_table.html"
    steps = ((FUNDS, "资金执行"), (INDICATORS, "指标完成情况"), (GOAL, "总体目标进展"))
    cells = CELLS
    reported = False
    has_actuals = False
    fillable = True
    starts_from = "targets"
    opened_in_rounds = True
    adjusts_targets = False

    @property
    def review_button(self) -> str:
        return "审核通过"

    @property
    def signed_label(self) -> str:
        return "已审核通过"

    def cell(self, key: str) -> Cell:
        try:
            return super().cell(key)
        except KeyError:
            parsed = m.parse_row_key(key)
            if parsed is None:
                raise
            return _row_cell(*parsed)

    def table_cells(self, table: Any = None) -> tuple[Cell, ...]:
        row_cells: list[Cell] = []
        for number, row in enumerate(_rows(table), start=1):
            path = f"{row.level1} / {row.level2} / {row.name}"
            group = f"{number}. {path}（年度指标值：{row.target or '—'}）"
            row_cells.extend(
                _row_cell(number, column, row.name, group) for column in m.ROW_COLUMN_LABELS
            )
        funds = tuple(cell for cell in CELLS if cell.step == FUNDS)
        goal = tuple(cell for cell in CELLS if cell.step == GOAL)
        return (*funds, *row_cells, *goal)

    def evaluate(self, data: rules.AssessmentInput) -> rules.Evaluation:
        return rules.evaluate(data, monitoring_checks, graded=False)

    def table_sheet(
        self, table: Any, evaluation: rules.Evaluation | None = None, rows: Any = None
    ) -> MonitoringSheet:
        rows = _rows(table) if rows is None else list(rows)
        data = table.rules_input(rows)
        money = m.funds(data.cells, data.cut_off, data.lag_margin)
        counts = m.likelihood_counts(data.cells, len(rows))
        return MonitoringSheet(
            funds=money,
            rows=[
                SheetRow(row, values, values.number)
                for row, values in zip(rows, m.rows(data.cells, len(rows)), strict=True)
            ],
            counts=counts,
            light=m.light(money, counts),
            cut_off=data.cut_off,
            amounts={
                m.INITIAL_BUDGET: rules.format_amount(money.initial_budget),
                m.FULL_YEAR_BUDGET: rules.format_amount(money.full_year_budget),
                m.EXECUTED: rules.format_amount(money.executed),
                m.FORECAST_EXECUTED: rules.format_amount(money.forecast),
            },
        )

    def key_figures(
        self, data: rules.AssessmentInput, evaluation: rules.Evaluation
    ) -> list[tuple[str, str]]:
        money = m.funds(data.cells, data.cut_off, data.lag_margin)
        counts = m.likelihood_counts(data.cells, len(data.indicators))
        return [
            ("数据截至", f"{data.cut_off:%Y年%m月%d日}" if data.cut_off else "—"),
            ("执行率", rules.format_percent(money.rate)),
            ("序时进度", rules.format_percent(money.schedule)),
            ("完全不可能", str(counts[m.IMPOSSIBLE])),
            ("有可能", str(counts[m.POSSIBLE])),
            ("监控结果", m.light(money, counts).label),
        ]

    def comment_targets(self, table: Any = None) -> list[tuple[str, str]]:
        return [(str(cell.address), cell.label) for cell in self.table_cells(table)]
