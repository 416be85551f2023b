"""The official table as rows and cells, shared by the detail page, the preview and the PDF."""

import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field, fields, replace
from decimal import Decimal
from typing import Self, overload

from django.conf import settings

from .. import kinds, rules
from ..interchange import assessment_record
from ..kinds.address import AddressError, CellAddress, normalise, parse
from ..models import Assessment, Indicator
from .remarks import remarks_of
from .signature_lines import SignatureBlock, signature_block

# On paper a text longer than this prints after the table as a numbered note (注1, 注2 …),
# full width, and its cell refers to it: in its column it would make the row pages tall, and
# a row split over a page break leaves its cells open. So no row is taller than a page and
# every break falls between rows.
LONG_TEXT = 500
# The reason column is narrow: a 偏差原因 this long would make its row a third of a page.
NOTE_LENGTH = 100


@dataclass(frozen=True)
class Note:
    number: int
    label: str
    text: str


# Column widths in percent of the table's width. The funds block has its own grid: each
# amount column holds 13 integer digits, two decimals and thousands separators on one line
# (32 mm at 9 pt); the middle amount spans two columns so that 预期目标 and 实际完成情况
# share the width equally.
HEAD_COLUMNS = (8, 17, 18.5, 10.5, 8, 18.5, 5, 8.5, 6)
INDICATOR_COLUMNS = {
    "block": 6,
    "level1": 10,
    "level2": 12,
    "name": 17,
    "target": 10.5,
    "actual": 10.5,
    "weight": 5,
    "score": 6,
    "reason": 23,
}
# A table without actuals (kinds that declare has_actuals False, a target table) has no
# 实际完成值, 得分 or 偏差原因: the names and targets take their width.
INDICATOR_COLUMNS_WITHOUT_ACTUALS = {
    "block": 6,
    "level1": 12,
    "level2": 16,
    "name": 36,
    "target": 22,
    "weight": 8,
}
# A declaration whose rows print their 评分细则 (RuleSet.scoring_criteria) gives it the width
# of a text column.
INDICATOR_COLUMNS_WITH_CRITERIA = {
    "block": 6,
    "level1": 10,
    "level2": 13,
    "name": 25,
    "target": 16,
    "weight": 7,
    "criteria": 23,
}
# The printable width of A4 with the stylesheet's margins, the cell padding and the body
# size: how many CJK characters a column holds on one line.
PAGE_WIDTH_MM = 184
CELL_PADDING_MM = 1.6
EM_MM = 9 * 25.4 / 72

CONTINUED = "（续）"

# A label that needs two lines breaks before one of these words where it can.
BREAK_BEFORE = ("满意度", "指标", "影响", "效益", "成本", "对象")


def column_capacity(percent: float) -> int:
    """The CJK characters one line of a column holds."""
    return int((PAGE_WIDTH_MM * percent / 100 - CELL_PADDING_MM) / EM_MM)


def label_lines(text: str, capacity: int) -> list[str]:
    """A label on one line if it fits, else on two lines of about equal length.

    No line is left with a single character ("满意度指 / 标"); among the even splits one
    before a word of BREAK_BEFORE wins ("服务对象 / 满意度指标"). A label too long for
    two lines is left to the browser's wrapping.
    """
    if len(text) <= capacity or len(text) > 2 * capacity:
        return [text]
    candidates = [
        cut for cut in range(2, len(text) - 1) if cut <= capacity and len(text) - cut <= capacity
    ]
    if not candidates:
        return [text]

    def badness(cut: int) -> tuple[bool, bool, int]:
        at_word = any(text.startswith(word, cut) for word in BREAK_BEFORE)
        return (abs(len(text) - 2 * cut) > 2, not at_word, abs(len(text) - 2 * cut))

    cut = min(candidates, key=badness)
    return [text[:cut], text[cut:]]


