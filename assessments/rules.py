"""The official arithmetic and checks of the 财政项目支出绩效自评表.

Pure Python: plain values in (Decimal, str), plain values out. Nothing here touches the
database, so every figure the application shows or prints comes from one tested place.
"""

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

ZERO = Decimal("0")
HUNDRED = Decimal("100")
CENT = Decimal("0.01")

ERROR = "error"
WARNING = "warning"

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

# Largest amount accepted anywhere: 13 integer digits (under 10 万亿 元) and two decimals.
# Fifteen significant digits survive SQLite's storage of decimals exactly.
MAX_AMOUNT_DIGITS = 13


def round_half_up(value, places=CENT):
    return value.quantize(places, rounding=ROUND_HALF_UP)


# ---------------------------------------------------------------------------
# Rule sets


@dataclass(frozen=True)
class RuleSet:
    code: str
    title: str
    # 一级 → its 二级, in print order.
    taxonomy: dict
    # Groups of 一级 and the weight the group should carry "in principle".
    level1_split: tuple
    budget_weight: Decimal = Decimal("10")
    execution_low_percent: Decimal = Decimal("90")
    over_achieved_ratio: Decimal = Decimal("1.3")
    # "linear": (1 − (actual − target) ÷ target) × 分值, 0 at twice the target;
    # "ratio": target ÷ actual × 分值 (an older local rule).
    reverse_formula: str = "linear"
    # Lowest total for each grade, highest first; below the last one is 差.
    grade_floors: tuple = (
        (Decimal("90"), "优"),
        (Decimal("80"), "良"),
        (Decimal("60"), "中"),
    )
    lowest_grade: str = "差"
    # Share of 分值 each qualitative grade allows, inclusive at both ends.
    qualitative_bands: dict = field(
        default_factory=lambda: {
            GRADE_ACHIEVED: (Decimal("0.8"), Decimal("1")),
            GRADE_PARTIAL: (Decimal("0.6"), Decimal("0.8")),
            GRADE_NOT_ACHIEVED: (Decimal("0"), Decimal("0.6")),
        }
    )

    def level2_choices(self, level1):
        return self.taxonomy.get(level1, ())


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


def get_rule_set(code):
    try:
        return RULE_SETS[code]
    except KeyError:
        raise ValueError(f"未知的规则集：{code}") from None


# ---------------------------------------------------------------------------
# Texts as pasted from Word and Excel

# Word's manual line break arrives as a vertical tab, a page break as a form feed.
_LINE_BREAKS = re.compile(r"\r\n|[\r\x0b\x0c\x85\u2028\u2029]")
# Other control characters print as nothing and are refused by Excel files.
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]")


def clean_text(text):
    """A text with its line breaks as \\n and without control characters (tabs stay)."""
    return _CONTROLS.sub("", _LINE_BREAKS.sub("\n", text or ""))


# ---------------------------------------------------------------------------
# Reading numbers as people type them


def normalize_text(text):
    """Fold full-width digits, letters and punctuation (IME input) to their ASCII forms."""
    return unicodedata.normalize("NFKC", text or "")


_AMOUNT_RE = re.compile(r"^([+-]?)(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?$")


def parse_decimal(text, *, places=2, max_digits=MAX_AMOUNT_DIGITS, what="金额"):
    """Read an amount, weight or score typed or pasted by a person.

    Blank means not reported and gives None (which is not zero). Accepts full-width
    digits, thousands separators, spaces and a trailing 元 or a leading ¥. Raises ValueError
    with a Chinese message for anything else.
    """
    if isinstance(text, Decimal):
        value = text
    else:
        raw = normalize_text(str(text) if text is not None else "")
        raw = re.sub(r"\s+", "", raw).replace("−", "-").replace("¥", "")
        if raw.endswith("元"):
            raw = raw[:-1]
        if raw == "":
            return None
        match = _AMOUNT_RE.match(raw)
        if not match:
            raise ValueError(f"{what}“{text}”不是有效的数字。")
        sign, whole, fraction = match.groups()
        number = f"{sign}{whole.replace(',', '')}" + (f".{fraction}" if fraction else "")
        value = Decimal(number)
    if not value.is_finite():
        raise ValueError(f"{what}“{text}”不是有效的数字。")
    step = Decimal(1).scaleb(-places)
    if -value.as_tuple().exponent > places:
        if value != round_half_up(value, step):
            raise ValueError(f"{what}最多保留{'两' if places == 2 else places}位小数。")
        value = round_half_up(value, step)
    if abs(value) >= Decimal(10) ** max_digits:
        raise ValueError(f"{what}过大：整数部分最多 {max_digits} 位。")
    return value


