"""What points a finance bureau's sampler at a filed table: warnings for the bureau, never
errors for the unit. Plain values in, plain values out; rates in percent, scores in points.

The thresholds are named here; a finding says which one it crossed.
"""

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from .numbers import HUNDRED, round_half_up
from .rule_sets import FUND_LINE_LABELS

# 执行率 below this (percent) with a high grade is worth a look.
LOW_EXECUTION_RATE = Decimal("60")
# The grades counted as high for that finding.
HIGH_GRADES = ("优",)
# A total less than this many points above a grade's floor is near the boundary.
NEAR_BOUNDARY = Decimal("1.00")
# A score more than this many points above the department's median stands out.
ABOVE_MEDIAN = Decimal("10.00")


@dataclass(frozen=True)
class FundsLine:
    line: str  # total, current, carryover, other
    budget: Decimal | None  # 全年预算数
    executed: Decimal | None  # 全年执行数


@dataclass(frozen=True)
class TableRisk:
    """One filed table's figures as the findings read them."""

    department: str
    self_score: Decimal
    grade: str
    execution_rate: Decimal | None
    lines: Sequence[FundsLine] = ()


@dataclass(frozen=True)
class RiskFinding:
    code: str  # low_execution, over_budget, near_boundary, above_median
    message: str


@dataclass(frozen=True)
class Thresholds:
    low_execution_rate: Decimal = LOW_EXECUTION_RATE
    high_grades: tuple[str, ...] = HIGH_GRADES
    near_boundary: Decimal = NEAR_BOUNDARY
    above_median: Decimal = ABOVE_MEDIAN


def median(values: Sequence[Decimal]) -> Decimal | None:
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / Decimal(2)


def department_medians(tables: Sequence[TableRisk]) -> dict[str, Decimal]:
    """The median 自评总分 of each department's filed tables."""
    found: dict[str, list[Decimal]] = {}
    for table in tables:
        found.setdefault(table.department, []).append(table.self_score)
    return {name: m for name, scores in found.items() if (m := median(scores)) is not None}


def findings_of(
    table: TableRisk,
    *,
    grade_floors: Sequence[tuple[Decimal, str]],
    department_median: Decimal | None,
    thresholds: Thresholds = Thresholds(),
) -> list[RiskFinding]:
    """The warnings for one table, in a fixed order."""
    found = []
    rate = table.execution_rate
    if (
        rate is not None
        and rate < thresholds.low_execution_rate
        and table.grade in (thresholds.high_grades)
    ):
        found.append(
            RiskFinding(
                "low_execution",
                f"执行率 {rate}% 低于 {thresholds.low_execution_rate}%，"
                f"自评等级却为{table.grade}。",
            )
        )
    for line in table.lines:
        if line.executed is not None and line.executed > (line.budget or Decimal(0)):
            found.append(
                RiskFinding(
                    "over_budget",
                    f"{FUND_LINE_LABELS.get(line.line, line.line)}的全年执行数 {line.executed} "
                    f"超过全年预算数 {line.budget if line.budget is not None else 0}。",
                )
            )
    for floor, grade in grade_floors:
        if floor <= table.self_score < floor + thresholds.near_boundary:
            found.append(
                RiskFinding(
                    "near_boundary",
                    f"自评总分 {table.self_score} 距“{grade}”的下限 {floor} 分"
                    f"不足 {thresholds.near_boundary} 分。",
                )
            )
            break
    if department_median is not None:
        above = table.self_score - department_median
        if above > thresholds.above_median:
            found.append(
                RiskFinding(
                    "above_median",
                    f"自评总分 {table.self_score} 高出本部门中位数 "
                    f"{round_half_up(department_median)} 分达 {round_half_up(above)} 分"
                    f"（提示阈值 {thresholds.above_median} 分）。",
                )
            )
    return found


def risk_first_sample[T](
    items: Sequence[T], risk: Callable[[T], int], share: Decimal, seed: int
) -> list[T]:
    """A sample of share percent of the items (rounded half up, at least one), the tables with
    findings first (the most findings first, ties drawn by the seed), the rest drawn at random
    from the others. The same items in the same order and the same seed give the same sample."""
    if not items:
        return []
    count = min(
        len(items), max(1, int(round_half_up(Decimal(len(items)) * share / HUNDRED, Decimal(1))))
    )
    chooser = random.Random(seed)
    shuffled = list(items)
    chooser.shuffle(shuffled)
    risky = sorted((i for i in shuffled if risk(i) > 0), key=risk, reverse=True)
    chosen = risky[:count]
    rest = [i for i in items if risk(i) == 0]
    chosen += chooser.sample(rest, min(len(rest), count - len(chosen)))
    return chosen