# Full-width digits and the signs of a value (％ ＋ － ． ＜ ＝ ＞ ／), as NFKC reads them; the
# full-width punctuation of Chinese text (，（）：) stays as typed.
_HALF_WIDTH = {
    code: unicodedata.normalize("NFKC", chr(code))
    for code in [
        *range(0xFF10, 0xFF1A),
        0xFF05,
        0xFF0B,
        0xFF0D,
        0xFF0E,
        0xFF0F,
        0xFF1C,
        0xFF1D,
        0xFF1E,
    ]
}


def printed_value(text: str) -> str:
    """A target or actual as printed: full-width digits and signs as ordinary ones."""
    return (text or "").translate(_HALF_WIDTH)


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

    @classmethod
    def of(cls, chosen: dict | None) -> Self:
        """A table's settings (Assessment.print_options); what it leaves out is the default."""
        names = {f.name for f in fields(cls)}
        return replace(cls.defaults(), **{k: v for k, v in (chosen or {}).items() if k in names})

    def as_dict(self) -> dict:
        return asdict(self)


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
    criteria: str = ""


@dataclass(frozen=True)
class Opinion:
    """One review opinion of a declaration: the level's heading, its words, who and when."""

    heading: str
    text: str
    reviewer: str
    date: str


@dataclass
class IndicatorLine:
    index: int | None  # None: an empty 二级 row
    indicator: Indicator | EmptyLevel2
    result: rules.IndicatorResult | None
    level1_rowspan: int = 0  # 0: the cell is covered by the one above
    level2_rowspan: int = 0
    block_rowspan: int = 0
    # The row starts a page in the middle of its group: the group's label is repeated (续).
    level1_continued: bool = False
    level2_continued: bool = False
    note: int | None = None  # the number of the note that holds the reason
    name_note: int | None = None  # the number of the note that holds the 三级指标
    # A page break is forced before this row, to keep it with the 总分 row.
    break_before: bool = False
    findings: list[rules.Finding] = field(default_factory=list)

    @property
    def is_empty_level2(self) -> bool:
        return self.index is None

    @property
    def where(self) -> str:
        return "" if self.index is None else str(CellAddress.at("indicators", self.index))

    @property
    def target(self) -> str:
        return printed_value(self.indicator.target)

    @property
    def actual(self) -> str:
        return printed_value(self.indicator.actual)

    @property
    def level1_label(self) -> list[str]:
        return self._label(self.indicator.level1, "level1", self.level1_continued)

    @property
    def level2_label(self) -> list[str]:
        return self._label(self.indicator.level2, "level2", self.level2_continued)

    def _label(self, text: str, column: str, continued: bool) -> list[str]:
        capacity = column_capacity(INDICATOR_COLUMNS[column])
        if not continued:
            return label_lines(text, capacity)
        if len(text) + len(CONTINUED) <= capacity:
            return [text + CONTINUED]
        return [*label_lines(text, capacity), CONTINUED]


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
    # For paper (the PDF and the print page): long texts become notes, and the screens' hooks
    # on the cells (ids, data-target, finding colours) are left out.
    paper: bool = False
    # Where the pages of the last layout started and where a break is forced: see paginate().
    page_starts: frozenset = frozenset()
    break_before: int | None = None

    @property
    def head_columns(self) -> tuple[float, ...]:
        return HEAD_COLUMNS

    @property
    def kind(self) -> kinds.TableKind:
        return self.assessment.table_kind

    @property
    def has_actuals(self) -> bool:
        return self.kind.has_actuals

    @property
    def kind_notes(self) -> list[tuple[str, str]]:
        """What the kind prints under the table from the table's cells (paper_notes)."""
        return self.kind.paper_notes(self.assessment.cells or {})

    @property
    def cell_rows(self) -> list[tuple[kinds.base.Cell, str]]:
        """The kind's declared cells with their values as printed, for the labelled table."""
        stored = self.assessment.cells or {}
        return [
            (cell, cell.printed(stored.get(cell.key, "")))
            for cell in self.kind.table_cells(self.assessment)
        ]

    @property
    def declared(self) -> dict[str, str]:
        """The declared cells' printed values by key, for a kind's own layout."""
        return {cell.key: value for cell, value in self.cell_rows}

    @property
    def opinions(self) -> list[Opinion]:
        """The review opinions the kind prints, each as the sign-off wrote it (or blank)."""
        declared = self.declared
        return [
            Opinion(
                heading,
                declared.get(f"{level}_opinion", ""),
                declared.get(f"{level}_reviewer", ""),
                declared.get(f"{level}_date", ""),
            )
            for level, heading in self.kind.review_opinions
        ]

    @property
    def sheet(self) -> object:
        """What the kind's own layout needs beyond the cells (kinds.base.table_sheet)."""
        return self.kind.table_sheet(self.assessment, self.evaluation, self.indicators)

    @property
    def indicator_columns(self) -> list[float]:
        if self.has_actuals:
            return list(INDICATOR_COLUMNS.values())
        if self.scoring_criteria:
            return list(INDICATOR_COLUMNS_WITH_CRITERIA.values())
        return list(INDICATOR_COLUMNS_WITHOUT_ACTUALS.values())

    @property
    def scoring_criteria(self) -> bool:
        """The rows print their 评分细则: the year's rule set asks for it, or a row has one."""
        rule_set = rules.get_rule_set(self.assessment.year.rule_set)
        return rule_set.scoring_criteria or any(row.criteria for row in self.indicators)

    # Long texts printed after the table (paper only), and the notes of the goal row.
    notes: list = field(default_factory=list)
    goal_note: int | None = None
    outcome_note: int | None = None
    # The notes of a kind's long declared texts, by cell key.
    cell_notes: dict[str, int] = field(default_factory=dict)
    # Targets never approved, approved adjustments (paper.remarks), printed under the table.
    remarks: list[str] = field(default_factory=list)

    def paginate(self, page_starts: Iterable[int], break_before: int | None = None) -> None:
        """Lay the groups out again for pages that start at these rows (indexes into lines).

        Every merged cell ends at a page's foot, so its border closes there, and a group
        that goes on at the top of a page repeats its label with （续）.
        """
        self.page_starts = frozenset(page_starts)
        self.break_before = break_before
        group_spans(self.lines, self.page_starts)
        for number, line in enumerate(self.lines):
            line.break_before = number == break_before

    @property
    def findings(self) -> list[rules.Finding]:
        return self.evaluation.findings

    @property
    def key_figures(self) -> list[tuple[str, str]]:
        """The figures the detail page shows above the table, as (label, value)."""
        a = self.assessment
        return a.table_kind.key_figures(a.rules_input(self.indicators), self.evaluation)

    def severity_at(self, where: str) -> str:
        found = self.findings_by_where.get(normalise(where), [])
        if any(f.severity == rules.ERROR for f in found):
            return rules.ERROR
        return rules.WARNING if found else ""


