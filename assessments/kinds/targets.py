"""财政项目支出绩效目标表: a project's targets, set and approved before the year."""

from decimal import Decimal

from .. import rules
from ..rules.targets import target_findings
from . import register
from .base import TableKind
from .self_assessment import CELL_STEPS, STEPS


def target_checks(
    data: rules.AssessmentInput,
    rule_set: rules.RuleSet,
    results: list[rules.IndicatorResult],
    weight_total: Decimal,
    level1_weights: dict[str, Decimal],
) -> list[rules.Finding]:
    """A target table is checked for its budget, goal, targets and weights; it has no actuals."""
    return target_findings(data, rule_set, weight_total, level1_weights)


@register
class TargetTable(TableKind):
    name = "targets"
    order = 20
    label = "绩效目标表"
    short_label = "绩效目标表"
    title = "财政项目支出绩效目标表"
    file_words = "绩效目标表"
    verify_noun = "目标表"
    sign_verb = "批准"
    badge = "绩效目标表"
    sign_off_heading = "确认批准绩效目标表"
    sign_off_note = (
        "批准后目标锁定并签名；本年度的自评表将从批准的目标开始，"
        "年度指标值和分值只能通过目标调整改变。"
    )
    signed_message = "已批准。绩效目标已锁定并签名，本年度的自评表将从这些目标开始。"
    # Set before the year: nothing is done yet to report.
    layout = "assessments/_official_table.html"
    steps = tuple(step for step in STEPS if step[0] != "actuals")
    cell_steps = CELL_STEPS
    reported = False
    has_actuals = False
    fillable = False
    added_mid_year = True
    indicator_columns = ("target", "weight")

    def evaluate(self, data: rules.AssessmentInput) -> rules.Evaluation:
        return rules.evaluate(data, target_checks, graded=False)

    def comment_targets(self, table: object = None) -> list[tuple[str, str]]:
        targets = [("goal", "预期目标")]
        for line in rules.FUND_LINES:
            for column in ("initial_budget", "full_year_budget"):
                label = f"{rules.FUND_LINE_LABELS[line]} · {rules.FUND_COLUMN_LABELS[column]}"
                targets.append((f"funds.{line}.{column}", label))
        return targets

    def key_figures(
        self, data: rules.AssessmentInput, evaluation: rules.Evaluation
    ) -> list[tuple[str, str]]:
        total = data.fund("total")
        return [
            ("年初预算数", rules.format_amount(total.initial_budget, grouped=True) or "—"),
            ("全年预算数", rules.format_amount(total.full_year_budget, grouped=True) or "—"),
            ("指标分值合计", rules.format_points(evaluation.weight_total)),
            ("绩效指标", str(len(evaluation.indicators))),
        ]
