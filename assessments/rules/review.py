"""The finance bureau's arithmetic: 复核 totals, differences, samples and department figures.

Plain values in, plain values out; money in 元, scores in points, rates in percent.
"""

import random
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from .numbers import HUNDRED, ZERO, average, round_half_up
from .scoring import execution_rate


def review_total(budget_score: Decimal, indicator_scores: Iterable[Decimal]) -> Decimal:
    """复核总分: the funds row's 复核得分 plus every indicator's, two places half up."""
    return round_half_up(budget_score + sum(indicator_scores, ZERO))


def exceeds_margin(
    self_score: Decimal | None, review_score: Decimal | None, margin: Decimal
) -> bool:
    """Whether self and 复核 differ by more than the margin (either way)."""
    if self_score is None or review_score is None:
        return False
    return abs(self_score - review_score) > margin


def overrated(self_score: Decimal | None, review_score: Decimal | None, margin: Decimal) -> bool:
    """自评偏高: the self score exceeds the 复核 score by more than the margin."""
    if self_score is None or review_score is None:
        return False
    return self_score - review_score > margin


# ---------------------------------------------------------------------------
# Sampling


def stratum_count(size: int, share: Decimal) -> int:
    """How many of a stratum of `size` tables a share (in percent) takes: rounded half up,
    at least one from a stratum that has any, never more than it holds."""
    if size == 0:
        return 0
    wanted = int(round_half_up(Decimal(size) * share / HUNDRED, Decimal("1")))
    return min(size, max(1, wanted))


def budget_strata[T](items: Sequence[T], budget: Callable[[T], Decimal]) -> tuple[list[T], list[T]]:
    """A department's tables split at the median 全年预算数: those above it, and the others
    (at or below). Order within each part is kept."""
    if not items:
        return [], []
    amounts = sorted(budget(item) for item in items)
    middle = len(amounts) // 2
    median = (
        amounts[middle]
        if len(amounts) % 2
        else (amounts[middle - 1] + amounts[middle]) / Decimal(2)
    )
    above = [item for item in items if budget(item) > median]
    rest = [item for item in items if budget(item) <= median]
    return above, rest


def stratified_sample[T](
    strata: Sequence[tuple[Hashable, Sequence[T]]], share: Decimal, seed: int
) -> list[tuple[Hashable, T]]:
    """A reproducible random sample: from each stratum, in the order given, its count
    (stratum_count) drawn with random.Random(seed). The same strata in the same order and
    the same seed give the same sample."""
    chooser = random.Random(seed)
    chosen: list[tuple[Hashable, T]] = []
    for label, items in strata:
        count = stratum_count(len(items), share)
        chosen.extend((label, item) for item in chooser.sample(list(items), count))
    return chosen


# ---------------------------------------------------------------------------
# A department's figures for the bureau's report


@dataclass(frozen=True)
class TableFigures:
    budget: Decimal  # 全年预算数, 元
    executed: Decimal | None  # 全年执行数, 元
    self_score: Decimal
    grade: str
    review_score: Decimal | None = None  # None: not re-scored
    margin: Decimal = Decimal("1.00")  # the sample's margin for 自评偏高


@dataclass(frozen=True)
class DepartmentFigures:
    count: int
    budget: Decimal
    executed: Decimal
    execution_rate: Decimal | None
    average_self: Decimal | None
    reviewed_count: int
    average_self_reviewed: Decimal | None
    average_review: Decimal | None
    difference: Decimal | None  # average self − average 复核, of the re-scored tables
    overrated_count: int
    overrated_rate: Decimal | None  # percent of the re-scored tables
    grade_counts: tuple[tuple[str, int], ...]


def department_figures(
    tables: Sequence[TableFigures], *, grades: Sequence[str]
) -> DepartmentFigures:
    """Money-weighted execution rate (Σ执行数 ÷ Σ全年预算数 of the tables with a budget and a
    spend), average 自评 and 复核 scores, their difference and 自评偏高率."""
    rated = [t for t in tables if t.budget > 0 and t.executed is not None]
    budget = sum((t.budget for t in rated), ZERO)
    executed = sum((t.executed or ZERO for t in rated), ZERO)
    reviewed = [t for t in tables if t.review_score is not None]
    average_self_reviewed = average(sum((t.self_score for t in reviewed), ZERO), len(reviewed))
    average_review = average(sum((t.review_score or ZERO for t in reviewed), ZERO), len(reviewed))
    over = sum(1 for t in reviewed if overrated(t.self_score, t.review_score, t.margin))
    return DepartmentFigures(
        count=len(tables),
        budget=budget,
        executed=executed,
        execution_rate=execution_rate(budget, executed) if rated else None,
        average_self=average(sum((t.self_score for t in tables), ZERO), len(tables)),
        reviewed_count=len(reviewed),
        average_self_reviewed=average_self_reviewed,
        average_review=average_review,
        difference=(
            average_self_reviewed - average_review
            if average_self_reviewed is not None and average_review is not None
            else None
        ),
        overrated_count=over,
        overrated_rate=(
            round_half_up(Decimal(over) * HUNDRED / Decimal(len(reviewed))) if reviewed else None
        ),
        grade_counts=tuple((g, sum(1 for t in tables if t.grade == g)) for g in grades),
    )


# ---------------------------------------------------------------------------
# 复核 starting from the self-assessment


@dataclass(frozen=True)
class ScoreChange:
    """One row of a 复核 as typed: the signed self score, the 复核 score and its reason."""

    position: int  # 0: the funds row (预算执行)
    self_score: Decimal | None
    review_score: Decimal
    reason: str = ""

    @property
    def changed(self) -> bool:
        return self.self_score is None or self.review_score != self.self_score


def unexplained_changes(rows: Iterable[ScoreChange]) -> list[int]:
    """The positions whose 复核得分 differs from the self score without a reason given."""
    return [row.position for row in rows if row.changed and not row.reason.strip()]
