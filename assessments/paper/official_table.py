"""The official table as rows and cells, shared by the detail page, the preview and the PDF."""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Self, overload

from django.conf import settings
from django.contrib.auth.models import User
from django.utils import timezone

from .. import rules
from ..models import Assessment, AssessmentEvent, Indicator, Signature

# A row is kept whole on one page unless one of its texts is this long: such a row may be
# taller than a page and has to continue on the next one.
LONG_TEXT = 500


@dataclass(frozen=True)
class PrintOptions:
    """The print settings of domain.md §1; defaults come from settings.OFFICIAL_TABLE_PRINT."""

    show_empty_level2: bool = False
    # Blank: the table's own unit. Otherwise the amounts are converted for printing.
    money_unit: str = ""
    signature_block: bool = True

    @classmethod
    def defaults(cls) -> Self:
        configured = getattr(settings, "OFFICIAL_TABLE_PRINT", {})
        return cls(
            show_empty_level2=configured.get("SHOW_EMPTY_LEVEL2", cls.show_empty_level2),
            money_unit=configured.get("MONEY_UNIT", cls.money_unit),
            signature_block=configured.get("SIGNATURE_BLOCK", cls.signature_block),
        )


@overload
def convert_amount(value: Decimal, from_unit: str, to_unit: str) -> Decimal: ...
@overload
def convert_amount(value: None, from_unit: str, to_unit: str) -> None: ...
@overload
def convert_amount(value: Decimal | None, from_unit: str, to_unit: str) -> Decimal | None: ...
def convert_amount(value: Decimal | None, from_unit: str, to_unit: str) -> Decimal | None:
    """An amount in another money unit, two decimals rounded half up; blank stays blank."""
    if value is None or from_unit == to_unit:
        return value
    # The official table prints 元 in Shanghai, 万元 nationally.
    MoneyUnit = Assessment.MoneyUnit
    return rules.round_half_up(value * MoneyUnit(from_unit).in_yuan / MoneyUnit(to_unit).in_yuan)


@dataclass(frozen=True)
class EmptyLevel2:
    """A 二级 of the rule set without indicators, printed as an empty row when asked for."""

    level1: str
    level2: str
    name: str = ""
    target: str = ""
    actual: str = ""
    weight: Decimal | None = None
    score: Decimal | None = None
    reason: str = ""


@dataclass(frozen=True)
class Person:
    name: str
    date: str


@dataclass(frozen=True)
class SignatureBlock:
    """Who prepared and who reviewed the table, and when; blank lines are signed by hand."""

    preparer: Person | None = None
    reviewer: Person | None = None


def chinese_date(moment: datetime) -> str:
    local = timezone.localtime(moment) if timezone.is_aware(moment) else moment
    return f"{local.year}年{local.month}月{local.day}日"


def display_name(user: User | None) -> str:
    return (user.get_full_name() or user.get_username()) if user else ""


def signature_block(assessment: Assessment, signature: Signature | None = None) -> SignatureBlock:
    """The 填报人 who last submitted the table and the 审核人 of its valid signature.

    For a signed version the submission before the signing counts, so that a later
    reopening does not change what the signed copy says.
    """
    if signature is None:
        signature = assessment.valid_signature()
    submissions = AssessmentEvent.objects.filter(
        assessment_id=assessment.pk, action=AssessmentEvent.Action.SUBMIT
    ).select_related("actor")
    if signature is not None:
        submissions = submissions.filter(created_at__lte=signature.signed_at)
    submission = submissions.order_by("-created_at", "-pk").first()
    preparer = reviewer = None
    if submission is not None and submission.actor is not None:
        preparer = Person(display_name(submission.actor), chinese_date(submission.created_at))
    if signature is not None and signature.signed_by_id is not None:
        reviewer = Person(display_name(signature.signed_by), chinese_date(signature.signed_at))
    return SignatureBlock(preparer, reviewer)


@dataclass
class IndicatorLine:
    index: int | None  # None: an empty 二级 row
    indicator: Indicator | EmptyLevel2
    result: rules.IndicatorResult | None
    level1_rowspan: int = 0  # 0: the cell is covered by the one above
    level2_rowspan: int = 0
    findings: list[rules.Finding] = field(default_factory=list)

    @property
    def is_empty_level2(self) -> bool:
        return self.index is None

    @property
    def may_split(self) -> bool:
        return len(self.indicator.reason) > LONG_TEXT or len(self.indicator.name) > LONG_TEXT

    @property
    def where(self) -> str:
        return "" if self.index is None else f"indicators[{self.index}]"


@dataclass
class FundsRow:
    line: str
    label: str
    values: rules.FundsLine
    is_total: bool

    def cell(self, column: str) -> str:
        return rules.format_amount(getattr(self.values, column))