def _runs(
    lines: list["IndicatorLine"],
    same: Callable[["IndicatorLine", "IndicatorLine"], bool],
    page_starts: frozenset,
) -> Iterator[tuple[int, int]]:
    """(start, stop) of the runs of rows that `same` groups, cut where a page starts."""
    start = 0
    while start < len(lines):
        stop = start + 1
        while stop < len(lines) and same(lines[start], lines[stop]) and stop not in page_starts:
            stop += 1
        yield start, stop
        start = stop


def group_spans(
    lines: list[IndicatorLine], page_starts: frozenset = frozenset()
) -> list[IndicatorLine]:
    """Merge 一级 cells over consecutive rows, and 二级 cells within each 一级 run.

    A run is cut where a page starts (`page_starts`: indexes into lines); the part on the
    next page repeats the label, marked as continued.
    """

    def level1(a: IndicatorLine, b: IndicatorLine) -> bool:
        return a.indicator.level1 == b.indicator.level1

    def level2(a: IndicatorLine, b: IndicatorLine) -> bool:
        return level1(a, b) and a.indicator.level2 == b.indicator.level2

    for line in lines:
        line.level1_rowspan = line.level2_rowspan = line.block_rowspan = 0
        line.level1_continued = line.level2_continued = False
    for start, stop in _runs(lines, lambda a, b: True, page_starts):
        lines[start].block_rowspan = stop - start
    for same, span, continued in (
        (level1, "level1_rowspan", "level1_continued"),
        (level2, "level2_rowspan", "level2_continued"),
    ):
        for start, stop in _runs(lines, same, page_starts):
            setattr(lines[start], span, stop - start)
            setattr(lines[start], continued, start > 0 and same(lines[start - 1], lines[start]))
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
    paper: bool = False,
    remarks: list[str] | None = None,
) -> OfficialTable:
    """The table as printed; `signatures` overrides the 填报人/审核人 looked up in the log.

    On `paper`, long reasons print as notes after the table; a screen shows them in place.
    """
    options = options or PrintOptions.defaults()
    if indicators is None:
        indicators = list(assessment.indicators.all())
    evaluation = assessment.evaluate(indicators)
    findings_by_where: dict[str, list[rules.Finding]] = {}
    for finding in evaluation.findings:
        try:
            cell = parse(finding.where)
        except AddressError:
            findings_by_where.setdefault(finding.where, []).append(finding)
            continue
        findings_by_where.setdefault(str(cell), []).append(finding)
        # A finding on one cell of an indicator row also marks the row.
        if cell.row and cell.column:
            findings_by_where.setdefault(str(cell.whole_row), []).append(finding)
    lines = [
        IndicatorLine(index, row, result)
        for index, (row, result) in enumerate(zip(indicators, evaluation.indicators, strict=True))
    ]
    if options.show_empty_level2:
        lines = with_empty_level2(
            lines,
            assessment.table_kind.indicator_system(rules.get_rule_set(assessment.year.rule_set)),
        )
    group_spans(lines)
    for line in lines:
        line.findings = findings_by_where.get(line.where, [])
    money_unit = options.money_unit or assessment.money_unit
    funds = [
        FundsRow(
            line,
            assessment.table_kind.fund_labels[line],
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
    table = OfficialTable(
        assessment,
        evaluation,
        funds,
        lines,
        findings_by_where,
        options=options,
        money_unit=money_unit,
        signatures=signatures if options.signature_block else None,
        indicators=indicators,
        paper=paper,
    )
    if remarks is None:
        remarks = remarks_of(assessment_record(assessment, indicators))
    table.remarks = remarks
    if paper:
        add_notes(table)
    return table


def add_notes(table: OfficialTable) -> None:
    """Move the long texts of the table into numbered notes after it."""

    def note(label: str, text: str, limit: int) -> int | None:
        if len(text) <= limit:
            return None
        table.notes.append(Note(len(table.notes) + 1, label, text))
        return len(table.notes)

    a = table.assessment
    if table.kind.official_columns:
        for cell, value in table.cell_rows:
            if (number := note(cell.label, value, LONG_TEXT)) is not None:
                table.cell_notes[cell.key] = number
    goal_label, outcome_label = a.table_kind.goal_labels
    table.goal_note = note(goal_label, a.goal, LONG_TEXT)
    table.outcome_note = note(outcome_label, a.outcome, LONG_TEXT)
    for line in table.lines:
        if line.is_empty_level2:
            continue
        row = line.indicator
        line.name_note = note(f"{row.level2} · 三级指标", row.name, LONG_TEXT)
        name = row.name if line.name_note is None else f"注{line.name_note}所列指标"
        line.note = note(f"{row.level2} · {name} · 偏差原因分析及改进措施", row.reason, NOTE_LENGTH)
