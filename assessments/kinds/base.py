"""What a kind of table declares. One subclass per kind, registered with kinds.register.

Everything that differs between two kinds of table is an attribute or a method here; the
generic code (workflow, comments, signing, lists, paper, the interchange) reads it and never
asks which kind it holds.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

from .. import rules
from .address import CellAddress
from .inputs import READERS, read

# The section of a kind's generic cells (values kept in Assessment.cells).
CELLS = "cells"
# A generic cell is a row of its section with one column, its value.
VALUE = "value"


@dataclass(frozen=True)
class Cell:
    """One cell a kind declares beyond the official columns: a row of the simple labelled
    table (screen, print, PDF, workbook), an input of its wizard step, a key of the record."""

    # Stable: the key in Assessment.cells, the snapshot and the interchange, and the row of
    # its address (cells.<key>.value), which the fillable workbook keys it by.
    key: str
    label: str
    # An input type of kinds.inputs: amount, points, percent, indicator_value, text, choice.
    input: str
    # The wizard step that fills it.
    step: str
    max_length: int = 200
    choices: tuple[tuple[str, str], ...] = ()

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
    # all of its cells here); empty for the two official tables.
    cells: ClassVar[tuple[Cell, ...]] = ()
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
    # A project added during the year may get a table of this kind then, marked 年中追加.
    added_mid_year: ClassVar[bool] = False
    # The default kind leaves `kind` out of the signed record, so tables signed before kinds
    # existed keep their hash; any other kind names itself there.
    named_in_record: ClassVar[bool] = True

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
    def cells_only(self) -> bool:
        """The kind is its declared cells (the simple labelled table on screen, paper and in
        the workbooks); a kind in the official layout may declare cells beside it."""
        return self.layout == CELLS_LAYOUT

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

    def cells_of_step(self, step: str) -> tuple[Cell, ...]:
        return tuple(cell for cell in self.cells if cell.step == step)

    def cell_at(self, address: CellAddress) -> Cell | None:
        """The declared cell at an address, if it is one."""
        if address.section != CELLS or address.column not in ("", VALUE):
            return None
        return next((cell for cell in self.cells if cell.key == address.row), None)

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

    def comment_targets(self) -> list[tuple[str, str]]:
        """The cells a comment may be pinned to beyond the indicator rows, as (address,
        label); a kind with its own cells offers those."""
        return [(str(cell.address), cell.label) for cell in self.cells]

    def __repr__(self) -> str:
        return f"<TableKind {self.name}>"
