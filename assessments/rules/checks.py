"""Findings: what the rules say about one table, as errors (block submission) and warnings."""

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import cast

from .numbers import HUNDRED, ZERO, format_points, round_half_up
from .parsing import ParsedValue, normalize_text
from .rule_sets import (
    COMPLETION_COMPARATORS,
    FUND_COLUMN_LABELS,
    FUND_COLUMNS,
    FUND_LINE_LABELS,
    FUND_LINES,
    QUALITATIVE_GRADE_LABELS,
    RuleSet,
)
from .scoring import (
    AssessmentInput,
    IndicatorInput,
    IndicatorResult,
    execution_rate,
    execution_ratio,
)
from .wording import sentence

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str
    message: str
    where: str

    def as_dict(self) -> dict[str, str]:
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "where": self.where,
        }


_RATE_QUOTE_RE = re.compile(r"执行率\s*(?:为|是|达到|达|:)?\s*(\d+(?:\.\d+)?)\s*%")
PLACEHOLDER_RES = (
    re.compile(r"\(\s*\d+\s*字以内\s*\)"),
    re.compile(r"^\s*指标\s*\d+\s*[:.、]?\s*$"),
    re.compile(r"^\s*(?:请填写|请输入|在此填写)"),
)


def _amount(value: Decimal) -> str:
    return format(value, ",f")


def funds_findings(data: AssessmentInput, rule_set: RuleSet) -> list[Finding]:
    findings: list[Finding] = []
    for line in FUND_LINES:
        values = data.fund(line)
        for column in FUND_COLUMNS:
            value = getattr(values, column)
            if value is not None and value < 0:
                findings.append(
                    Finding(
                        "FUNDS_NEGATIVE",
                        ERROR,
                        f"{FUND_LINE_LABELS[line]}的{FUND_COLUMN_LABELS[column]}"
                        f"为负数（{_amount(value)}）。",
                        f"funds.{line}.{column}",
                    )
                )
    total = data.fund("total")
    if not total.full_year_budget:
        findings.append(
            Finding(
                "FUNDS_NO_BUDGET",
                ERROR,
                "年度资金总额的全年预算数未填写或为 0，无法计算执行率。",
                "funds.total.full_year_budget",
            )
        )
    for column in FUND_COLUMNS:
        stated = getattr(total, column)
        parts = [getattr(data.fund(line), column) for line in FUND_LINES[1:]]
        reported = sum((p for p in parts if p is not None), ZERO)
        if stated is None and all(p is None for p in parts):
            continue
        if stated is not None and stated == reported:
            continue
        blank_lines = [
            line for line, part in zip(FUND_LINES[1:], parts, strict=True) if part is None
        ]
        # Point at a blank line only when nothing reported explains any of the total.
        where = (
            f"funds.{blank_lines[0]}.{column}"
            if blank_lines and reported == 0
            else f"funds.total.{column}"
        )
        stated_text = "未填写" if stated is None else _amount(stated)
        findings.append(
            Finding(
                "FUNDS_LINES_MISMATCH",
                WARNING,
                f"{FUND_COLUMN_LABELS[column]}：年度资金总额（{stated_text}）不等于"
                f"当年财政拨款、上年结转资金与其他资金之和（{_amount(reported)}"
                + ("，其中有未填写的单元格" if blank_lines else "")
                + "）。",
                where,
            )
        )
    approved = data.approved_budget
    if approved is not None and total.full_year_budget != approved:
        stated = "未填写" if total.full_year_budget is None else _amount(total.full_year_budget)
        findings.append(
            Finding(
                "BUDGET_CHANGED_FROM_TARGETS",
                WARNING,
                f"全年预算数（{stated}）与已批准的绩效目标表（{_amount(approved)}）不同；"
                "打印时注明批准的数额，请在实际完成情况中说明调整的原因。",
                "funds.total.full_year_budget",
            )
        )
    largest = max((getattr(total, column) or ZERO for column in FUND_COLUMNS), default=ZERO)
    if data.money_unit == "万元" and largest >= rule_set.wan_yuan_suspect_from:
        findings.append(
            Finding(
                "MONEY_UNIT_SUSPECT",
                WARNING,
                f"金额单位为万元，年度资金总额达 {_amount(largest)} 万元"
                f"（{_amount(round_half_up(largest / 10000))} 亿元）；请核对金额是否按元填写、"
                "金额单位是否应为“元”。",
                "funds.total.full_year_budget",
            )
        )
    ratio = execution_ratio(total.full_year_budget, total.executed)
    rate = execution_rate(total.full_year_budget, total.executed)
    if (
        total.executed is not None
        and total.full_year_budget is not None
        and total.executed > total.full_year_budget
    ):
        findings.append(
            Finding(
                "EXECUTION_OVER_BUDGET",
                WARNING,
                f"全年执行数（{_amount(total.executed)}）超过全年预算数"
                f"（{_amount(total.full_year_budget)}）；执行率按实际显示，得分按 100% 计。",
                "funds.total.executed",
            )
        )
    if rate is not None and rate < rule_set.execution_low_percent:
        findings.append(
            Finding(
                "EXECUTION_LOW",
                WARNING,
                f"执行率 {rate}% 低于 "
                f"{rule_set.execution_low_percent}%，请在实际完成情况中说明原因。",
                "outcome",
            )
        )
    if ratio is not None:
        for quoted in _RATE_QUOTE_RE.findall(normalize_text(data.outcome)):
            written = Decimal(quoted)
            # Digits read from the text: a finite value, its exponent a number.
            precision = Decimal(1).scaleb(cast(int, written.as_tuple().exponent))
            computed = round_half_up(ratio * HUNDRED, precision)
            if computed != written:
                findings.append(
                    Finding(
                        "RATE_TEXT_MISMATCH",
                        WARNING,
                        f"实际完成情况写明执行率 {quoted}%，按表中数据计算为 {computed}%。",
                        "outcome",
                    )
                )
    return findings


