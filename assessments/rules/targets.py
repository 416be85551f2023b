"""Findings of a target table (绩效目标表): what must be set before the year begins.

A target table has no actuals and no scores; it is checked for what the year-end
self-assessment will be measured against: the budget, the 预期目标, and an indicator tree whose
every row has a name, a 年度指标值 and a 分值, with the 分值 adding up.
"""

from decimal import Decimal

from .checks import (
    ERROR,
    PLACEHOLDER_RES,
    WARNING,
    Finding,
    funds_findings,
    row_label,
    taxonomy_findings,
    weight_findings,
)
from .parsing import normalize_text
from .rule_sets import RuleSet
from .scoring import AssessmentInput
from .wording import enumeration

TARGET_ROW_TEXTS = (("name", "三级指标"), ("target", "年度指标值"))


def target_findings(
    data: AssessmentInput,
    rule_set: RuleSet,
    weight_total: Decimal,
    level1_weights: dict[str, Decimal],
) -> list[Finding]:
    """Errors block submission of the target table; warnings inform, as for a self-assessment."""
    # A target table has no execution yet: its budget is needed for the budget's sake.
    findings = [
        Finding(f.code, f.severity, "年度资金总额的全年预算数未填写或为 0。", f.where)
        if f.code == "FUNDS_NO_BUDGET"
        else f
        for f in funds_findings(data, rule_set)
    ]
    findings += weight_findings(data, rule_set, weight_total, level1_weights)
    present = {row.level1 for row in data.indicators}
    for level1s, _ in rule_set.level1_split:
        if not present.intersection(level1s):
            findings.append(
                Finding(
                    "LEVEL1_EMPTY",
                    ERROR,
                    f"一级指标“{'或'.join(level1s)}”下至少要设一项绩效指标。",
                    "indicators",
                )
            )
    for index, row in enumerate(data.indicators):
        where = f"indicators[{index}]"
        label = row_label(index, row)
        findings.extend(taxonomy_findings(index, row, rule_set))
        for attribute, title in TARGET_ROW_TEXTS:
            text = normalize_text(getattr(row, attribute))
            if not text.strip():
                findings.append(
                    Finding(
                        "VALUE_MISSING", ERROR, f"{label}的{title}未填写。", f"{where}.{attribute}"
                    )
                )
            elif any(pattern.search(text) for pattern in PLACEHOLDER_RES):
                findings.append(
                    Finding(
                        "PLACEHOLDER_TEXT",
                        ERROR,
                        f"{label}中留有模板说明文字：“{getattr(row, attribute)}”。",
                        f"{where}.{attribute}",
                    )
                )
        if row.weight is None:
            findings.append(
                Finding("VALUE_MISSING", ERROR, f"{label}的分值未填写。", f"{where}.weight")
            )
        if rule_set.scoring_criteria and not row.criteria.strip():
            findings.append(
                Finding(
                    "CRITERIA_MISSING", WARNING, f"{label}的评分细则未填写。", f"{where}.criteria"
                )
            )
    goal = normalize_text(data.goal)
    if not goal.strip():
        findings.append(Finding("GOAL_MISSING", ERROR, "年度总体目标（预期目标）未填写。", "goal"))
    elif any(pattern.search(goal) for pattern in PLACEHOLDER_RES):
        findings.append(Finding("PLACEHOLDER_TEXT", ERROR, "预期目标中留有模板说明文字。", "goal"))
    return findings


# The declaration's own cells (kinds.targets declares them under these keys).
DECLARATION_REQUIRED = (
    ("attribute", "项目属性"),
    ("leader", "项目负责人"),
    ("telephone", "联系电话"),
    ("start", "项目期限的开始日期"),
    ("end", "项目期限的结束日期"),
    ("overview", "项目概况"),
    ("basis", "立项依据"),
)


def _where(key: str) -> str:
    return f"cells.{key}.value"


def declaration_findings(cells: dict[str, str]) -> list[Finding]:
    """The declaration's header and texts (项目支出绩效目标申报表): what is missing is a
    warning (tables begun before the declaration had them stay submittable); a period that
    ends before it starts is an error; a project over several years needs 实施期目标."""
    findings: list[Finding] = []
    missing = [(key, label) for key, label in DECLARATION_REQUIRED if not cells.get(key)]
    if missing:
        findings.append(
            Finding(
                "DECLARATION_MISSING",
                WARNING,
                f"申报信息未填：{enumeration(label for _, label in missing)}。",
                _where(missing[0][0]),
            )
        )
    start, end = cells.get("start", ""), cells.get("end", "")
    if start and end and end < start:
        findings.append(
            Finding("PERIOD_REVERSED", ERROR, "项目期限的结束日期早于开始日期。", _where("end"))
        )
    elif start[:4] and end[:4] and end[:4] > start[:4] and not cells.get("period_goal"):
        findings.append(
            Finding(
                "PERIOD_GOAL_MISSING",
                WARNING,
                f"项目期限跨 {start[:4]}—{end[:4]} 年，请填写实施期目标。",
                _where("period_goal"),
            )
        )
    return findings
