"""A book's front matter drawn straight into PDF (paper.drawing): the cover, the contents and
the summary, the book's page number at the foot of each page but the cover, then one more
page that holds only a sample of that number, which the binding copies onto every table page
(paper.binding.PageNumberWords).

These pages are a few centred lines and two ruled lists. Laid out by WeasyPrint, its start-up
and their layout took most of a book command's time; drawn here they take a few
milliseconds, in the print fonts and the measures of the official tables' stylesheet (A4,
margins 16, 13 and 18 mm, 9-point text).

A row's height never depends on a page number (the page column holds one line), so the
pages are planned once, the tables numbered, then drawn.
"""

import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

from .. import rules
from ..formats import chinese_date
from . import drawing
from .binding import SAMPLE_NUMBER, PageNumberWords
from .books import BookFront, book_summary, project_entries

MM = drawing.MM
PAGE_WIDTH, PAGE_HEIGHT = drawing.A4
TOP, SIDE, BOTTOM = 16 * MM, 13 * MM, 18 * MM
LEFT, WIDTH = SIDE, PAGE_WIDTH - 2 * SIDE
LIMIT = PAGE_HEIGHT - BOTTOM  # where a page's content ends
TEXT = 9.0  # points
NOTE = 8.5
FOOT = 8.0
PADDING = 1.2 * MM
SMALLEST = 5.5  # a figure is made smaller to this to stay on one line, then broken
REGULAR, BOLD = 400, 700

# The words around a book's page number, on the front pages and laid over every table page.
PAGE_NUMBER = PageNumberWords("合订本第 {} 页")


def face(weight: int = REGULAR) -> drawing.Typeface:
    return drawing.typeface(weight)


# ---------------------------------------------------------------------------
# Lines of text

OPENING = "（(《“‘【["
CLOSING = "，。、；：）)》”’】]！？%,.;:"
_ATOMS = re.compile(r"[A-Za-z0-9.%/\-]+|\s|.")


def atoms(text: str) -> list[str]:
    """What a line may not break inside: a run of Latin letters and figures, a character
    with the closing punctuation after it and the opening brackets before it."""
    found: list[str] = []
    opening = ""
    for piece in _ATOMS.findall(text):
        if piece in OPENING:
            opening += piece
        elif found and not opening and piece in CLOSING:
            found[-1] += piece
        else:
            found.append(opening + piece)
            opening = ""
    if opening:
        found.append(opening)
    return found


# Widths are sums of floating-point advances: a line that fits to a thousandth of a point fits.
FIT = 0.001