def weight_findings(
    data: AssessmentInput,
    rule_set: RuleSet,
    weight_total: Decimal,
    level1_weights: dict[str, Decimal],
) -> list[Finding]:
    findings: list[Finding] = []
    expected = HUNDRED - data.budget_weight
    if weight_total != expected:
        findings.append(
            Finding(
                "WEIGHTS_SUM",
                ERROR,
                f"绩效指标分值合计为 {format_points(weight_total)}，"
                f"应为 {format_points(expected)}。",
                "indicators",
            )
        )
    differing = []
    for level1s, weight in rule_set.level1_split:
        actual = sum((level1_weights.get(name, ZERO) for name in level1s), ZERO)
        if actual != weight:
            differing.append(
                f"{'与'.join(level1s)} {format_points(actual)}（原则上 {format_points(weight)}）"
            )
    if differing:
        findings.append(
            Finding(
                "LEVEL1_SPLIT",
                WARNING,
                "一级指标分值分配与原则不同：" + sentence(*differing),
                "indicators",
            )
        )
    return findings


def row_label(index: int, row: IndicatorInput) -> str:
    return f"第 {index + 1} 行指标“{row.name or '（未命名）'}”"


def taxonomy_findings(index: int, row: IndicatorInput, rule_set: RuleSet) -> list[Finding]:
    """A row's 一级 and 二级 outside the rule set's indicator tree (self-assessment or targets)."""
    where, label = f"indicators[{index}]", row_label(index, row)
    if row.level1 not in rule_set.taxonomy:
        message = f"{label}的一级指标“{row.level1}”不属于{rule_set.title}的指标体系。"
        return [Finding("TAXONOMY", ERROR, message, f"{where}.level1")]
    if row.level2 not in rule_set.level2_choices(row.level1):
        message = f"{label}的二级指标“{row.level2}”不属于一级指标“{row.level1}”。"
        return [Finding("TAXONOMY", ERROR, message, f"{where}.level2")]
    return []


