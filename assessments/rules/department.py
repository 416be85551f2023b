"""The arithmetic of the 部门整体支出绩效自评表: its funds lines, its indicator
system (the department's own 履职 outputs and effects beside the common management indicators
of 财预〔2013〕53号 附件2), its checks, and the figures offered from the department's project
tables. Pure Python."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from .checks import ERROR, WARNING, Finding
from .evaluation import assessment_checks
from .numbers import ZERO, format_amount, format_percent, round_half_up
from .rule_sets import FUND_LINE_LABELS, RuleSet
from .scoring import AssessmentInput, IndicatorResult, execution_rate

# The department's lines, in the order of FUND_LINES (total, current, carryover, other).
FUND_LABELS = {
    "total": "年度资金总额",
    "current": "基本支出",
    "carryover": "项目支出",
    "other": "其他",
}
# The line the department's project tables add up to.
PROJECT_LINE = "carryover"

INPUT = "投入指标"
PROCESS = "过程指标"
OUTPUT = "产出指标"
EFFECT = "效果指标"
TAXONOMY = {
    INPUT: ("目标设定", "预算配置"),
    PROCESS: ("预算执行", "预算管理", "资产管理"),
    OUTPUT: ("职责履行",),
    EFFECT: ("履职效益", "满意度"),
}
# 预算执行 10; management (投入 and 过程) 30; the department's own outputs 30 and effects 30.
LEVEL1_SPLIT = (
    ((INPUT, PROCESS), Decimal("30")),
    ((OUTPUT,), Decimal("30")),
    ((EFFECT,), Decimal("30")),
)


@dataclass(frozen=True)
class ManagementIndicator:
    """A common management indicator: where it sits, its usual target and 分值, and how it is
    measured (a formula) or what evidence it asks for."""

    level1: str
    level2: str
    name: str
    target: str
    weight: Decimal
    measure: str


MANAGEMENT_INDICATORS = (
    ManagementIndicator(
        INPUT, "预算配置", "财政供养人员控制率", "<=100%", Decimal("2"),
        "在职人员数 ÷ 编制数 × 100%",
    ),
    ManagementIndicator(
        INPUT, "预算配置", "三公经费控制率", "<=100%", Decimal("3"),
        "“三公经费”实际支出数 ÷ 预算安排数 × 100%",
    ),
    ManagementIndicator(
        PROCESS, "预算执行", "预算完成率", ">=95%", Decimal("3"),
        "预算完成数 ÷ 预算数 × 100%",
    ),
    ManagementIndicator(
        PROCESS, "预算执行", "预算调整率", "<=10%", Decimal("2"),
        "预算调整数 ÷ 预算数 × 100%",
    ),
    ManagementIndicator(
        PROCESS, "预算执行", "结转结余率", "<=10%", Decimal("2"),
        "结转结余总额 ÷ 预算数 × 100%",
    ),
    ManagementIndicator(
        PROCESS, "预算执行", "公用经费控制率", "<=100%", Decimal("2"),
        "实际支出公用经费总额 ÷ 预算安排公用经费 × 100%",
    ),
    ManagementIndicator(
        PROCESS, "预算执行", "政府采购执行率", ">=95%", Decimal("2"),
        "实际政府采购金额 ÷ 政府采购预算数 × 100%",
    ),
    ManagementIndicator(
        PROCESS, "预算管理", "管理制度健全性", "健全", Decimal("3"),
        "已制定或具有预算资金管理办法、内部财务管理制度、会计核算制度等并有效执行",
    ),
    ManagementIndicator(
        PROCESS, "预算管理", "资金使用合规性", "合规", Decimal("3"),
        "资金使用符合国家财经法规和财务管理制度，无截留、挤占、挪用、虚列支出等情况",
    ),
    ManagementIndicator(
        PROCESS, "预算管理", "预决算信息公开性", "按规定公开", Decimal("3"),
        "按规定内容、时限和范围公开部门预算、决算信息",
    ),
    ManagementIndicator(
        PROCESS, "资产管理", "资产管理安全性", "安全", Decimal("3"),
        "资产保存完整、配置合理、处置规范，收入及时足额上缴",
    ),
    ManagementIndicator(
        PROCESS, "资产管理", "固定资产利用率", ">=90%", Decimal("2"),
        "实际在用固定资产总额 ÷ 所有固定资产总额 × 100%",
    ),
)  # fmt: skip


def department_rule_set(rule_set: RuleSet) -> RuleSet:
    """The year's rule set (its scoring, bands and grades) with the department's indicator
    system in place of the project's."""
    return replace(rule_set, taxonomy=TAXONOMY, level1_split=LEVEL1_SPLIT)