@dataclass(frozen=True)
class ParsedValue:
    """What a 年度指标值 or 实际完成值 says: comparator, number and unit, or qualitative."""

    comparator: str | None
    number: Decimal | None
    unit: str = ""

    @property
    def is_qualitative(self):
        return self.comparator is None

    def describe(self):
        if self.is_qualitative:
            return "定性"
        symbol = {">=": "≥", "<=": "≤"}.get(self.comparator, self.comparator)
        number = format(self.number.normalize(), "f") if self.number is not None else ""
        unit = f" {self.unit}" if self.unit else ""
        return f"{symbol} {number}{unit}"


QUALITATIVE = ParsedValue(None, None, "")

# Longest spellings first, so that "不低于" is not read as "低于".
_COMPARATOR_SPELLINGS = sorted(
    [
        (">=", ">="),
        ("≥", ">="),
        ("≧", ">="),
        ("=>", ">="),
        ("不低于", ">="),
        ("不少于", ">="),
        ("大于等于", ">="),
        ("大于或等于", ">="),
        ("至少", ">="),
        ("不小于", ">="),
        ("<=", "<="),
        ("≤", "<="),
        ("≦", "<="),
        ("=<", "<="),
        ("不高于", "<="),
        ("不超过", "<="),
        ("不多于", "<="),
        ("不大于", "<="),
        ("小于等于", "<="),
        ("小于或等于", "<="),
        ("至多", "<="),
        (">", ">"),
        ("大于", ">"),
        ("高于", ">"),
        ("超过", ">"),
        ("多于", ">"),
        ("<", "<"),
        ("小于", "<"),
        ("低于", "<"),
        ("少于", "<"),
        ("==", "="),
        ("=", "="),
        ("等于", "="),
        ("达到", "="),
    ],
    key=lambda pair: -len(pair[0]),
)

_UNIT_WORDS = (
    "人次|户次|小时|分钟|公里|千米|平方米|立方米|课时|学时|个工作日|工作日|个月|季度|批次|街道|居委|"
    "元|件|人|户|起|镇|个|次|项|家|天|日|月|年|周|篇|场|份|台|套|条|所|张|本|册|座|米|亩|吨|"
    "辆|期|批|分|名|位|间|处|栋|例|宗|单|封|页|种|类|部|门|村"
)
# 万 and 亿 may stand alone ("≥2万") or before a unit ("=5万元"); either way they stay in the unit.
_UNITS = f"%|‰|百分比|[万亿千百](?:{_UNIT_WORDS})?|(?:{_UNIT_WORDS})"
_NUMBER_RE = re.compile(
    r"^(?P<number>\d{1,3}(?:,\d{3}){1,4}(?:\.\d{1,4})?|\d{1,15}(?:\.\d{1,4})?)"
    rf"\s*(?P<unit>{_UNITS})?"
    r"\s*(?P<suffix>以上|以下|以内)?"
    r"\s*(?:\(.*\))?\s*$"
)
_SUFFIX_COMPARATORS = {"以上": ">=", "以下": "<=", "以内": "<="}


# Values repeat across rows and tables ("=100%", "≥95%"); the result is immutable.
@lru_cache(maxsize=4096)
def parse_value(text):
    """Read an indicator value; None for a blank cell, QUALITATIVE for text.

    "≥98%", "＞＝98％", "不低于98%" → (>=, 98, %); "=0起" → (=, 0, 起); "100%(25800人)" and
    a bare "15" read as "=" with their first number. 万 stays inside the unit.
    """
    normalized = re.sub(r"\s+", " ", normalize_text(text)).strip()
    if not normalized:
        return None
    comparator = None
    rest = normalized
    for spelling, meaning in _COMPARATOR_SPELLINGS:
        if rest.startswith(spelling):
            comparator, rest = meaning, rest[len(spelling) :].strip()
            break
    match = _NUMBER_RE.match(rest)
    if not match:
        return QUALITATIVE
    suffix_comparator = _SUFFIX_COMPARATORS.get(match["suffix"])
    if comparator is None:
        comparator = suffix_comparator or "="
    unit = match["unit"] or ""
    if unit == "百分比":
        unit = "%"
    number = Decimal(match["number"].replace(",", ""))
    return ParsedValue(comparator, number, unit)