def indicator_findings(
    index: int, row: IndicatorInput, result: IndicatorResult, rule_set: RuleSet
) -> list[Finding]:
    where = f"indicators[{index}]"
    label = row_label(index, row)
    findings = taxonomy_findings(index, row, rule_set)
    for attribute, title in (
        ("name", "三级指标"),
        ("target", "年度指标值"),
        ("actual", "实际完成值"),
    ):
        if not (getattr(row, attribute) or "").strip():
            findings.append(
                Finding("VALUE_MISSING", ERROR, f"{label}的{title}未填写。", f"{where}.{attribute}")
            )
    for attribute, title in (("weight", "分值"), ("score", "得分")):
        if getattr(row, attribute) is None:
            findings.append(
                Finding("VALUE_MISSING", ERROR, f"{label}的{title}未填写。", f"{where}.{attribute}")
            )
    for attribute in ("name", "target", "actual", "reason"):
        text = normalize_text(getattr(row, attribute))
        if any(pattern.search(text) for pattern in PLACEHOLDER_RES):
            findings.append(
                Finding(
                    "PLACEHOLDER_TEXT",
                    ERROR,
                    f"{label}中留有模板说明文字：“{getattr(row, attribute)}”。",
                    f"{where}.{attribute}",
                )
            )
    weight, score = row.weight, row.score
    if weight is None or score is None:
        return findings
    if score < 0 or score > weight:
        findings.append(
            Finding(
                "SCORE_RANGE",
                ERROR,
                f"{label}的得分 {format_points(score)} "
                f"超出 0 至分值 {format_points(weight)} 的范围。",
                f"{where}.score",
            )
        )
    if result.band and not result.band[0] <= score <= result.band[1]:
        findings.append(
            Finding(
                "QUALITATIVE_BAND",
                ERROR,
                f"{label}评为“{QUALITATIVE_GRADE_LABELS[cast(str, row.grade)]}”，得分应在 "
                f"{format_points(result.band[0])} 至 {format_points(result.band[1])} 之间，"
                f"现为 {format_points(score)}。",
                f"{where}.score",
            )
        )
    # A row 运行监控 flagged during the year that ends below its target asks for the reason
    # too, and the finding names the monitoring row.
    flagged = bool(row.monitoring) and result.met is False
    if (score < weight or flagged) and not (row.reason or "").strip():
        why = "得分低于分值" if score < weight else "未完成年度指标值"
        seen = f"（{row.monitoring}）" if row.monitoring else ""
        findings.append(
            Finding(
                "REASON_MISSING",
                ERROR,
                f"{label}{why}{seen}，须填写偏差原因分析及改进措施。",
                f"{where}.reason",
            )
        )
    if result.met is True and score < weight:
        findings.append(
            Finding(
                "SCORE_INCONSISTENT",
                WARNING,
                f"{label}已完成年度指标值，但得分 {format_points(score)} "
                f"低于分值 {format_points(weight)}。",
                f"{where}.score",
            )
        )
    elif result.met is False and score == weight and result.suggested_score != weight:
        findings.append(
            Finding(
                "SCORE_INCONSISTENT",
                WARNING,
                f"{label}未完成年度指标值，却得满分 {format_points(weight)}。",
                f"{where}.score",
            )
        )
    # Read only where result.met: the target is set, and where it has a completion comparator
    # target_met compared it with the actual value, so both have numbers.
    target, actual = cast(ParsedValue, result.target), cast(ParsedValue, result.actual)
    if (
        result.met
        and target.comparator in COMPLETION_COMPARATORS
        and cast(Decimal, target.number) > 0
        and cast(Decimal, actual.number)
        > cast(Decimal, target.number) * rule_set.over_achieved_ratio
        and not (row.reason or "").strip()
    ):
        findings.append(
            Finding(
                "OVER_ACHIEVED",
                WARNING,
                f"{label}实际完成值超过年度指标值的 "
                f"{round_half_up(rule_set.over_achieved_ratio * HUNDRED, Decimal(1))}%，"
                "请说明原因（指标值是否设置偏低）。",
                f"{where}.actual",
            )
        )
    return findings


def text_findings(data: AssessmentInput) -> list[Finding]:
    """Template instructions left in 预期目标 or 实际完成情况."""
    findings: list[Finding] = []
    for attribute, title in (("goal", "预期目标"), ("outcome", "实际完成情况")):
        text = normalize_text(getattr(data, attribute))
        if any(pattern.search(text) for pattern in PLACEHOLDER_RES):
            findings.append(
                Finding("PLACEHOLDER_TEXT", ERROR, f"{title}中留有模板说明文字。", attribute)
            )
    return findings
