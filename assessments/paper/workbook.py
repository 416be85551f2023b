"""The official table as an Excel workbook: the layout of the PDF, figures as numbers.

People who keep their tables in Excel get the same table the PDF prints (the signed version
of a signed table, the current data of any other, marked 草稿 / 未签发 in the page header),
in one sheet with merged cells, borders and A4 page setup. Amounts, rates and scores are
numbers Excel can add up; every text stays text, even one that starts with "=".
"""

import io
import math
import unicodedata
from decimal import Decimal
from typing import TYPE_CHECKING

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from .. import rules
from . import printable

if TYPE_CHECKING:
    from openpyxl.cell import Cell
    from openpyxl.worksheet.worksheet import Worksheet

FONT_NAME = "宋体"
# Column widths in Excel's units (about one Latin digit each), in the PDF's proportions.
WIDTHS = [9, 9, 12, 18, 11, 11, 6, 8, 21]
COLUMNS = len(WIDTHS)
AMOUNT_FORMAT = "0.00"
PERCENT_FORMAT = "0.00%"
LINE_HEIGHT = 14  # points, for 10-point text
THIN = Side(style="thin")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
RIGHT = Alignment(horizontal="right", vertical="center")
WATERMARK_NOTES = {
    printable.DRAFT: "草稿 · 未经审核签发，不作正式文件",
    printable.UNSIGNED: "未签发 · 仅供核对，不作正式文件",
}


def text_width(text: str) -> int:
    """Width in Excel's units: a Chinese character takes about two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def line_count(text: str, width: int) -> int:
    """How many lines a wrapped text takes in cells `width` units wide."""
    usable = max(1, width - 1)
    return sum(max(1, math.ceil(text_width(part) / usable)) for part in text.split("\n"))


class TableSheet:
    """Writes cells row by row, with the official table's borders and fonts."""

    def __init__(self, worksheet: "Worksheet") -> None:
        self.worksheet = worksheet
        self.row = 0
        self.lines: dict[int, int] = {}  # row: the most lines a text of that row needs

    def fit_rows(self) -> None:
        """Row heights for wrapped texts: Excel and LibreOffice size a row to its text only
        when no cell of the row is merged, and the official table merges many."""
        for row, lines in self.lines.items():
            if lines > 1 and self.worksheet.row_dimensions[row].height is None:
                self.worksheet.row_dimensions[row].height = lines * LINE_HEIGHT + 4

    def next_row(self) -> int:
        self.row += 1
        return self.row

    def put(
        self,
        column: int,
        value: object,
        *,
        align: Alignment = CENTER,
        bold: bool = False,
        number_format: str | None = None,
        span: int = 1,
        down: int = 1,
    ) -> "Cell":
        """One cell (merged over `span` columns and `down` rows), bordered."""
        cell = self.worksheet.cell(row=self.row, column=column)
        if isinstance(value, str):
            value = rules.clean_text(value)  # texts stored before cleaning came in
            cell.value = value
            cell.data_type = "s"  # "=100%" is a target, not a formula
            if down == 1:
                width = sum(WIDTHS[column - 1 : column - 1 + span])
                self.lines[self.row] = max(self.lines.get(self.row, 1), line_count(value, width))
        elif value is not None:
            cell.value = value
        cell.font = Font(name=FONT_NAME, size=10, bold=bold)
        cell.alignment = align
        if number_format:
            cell.number_format = number_format
        last_row, last_column = self.row + down - 1, column + span - 1
        for row in range(self.row, last_row + 1):
            for col in range(column, last_column + 1):
                self.worksheet.cell(row=row, column=col).border = BORDER
        if span > 1 or down > 1:
            self.worksheet.merge_cells(
                start_row=self.row, start_column=column, end_row=last_row, end_column=last_column
            )
        return cell


# The indicator columns of a table without actuals: (column, heading, span).
TARGET_COLUMNS = (
    (2, "一级指标", 1),
    (3, "二级指标", 1),
    (4, "三级指标", 1),
    (5, "年度指标值", 3),
    (8, "分值", 2),
)
# Where the rows have their 评分细则 (OfficialTable.scoring_criteria).
TARGET_COLUMNS_WITH_CRITERIA = (
    (2, "一级指标", 1),
    (3, "二级指标", 1),
    (4, "三级指标", 1),
    (5, "年度指标值", 2),
    (7, "分值", 1),
    (8, "评分细则", 2),
)


def _rate(value: Decimal | None) -> Decimal | None:
    return None if value is None else value / Decimal(100)


