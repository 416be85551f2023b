"""evaluate(): every computed figure and finding of one table, from plain values."""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from .checks import (
    ERROR,
    WARNING,
    Finding,
    funds_findings,
    indicator_findings,
    text_findings,
    weight_findings,
)
from .numbers import ZERO, round_half_up
from .rule_sets import RuleSet, get_rule_set
from .scoring import (
    AssessmentInput,
    IndicatorResult,
    budget_score,
    evaluate_indicator,
    execution_rate,
    grade_for,
)

# What a kind of table checks: its findings from the input, the rule set, the indicator
# results, the weight total and the weights per 一级指标.
Checks = Callable[
    [AssessmentInput, RuleSet, list[IndicatorResult], Decimal, dict[str, Decimal]], list[Finding]
]


@dataclass
class Evaluation:
    execution_rate: Decimal | None
    budget_score: Decimal
    indicator_score: Decimal
    total_score: Decimal
    grade: str
    indicators: list[IndicatorResult]
    findings: list[Finding]
    weight_total: Decimal
    level1_weights: dict[str, Decimal]

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == WARNING]


def assessment_checks(
    data: AssessmentInput,
    rule_set: RuleSet,
    results: list[IndicatorResult],
    weight_total: Decimal,
    level1_weights: dict[str, Decimal],
) -> list[Finding]:
    """The findings of a year-end self-assessment: funds, weights, every row's actuals, texts."""
    findings = funds_findings(data, rule_set)
    findings += weight_findings(data, rule_set, weight_total, level1_weights)
    for index, (row, result) in enumerate(zip(data.indicators, results, strict=True)):
        findings += indicator_findings(index, row, result, rule_set)
    findings += text_findings(data)
    return findings


def evaluate(
    data: AssessmentInput, checks: Checks = assessment_checks, *, graded: bool = True
) -> Evaluation:
    """Every computed figure and finding of one table; `checks` are its kind's findings, and
    only a `graded` table has a 等级 (a target table has nothing done yet to grade)."""
    rule_set = get_rule_set(data.rule_set)
    total = data.fund("total")
    rate = execution_rate(total.full_year_budget, total.executed)
    funds_score = budget_score(total.full_year_budget, total.executed, data.budget_weight)

    results = [evaluate_indicator(row, rule_set) for row in data.indicators]
    weight_total = sum((row.weight or ZERO for row in data.indicators), ZERO)
    level1_weights: dict[str, Decimal] = {}
    for row in data.indicators:
        level1_weights[row.level1] = level1_weights.get(row.level1, ZERO) + (row.weight or ZERO)
    indicator_score = round_half_up(
        sum(
            (
                row.score or ZERO  # a counted score is never blank
                for row, result in zip(data.indicators, results, strict=True)
                if result.score_counts
            ),
            ZERO,
        )
    )
    total_score = round_half_up(funds_score + indicator_score)

    findings = checks(data, rule_set, results, weight_total, level1_weights)

    return Evaluation(
        execution_rate=rate,
        budget_score=funds_score,
        indicator_score=indicator_score,
        total_score=total_score,
        grade=grade_for(total_score, rule_set) if graded else "",
        indicators=results,
        findings=findings,
        weight_total=weight_total,
        level1_weights=level1_weights,
    )
