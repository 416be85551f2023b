"""财政项目支出绩效自评表: the year-end self-assessment of a project (domain.md §1)."""

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
