"""财政项目支出绩效自评表: the year-end self-assessment of a project (domain.md §1)."""

from .. import rules
from . import DEFAULT, register
from .base import TableKind

# Which step fills a cell (kinds.base.TableKind.cell_steps).
CELL_STEPS = {
    "funds": "funds",
    "goal": "goal",
    "outcome": "actuals",
    "indicators": "targets",
    "indicators.actual": "actuals",
    "indicators.grade": "actuals",
    "indicators.score": "actuals",
    "indicators.reason": "actuals",
}

STEPS = (
    ("basic", "基本信息"),
    ("funds", "项目资金"),
    ("goal", "年度总体目标"),
    ("targets", "绩效指标与年度指标值"),
    ("actuals", "实际完成"),
    ("review", "核对"),
)


@register
class SelfAssessment(TableKind):
    name = DEFAULT
    order = 10
    label = "绩效自评表"
    short_label = "自评表"
    title = "财政项目支出绩效自评表"
    file_words = "绩效自评表"
    verify_noun = "自评表"
    layout = "assessments/_official_table.html"
    steps = STEPS
    cell_steps = CELL_STEPS
    starts_from = "targets"
    named_in_record = False
    indicator_columns = ("target", "actual", "weight", "score", "reason")

    def key_figures(
        self, data: rules.AssessmentInput, evaluation: rules.Evaluation
    ) -> list[tuple[str, str]]:
        total = data.fund("total")
        return [
            ("全年预算数", rules.format_amount(total.full_year_budget, grouped=True) or "—"),
            ("全年执行数", rules.format_amount(total.executed, grouped=True) or "—"),
            ("执行率", rules.format_percent(evaluation.execution_rate)),
            (
                "预算执行得分",
                f"{evaluation.budget_score} / {rules.format_points(data.budget_weight)}",
            ),
            ("总分", str(evaluation.total_score)),
            ("等级", evaluation.grade),
        ]

    def comment_targets(self, table: object = None) -> list[tuple[str, str]]:
        targets = [("goal", "预期目标"), ("outcome", "实际完成情况")]
        for line in rules.FUND_LINES:
            for column in rules.FUND_COLUMNS:
                label = f"{rules.FUND_LINE_LABELS[line]} · {rules.FUND_COLUMN_LABELS[column]}"
                targets.append((f"funds.{line}.{column}", label))
        return targets