def _relabelled(finding: Finding) -> Finding:
    """A funds finding in the department's words (基本支出, not 当年财政拨款)."""
    message = finding.message
    for line, label in FUND_LINE_LABELS.items():
        message = message.replace(label, FUND_LABELS[line])
    return replace(finding, message=message)


def department_checks(
    data: AssessmentInput,
    rule_set: RuleSet,
    results: list[IndicatorResult],
    weight_total: Decimal,
    level1_weights: dict[str, Decimal],
) -> list[Finding]:
    """The self-assessment's checks under the department's indicator system."""
    findings = assessment_checks(
        data, department_rule_set(rule_set), results, weight_total, level1_weights
    )
    return [_relabelled(finding) for finding in findings] + offer_findings(data)


# ---------------------------------------------------------------------------
# The figures offered from the department's project tables


@dataclass(frozen=True)
class ProjectTable:
    """One project table of the department's year, in 元."""

    name: str
    signed: bool
    status_label: str
    initial_budget: Decimal | None
    full_year_budget: Decimal | None
    executed: Decimal | None
    grade: str


@dataclass(frozen=True)
class ProjectSums:
    """What the signed project tables add up to, and which tables were left out."""

    count: int
    initial_budget: Decimal
    full_year_budget: Decimal
    executed: Decimal
    # Σ执行数 ÷ Σ全年预算数 of the signed tables, in per cent (money-weighted).
    execution_rate: Decimal | None
    # (grade, how many, share in per cent) for 优, 良, 中, 差.
    grades: tuple[tuple[str, int, Decimal], ...]
    left_out: tuple[tuple[str, str], ...]  # (project, status) of tables not signed


def project_sums(tables: Sequence[ProjectTable], grades: Sequence[str]) -> ProjectSums:
    """The signed tables' sums; a table not signed is left out and named."""
    signed = [t for t in tables if t.signed]
    initial = sum((t.initial_budget or ZERO for t in signed), ZERO)
    budget = sum((t.full_year_budget or ZERO for t in signed), ZERO)
    executed = sum((t.executed or ZERO for t in signed), ZERO)
    shares = tuple(
        (
            grade,
            count := sum(1 for t in signed if t.grade == grade),
            round_half_up(Decimal(count) * 100 / len(signed)) if signed else ZERO,
        )
        for grade in grades
    )
    return ProjectSums(
        count=len(signed),
        initial_budget=initial,
        full_year_budget=budget,
        executed=executed,
        execution_rate=execution_rate(budget, executed) if signed else None,
        grades=shares,
        left_out=tuple((t.name, t.status_label) for t in tables if not t.signed),
    )


# The offer as the table keeps it (Assessment.cells, so that the signed record holds it):
# what the signed project tables added up to when the preparer took it, and her reason where
# her 项目支出 differs. Keys of the kind's declared cells.
OFFERED_COUNT = "projects_count"
OFFERED_BUDGET = "projects_budget"
OFFERED_EXECUTED = "projects_executed"
OFFERED_RATE = "projects_rate"
OFFERED_GRADES = "projects_grades"
REASON = "projects_reason"

OFFER_DIFFERS = "DEPT_PROJECTS_DIFFER"
OFFER_REASON_MISSING = "DEPT_PROJECTS_REASON"
OFFER_NOT_TAKEN = "DEPT_PROJECTS_NOT_TAKEN"

