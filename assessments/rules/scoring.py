"""The arithmetic of one table: execution rate, budget score, indicator scores, grade."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import cast

from .numbers import CENT, HUNDRED, ZERO, round_half_up, sum_or_blank
from .parsing import ParsedValue, parse_value
from .rule_sets import (
    COMPLETION_COMPARATORS,
    DEFAULT_RULE_SET,
    FUND_COLUMNS,
    FUND_LINES,
    GRADE_ACHIEVED,
    GRADE_NOT_ACHIEVED,
    GRADE_PARTIAL,
    RULE_SETS,
    RuleSet,
)


@dataclass
class FundsLine:
    initial_budget: Decimal | None = None
    full_year_budget: Decimal | None = None
    executed: Decimal | None = None


@dataclass
class IndicatorInput:
    level1: str
    level2: str
    name: str
    target: str = ""
    actual: str = ""
    grade: str | None = None
    weight: Decimal | None = None
    score: Decimal | None = None
    reason: str = ""
    criteria: str = ""  # 评分细则, where the rule set asks for it
    # What the latest approved 运行监控 said of a row it flagged ("运行监控 7月31日：有可能").
    monitoring: str = ""


@dataclass
class AssessmentInput:
    rule_set: str = DEFAULT_RULE_SET
    funds: dict[str, FundsLine] = field(default_factory=dict)
    budget_weight: Decimal = Decimal("10")
    goal: str = ""
    outcome: str = ""
    indicators: list[IndicatorInput] = field(default_factory=list)
    money_unit: str = "元"
    # Values of the cells a kind declares beyond the official columns, by cell address.
    cells: dict[str, str] = field(default_factory=dict)
    # The approved target table's 全年预算数 of a self-assessment that took its targets.
    approved_budget: Decimal | None = None
    # A monitoring table's 数据截至 and the points 执行率 may lag 序时进度 (its round's).
    cut_off: date | None = None
    lag_margin: Decimal | None = None

    def fund(self, line: str) -> FundsLine:
        return self.funds.get(line) or FundsLine()


def funds_total(lines: Mapping[str, FundsLine | None]) -> FundsLine:
    """年度资金总额 as the sum of 当年财政拨款, 上年结转资金 and 其他资金, column by column;
    blank where none of the three is filled in (blank is not zero)."""
    return FundsLine(
        *(
            sum_or_blank(getattr(lines.get(line) or FundsLine(), column) for line in FUND_LINES[1:])
            for column in FUND_COLUMNS
        )
    )


@dataclass
class IndicatorResult:
    target: ParsedValue | None
    actual: ParsedValue | None
    met: bool | None
    suggested_score: Decimal | None
    band: tuple[Decimal, Decimal] | None = None
    # False where the rules refuse the score typed (below 0, above the weight, outside the
    # qualitative band): it is kept in the draft but not counted into the total.
    score_counts: bool = True


def execution_ratio(full_year_budget: Decimal | None, executed: Decimal | None) -> Decimal | None:
    """The exact ratio 全年执行数 ÷ 全年预算数, or None when there is nothing to divide by."""
    if not full_year_budget or executed is None:
        return None
    return executed / full_year_budget


def execution_rate(full_year_budget: Decimal | None, executed: Decimal | None) -> Decimal | None:
    """执行率 in percent, two decimals, rounded half up from the exact ratio."""
    ratio = execution_ratio(full_year_budget, executed)
    if ratio is None:
        return None
    return round_half_up(ratio * HUNDRED)


def budget_score(
    full_year_budget: Decimal | None, executed: Decimal | None, weight: Decimal = Decimal("10")
) -> Decimal:
    """min(执行率, 100%) × 分值, two decimals, rounded half up from the exact ratio."""
    ratio = execution_ratio(full_year_budget, executed)
    if ratio is None:
        return ZERO.quantize(CENT)
    ratio = min(max(ratio, ZERO), Decimal(1))
    return round_half_up(ratio * weight)


def grade_for(total: Decimal, rule_set: RuleSet | None = None) -> str:
    rule_set = rule_set or RULE_SETS[DEFAULT_RULE_SET]
    for floor, grade in rule_set.grade_floors:
        if total >= floor:
            return grade
    return rule_set.lowest_grade


def qualitative_band(
    grade: str | None, weight: Decimal | None, rule_set: RuleSet | None = None
) -> tuple[Decimal, Decimal] | None:
    """The (lowest, highest) score a qualitative grade allows for this 分值."""
    rule_set = rule_set or RULE_SETS[DEFAULT_RULE_SET]
    if grade not in rule_set.qualitative_bands or weight is None:
        return None
    low, high = rule_set.qualitative_bands[grade]
    return round_half_up(low * weight), round_half_up(high * weight)


def target_met(target: ParsedValue | None, actual: ParsedValue | None) -> bool | None:
    """Whether the actual value meets the target; None when the two cannot be compared."""
    if target is None or actual is None or target.is_qualitative or actual.is_qualitative:
        return None
    if target.unit and actual.unit and target.unit != actual.unit:
        return None
    # Neither is qualitative: both have a comparator and a number.
    goal, value = cast(Decimal, target.number), cast(Decimal, actual.number)
    if goal == 0 and target.comparator in ("=", "<=", "<"):
        return value <= 0
    return {
        "=": value >= goal,
        ">=": value >= goal,
        ">": value > goal,
        "<=": value <= goal,
        "<": value < goal,
    }[cast(str, target.comparator)]


def suggested_indicator_score(
    target: ParsedValue | None,
    actual: ParsedValue | None,
    weight: Decimal | None,
    grade: str | None = None,
    rule_set: RuleSet | None = None,
) -> Decimal | None:
    """The rule's score for one indicator; the preparer may lower it, never raise it."""
    rule_set = rule_set or RULE_SETS[DEFAULT_RULE_SET]
    if weight is None:
        return None
    if target is not None and target.is_qualitative:
        band = qualitative_band(grade, weight, rule_set)
        return band[1] if band else None
    met = target_met(target, actual)
    if met is None:
        return None
    if met:
        return round_half_up(weight)
    # target_met compared the two: both are set and have numbers.
    target, actual = cast(ParsedValue, target), cast(ParsedValue, actual)
    goal, value = cast(Decimal, target.number), cast(Decimal, actual.number)
    if goal == 0:
        return ZERO.quantize(CENT)
    if target.comparator in COMPLETION_COMPARATORS:
        share = value / goal
    elif rule_set.reverse_formula == "ratio":
        share = goal / value if value > 0 else Decimal(1)
    else:
        share = Decimal(1) - (value - goal) / goal
    share = min(max(share, ZERO), Decimal(1))
    return round_half_up(share * weight)


def evaluate_indicator(row: IndicatorInput, rule_set: RuleSet) -> IndicatorResult:
    target = parse_value(row.target)
    actual = parse_value(row.actual)
    qualitative = target is not None and target.is_qualitative
    if qualitative:
        met_by_grade: dict[str | None, bool] = {
            GRADE_ACHIEVED: True,
            GRADE_PARTIAL: False,
            GRADE_NOT_ACHIEVED: False,
        }
        met = met_by_grade.get(row.grade)
        band = qualitative_band(row.grade, row.weight, rule_set)
    else:
        met = target_met(target, actual)
        band = None
    suggested = suggested_indicator_score(target, actual, row.weight, row.grade, rule_set)
    return IndicatorResult(
        target,
        actual,
        met,
        suggested,
        band,
        score_counts=score_accepted(row.score, row.weight, band),
    )


def score_accepted(
    score: Decimal | None, weight: Decimal | None, band: tuple[Decimal, Decimal] | None
) -> bool:
    """Whether the rules take a typed score: from 0 to the weight, inside its band if any."""
    if score is None:
        return False
    if score < 0 or (weight is not None and score > weight):
        return False
    return band is None or band[0] <= score <= band[1]