# ---------------------------------------------------------------------------
# Inputs and results


@dataclass
class FundsLine:
    initial_budget: Decimal | None = None
    full_year_budget: Decimal | None = None
    executed: Decimal | None = None


@dataclass
class IndicatorInput:
    level1: str
    level2: str
    name: str
    target: str = ""
    actual: str = ""
    grade: str | None = None
    weight: Decimal | None = None
    score: Decimal | None = None
    reason: str = ""


@dataclass
class AssessmentInput:
    rule_set: str = DEFAULT_RULE_SET
    funds: dict = field(default_factory=dict)
    budget_weight: Decimal = Decimal("10")
    goal: str = ""
    outcome: str = ""
    indicators: list = field(default_factory=list)

    def fund(self, line):
        return self.funds.get(line) or FundsLine()


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str
    message: str
    where: str

    def as_dict(self):
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "where": self.where,
        }


@dataclass
class IndicatorResult:
    target: ParsedValue | None
    actual: ParsedValue | None
    met: bool | None
    suggested_score: Decimal | None
    band: tuple | None = None


@dataclass
class Evaluation:
    execution_rate: Decimal | None
    budget_score: Decimal
    indicator_score: Decimal
    total_score: Decimal
    grade: str
    indicators: list
    findings: list
    weight_total: Decimal
    level1_weights: dict

    @property
    def errors(self):
        return [f for f in self.findings if f.severity == ERROR]

    @property
    def warnings(self):
        return [f for f in self.findings if f.severity == WARNING]


# ---------------------------------------------------------------------------
# Scoring


def execution_ratio(full_year_budget, executed):
    """The exact ratio 全年执行数 ÷ 全年预算数, or None when there is nothing to divide by."""
    if not full_year_budget or executed is None:
        return None
    return executed / full_year_budget


def execution_rate(full_year_budget, executed):
    """执行率 in percent, two decimals, rounded half up from the exact ratio."""
    ratio = execution_ratio(full_year_budget, executed)
    if ratio is None:
        return None
    return round_half_up(ratio * HUNDRED)


def budget_score(full_year_budget, executed, weight=Decimal("10")):
    """min(执行率, 100%) × 分值, two decimals, rounded half up from the exact ratio."""
    ratio = execution_ratio(full_year_budget, executed)
    if ratio is None:
        return ZERO.quantize(CENT)
    ratio = min(max(ratio, ZERO), Decimal(1))
    return round_half_up(ratio * weight)


def grade_for(total, rule_set=None):
    rule_set = rule_set or RULE_SETS[DEFAULT_RULE_SET]
    for floor, grade in rule_set.grade_floors:
        if total >= floor:
            return grade
    return rule_set.lowest_grade


def qualitative_band(grade, weight, rule_set=None):
    """The (lowest, highest) score a qualitative grade allows for this 分值."""
    rule_set = rule_set or RULE_SETS[DEFAULT_RULE_SET]
    if grade not in rule_set.qualitative_bands or weight is None:
        return None
    low, high = rule_set.qualitative_bands[grade]
    return round_half_up(low * weight), round_half_up(high * weight)


def target_met(target, actual):
    """Whether the actual value meets the target; None when the two cannot be compared."""
    if target is None or actual is None or target.is_qualitative or actual.is_qualitative:
        return None
    if target.unit and actual.unit and target.unit != actual.unit:
        return None
    goal, value = target.number, actual.number
    if goal == 0 and target.comparator in ("=", "<=", "<"):
        return value <= 0
    return {
        "=": value >= goal,
        ">=": value >= goal,
        ">": value > goal,
        "<=": value <= goal,
        "<": value < goal,
    }[target.comparator]


