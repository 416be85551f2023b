"""绩效运行监控 (mid-year monitoring): 序时进度, the execution warning, the rows' findings and
the traffic light of one monitoring table. Plain values in, plain values out.

A monitoring table keeps its values as text by cell key (Assessment.cells): the funds and
the goal's progress under fixed keys, and per indicator row `r<n>_<column>` (n counts the
table's rows from 1 in their order; the tree is the approved targets', so rows do not move).
"""

import calendar
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .checks import ERROR, WARNING, Finding
from .numbers import HUNDRED, ZERO, format_percent, format_points, round_half_up
from .parsing import parse_decimal
from .scoring import execution_rate

# How far 执行率 may fall behind 序时进度 (percentage points) before the table warns, unless
# the round sets another margin.
DEFAULT_MARGIN = Decimal("10")

CERTAIN, POSSIBLE, IMPOSSIBLE = "确定能", "有可能", "完全不可能"
LIKELIHOODS = (CERTAIN, POSSIBLE, IMPOSSIBLE)
# A row that may miss its target needs a cause and a corrective measure.
AT_RISK = (POSSIBLE, IMPOSSIBLE)
OTHER_CAUSE = "其他"
CAUSES = ("经费保障", "制度保障", "人员保障", "硬件条件保障", OTHER_CAUSE)

# The columns of an indicator row beyond the approved target, in the order of the table.
ROW_COLUMNS = (
    ("current", "当前完成值"),
    ("forecast", "全年预计完成值"),
    ("likelihood", "完成可能性"),
    ("cause", "偏差原因"),
    ("cause_note", "偏差原因说明"),
    ("measure", "纠偏措施"),
)
ROW_COLUMN_LABELS = dict(ROW_COLUMNS)
_ROW_KEY = re.compile(r"^r([1-9][0-9]{0,3})_([a-z_]+)$")

# The funds and the goal (fixed keys).
INITIAL_BUDGET = "initial_budget"
FULL_YEAR_BUDGET = "full_year_budget"
EXECUTED = "executed"
FORECAST_EXECUTED = "forecast_executed"
FORECAST_REASON = "forecast_reason"
GOAL_PROGRESS = "goal_progress"

BEHIND_SCHEDULE = "MONITORING_BEHIND_SCHEDULE"
FORECAST_BELOW_BUDGET = "MONITORING_FORECAST_BELOW_BUDGET"
FORECAST_REASON_MISSING = "MONITORING_FORECAST_REASON_MISSING"
EXECUTED_MISSING = "MONITORING_EXECUTED_MISSING"
LIKELIHOOD_MISSING = "MONITORING_LIKELIHOOD_MISSING"
CAUSE_MISSING = "MONITORING_CAUSE_MISSING"
CAUSE_NOTE_MISSING = "MONITORING_CAUSE_NOTE_MISSING"
MEASURE_MISSING = "MONITORING_MEASURE_MISSING"
GOAL_PROGRESS_MISSING = "MONITORING_GOAL_PROGRESS_MISSING"

RED, AMBER, GREEN, BLANK = "red", "amber", "green", "blank"
LIGHT_LABELS = {RED: "红灯", AMBER: "黄灯", GREEN: "绿灯", BLANK: "未填报"}


def row_key(number: int, column: str) -> str:
    """The cell key of a column of the row `number` (1-based)."""
    return f"r{number}_{column}"


def parse_row_key(key: str) -> tuple[int, str] | None:
    """(row number, column) of a row cell's key; None for any other key."""
    match = _ROW_KEY.match(key)
    if match is None or match.group(2) not in ROW_COLUMN_LABELS:
        return None
    return int(match.group(1)), match.group(2)


def address(key: str) -> str:
    return f"cells.{key}.value"


