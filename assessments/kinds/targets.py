"""项目支出绩效目标申报表: a project's targets, set and approved before the year."""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .. import rules
from ..rules.targets import declaration_findings, target_findings
from . import register
from .base import Cell, TableKind, opinion_cells
from .inputs import printed_date
from .self_assessment import CELL_STEPS, STEPS

# The declaration's own step: the header and texts of 项目支出绩效目标申报表 (the commonly
# published template).
DECLARATION = "declaration"
PROJECT_ATTRIBUTES = (("新增", "新增"), ("延续", "延续"))
REVIEW_OPINIONS = (("unit", "单位审核意见"), ("department", "主管部门审核意见"))
# The cells of the declaration, in the order of its step. Their keys are rules.targets'.
DECLARATION_CELLS = (
    Cell("attribute", "项目属性", "choice", DECLARATION, choices=PROJECT_ATTRIBUTES),
    Cell("leader", "项目负责人", "text", DECLARATION, max_length=50, copied=True),
    Cell("telephone", "联系电话", "text", DECLARATION, max_length=30, copied=True),
    Cell("start", "项目期限（开始）", "date", DECLARATION, copied=True),
    Cell("end", "项目期限（结束）", "date", DECLARATION, copied=True),
    Cell("overview", "项目概况", "text", DECLARATION, max_length=2000, copied=True),
    Cell("basis", "立项依据（可行性、必要性）", "text", DECLARATION, max_length=2000, copied=True),
    Cell(
        "period_goal",
        "实施期目标（跨年度项目填写）",
        "text",
        DECLARATION,
        max_length=2000,
        copied=True,
    ),
)


def target_checks(
    data: rules.AssessmentInput,
    rule_set: rules.RuleSet,
    results: list[rules.IndicatorResult],
    weight_total: Decimal,
    level1_weights: dict[str, Decimal],
) -> list[rules.Finding]:
    """A target table is checked for its declaration, budget, goal, targets and weights; it has
    no actuals."""
    return declaration_findings(data.cells) + target_findings(
        data, rule_set, weight_total, level1_weights
    )


@dataclass(frozen=True)
class DeclarationSheet:
    """What the declaration's layout prints beyond its cells."""

    period: str  # 项目期限: 2023年1月1日至2025年12月31日 (either end may be blank)
    multi_year: bool  # the period runs over more than one year: 实施期目标 is printed


@register
class TargetTable(TableKind):
    name = "targets"
    order = 20
    label = "绩效目标表"
    short_label = "绩效目标表"
    title = "项目支出绩效目标申报表"
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
    layout = "assessments/_target_table.html"
    steps = (
        STEPS[0],
        (DECLARATION, "申报信息"),
        *(step for step in STEPS[1:] if step[0] != "actuals"),
    )
    cells = DECLARATION_CELLS + tuple(
        cell for level, heading in REVIEW_OPINIONS for cell in opinion_cells(level, heading)
    )
    official_columns = True
    review_opinions = REVIEW_OPINIONS
    cell_steps = CELL_STEPS
    reported = False
    has_actuals = False
    fillable = False
    added_mid_year = True
    indicator_columns = ("target", "weight")

    def table_sheet(
        self, table: Any, evaluation: rules.Evaluation | None = None, rows: Any = None
    ) -> DeclarationSheet:
        stored = table.cells or {}
        start, end = stored.get("start", ""), stored.get("end", "")
        period = f"{printed_date(start)}至{printed_date(end)}" if start or end else ""
        return DeclarationSheet(period, bool(start and end and end[:4] > start[:4]))

    def evaluate(self, data: rules.AssessmentInput) -> rules.Evaluation:
        return rules.evaluate(data, target_checks, graded=False)

    def comment_targets(self, table: object = None) -> list[tuple[str, str]]:
        targets = [(str(cell.address), cell.label) for cell in DECLARATION_CELLS]
        targets.append(("goal", "年度目标"))
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