YUAN_PER_WAN = Decimal(10000)


def grades_text(sums: ProjectSums) -> str:
    """优 9 张（81.82%）、良 2 张（18.18%）、中 0 张（0%）、差 0 张（0%）."""
    return "、".join(
        f"{grade} {count} 张（{format_percent(share)}）" for grade, count, share in sums.grades
    )


def offer_cells(sums: ProjectSums) -> dict[str, str]:
    """The offer as stored text in the table's cells."""
    return {
        OFFERED_COUNT: str(sums.count),
        OFFERED_BUDGET: format(round_half_up(sums.full_year_budget), "f"),
        OFFERED_EXECUTED: format(round_half_up(sums.executed), "f"),
        OFFERED_RATE: "" if sums.execution_rate is None else format(sums.execution_rate, "f"),
        OFFERED_GRADES: grades_text(sums),
    }


def _decimal(text: str | None) -> Decimal | None:
    return Decimal(text) if text else None


def offer_findings(data: AssessmentInput) -> list[Finding]:
    """项目支出 as typed against the signed project tables' sums the table keeps: not taken
    yet (a warning), different without a reason (an error), different with one (a warning
    that shows both figures, the difference and the reason)."""
    cells = data.cells
    line = data.fund(PROJECT_LINE)
    where = f"funds.{PROJECT_LINE}"
    if not cells.get(OFFERED_COUNT):
        return [
            Finding(
                OFFER_NOT_TAKEN,
                WARNING,
                "项目支出尚未与本部门签发的项目自评表核对，请在表的页面上从项目自评表取数。",
                f"{where}.full_year_budget",
            )
        ]
    scale = YUAN_PER_WAN if data.money_unit == "万元" else Decimal(1)
    reason = (cells.get(REASON) or "").strip()
    findings = []
    for column, label, value, offered in (
        ("full_year_budget", "全年预算数", line.full_year_budget, cells.get(OFFERED_BUDGET)),
        ("executed", "全年执行数", line.executed, cells.get(OFFERED_EXECUTED)),
    ):
        sum_ = _decimal(offered)
        if value is None or sum_ is None or value * scale == sum_:
            continue
        message = (
            f"项目支出的{label} {format_amount(value * scale, grouped=True)} 元与 "
            f"{cells[OFFERED_COUNT]} 张签发的项目自评表合计 {format_amount(sum_, grouped=True)} 元"
            f"相差 {format_amount(value * scale - sum_, grouped=True)} 元"
        )
        if reason:
            findings.append(
                Finding(
                    OFFER_DIFFERS, WARNING, f"{message}；差异说明：{reason}", f"{where}.{column}"
                )
            )
        else:
            findings.append(
                Finding(
                    OFFER_REASON_MISSING,
                    ERROR,
                    f"{message}，请填写差异说明，或将合计填入项目支出。",
                    f"{where}.{column}",
                )
            )
    return findings


def offer_note(cells: Mapping[str, str]) -> str:
    """The offer the table keeps, as printed under it."""
    if not cells.get(OFFERED_COUNT):
        return "尚未核对。"
    rate = cells.get(OFFERED_RATE)
    budget = format_amount(_decimal(cells.get(OFFERED_BUDGET)), grouped=True) or "—"
    executed = format_amount(_decimal(cells.get(OFFERED_EXECUTED)), grouped=True) or "—"
    grades = cells.get(OFFERED_GRADES) or "—"
    text = (
        f"取自 {cells[OFFERED_COUNT]} 张签发的项目自评表，全年预算数合计 {budget} 元，"
        f"全年执行数合计 {executed} 元，金额加权执行率 {rate + '%' if rate else '—'}；"
        f"等级分布：{grades}。"
    )
    if reason := (cells.get(REASON) or "").strip():
        text += f"差异说明：{reason}"
    return text


def measures_note() -> str:
    return "；".join(f"{row.name}＝{row.measure}" for row in MANAGEMENT_INDICATORS) + "。"
