"""evaluate(): every computed figure and finding of one table, from plain values."""

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
from .rule_sets import get_rule_set
from .scoring import (
    AssessmentInput,
    IndicatorResult,
    budget_score,
    evaluate_indicator,
    execution_rate,
    grade_for,
)
from .targets import target_findings

# AssessmentInput.kind of a target table (绩效目标表).
TARGETS = "targets"


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


def evaluate(data: AssessmentInput) -> Evaluation:
    """Every computed figure and finding of one assessment."""
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

    if data.kind == TARGETS:
        # A target table is checked for its targets; it has no actuals to score.
        findings = target_findings(data, rule_set, weight_total, level1_weights)
    else:
        findings = funds_findings(data, rule_set)
        findings += weight_findings(data, rule_set, weight_total, level1_weights)
        for index, (row, result) in enumerate(zip(data.indicators, results, strict=True)):
            findings += indicator_findings(index, row, result, rule_set)
        findings += text_findings(data)

    return Evaluation(
        execution_rate=rate,
        budget_score=funds_score,
        indicator_score=indicator_score,
        total_score=total_score,
        grade="" if data.kind == TARGETS else grade_for(total_score, rule_set),
        indicators=results,
        findings=findings,
        weight_total=weight_total,
        level1_weights=level1_weights,
    )