@dataclass
class OfficialTable:
    assessment: Assessment
    evaluation: rules.Evaluation
    funds: list[FundsRow]
    lines: list[IndicatorLine]
    findings_by_where: dict[str, list[rules.Finding]]
    options: PrintOptions = field(default_factory=PrintOptions)
    money_unit: str = Assessment.MoneyUnit.YUAN
    signatures: SignatureBlock | None = None
    # The indicator rows in their stored order, as the table was built from them.
    indicators: list[Indicator] = field(default_factory=list)

    @property
    def findings(self) -> list[rules.Finding]:
        return self.evaluation.findings

    @property
    def key_figures(self) -> list[tuple[str, str | Decimal]]:
        """The figures the detail page shows above the table, as (label, value)."""
        a, evaluation = self.assessment, self.evaluation
        return [
            ("全年预算数", rules.format_amount(a.total_full_year_budget, grouped=True) or "—"),
            ("全年执行数", rules.format_amount(a.total_executed, grouped=True) or "—"),
            ("执行率", rules.format_percent(evaluation.execution_rate)),
            ("预算执行得分", f"{evaluation.budget_score} / {rules.format_points(a.budget_weight)}"),
            ("总分", evaluation.total_score),
            ("等级", evaluation.grade),
        ]

    @property
    def goal_may_split(self) -> bool:
        return len(self.assessment.goal) > LONG_TEXT or len(self.assessment.outcome) > LONG_TEXT

    def severity_at(self, where: str) -> str:
        found = self.findings_by_where.get(where, [])
        if any(f.severity == rules.ERROR for f in found):
            return rules.ERROR
        return rules.WARNING if found else ""


def group_spans(lines: list[IndicatorLine]) -> list[IndicatorLine]:
    """Merge 一级 cells over consecutive rows, and 二级 cells within each 一级 run."""
    start = 0
    while start < len(lines):
        end = start
        level1 = lines[start].indicator.level1
        while end < len(lines) and lines[end].indicator.level1 == level1:
            end += 1
        lines[start].level1_rowspan = end - start
        inner = start
        while inner < end:
            stop = inner
            level2 = lines[inner].indicator.level2
            while stop < end and lines[stop].indicator.level2 == level2:
                stop += 1
            lines[inner].level2_rowspan = stop - inner
            inner = stop
        start = end
    return lines


def with_empty_level2(lines: list[IndicatorLine], rule_set: rules.RuleSet) -> list[IndicatorLine]:
    """Every 二级 of the rule set in its order, the empty ones as rows of their own.

    Indicators keep their order within a 二级; 一级 and 二级 outside the rule set follow
    in the order they were entered, so nothing entered is ever left out.
    """
    groups: dict[str, dict[str, list[IndicatorLine]]] = {}
    for line in lines:
        groups.setdefault(line.indicator.level1, {}).setdefault(line.indicator.level2, []).append(
            line
        )
    ordered: list[IndicatorLine] = []
    level1s = list(rule_set.taxonomy) + [key for key in groups if key not in rule_set.taxonomy]
    for level1 in level1s:
        entered = groups.get(level1, {})
        known = rule_set.taxonomy.get(level1, ())
        for level2 in list(known) + [key for key in entered if key not in known]:
            rows = entered.get(level2)
            ordered.extend(rows or [IndicatorLine(None, EmptyLevel2(level1, level2), result=None)])
    return ordered


def build_official_table(
    assessment: Assessment,
    indicators: list[Indicator] | None = None,
    *,
    options: PrintOptions | None = None,
    signatures: SignatureBlock | None = None,
) -> OfficialTable:
    """The table as printed; `signatures` overrides the 填报人/审核人 looked up in the log."""
    options = options or PrintOptions.defaults()
    if indicators is None:
        indicators = list(assessment.indicators.all())
    evaluation = rules.evaluate(assessment.rules_input(indicators))
    findings_by_where: dict[str, list[rules.Finding]] = {}
    for finding in evaluation.findings:
        findings_by_where.setdefault(finding.where, []).append(finding)
        # A finding on one cell of an indicator row also marks the row.
        if finding.where.startswith("indicators[") and "." in finding.where:
            findings_by_where.setdefault(finding.where.split(".")[0], []).append(finding)
    lines = [
        IndicatorLine(index, row, result)
        for index, (row, result) in enumerate(zip(indicators, evaluation.indicators, strict=True))
    ]
    if options.show_empty_level2:
        lines = with_empty_level2(lines, rules.get_rule_set(assessment.year.rule_set))
    group_spans(lines)
    for line in lines:
        line.findings = findings_by_where.get(line.where, [])
    money_unit = options.money_unit or assessment.money_unit
    funds = [
        FundsRow(
            line,
            rules.FUND_LINE_LABELS[line],
            rules.FundsLine(
                *(
                    convert_amount(
                        getattr(assessment.fund(line), column), assessment.money_unit, money_unit
                    )
                    for column in rules.FUND_COLUMNS
                )
            ),
            line == "total",
        )
        for line in rules.FUND_LINES
    ]
    if options.signature_block and signatures is None:
        signatures = signature_block(assessment)
    return OfficialTable(
        assessment,
        evaluation,
        funds,
        lines,
        findings_by_where,
        options=options,
        money_unit=money_unit,
        signatures=signatures if options.signature_block else None,
        indicators=indicators,
    )
