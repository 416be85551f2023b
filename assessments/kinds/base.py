"""What a kind of table declares. One subclass per kind, registered with kinds.register.

Everything that differs between two kinds of table is an attribute or a method here; the
generic code (workflow, comments, signing, lists, paper, the interchange) reads it and never
asks which kind it holds.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from .. import rules
from .address import CellAddress
from .inputs import READERS, printed_date, read

# The section of a kind's generic cells (values kept in Assessment.cells).
CELLS = "cells"
# A generic cell is a row of its section with one column, its value.
VALUE = "value"
# The "step" of a cell no wizard step fills: the reviewer's words, written at the sign-off
# (TableKind.review_opinions).
AT_SIGN_OFF = "sign_off"


@dataclass(frozen=True)
class Cell:
    """One cell a kind declares beyond the official columns: a row of the simple labelled
    table (screen, print, PDF, workbook), an input of its wizard step, a key of the record."""

    # Stable: the key in Assessment.cells, the snapshot and the interchange, and the row of
    # its address (cells.<key>.value), which the fillable workbook keys it by.
    key: str
    label: str
    # An input type of kinds.inputs: amount, points, percent, indicator_value, text, choice,
    # date.
    input: str
    # The wizard step that fills it (AT_SIGN_OFF: none, the sign-off writes it).
    step: str
    max_length: int = 200
    choices: tuple[tuple[str, str], ...] = ()
    # Carried into next year's copy of the table (复制), as the goal and the targets are.
    copied: bool = False
    # The heading the wizard shows above a run of cells of the same group (a kind's cells
    # of one indicator row share the row's name); "" for none.
    group: str = ""

    def __post_init__(self) -> None:
        if self.input not in READERS:
            raise ValueError(f"cell {self.key!r}: unknown input type {self.input!r}")

    @property
    def address(self) -> CellAddress:
        return CellAddress(CELLS, self.key, VALUE)

    def read(self, text: object) -> str:
        """The stored text of typed input; ValueError with a Chinese message."""
        value = read(self.input, text, self.label)
        if len(value) > self.max_length:
            raise ValueError(f"“{self.label}”最多 {self.max_length} 个字。")
        if self.choices and value and value not in dict(self.choices):
            raise ValueError(f"“{self.label}”请从列出的选项中选择。")
        return value

    def printed(self, value: str) -> str:
        """The stored value as screen and paper show it (a date as 2024年1月31日)."""
        return printed_date(value) if self.input == "date" else value


def opinion_cells(level: str, heading: str) -> tuple[Cell, Cell, Cell]:
    """The cells of one review opinion (TableKind.review_opinions), written at the sign-off."""
    return (
        Cell(f"{level}_opinion", heading, "text", AT_SIGN_OFF, max_length=500),
        Cell(f"{level}_reviewer", f"{heading} · 审核人", "text", AT_SIGN_OFF, max_length=50),
        Cell(f"{level}_date", f"{heading} · 日期", "date", AT_SIGN_OFF),
    )


# The simple labelled table of a kind's declared cells.
CELLS_LAYOUT = "assessments/_cells_table.html"

# What a table belongs to: a project (Assessment.project, the unit's project), or a
# department as a whole (Assessment.organisation, the department itself).
PROJECT = "project"
DEPARTMENT = "department"


class TableKind:
    # The stored name (Assessment.kind, the interchange's `kind`): never change it.
    name: ClassVar[str]
    # Where the kind is listed among the tabs and choices (lower first).
    order: ClassVar[int] = 50
    # 绩效自评表: the tab, the badge, the choice when a table is created.
    label: ClassVar[str]
    # 自评表: what messages call one table ("项目已有 2023 年度的自评表").
    short_label: ClassVar[str]
    # 财政项目支出绩效自评表: the heading on screen, on paper and in the workbook.
    title: ClassVar[str]
    # The last words of a file name: 2023-培训-绩效自评表.pdf.
    file_words: ClassVar[str]
    # What the public verification page calls a signed table of the kind.
    verify_noun: ClassVar[str]
    # What a sign-off is called: 签发, or 批准.
    sign_verb: ClassVar[str] = "签发"
    # The message after a sign-off.
    signed_message: ClassVar[str] = "已签发。签发内容已锁定，其摘要可用于核验。"
    # What a table of the kind belongs to: PROJECT (one table per project, year and kind,
    # filled by the unit) or DEPARTMENT (one per department, year and kind, filled by the
    # department's own staff, never seen by its units).
    belongs_to: ClassVar[str] = PROJECT
    # The funds block's heading and its lines' names (total, current, carryover, other) on
    # screen, on paper and in the workbooks.
    funds_heading: ClassVar[str] = "项目资金"
    fund_labels: ClassVar[Mapping[str, str]] = rules.FUND_LINE_LABELS
    # The two texts of 年度总体目标 as the table heads them: what was set, what was achieved.
    goal_labels: ClassVar[tuple[str, str]] = ("预期目标", "实际完成情况")
    # The wizard's steps in order: (name, title). The log names a saved step by its title.
    steps: ClassVar[tuple[tuple[str, str], ...]]
    # The cells beyond the official columns (a kind that is not the official table declares
    # all of its cells here); empty for the self-assessment.
    cells: ClassVar[tuple[Cell, ...]] = ()
    # The table has the official columns (funds, goal, the indicator rows, kept in the model's
    # columns) and its cells add to them: the official workbook and interchange, with the
    # cells beside. False: the declared cells are the whole table (the labelled table, the
    # cells workbook and fillable workbook).
    official_columns: ClassVar[bool] = False
    # The levels whose review opinion (意见, 审核人, 日期) the table prints, as (level,
    # heading); the sign-off writes the opinion of the level the reviewer approves for into
    # the cells <level>_opinion, <level>_reviewer and <level>_date (declared AT_SIGN_OFF).
    review_opinions: ClassVar[tuple[tuple[str, str], ...]] = ()
    # The template of the table on screen and paper: the official layout, or the simple
    # labelled table of the declared cells.
    layout: ClassVar[str] = CELLS_LAYOUT
    # The indicator rows' columns a table of the kind shows (and comments may be pinned to);
    # none for a kind without indicator rows.
    indicator_columns: ClassVar[tuple[str, ...]] = ()
    # The wizard step that fills a cell: looked up by "section.column", then by "section".
    cell_steps: ClassVar[Mapping[str, str]] = {}
    # A year-end report: counted in summaries, exports, books, filings, reminders and a
    # project's years. Tables set before the year (targets) are not.
    reported: ClassVar[bool] = True
    # Nothing is executed or scored before the year: without actuals the funds show only the
    # budget columns, and the paper has no 全年执行数, 执行率, 实际完成值, 得分, 偏差原因 or 总分.
    has_actuals: ClassVar[bool] = True
    # Filled offline in the fillable workbook (下载填报表 / 上传).
    fillable: ClassVar[bool] = True
    # The kind whose approved table of the same project and year a new table starts from
    # (its targets then locked), or None.
    starts_from: ClassVar[str | None] = None
    # Its approved targets may change during the year through a 目标调整 (a monitoring table
    # reports against the targets as they stand; an adjustment is asked on the self-assessment).
    adjusts_targets: ClassVar[bool] = True
    # Begun only by opening a round for it (运行监控), never from the 新建 form or by copying.
    opened_in_rounds: ClassVar[bool] = False
    # A project added during the year may get a table of this kind then, marked 年中追加.
    added_mid_year: ClassVar[bool] = False
    # The default kind leaves `kind` out of the signed record, so tables signed before kinds
    # existed keep their hash; any other kind names itself there.
    named_in_record: ClassVar[bool] = True
    # An Assessment of this kind (its wizard, list tab, interchange and workflow). A signed
    # sheet kept in a model of its own (the bureau's 复核表) is declared here for its words,
    # its file name and its page on /verify/, and is not a table: False.
    is_table: ClassVar[bool] = True

    # Beside the table's name wherever tables of several kinds are listed together ("" for
    # the kind a table is by default).
    badge: ClassVar[str] = ""
    # The sign-off page's heading and what it says will follow.
    sign_off_heading: ClassVar[str] = "确认签发"
    sign_off_note: ClassVar[str] = (
        "签发后内容锁定，签发版 PDF 按此内容生成；如需再改，须由主管部门重新打开。"
    )

    @property
    def signed_label(self) -> str:
        """The status of a signed-off table: 已签发, 已批准."""
        return f"已{self.sign_verb}"

    @property
    def review_button(self) -> str:
        return f"审核通过并{self.sign_verb}"

    @property
    def of_department(self) -> bool:
        """A table of the kind belongs to a department as a whole, not to a project."""
        return self.belongs_to == DEPARTMENT

    @property
    def list_query(self) -> str:
        """The list's query string that shows tables of this kind ("" for the default)."""
        from . import DEFAULT

        return "" if self.name == DEFAULT else f"kind={self.name}"

    @property
    def cells_only(self) -> bool:
        """The declared cells are the whole table (no official columns)."""
        return bool(self.cells) and not self.official_columns

    @property
    def wizard_cells(self) -> tuple[Cell, ...]:
        """The cells the preparer fills in (not those the sign-off writes)."""
        return tuple(cell for cell in self.cells if cell.step != AT_SIGN_OFF)

    @property
    def step_names(self) -> list[str]:
        return [name for name, _ in self.steps]

    def step_title(self, step: str) -> str:
        return dict(self.steps).get(step, step)

    def cell(self, key: str) -> Cell:
        """The declared cell `key`; KeyError for a key the kind does not declare."""
        for cell in self.cells:
            if cell.key == key:
                return cell
        raise KeyError(key)

    def table_cells(self, table: Any = None) -> tuple[Cell, ...]:
        """The cells of one table (an Assessment): the declared ones, and for a kind with
        cells per indicator row those of the table's rows."""
        return self.cells

    def cells_of_step(self, step: str, table: Any = None) -> tuple[Cell, ...]:
        return tuple(cell for cell in self.table_cells(table) if cell.step == step)

    def table_sheet(
        self, table: Any, evaluation: rules.Evaluation | None = None, rows: Any = None
    ) -> Any:
        """What a kind's own layout needs beyond the declared cells (None: nothing); `rows`
        are the table's indicator rows where they are not its stored ones (a signed copy)."""
        return None

    def cell_at(self, address: CellAddress) -> Cell | None:
        """The declared cell at an address, if it is one."""
        if address.section != CELLS or address.column not in ("", VALUE):
            return None
        try:
            return self.cell(address.row)
        except KeyError:
            return None

    def step_of(self, address: CellAddress) -> str:
        """The wizard step where the cell is filled in; the last step (核对) for a cell no
        step of this kind fills."""
        if (cell := self.cell_at(address)) is not None and cell.step in self.step_names:
            return cell.step
        step = self.cell_steps.get(f"{address.section}.{address.column}") or self.cell_steps.get(
            address.section
        )
        return step if step in self.step_names else self.steps[-1][0]

    def evaluate(self, data: rules.AssessmentInput) -> rules.Evaluation:
        """Every figure and finding of one table of the kind (rules.evaluate with its checks)."""
        return rules.evaluate(data)

    def key_figures(
        self, data: rules.AssessmentInput, evaluation: rules.Evaluation
    ) -> list[tuple[str, str]]:
        """The figures the detail page shows above the table, as (label, text): by default
        how many of its cells are filled in."""
        filled = sum(1 for cell in self.cells if data.cells.get(cell.key))
        return [("已填栏目", f"{filled} / {len(self.cells)}")]

    def indicator_system(self, rule_set: rules.RuleSet) -> rules.RuleSet:
        """The year's rule set with the kind's indicator system (its 一级 and 二级 lists): the
        project's by default."""
        return rule_set

    def initial_rows(self) -> list[dict[str, object]]:
        """The indicator rows a new table of the kind starts with (level1, level2, name,
        target, weight); none by default."""
        return []

    def paper_notes(self, cells: Mapping[str, str]) -> list[tuple[str, str]]:
        """(heading, text) printed under the table from its stored cells; none by default."""
        return []

    def comment_targets(self, table: Any = None) -> list[tuple[str, str]]:
        """The cells of a table (an Assessment) a comment may be pinned to beyond the
        indicator rows, as (address, label); a kind with its own cells offers those."""
        return [(str(cell.address), cell.label) for cell in self.table_cells(table)]

    def verify_lines(self, snapshot: Mapping[str, object]) -> list[tuple[str, str]]:
        """What /verify/ shows of a signed snapshot beyond project, unit and year, as (label,
        text): only what the signed paper itself prints. Nothing more for a table."""
        return []

    def __repr__(self) -> str:
        return f"<TableKind {self.name}>"
