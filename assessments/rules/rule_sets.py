"""The official table's lines, columns and grades, and the rule sets that score it."""

from dataclasses import dataclass, field
from decimal import Decimal

FUND_LINES = ("total", "current", "carryover", "other")
FUND_LINE_LABELS = {
    "total": "年度资金总额",
    "current": "当年财政拨款",
    "carryover": "上年结转资金",
    "other": "其他资金",
}
FUND_COLUMNS = ("initial_budget", "full_year_budget", "executed")
FUND_COLUMN_LABELS = {
    "initial_budget": "年初预算数",
    "full_year_budget": "全年预算数",
    "executed": "全年执行数",
}

GRADE_ACHIEVED = "achieved"
GRADE_PARTIAL = "partial"
GRADE_NOT_ACHIEVED = "not_achieved"
QUALITATIVE_GRADE_LABELS = {
    GRADE_ACHIEVED: "达成年度指标",
    GRADE_PARTIAL: "部分达成年度指标并具有一定效果",
    GRADE_NOT_ACHIEVED: "未达成年度指标且效果较差",
}

COMPLETION_COMPARATORS = ("=", ">=", ">")
REVERSE_COMPARATORS = ("<=", "<")


@dataclass(frozen=True)
class RuleSet:
    code: str
    title: str
    # 一级 → its 二级, in print order.
    taxonomy: dict[str, tuple[str, ...]]
    # Groups of 一级 and the weight the group should carry "in principle".
    level1_split: tuple[tuple[tuple[str, ...], Decimal], ...]
    budget_weight: Decimal = Decimal("10")
    # A region's declaration asks each target row for its 评分细则 (how its 分值 will be
    # scored); the national forms do not.
    scoring_criteria: bool = False
    execution_low_percent: Decimal = Decimal("90")
    # A project budget of 10 亿元 or more kept in 万元 is far more likely 元 typed into a
    # 万元 table: one such slip would dominate a department's totals.
    wan_yuan_suspect_from: Decimal = Decimal("100000")
    over_achieved_ratio: Decimal = Decimal("1.3")
    # "linear": (1 − (actual − target) ÷ target) × 分值, 0 at twice the target;
    # "ratio": target ÷ actual × 分值 (an older local rule).
    reverse_formula: str = "linear"
    # Lowest total for each grade, highest first; below the last one is 差.
    grade_floors: tuple[tuple[Decimal, str], ...] = (
        (Decimal("90"), "优"),
        (Decimal("80"), "良"),
        (Decimal("60"), "中"),
    )
    lowest_grade: str = "差"
    # Share of 分值 each qualitative grade allows, inclusive at both ends.
    qualitative_bands: dict[str, tuple[Decimal, Decimal]] = field(
        default_factory=lambda: {
            GRADE_ACHIEVED: (Decimal("0.8"), Decimal("1")),
            GRADE_PARTIAL: (Decimal("0.6"), Decimal("0.8")),
            GRADE_NOT_ACHIEVED: (Decimal("0"), Decimal("0.6")),
        }
    )

    def level2_choices(self, level1: str) -> tuple[str, ...]:
        return self.taxonomy.get(level1, ())

    @property
    def grades(self) -> list[str]:
        """Every grade, best first: 优, 良, 中, 差."""
        return [grade for _, grade in self.grade_floors] + [self.lowest_grade]


_BENEFIT = ("经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标")
_SATISFACTION = ("服务对象满意度指标",)

RULE_SETS = {
    "MOF2020": RuleSet(
        code="MOF2020",
        title="财预〔2020〕10号",
        taxonomy={
            "产出指标": ("数量指标", "质量指标", "时效指标", "成本指标"),
            "效益指标": _BENEFIT,
            "满意度指标": _SATISFACTION,
        },
        level1_split=(
            (("产出指标",), Decimal("50")),
            (("效益指标",), Decimal("30")),
            (("满意度指标",), Decimal("10")),
        ),
    ),
    "MOF2021": RuleSet(
        code="MOF2021",
        title="财预〔2021〕101号",
        taxonomy={
            "产出指标": ("数量指标", "质量指标", "时效指标"),
            "成本指标": ("经济成本指标", "社会成本指标", "生态环境成本指标"),
            "效益指标": _BENEFIT,
            "满意度指标": _SATISFACTION,
        },
        # Where a project sets cost indicators, 产出 and 成本 share the 50.
        level1_split=(
            (("产出指标", "成本指标"), Decimal("50")),
            (("效益指标",), Decimal("30")),
            (("满意度指标",), Decimal("10")),
        ),
    ),
}
DEFAULT_RULE_SET = "MOF2020"


def get_rule_set(code: str) -> RuleSet:
    try:
        return RULE_SETS[code]
    except KeyError:
        raise ValueError(f"未知的规则集：{code}") from None


def default_rule_set() -> RuleSet:
    return RULE_SETS[DEFAULT_RULE_SET]
