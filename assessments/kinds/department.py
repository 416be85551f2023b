"""部门整体支出绩效自评表: a department's own table for the year, beside its projects' tables.
It belongs to the department, not to a project: the department's staff fill it, its reviewer
signs it, its bureau reads it, its units never see it."""

from collections.abc import Mapping

from .. import rules
from ..rules import department as department_rules
from . import register
from .base import CELLS, DEPARTMENT, Cell, TableKind
from .self_assessment import CELL_STEPS, SelfAssessment

# The offer from the project tables is kept beside the official columns; it is taken on the
# table's page, not typed in a step ("offer" is no step), and findings on it open 部门资金.
OFFER = "offer"

STEPS = (
    ("basic", "基本信息"),
    ("funds", "部门资金"),
    ("goal", "年度总体目标"),
    ("targets", "绩效指标与年度指标值"),
    ("actuals", "实际完成"),
    ("review", "核对"),
)


@register
class DepartmentSelfAssessment(TableKind):
    name = "department"
    order = 30
    label = "部门整体自评表"
    short_label = "部门整体自评表"
    title = "部门整体支出绩效自评表"
    file_words = "部门整体自评表"
    verify_noun = "部门整体支出绩效自评表"
    badge = "部门整体"
    belongs_to = DEPARTMENT
    layout = "assessments/_department_table.html"
    # The official columns, with the sums offered from the projects kept as cells beside.
    official_columns = True
    funds_heading = "部门资金"
    goal_labels = ("年初设定目标", "完成情况")
    fund_labels = department_rules.FUND_LABELS
    steps = STEPS
    cell_steps = {**CELL_STEPS, CELLS: "funds"}
    cells = (
        Cell(department_rules.OFFERED_COUNT, "签发的项目自评表（张）", "amount", OFFER),
        Cell(department_rules.OFFERED_BUDGET, "项目自评表全年预算数合计（元）", "amount", OFFER),
        Cell(department_rules.OFFERED_EXECUTED, "项目自评表全年执行数合计（元）", "amount", OFFER),
        Cell(department_rules.OFFERED_RATE, "项目金额加权执行率", "percent", OFFER),
        Cell(department_rules.OFFERED_GRADES, "项目自评等级分布", "text", OFFER),
        Cell(department_rules.REASON, "项目支出差异说明", "text", OFFER, max_length=500),
    )
    indicator_columns = SelfAssessment.indicator_columns

    def evaluate(self, data: rules.AssessmentInput) -> rules.Evaluation:
        return rules.evaluate(data, department_rules.department_checks)

    def key_figures(
        self, data: rules.AssessmentInput, evaluation: rules.Evaluation
    ) -> list[tuple[str, str]]:
        return SelfAssessment().key_figures(data, evaluation)

    def indicator_system(self, rule_set: rules.RuleSet) -> rules.RuleSet:
        return department_rules.department_rule_set(rule_set)

    def initial_rows(self) -> list[dict[str, object]]:
        return [
            {
                "level1": row.level1,
                "level2": row.level2,
                "name": row.name,
                "target": row.target,
                "weight": row.weight,
            }
            for row in department_rules.MANAGEMENT_INDICATORS
        ]

    def paper_notes(self, cells: Mapping[str, str]) -> list[tuple[str, str]]:
        return [
            ("项目支出与项目自评表核对", department_rules.offer_note(cells)),
            ("共性管理指标的计算方法和评价依据", department_rules.measures_note()),
        ]

    def comment_targets(self, table: object = None) -> list[tuple[str, str]]:
        targets = [("goal", "年初设定目标"), ("outcome", "完成情况")]
        targets.append((str(self.cell(department_rules.REASON).address), "项目支出差异说明"))
        for line in rules.FUND_LINES:
            for column in rules.FUND_COLUMNS:
                label = f"{self.fund_labels[line]} · {rules.FUND_COLUMN_LABELS[column]}"
                targets.append((f"funds.{line}.{column}", label))
        return targets