def schedule_progress(cut_off: date) -> Decimal:
    """序时进度: the share of the year elapsed at the end of the cut-off day, in percent,
    two decimals rounded half up (7月31日: 212 ÷ 365 = 58.08%; in a leap year 213 ÷ 366)."""
    elapsed = cut_off.timetuple().tm_yday
    days = 366 if calendar.isleap(cut_off.year) else 365
    return round_half_up(Decimal(elapsed) * HUNDRED / Decimal(days))


def lag(rate: Decimal | None, schedule: Decimal | None) -> Decimal | None:
    """How many points 执行率 is behind 序时进度 (negative when ahead); None without both."""
    if rate is None or schedule is None:
        return None
    return schedule - rate


def is_behind(rate: Decimal | None, schedule: Decimal | None, margin: Decimal) -> bool:
    """序时进度预警: execution behind the schedule by more than the margin (at the margin is
    not yet a warning)."""
    behind = lag(rate, schedule)
    return behind is not None and behind > margin


def _amount(cells: dict[str, str], key: str) -> Decimal | None:
    try:
        return parse_decimal(cells.get(key, "") or "")
    except ValueError:  # stored values were read on input; an odd one counts as blank
        return None


@dataclass(frozen=True)
class Funds:
    initial_budget: Decimal | None
    full_year_budget: Decimal | None
    executed: Decimal | None
    forecast: Decimal | None
    rate: Decimal | None
    schedule: Decimal | None
    margin: Decimal

    @property
    def lag(self) -> Decimal | None:
        return lag(self.rate, self.schedule)

    @property
    def behind(self) -> bool:
        return is_behind(self.rate, self.schedule, self.margin)

    @property
    def forecast_below_budget(self) -> bool:
        return (
            self.forecast is not None
            and self.full_year_budget is not None
            and self.forecast < self.full_year_budget
        )


def funds(cells: dict[str, str], cut_off: date | None, margin: Decimal | None) -> Funds:
    full_year = _amount(cells, FULL_YEAR_BUDGET)
    executed = _amount(cells, EXECUTED)
    return Funds(
        initial_budget=_amount(cells, INITIAL_BUDGET),
        full_year_budget=full_year,
        executed=executed,
        forecast=_amount(cells, FORECAST_EXECUTED),
        rate=execution_rate(full_year, executed),
        schedule=schedule_progress(cut_off) if cut_off else None,
        margin=DEFAULT_MARGIN if margin is None else margin,
    )


@dataclass(frozen=True)
class Row:
    number: int
    values: dict[str, str]

    def __getattr__(self, column: str) -> str:
        if column in ROW_COLUMN_LABELS:
            return self.values.get(column, "")
        raise AttributeError(column)

    @property
    def at_risk(self) -> bool:
        return self.values.get("likelihood", "") in AT_RISK


def rows(cells: dict[str, str], count: int) -> list[Row]:
    return [
        Row(n, {column: cells.get(row_key(n, column), "") for column in ROW_COLUMN_LABELS})
        for n in range(1, count + 1)
    ]


def likelihood_counts(cells: dict[str, str], count: int) -> dict[str, int]:
    counted = {likelihood: 0 for likelihood in LIKELIHOODS}
    for row in rows(cells, count):
        if row.values["likelihood"] in counted:
            counted[row.values["likelihood"]] += 1
    return counted


