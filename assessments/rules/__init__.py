"""The official arithmetic and checks of the 财政项目支出绩效自评表.

Pure Python: plain values in (Decimal, str), plain values out. Nothing here touches the
database, so every figure the application shows or prints comes from one tested place.

- rule_sets: the table's lines, columns and grades; the rule sets that score it
- parsing: texts, amounts and indicator values as people type or paste them
- numbers: rounding half up, sums, averages, and how figures are written
- scoring: execution rate, budget score, indicator scores, grade
- checks: the findings (errors block submission, warnings inform)
- evaluation: evaluate(), every figure and finding of one table
"""

from .checks import ERROR, WARNING, Finding
from .evaluation import Checks, Evaluation, assessment_checks, evaluate
from .numbers import (
    CENT,
    HUNDRED,
    MAX_AMOUNT_DIGITS,
    ZERO,
    average,
    format_amount,
    format_percent,
    format_points,
    round_half_up,
    sum_or_blank,
    weighted_average,
)
from .parsing import (
    QUALITATIVE,
    ParsedValue,
    clean_text,
    normalize_text,
    parse_decimal,
    parse_value,
)
from .rule_sets import (
    COMPLETION_COMPARATORS,
    DEFAULT_RULE_SET,
    FUND_COLUMN_LABELS,
    FUND_COLUMNS,
    FUND_LINE_LABELS,
    FUND_LINES,
    GRADE_ACHIEVED,
    GRADE_NOT_ACHIEVED,
    GRADE_PARTIAL,
    QUALITATIVE_GRADE_LABELS,
    REVERSE_COMPARATORS,
    RULE_SETS,
    RuleSet,
    default_rule_set,
    get_rule_set,
)
from .scoring import (
    AssessmentInput,
    FundsLine,
    IndicatorInput,
    IndicatorResult,
    budget_score,
    evaluate_indicator,
    execution_rate,
    execution_ratio,
    funds_total,
    grade_for,
    qualitative_band,
    suggested_indicator_score,
    target_met,
)

__all__ = [
    "CENT",
    "COMPLETION_COMPARATORS",
    "DEFAULT_RULE_SET",
    "ERROR",
    "FUND_COLUMNS",
    "FUND_COLUMN_LABELS",
    "FUND_LINES",
    "FUND_LINE_LABELS",
    "GRADE_ACHIEVED",
    "GRADE_NOT_ACHIEVED",
    "GRADE_PARTIAL",
    "HUNDRED",
    "MAX_AMOUNT_DIGITS",
    "QUALITATIVE",
    "QUALITATIVE_GRADE_LABELS",
    "REVERSE_COMPARATORS",
    "RULE_SETS",
    "WARNING",
    "ZERO",
    "AssessmentInput",
    "Checks",
    "Evaluation",
    "Finding",
    "FundsLine",
    "IndicatorInput",
    "IndicatorResult",
    "ParsedValue",
    "RuleSet",
    "assessment_checks",
    "average",
    "budget_score",
    "clean_text",
    "default_rule_set",
    "evaluate",
    "evaluate_indicator",
    "execution_rate",
    "execution_ratio",
    "format_amount",
    "format_percent",
    "format_points",
    "funds_total",
    "get_rule_set",
    "grade_for",
    "normalize_text",
    "parse_decimal",
    "parse_value",
    "qualitative_band",
    "round_half_up",
    "suggested_indicator_score",
    "sum_or_blank",
    "target_met",
    "weighted_average",
]
