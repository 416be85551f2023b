"""The arithmetic of the 部门整体支出绩效自评表 (domain.md §9): its funds lines, its indicator
system (the department's own 履职 outputs and effects beside the common management indicators
of 财预〔2013〕53号 附件2), its checks, and the figures offered from the department's project
tables. Pure Python."""

from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from .checks import WARNING, Finding
from .evaluation import assessment_checks
from .numbers import ZERO, format_amount, round_half_up
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
    return [_relabelled(finding) for finding in findings]


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


OFFER_DIFFERS = "DEPT_PROJECTS_DIFFER"


def offer_findings(
    typed_budget: Decimal | None, typed_executed: Decimal | None, offered: ProjectSums
) -> list[Finding]:
    """项目支出 as typed (全年预算数, 全年执行数, in 元) against the signed project tables' sums:
    each difference is shown, with both figures and the difference."""
    findings = []
    for column, label, value, sum_ in (
        ("full_year_budget", "全年预算数", typed_budget, offered.full_year_budget),
        ("executed", "全年执行数", typed_executed, offered.executed),
    ):
        if value is None or value == sum_:
            continue
        message = (
            f"项目支出的{label} {format_amount(value, grouped=True)} 元与 {offered.count} 张"
            f"签发的项目自评表合计 {format_amount(sum_, grouped=True)} 元相差 "
            f"{format_amount(value - sum_, grouped=True)} 元；"
            "如有意不同，请在“完成情况”中说明原因。"
        )
        findings.append(Finding(OFFER_DIFFERS, WARNING, message, f"funds.{PROJECT_LINE}.{column}"))
    return findings