def monitoring_findings(
    cells: dict[str, str],
    row_names: list[str],
    cut_off: date | None,
    margin: Decimal | None,
) -> list[Finding]:
    """The findings of one monitoring table. Errors (blanks a filed table may not have, a row
    at risk without cause or measure) block submission; falling behind 序时进度 and a
    forecast below the budget inform."""
    found: list[Finding] = []
    money = funds(cells, cut_off, margin)
    if money.executed is None:
        found.append(
            Finding(EXECUTED_MISSING, ERROR, "请填写截至数据截至日的执行数。", address(EXECUTED))
        )
    if money.behind:
        found.append(
            Finding(
                BEHIND_SCHEDULE,
                WARNING,
                f"执行率 {format_percent(money.rate)} 落后序时进度 "
                f"{format_percent(money.schedule)} 超过 {format_points(money.margin)} "
                "个百分点（序时进度预警）。",
                address(EXECUTED),
            )
        )
    if money.forecast_below_budget:
        found.append(
            Finding(
                FORECAST_BELOW_BUDGET,
                WARNING,
                "预计全年执行数低于全年预算数。",
                address(FORECAST_EXECUTED),
            )
        )
        if not cells.get(FORECAST_REASON, "").strip():
            found.append(
                Finding(
                    FORECAST_REASON_MISSING,
                    ERROR,
                    "预计全年执行数低于全年预算数，请说明原因。",
                    address(FORECAST_REASON),
                )
            )
    for row, name in zip(rows(cells, len(row_names)), row_names, strict=True):
        found.extend(_row_findings(row, name))
    if not cells.get(GOAL_PROGRESS, "").strip():
        found.append(
            Finding(
                GOAL_PROGRESS_MISSING,
                ERROR,
                "请填写年度总体目标的进展情况。",
                address(GOAL_PROGRESS),
            )
        )
    return found


def _row_findings(row: Row, name: str) -> list[Finding]:
    where = f"“{name}”" if name else f"第 {row.number} 行"
    likelihood = row.values["likelihood"]
    if not likelihood:
        return [
            Finding(
                LIKELIHOOD_MISSING,
                ERROR,
                f"{where}请选择完成可能性。",
                address(row_key(row.number, "likelihood")),
            )
        ]
    if likelihood not in AT_RISK:
        return []
    found = []
    if not row.values["cause"]:
        found.append(
            Finding(
                CAUSE_MISSING,
                ERROR,
                f"{where}完成可能性为“{likelihood}”，请选择偏差原因。",
                address(row_key(row.number, "cause")),
            )
        )
    elif row.values["cause"] == OTHER_CAUSE and not row.values["cause_note"].strip():
        found.append(
            Finding(
                CAUSE_NOTE_MISSING,
                ERROR,
                f"{where}偏差原因为“其他”，请说明具体原因。",
                address(row_key(row.number, "cause_note")),
            )
        )
    if not row.values["measure"].strip():
        found.append(
            Finding(
                MEASURE_MISSING,
                ERROR,
                f"{where}完成可能性为“{likelihood}”，请填写纠偏措施。",
                address(row_key(row.number, "measure")),
            )
        )
    return found


@dataclass(frozen=True)
class Light:
    colour: str
    reasons: tuple[str, ...]

    @property
    def label(self) -> str:
        return LIGHT_LABELS[self.colour]


def light(money: Funds, counts: dict[str, int]) -> Light:
    """红灯: a row that cannot be completed, or execution behind 序时进度 beyond the margin;
    黄灯: a row that may not be completed, execution behind the schedule within the margin,
    or a forecast below the budget; 未填报 without an execution figure; 绿灯 otherwise. The
    reasons say which."""
    red, amber = [], []
    if counts.get(IMPOSSIBLE):
        red.append(f"{counts[IMPOSSIBLE]} 项指标完全不可能完成")
    behind = money.lag
    if money.behind:
        red.append(f"执行率落后序时进度 {behind} 个百分点")
    elif behind is not None and behind > ZERO:
        amber.append(
            f"执行率落后序时进度 {behind} 个百分点（预警线 {format_points(money.margin)}）"
        )
    if counts.get(POSSIBLE):
        amber.append(f"{counts[POSSIBLE]} 项指标有可能完不成")
    if money.forecast_below_budget:
        amber.append("预计全年执行数低于全年预算数")
    if red:
        return Light(RED, tuple(red + amber))
    if amber:
        return Light(AMBER, tuple(amber))
    if money.executed is None:
        # Nothing to judge yet: a table not filled in is not on schedule.
        return Light(BLANK, ("尚未填报执行数",))
    return Light(GREEN, ("执行进度与指标完成正常",))