def cells_workbook(item: printable.Printable) -> Workbook:
    """The workbook of a kind's declared cells: the labelled table, as on screen and paper."""
    table = item.table
    a = table.assessment
    book = Workbook()
    worksheet = book.active
    worksheet.title = a.table_kind.file_words
    sheet = TableSheet(worksheet)
    sheet.next_row()
    sheet.put(1, a.table_kind.title, bold=True, span=COLUMNS)
    sheet.next_row()
    sheet.put(1, f"（{a.year.year} 年度）", span=COLUMNS)
    for label, value in (
        *a.owner_lines,
        *((cell.label, value) for cell, value in table.cell_rows),
    ):
        sheet.next_row()
        sheet.put(1, label, bold=True, span=2)
        sheet.put(3, value, align=LEFT, span=COLUMNS - 2)
    if item.signature is not None:
        sheet.next_row()
        sheet.put(1, f"内容摘要（SHA-256）{item.signature.content_hash}", align=LEFT, span=COLUMNS)
    sheet.fit_rows()
    for column, width in enumerate(WIDTHS, start=1):
        worksheet.column_dimensions[get_column_letter(column)].width = width
    return book


def official_workbook(item: printable.Printable) -> Workbook:
    """The workbook of a printable.Printable: the table, its status and its signature details."""
    table = item.table
    a, ev = table.assessment, table.evaluation
    if a.table_kind.cells_only:
        return cells_workbook(item)
    book = Workbook()
    worksheet = book.active
    worksheet.title = a.table_kind.file_words
    sheet = TableSheet(worksheet)

    for text, size in ((a.table_kind.title, 16), (f"（{a.year.year} 年度）", 10)):
        sheet.next_row()
        cell = worksheet.cell(row=sheet.row, column=1, value=text)
        cell.font = Font(name=FONT_NAME, size=size, bold=size > 10)
        cell.alignment = CENTER
        worksheet.merge_cells(
            start_row=sheet.row, start_column=1, end_row=sheet.row, end_column=COLUMNS
        )
        worksheet.row_dimensions[sheet.row].height = size * 1.8

    sheet.next_row()
    sheet.put(1, "项目名称", bold=True)
    sheet.put(2, a.subject, align=LEFT, span=8)
    sheet.next_row()
    sheet.put(1, "主管部门", bold=True)
    sheet.put(2, a.department_name, align=LEFT, span=3)
    sheet.put(5, "实施单位", bold=True)
    sheet.put(6, a.unit.name, align=LEFT, span=4)
    # A kind's cells beside the official columns: those filled in first, the sign-off's last.
    filled_in = set(a.table_kind.wizard_cells)
    for cell, value in table.cell_rows:
        if cell in filled_in:
            sheet.next_row()
            sheet.put(1, cell.label, bold=True)
            sheet.put(2, value, align=LEFT, span=8)

    # A kind without actuals (a target table) has only the budget columns, the names and
    # targets wider, and no 总分 row: nothing is executed or scored yet.
    actuals = table.has_actuals

    sheet.next_row()
    sheet.put(
        1,
        f"{a.table_kind.funds_heading}\n（{table.money_unit}）",
        bold=True,
        down=1 + len(table.funds),
    )
    sheet.put(2, "", span=2)
    if not actuals:
        sheet.put(4, "年初预算数", bold=True)
        sheet.put(5, "全年预算数", bold=True, span=5)
    for column, heading in enumerate(
        ["年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"] if actuals else [],
        start=4,
    ):
        sheet.put(column, heading, bold=True)
    for number, row in enumerate(table.funds):
        sheet.next_row()
        label = ("其中：" if number == 1 else "") + row.label
        sheet.put(2, label, align=LEFT, span=2)
        if not actuals:
            sheet.put(4, row.values.initial_budget, align=RIGHT, number_format=AMOUNT_FORMAT)
            sheet.put(
                5, row.values.full_year_budget, align=RIGHT, number_format=AMOUNT_FORMAT, span=5
            )
            continue
        for column, name in enumerate(rules.FUND_COLUMNS, start=4):
            sheet.put(column, getattr(row.values, name), align=RIGHT, number_format=AMOUNT_FORMAT)
        if row.is_total:
            sheet.put(7, a.budget_weight)
            sheet.put(8, _rate(ev.execution_rate), number_format=PERCENT_FORMAT)
            sheet.put(9, ev.budget_score)
        else:
            sheet.put(7, "—")
            sheet.put(8, None)
            sheet.put(9, "—")

    sheet.next_row()
    sheet.put(1, "年度\n总体\n目标", bold=True, down=2)
    goal_label, outcome_label = a.table_kind.goal_labels
    sheet.put(2, goal_label, bold=True, span=4 if actuals else 8)
    if actuals:
        sheet.put(6, outcome_label, bold=True, span=4)
    sheet.next_row()
    sheet.put(2, a.goal, align=LEFT, span=4 if actuals else 8)
    if actuals:
        sheet.put(6, a.outcome, align=LEFT, span=4)

    sheet.next_row()
    indicator_header = sheet.row
    sheet.put(1, "绩效\n指标", bold=True, down=1 + len(table.lines))
    if actuals:
        for column, heading in enumerate(
            [
                "一级指标",
                "二级指标",
                "三级指标",
                "年度指标值",
                "实际完成值",
                "分值",
                "得分",
                "偏差原因分析及改进措施",
            ],
            start=2,
        ):
            sheet.put(column, heading, bold=True)
    target_columns = TARGET_COLUMNS_WITH_CRITERIA if table.scoring_criteria else TARGET_COLUMNS
    if not actuals:
        for column, heading, span in target_columns:
            sheet.put(column, heading, bold=True, span=span)
    for line in table.lines:
        sheet.next_row()
        i = line.indicator
        if line.level1_rowspan:
            sheet.put(2, i.level1, down=line.level1_rowspan)
        if line.level2_rowspan:
            sheet.put(3, i.level2, down=line.level2_rowspan)
        if line.is_empty_level2:
            if not actuals:
                for column, _, span in target_columns[2:]:
                    sheet.put(column, None, span=span)
                continue
            for column in range(4, COLUMNS + 1):
                sheet.put(column, None)
            continue
        if not actuals:
            written: tuple[str | Decimal | None, ...] = (i.name, line.target, i.weight, i.criteria)
            for (column, title, span), content in zip(target_columns[2:], written, strict=False):
                texts = title in ("三级指标", "评分细则")
                sheet.put(column, content, span=span, **({"align": LEFT} if texts else {}))
            continue
        sheet.put(4, i.name, align=LEFT)
        sheet.put(5, line.target)
        sheet.put(6, line.actual)
        sheet.put(7, i.weight)
        sheet.put(8, i.score)
        sheet.put(9, i.reason, align=LEFT)

    if actuals:
        sheet.next_row()
        sheet.put(1, "总分", bold=True, span=6)
        sheet.put(7, 100)
        sheet.put(8, ev.total_score, bold=True)
        sheet.put(9, None)

    for cell, value in table.cell_rows:
        if cell not in filled_in:
            sheet.next_row()
            sheet.put(1, cell.label, bold=True)
            sheet.put(2, value, align=LEFT, span=8)

    if table.signatures:
        people = table.signatures
        sheet.next_row()
        sheet.next_row()
        for column, value in enumerate(
            [
                "填报人：",
                people.preparer.name if people.preparer else "",
                "填报日期：",
                people.preparer.date if people.preparer else "",
                "审核人：",
                people.reviewer.name if people.reviewer else "",
                "审核日期：",
                people.reviewer.date if people.reviewer else "",
            ],
            start=1,
        ):
            cell = worksheet.cell(row=sheet.row, column=column, value=rules.clean_text(value))
            cell.font = Font(name=FONT_NAME, size=10)
            cell.alignment = RIGHT if column % 2 else CENTER
            if column % 2 == 0:
                cell.border = Border(bottom=THIN)

    if item.signature is not None:
        sheet.next_row()
        sheet.next_row()
        signed = "签发版 · " + " · ".join(
            part
            for part in (
                f"签发人 {item.signer}" if item.signer else "",
                f"签发时间 {item.signed_on}",
                f"内容摘要（SHA-256）{item.signature.content_hash}",
                f"核验：{item.verify_url}",
            )
            if part
        )
        sheet.put(1, signed, align=LEFT, span=COLUMNS).font = Font(name=FONT_NAME, size=8)
        for column in range(1, COLUMNS + 1):
            worksheet.cell(row=sheet.row, column=column).border = Border()

    sheet.fit_rows()
    for column, width in enumerate(WIDTHS, start=1):
        worksheet.column_dimensions[get_column_letter(column)].width = width
    setup = worksheet.page_setup
    setup.paperSize = worksheet.PAPERSIZE_A4
    setup.orientation = "portrait"
    setup.fitToWidth = 1
    setup.fitToHeight = 0
    worksheet.sheet_properties.pageSetUpPr.fitToPage = True
    worksheet.print_options.horizontalCentered = True
    # A long table repeats the indicator header on every printed page, as the PDF does.
    worksheet.print_title_rows = f"{indicator_header}:{indicator_header}"
    worksheet.oddFooter.center.text = "-&P-"
    if item.watermark:
        worksheet.oddHeader.right.text = WATERMARK_NOTES[item.watermark]
        worksheet.oddHeader.right.color = "B00000"
    return book


def workbook_bytes(item: printable.Printable) -> bytes:
    output = io.BytesIO()
    official_workbook(item).save(output)
    return output.getvalue()