def plain(text: str) -> str:
    """Line breaks as "\n", other white space as a space, other control characters left
    out: what HTML's white space does to a name typed with a tab or pasted with "\r\n"."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(
        char if char == "\n" else " " if char.isspace() else char
        for char in text
        if char == "\n" or char.isspace() or unicodedata.category(char) != "Cc"
    )


@functools.lru_cache(maxsize=4096)
def wrap(text: str, typeface: drawing.Typeface, size: float, width: float) -> tuple[str, ...]:
    """The text in lines no wider than `width`; a line breaks between atoms, an atom that is
    wider than a line anywhere (as CSS's overflow-wrap: anywhere). Kept for the next call:
    a book repeats its units' names on every row, and plans its pages before drawing them."""
    lines: list[str] = []
    for paragraph in plain(text).split("\n"):
        line, used = "", 0.0
        for atom in atoms(paragraph):
            needed = typeface.width(atom, size)
            if atom.isspace() or used + needed <= width + FIT:
                line, used = line + atom, used + needed
                continue
            if line.strip():
                lines.append(line.rstrip())
            line, used = atom, needed
            while len(line) > 1 and used > width + FIT:
                cut, kept = 1, typeface.width(line[0], size)
                while cut < len(line) and kept + typeface.width(line[cut], size) <= width + FIT:
                    kept += typeface.width(line[cut], size)
                    cut += 1
                lines.append(line[:cut])
                line = line[cut:]
                used = typeface.width(line, size)
        lines.append(line.strip())
    return tuple(lines)


def line_height(size: float) -> float:
    return face().line_height(size)


# ---------------------------------------------------------------------------
# Ruled tables


@dataclass(frozen=True)
class Column:
    share: float  # of the width between the margins
    align: str = "left"  # left | center | right
    figure: bool = False  # made smaller to stay on one line before it is broken


@dataclass(frozen=True)
class Cell:
    text: str
    bold: bool = False
    span: int = 1
    align: str | None = None  # the column's, unless given


@dataclass
class Placed:
    """A cell's box on its row and its lines."""

    x: float
    width: float
    lines: list[str]
    size: float
    align: str
    bold: bool


@dataclass
class Table:
    columns: Sequence[Column]
    header: Sequence[Cell]
    grid: bool  # every cell ruled round; else a rule under the header and a dotted one a row
    rows: list[list[Cell]] = field(default_factory=list)

    def place(self, row: Sequence[Cell], *, header: bool = False) -> list[Placed]:
        placed, x, column = [], LEFT, 0
        for cell in row:
            spanned = self.columns[column : column + cell.span]
            width = sum(c.share for c in spanned) * WIDTH
            inner = width - 2 * PADDING
            bold = cell.bold or header
            typeface = face(BOLD if bold else REGULAR)
            align = cell.align or ("center" if header else spanned[0].align)
            size = TEXT
            if spanned[0].figure and not header and cell.span == 1:
                natural = typeface.width(cell.text, size)
                if natural > inner:
                    size = max(SMALLEST, size * inner / natural)
            lines = list(wrap(cell.text, typeface, size, inner))
            placed.append(Placed(x, width, lines, size, align, bold))
            x += width
            column += cell.span
        return placed

    @cached_property
    def placed(self) -> list[list[Placed]]:
        """The header's cells, then each row's, placed once the rows are all there."""
        return [self.place(self.header, header=True), *map(self.place, self.rows)]

    def height(self, placed: Sequence[Placed]) -> float:
        return max(len(p.lines) * line_height(p.size) for p in placed) + 2 * PADDING

    def plan(self, first_top: float) -> tuple[list[list[int]], float]:
        """The rows on each page, the header first on each, the first page's rows from
        `first_top`; and where the last row ends."""
        head = self.height(self.placed[0])
        pages: list[list[int]] = [[]]
        y = first_top + head
        for index, placed in enumerate(self.placed[1:]):
            height = self.height(placed)
            if y + height > LIMIT and pages[-1]:
                pages.append([])
                y = TOP + head
            pages[-1].append(index)
            y += height
        return pages, y

    def draw(self, page: drawing.Page, top: float, indexes: Sequence[int]) -> float:
        """The header and these rows from `top`; returns where they end."""
        y = self.draw_row(page, top, self.placed[0], header=True)
        for index in indexes:
            y = self.draw_row(page, y, self.placed[index + 1])
        return y

    def draw_row(
        self, page: drawing.Page, top: float, placed: Sequence[Placed], *, header: bool = False
    ) -> float:
        height = self.height(placed)
        bottom = top + height
        for cell in placed:
            typeface = face(BOLD if cell.bold else REGULAR)
            leading = line_height(cell.size)
            y = top + (height - len(cell.lines) * leading) / 2 + typeface.ascent(cell.size)
            for line in cell.lines:
                width = typeface.width(line, cell.size)
                x = {
                    "left": cell.x + PADDING,
                    "center": cell.x + (cell.width - width) / 2,
                    "right": cell.x + cell.width - PADDING - width,
                }[cell.align]
                page.text(x, y, line, typeface, cell.size)
                y += leading
        right = LEFT + WIDTH
        if self.grid:
            page.rule(LEFT, top, right, top, 0.6)
            page.rule(LEFT, bottom, right, bottom, 0.6)
            for cell in placed:
                page.rule(cell.x, top, cell.x, bottom, 0.6)
            page.rule(right, top, right, bottom, 0.6)
        elif header:
            page.rule(LEFT, bottom, right, bottom, 0.6)
        else:
            page.rule(LEFT, bottom, right, bottom, 0.4, dotted=True)
        return bottom


# ---------------------------------------------------------------------------
# The pages


def heading(page: drawing.Page, text: str) -> float:
    """A section's centred title at the top of its first page; returns where it ends."""
    size, spacing = 15.0, 15.0 * 0.3
    typeface = face(BOLD)
    width = typeface.width(text, size, spacing) - spacing
    page.text(
        LEFT + (WIDTH - width) / 2, TOP + typeface.ascent(size), text, typeface, size, spacing
    )
    return TOP + typeface.line_height(size) + 5 * MM


def note_lines(text: str) -> tuple[str, ...]:
    return wrap(text, face(), NOTE, WIDTH)


def foot(page: drawing.Page, number: int, words: PageNumberWords = PAGE_NUMBER) -> None:
    """The page number in `words`, left in the bottom margin, centred in its height."""
    typeface = face()
    baseline = PAGE_HEIGHT - BOTTOM / 2 - typeface.line_height(FOOT) / 2 + typeface.ascent(FOOT)
    page.text(LEFT, baseline, words.text(number), typeface, FOOT)


@dataclass(frozen=True)
class Line:
    """A centred line of a cover: its size, weight, letter spacing (em) and space above (mm)."""

    text: str
    size: float
    bold: bool = False
    spacing: float = 0
    above: float = 0


def cover_page(lines: Sequence[Line], top: float) -> drawing.Page:
    """A page of centred lines from `top` down, each broken where it is wider than the page."""
    page = drawing.Page(PAGE_WIDTH, PAGE_HEIGHT)
    y = top
    for line in lines:
        typeface = face(BOLD if line.bold else REGULAR)
        spacing = line.spacing * line.size
        y += line.above * MM
        for text in wrap(line.text, typeface, line.size, WIDTH):
            width = typeface.width(text, line.size, spacing) - spacing
            x = LEFT + (WIDTH - width) / 2
            page.text(x, y + typeface.ascent(line.size), text, typeface, line.size, spacing)
            y += typeface.line_height(line.size)
    return page


@dataclass
class Section:
    """A titled table and the note under it, planned onto pages."""

    title: str
    table: Table
    note: str

    def plan(self) -> tuple[list[list[int]], bool]:
        """The table's rows on each page, and whether the note takes a page of its own."""
        pages, end = self.table.plan(TOP + face(BOLD).line_height(15.0) + 5 * MM)
        note_height = len(note_lines(self.note)) * line_height(NOTE)
        return pages, end + 3 * MM + note_height > LIMIT

    def page_count(self) -> int:
        pages, note_apart = self.plan()
        return len(pages) + note_apart

    def draw(self, first_number: int) -> list[drawing.Page]:
        pages, note_apart = self.plan()
        drawn = []
        y = 0.0
        for number, indexes in enumerate(pages, start=first_number):
            page = drawing.Page(PAGE_WIDTH, PAGE_HEIGHT)
            top = heading(page, self.title) if number == first_number else TOP
            y = self.table.draw(page, top, indexes)
            foot(page, number)
            drawn.append(page)
        if note_apart:
            page = drawing.Page(PAGE_WIDTH, PAGE_HEIGHT)
            foot(page, first_number + len(pages))
            drawn.append(page)
            y = TOP - 3 * MM
        leading = line_height(NOTE)
        y += 3 * MM + face().ascent(NOTE)
        for line in note_lines(self.note):
            drawn[-1].text(LEFT, y, line, face(), NOTE)
            y += leading
        return drawn


def cover(front: BookFront) -> drawing.Page:
    projects = len(project_entries(front.entries))
    own = len(front.entries) - projects
    count = f"共 {projects} 个项目" + (f"，另有部门整体自评表 {own} 张" if own else "")
    lines = [
        Line(front.title, 24, bold=True, spacing=0.12),
        Line("合订本", 18, spacing=0.5, above=6),
        Line(front.organisation, 12, above=40),
        Line(count, 12, above=3),
        Line(chinese_date(front.generated_at), 12, above=3),
    ]
    return cover_page(lines, TOP + 70 * MM)


CONTENTS_COLUMNS = (Column(0.08, "center"), Column(0.48), Column(0.34), Column(0.10, "right", True))
SUMMARY_COLUMNS = (
    Column(0.06, "center"),
    Column(0.30),
    Column(0.06, "center"),
    Column(0.14, "right", True),
    Column(0.14, "right", True),
    Column(0.10, "right", True),
    Column(0.07, "right", True),
    Column(0.05, "center"),
    Column(0.08, "center"),
)
CONTENTS_NOTE = (
    "页码为合订本的页码，印在每页左下角；各表页脚居中的“-1-”等是该表自身的页码。"
    "已签发的表按存档的签发版原样装订。"
)


def contents(front: BookFront, summary_page: int) -> Section:
    table = Table(
        CONTENTS_COLUMNS, [Cell(t) for t in ("序号", "项目名称", "实施单位", "页码")], False
    )
    table.rows.append([Cell(""), Cell("汇总表"), Cell(""), Cell(str(summary_page))])
    for number, entry in enumerate(front.entries, start=1):
        a = entry.assessment
        table.rows.append(
            [Cell(str(number)), Cell(a.subject), Cell(a.unit.name), Cell(str(entry.first_page))]
        )
    return Section("目　录", table, CONTENTS_NOTE)


def summary(front: BookFront) -> Section:
    header = ("序号", "项目名称", "金额\n单位", "全年预算数", "全年执行数", "执行率", "总分")
    table = Table(SUMMARY_COLUMNS, [Cell(t) for t in (*header, "等级", "状态")], grid=True)
    for number, entry in enumerate(front.entries, start=1):
        a, evaluation = entry.assessment, entry.evaluation
        table.rows.append(
            [
                Cell(str(number)),
                Cell(a.subject),
                Cell(str(a.money_unit)),
                Cell(rules.format_amount(a.total_full_year_budget)),
                Cell(rules.format_amount(a.total_executed)),
                Cell(rules.format_percent(evaluation.execution_rate)),
                Cell(rules.format_points(evaluation.total_score)),
                Cell(evaluation.grade or ""),
                Cell(entry.status_label),
            ]
        )
    totals = book_summary(front.entries)
    table.rows.append(
        [
            Cell("合计（元）", bold=True, span=3, align="center"),
            Cell(rules.format_amount(totals.budget)),
            Cell(rules.format_amount(totals.executed)),
            Cell(rules.format_percent(totals.execution_rate)),
            Cell("", span=3),
        ]
    )
    grades = "，".join(f"{grade} {count} 个" for grade, count in totals.grade_counts)
    own = len(front.entries) > len(project_entries(front.entries))
    mixed = len({e.assessment.money_unit for e in front.entries}) > 1
    note = (
        f"等级分布：{grades}。执行率合计按金额加权（合计全年执行数 ÷ 合计全年预算数）"
        + (
            "；合计与等级分布只计项目自评表，部门整体自评表的项目支出即各项目之和，不重复计入"
            if own
            else ""
        )
        + ("；金额单位为万元的表，合计时折算为元" if mixed else "")
        + "。"
    )
    return Section("汇总表", table, note)


def sample_page(words: PageNumberWords = PAGE_NUMBER) -> drawing.Page:
    """A page with only a page number, every digit in it once (paper.binding)."""
    page = drawing.Page(PAGE_WIDTH, PAGE_HEIGHT)
    foot(page, SAMPLE_NUMBER, words)
    return page


def front_matter_pdf(front: BookFront) -> tuple[bytes, int]:
    """The front matter as a PDF, the sample page of the page number after it, and how many
    pages come before that sample. Numbers the entries' first pages in the book."""
    summary_section = summary(front)
    summary_pages = summary_section.page_count()
    # The contents' rows do not depend on the numbers they list: planned with any numbers.
    contents_pages = contents(front, 0).page_count()
    summary_page = front.summary_page(contents_pages)
    front.number_entries(contents_pages, summary_pages)
    pages = [
        cover(front),
        *contents(front, summary_page).draw(2),
        *summary_section.draw(summary_page),
    ]
    outline = [("目　录", 1), ("汇总表", summary_page - 1)]
    content = drawing.write_pdf(
        [*pages, sample_page()],
        title=f"{front.title} 合订本 · {front.organisation}",
        author=front.organisation,
        outline=outline,
    )
    return content, len(pages)