def suggested_indicator_score(target, actual, weight, grade=None, rule_set=None):
    """The rule's score for one indicator; the preparer may lower it, never raise it."""
    rule_set = rule_set or RULE_SETS[DEFAULT_RULE_SET]
    if weight is None:
        return None
    if target is not None and target.is_qualitative:
        band = qualitative_band(grade, weight, rule_set)
        return band[1] if band else None
    met = target_met(target, actual)
    if met is None:
        return None
    if met:
        return round_half_up(weight)
    goal, value = target.number, actual.number
    if goal == 0:
        return ZERO.quantize(CENT)
    if target.comparator in COMPLETION_COMPARATORS:
        share = value / goal
    elif rule_set.reverse_formula == "ratio":
        share = goal / value if value > 0 else Decimal(1)
    else:
        share = Decimal(1) - (value - goal) / goal
    share = min(max(share, ZERO), Decimal(1))
    return round_half_up(share * weight)


# ---------------------------------------------------------------------------
# Checks

_RATE_QUOTE_RE = re.compile(r"执行率\s*(?:为|是|达到|达|:)?\s*(\d+(?:\.\d+)?)\s*%")
_PLACEHOLDER_RES = (
    re.compile(r"\(\s*\d+\s*字以内\s*\)"),
    re.compile(r"^\s*指标\s*\d+\s*[:.、]?\s*$"),
    re.compile(r"^\s*(?:请填写|请输入|在此填写)"),
)


def _amount(value):
    return format(value, ",f")


def _funds_findings(data, rule_set):
    findings = []
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
            precision = Decimal(1).scaleb(written.as_tuple().exponent)
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


def _weight_findings(data, rule_set, weight_total, level1_weights):
    findings = []
    expected = HUNDRED - data.budget_weight
    if weight_total != expected:
        findings.append(
            Finding(
                "WEIGHTS_SUM",
                ERROR,
                f"绩效指标分值合计为 {weight_total}，应为 {expected}。",
                "indicators",
            )
        )
    differing = []
    for level1s, weight in rule_set.level1_split:
        actual = sum((level1_weights.get(name, ZERO) for name in level1s), ZERO)
        if actual != weight:
            differing.append(f"{'与'.join(level1s)} {actual}（原则上 {weight}）")
    if differing:
        findings.append(
            Finding(
                "LEVEL1_SPLIT",
                WARNING,
                "一级指标分值分配与原则不同：" + "；".join(differing) + "。",
                "indicators",
            )
        )
    return findings


def _indicator_findings(index, row, result, rule_set):
    where = f"indicators[{index}]"
    label = f"第 {index + 1} 行指标“{row.name or '（未命名）'}”"
    findings = []
    if row.level1 not in rule_set.taxonomy:
        findings.append(
            Finding(
                "TAXONOMY",
                ERROR,
                f"{label}的一级指标“{row.level1}”不属于{rule_set.title}的指标体系。",
                f"{where}.level1",
            )
        )
    elif row.level2 not in rule_set.level2_choices(row.level1):
        findings.append(
            Finding(
                "TAXONOMY",
                ERROR,
                f"{label}的二级指标“{row.level2}”不属于一级指标“{row.level1}”。",
                f"{where}.level2",
            )
        )
    for attribute, title in (("target", "年度指标值"), ("actual", "实际完成值")):
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
        if any(pattern.search(text) for pattern in _PLACEHOLDER_RES):
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
                f"{label}的得分 {score} 超出 0 至分值 {weight} 的范围。",
                f"{where}.score",
            )
        )
    if result.band and not result.band[0] <= score <= result.band[1]:
        findings.append(
            Finding(
                "QUALITATIVE_BAND",
                ERROR,
                f"{label}评为“{QUALITATIVE_GRADE_LABELS[row.grade]}”，得分应在 "
                f"{result.band[0]} 至 {result.band[1]} 之间，现为 {score}。",
                f"{where}.score",
            )
        )
    if score < weight and not (row.reason or "").strip():
        findings.append(
            Finding(
                "REASON_MISSING",
                ERROR,
                f"{label}得分低于分值，须填写偏差原因分析及改进措施。",
                f"{where}.reason",
            )
        )
    if result.met is True and score < weight:
        findings.append(
            Finding(
                "SCORE_INCONSISTENT",
                WARNING,
                f"{label}已完成年度指标值，但得分 {score} 低于分值 {weight}。",
                f"{where}.score",
            )
        )
    elif result.met is False and score == weight and result.suggested_score != weight:
        findings.append(
            Finding(
                "SCORE_INCONSISTENT",
                WARNING,
                f"{label}未完成年度指标值，却得满分 {weight}。",
                f"{where}.score",
            )
        )
    target, actual = result.target, result.actual
    if (
        result.met
        and target.comparator in COMPLETION_COMPARATORS
        and target.number > 0
        and actual.number > target.number * rule_set.over_achieved_ratio
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


def evaluate_indicator(row, rule_set):
    target = parse_value(row.target)
    actual = parse_value(row.actual)
    qualitative = target is not None and target.is_qualitative
    if qualitative:
        met = {GRADE_ACHIEVED: True, GRADE_PARTIAL: False, GRADE_NOT_ACHIEVED: False}.get(row.grade)
        band = qualitative_band(row.grade, row.weight, rule_set)
    else:
        met = target_met(target, actual)
        band = None
    suggested = suggested_indicator_score(target, actual, row.weight, row.grade, rule_set)
    return IndicatorResult(target, actual, met, suggested, band)


def evaluate(data):
    """Every computed figure and finding of one assessment."""
    rule_set = get_rule_set(data.rule_set)
    total = data.fund("total")
    rate = execution_rate(total.full_year_budget, total.executed)
    funds_score = budget_score(total.full_year_budget, total.executed, data.budget_weight)

    results = [evaluate_indicator(row, rule_set) for row in data.indicators]
    weight_total = sum((row.weight or ZERO for row in data.indicators), ZERO)
    level1_weights = {}
    for row in data.indicators:
        level1_weights[row.level1] = level1_weights.get(row.level1, ZERO) + (row.weight or ZERO)
    indicator_score = round_half_up(sum((row.score or ZERO for row in data.indicators), ZERO))
    total_score = round_half_up(funds_score + indicator_score)

    findings = _funds_findings(data, rule_set)
    findings += _weight_findings(data, rule_set, weight_total, level1_weights)
    for index, (row, result) in enumerate(zip(data.indicators, results, strict=True)):
        findings += _indicator_findings(index, row, result, rule_set)
    for attribute, title in (("goal", "预期目标"), ("outcome", "实际完成情况")):
        text = normalize_text(getattr(data, attribute))
        if any(pattern.search(text) for pattern in _PLACEHOLDER_RES):
            findings.append(
                Finding("PLACEHOLDER_TEXT", ERROR, f"{title}中留有模板说明文字。", attribute)
            )

    return Evaluation(
        execution_rate=rate,
        budget_score=funds_score,
        indicator_score=indicator_score,
        total_score=total_score,
        grade=grade_for(total_score, rule_set),
        indicators=results,
        findings=findings,
        weight_total=weight_total,
        level1_weights=level1_weights,
    )


def format_amount(value, *, grouped=False):
    """Money as the table prints it: two decimals, no separators; blank stays blank.

    Screens outside the official table group thousands for reading (1,058,948,800.00).
    """
    if value is None:
        return ""
    return format(round_half_up(value), ",f" if grouped else "f")


def format_points(value):
    """A weight or score without trailing zeros: 15, 3.37, 8.5."""
    if value is None:
        return ""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def format_percent(value):
    return "—" if value is None else f"{value}%"


# ---------------------------------------------------------------------------
# Summaries over many tables


def average(total, count):
    """Σ ÷ n, two decimals rounded half up; None when there is nothing to average."""
    if not count or total is None:
        return None
    return round_half_up(Decimal(total) / Decimal(count))


def weighted_average(weighted_total, weights):
    """Σ(value × weight) ÷ Σ weight, two decimals rounded half up; None without weight."""
    if not weights or weighted_total is None:
        return None
    return round_half_up(Decimal(weighted_total) / Decimal(weights))
