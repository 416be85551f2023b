"""The fillable workbook: the official table to fill offline in Excel, WPS or LibreOffice.

The cells the preparer fills are open (yellow): 全年执行数 of each funds line, its 年初 and
全年预算数 where the table left them empty (a table copied from last year), 实际完成情况,
and each indicator's 实际完成值, 完成等级 (a drop-down list), 得分 and 偏差原因. Everything
else is locked by sheet protection. 执行率, the budget score and 总分 are formulas, so the
figures move as she types.

A very hidden sheet carries, for each table sheet, the table's identity and version, the
key and downloaded value of every open cell, and the value of every locked cell: reading the
file back (services.uploads) knows which table it belongs to, what changed since the
download, and whether a locked cell was altered. Its heading row carries a keyed hash of the
rows below (identity_digest), so an identity edited by hand is refused; an .xls saved by
LibreOffice keeps the sheet, only hidden instead of very hidden, and reads the same.
"""

import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.utils.crypto import salted_hmac
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from .. import rules
from ..kinds.address import AddressError, CellAddress, parse_address
from ..kinds.base import CELLS, VALUE
from ..models import Assessment
from ..rules import readers
from .official_table import OfficialTable, PrintOptions, build_official_table
from .workbook import CENTER, FONT_NAME, LEFT, RIGHT, WIDTHS, TableSheet, line_count

if TYPE_CHECKING:
    from openpyxl.cell import Cell

META_SHEET = "_标识"
META_TITLE = "绩效自评填报表"
META_FORMAT = 1
# The identity sheet's heading row carries a keyed hash of the rows below it (HMAC-SHA256 with
# a key derived from SECRET_KEY): a clerk who unhides the sheet and edits it is told so on
# upload. Workbooks downloaded before the hash was written have none and still upload.
IDENTITY_SALT = "assessments.paper.fillable.identity"
IDENTITY_COLUMNS = 5
OPEN, LOCKED, FORMULA, TABLE = "open", "locked", "formula", "table"
GRADE_COLUMN = 10  # J: 完成等级, beside the official columns
GRADE_WIDTH = 16
OPEN_FILL = PatternFill("solid", fgColor="FFF2CC")
UNLOCKED = Protection(locked=False)
AMOUNT_FORMAT = "0.00"
TEXT_FORMAT = "@"
# What a fillable workbook can hold: the bounds an upload is read within. A table sheet uses
# columns A-J and a row per indicator; the hidden sheet five columns and a row per cell of each
# table. The bounds leave room for notes typed beside and for a unit's many tables.
TABLE_ROWS, TABLE_COLUMNS = 5_000, 26
META_ROWS, META_COLUMNS = 200_000, 8
MAX_SHEETS = 500
MAX_CELLS = 4_000_000  # the declared area of all sheets together
_ADDRESS = re.compile(r"([A-Z]{1,3})([1-9][0-9]{0,6})")
NOTE = (
    "填写说明：黄色单元格可以填写（各资金来源的全年执行数和空着的预算数、实际完成情况、实际完成值、"
    "完成等级、得分、偏差原因分析及改进措施），其余单元格已锁定。执行率、得分和总分由公式计算。"
    "填好后保存，在系统中打开本表，点“上传填报表”，核对预览列出的每一处修改后确认保存。"
)


@dataclass(frozen=True)
class OpenField:
    """What an open cell holds: its key in the upload, how it reads, its limits."""

    label: str
    input_type: str  # "amount", "points", "text" or "grade"
    max_length: int = 0


def funds_key(line: str, column: str = "executed") -> str:
    """An open cell's key is its cell address (kinds.address)."""
    return str(CellAddress("funds", line, column))


def indicator_key(indicator_id: int, name: str) -> str:
    return str(CellAddress("indicators", str(indicator_id), name))


INDICATOR_FIELDS = {
    "actual": OpenField("实际完成值", "text", 200),
    "grade": OpenField("完成等级", "grade"),
    "score": OpenField("得分", "points"),
    "reason": OpenField("偏差原因分析及改进措施", "text", 2000),
}
OUTCOME = OpenField("实际完成情况", "text", 5000)
# A kind's declared cell is read as text here; the cell's own input type reads it on upload.
DECLARED_CELL = OpenField("栏目", "text", 5000)


def open_field(key: str) -> OpenField:
    """The field of an open cell's key; KeyError for a key this format does not have."""
    if key == "outcome":
        return OUTCOME
    try:
        cell = parse_address(key)
    except AddressError:
        raise KeyError(key) from None
    if cell.section == CELLS and cell.column == VALUE and str(cell) == key:
        return DECLARED_CELL
    if cell.section == "funds" and cell.row in rules.FUND_LINES[1:]:
        # 全年执行数 always; 年初 / 全年预算数 where the table left them empty (a copied table)
        return OpenField(rules.FUND_COLUMN_LABELS[cell.column], "amount")
    if cell.section == "indicators" and cell.row_id is not None and str(cell) == key:
        return INDICATOR_FIELDS[cell.column]
    raise KeyError(key)


def cell_address(text: object) -> str:
    """An address the hidden sheet names, checked: a cell within a table sheet's bounds.
    ValueError for anything else ("NOT-A-CELL", "A0", "XFD1048577")."""
    match = _ADDRESS.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"not a cell address: {text!r}")
    column, row = column_index_from_string(match.group(1)), int(match.group(2))
    if column > TABLE_COLUMNS or row > TABLE_ROWS:
        raise ValueError(f"outside a table sheet: {text}")
    return match.group(0)


def stored_text(value: object) -> str:
    """A value as the hidden sheet keeps it and as uploads compare it: numbers without
    trailing zeros, texts as cleaned, blank as ""."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float | Decimal):
        number = Decimal(str(value)).normalize()
        return format(number, "f")
    return rules.clean_text(str(value)).rstrip()


class FillableSheet(TableSheet):
    """A table sheet that remembers its open cells and their keys."""

    def __init__(self, worksheet: Worksheet) -> None:
        super().__init__(worksheet)
        self.open_cells: list[tuple[str, str, object]] = []  # (address, key, value)

    def put(self, column: int, value: object, **options: Any) -> "Cell":
        before = self.lines.get(self.row, 1)
        cell = super().put(column, value, **options)
        if column == GRADE_COLUMN:  # beyond the official widths the row height is counted here
            needed = line_count(value, GRADE_WIDTH) if isinstance(value, str) else 1
            self.lines[self.row] = max(before, needed)
        return cell

    def put_open(
        self, column: int, key: str, value: object, *, span: int = 1, align: Alignment = CENTER
    ) -> None:
        input_type = open_field(key).input_type
        number_format = AMOUNT_FORMAT if input_type == "amount" else None
        if input_type in ("text", "grade"):
            number_format = TEXT_FORMAT  # what is typed stays text: "98%" is not 0.98
        cell = self.put(column, value, align=align, number_format=number_format, span=span)
        for col in range(column, column + span):
            self.worksheet.cell(row=self.row, column=col).protection = UNLOCKED
        cell.fill = OPEN_FILL
        self.open_cells.append((cell.coordinate, key, value))

    def formula(self, column: int, formula: str, number_format: str | None = None) -> None:
        cell = self.put(column, None, number_format=number_format)
        cell.value = formula


def _validation(worksheet: Worksheet, addresses: list[str], **kwargs: object) -> None:
    if not addresses:
        return
    validation = DataValidation(allow_blank=True, showErrorMessage=True, **kwargs)
    worksheet.add_data_validation(validation)
    for address in addresses:
        validation.add(address)


def write_cells_table(worksheet: Worksheet, table: OfficialTable) -> FillableSheet:
    """A kind's declared cells to fill: a label and an open cell on each line."""
    a = table.assessment
    sheet = FillableSheet(worksheet)
    sheet.next_row()
    sheet.put(1, f"{table.kind.title}（填报用）", bold=True, span=9)
    label, name = a.owner_lines[0]
    sheet.next_row()
    sheet.put(1, label, bold=True, span=2)
    sheet.put(3, name, align=LEFT, span=7)
    for cell, value in table.cell_rows:
        sheet.next_row()
        sheet.put(1, cell.label, bold=True, span=2)
        sheet.put_open(3, str(cell.address), value, span=7, align=LEFT)
    sheet.fit_rows()
    for column, width in enumerate(WIDTHS, start=1):
        worksheet.column_dimensions[get_column_letter(column)].width = width
    worksheet.protection.sheet = True
    return sheet


def write_table(worksheet: Worksheet, table: OfficialTable) -> FillableSheet:
    """The official table with its open cells, formulas and validations on one sheet."""
    a = table.assessment
    if table.kind.cells_only:
        return write_cells_table(worksheet, table)
    sheet = FillableSheet(worksheet)
    columns = len(WIDTHS)
    for text, size in ((f"{table.kind.title}（填报用）", 16), (f"（{a.year.year} 年度）", 10)):
        sheet.next_row()
        cell = worksheet.cell(row=sheet.row, column=1, value=text)
        cell.font = Font(name=FONT_NAME, size=size, bold=size > 10)
        cell.alignment = CENTER
        worksheet.merge_cells(
            start_row=sheet.row, start_column=1, end_row=sheet.row, end_column=columns
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

    sheet.next_row()
    sheet.put(
        1,
        f"{table.kind.funds_heading}\n（{table.money_unit}）",
        bold=True,
        down=1 + len(table.funds),
    )
    sheet.put(2, "", span=2)
    for column, heading in enumerate(
        ["年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"], start=4
    ):
        sheet.put(column, heading, bold=True)
    total_row = sheet.row + 1
    first_line, last_line = total_row + 1, total_row + len(table.funds) - 1
    # A budget amount the table left empty (a table copied from last year) is open: the
    # preparer may fill it in the wizard, so she may here; its 年度资金总额 is then a sum.
    open_budget = {
        name
        for name in rules.FUND_COLUMNS[:2]
        if any(getattr(row.values, name) is None for row in table.funds if not row.is_total)
    }
    for number, row in enumerate(table.funds):
        sheet.next_row()
        sheet.put(2, ("其中：" if number == 1 else "") + row.label, align=LEFT, span=2)
        for column, name in enumerate(rules.FUND_COLUMNS[:2], start=4):
            value = getattr(row.values, name)
            letter = get_column_letter(column)
            if row.is_total and name in open_budget:
                fallback = '""' if value is None else format(value, "f")
                lines = f"{letter}{first_line}:{letter}{last_line}"
                sheet.formula(
                    column, f"=IF(COUNT({lines})=0,{fallback},SUM({lines}))", AMOUNT_FORMAT
                )
            elif not row.is_total and value is None:
                sheet.put_open(column, funds_key(row.line, name), None, align=RIGHT)
            else:
                sheet.put(column, value, align=RIGHT, number_format=AMOUNT_FORMAT)
        if row.is_total:
            stored = row.values.executed
            fallback = '""' if stored is None else format(stored, "f")
            lines = f"F{first_line}:F{last_line}"
            sheet.formula(6, f"=IF(COUNT({lines})=0,{fallback},SUM({lines}))", AMOUNT_FORMAT)
            sheet.put(7, a.budget_weight)
            sheet.formula(
                8,
                f"=IF(AND(ISNUMBER(E{total_row}),N(E{total_row})>0,ISNUMBER(F{total_row})),"
                f'F{total_row}/E{total_row},"—")',
                "0.00%",
            )
            sheet.formula(
                9, f"=IF(ISNUMBER(H{total_row}),ROUND(MIN(H{total_row},1)*G{total_row},2),0)"
            )
        else:
            sheet.put_open(6, funds_key(row.line), row.values.executed, align=RIGHT)
            sheet.put(7, "—")
            sheet.put(8, None)
            sheet.put(9, "—")

    sheet.next_row()
    sheet.put(1, "年度\n总体\n目标", bold=True, down=2)
    sheet.put(2, table.kind.goal_labels[0], bold=True, span=4)
    sheet.put(6, table.kind.goal_labels[1], bold=True, span=4)
    sheet.next_row()
    sheet.put(2, a.goal, align=LEFT, span=4)
    sheet.put_open(6, "outcome", a.outcome, span=4, align=LEFT)
    # Room for the three lines of 年度总体目标 beside, and for the outcome to be typed.
    sheet.lines[sheet.row] = max(sheet.lines.get(sheet.row, 1), 3)

    sheet.next_row()
    sheet.put(1, "绩效\n指标", bold=True, down=1 + len(table.lines))
    headings = ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"]
    headings += ["偏差原因分析及改进措施", "完成等级（定性指标）"]
    for column, heading in enumerate(headings, start=2):
        sheet.put(column, heading, bold=True)
    first_indicator = sheet.row + 1
    grade_cells: list[str] = []
    for line in table.lines:
        sheet.next_row()
        i = line.indicator
        if line.level1_rowspan:
            sheet.put(2, i.level1, down=line.level1_rowspan)
        if line.level2_rowspan:
            sheet.put(3, i.level2, down=line.level2_rowspan)
        row_id = getattr(i, "pk", None)
        if row_id is None:  # an empty 二级 of the rule set: nothing to fill
            for column in range(4, GRADE_COLUMN + 1):
                sheet.put(column, None)
            continue
        sheet.put(4, i.name, align=LEFT)
        sheet.put(5, i.target)
        sheet.put_open(6, indicator_key(row_id, "actual"), i.actual)
        sheet.put(7, i.weight)
        sheet.put_open(8, indicator_key(row_id, "score"), i.score)
        sheet.put_open(9, indicator_key(row_id, "reason"), i.reason, align=LEFT)
        if line.result is not None and line.result.target and line.result.target.is_qualitative:
            label = rules.QUALITATIVE_GRADE_LABELS.get(getattr(i, "grade", "") or "", "")
            sheet.put_open(GRADE_COLUMN, indicator_key(row_id, "grade"), label)
            grade_cells.append(sheet.open_cells[-1][0])
        else:
            sheet.put(GRADE_COLUMN, "—")
    last_indicator = sheet.row

    sheet.next_row()
    sheet.put(1, "总分", bold=True, span=6)
    sheet.put(7, 100)
    scores = f"H{first_indicator}:H{last_indicator}" if table.lines else "0"
    sheet.formula(8, f"=ROUND(I{total_row}+SUM({scores}),2)")
    worksheet.cell(row=sheet.row, column=8).font = Font(name=FONT_NAME, size=10, bold=True)
    sheet.put(9, None)

    sheet.next_row()
    sheet.next_row()
    note = worksheet.cell(row=sheet.row, column=1, value=NOTE)
    note.font = Font(name=FONT_NAME, size=9)
    note.alignment = LEFT
    worksheet.merge_cells(start_row=sheet.row, start_column=1, end_row=sheet.row, end_column=10)
    worksheet.row_dimensions[sheet.row].height = 40

    by_kind: dict[str, list[str]] = {}
    for address, key, _ in sheet.open_cells:
        by_kind.setdefault(open_field(key).input_type, []).append(address)
    # Amounts and scores are read on upload by the one reader of each input type, which
    # takes more than a number cell ("12.5万元", full-width digits, "8.5分") and names the
    # cell it refuses: here the cells only say what can be typed.
    _validation(
        worksheet,
        by_kind.get("amount", []),
        showInputMessage=True,
        promptTitle="金额",
        prompt=f"{readers.AMOUNT_HINT}；写明万元或元的，按本表的金额单位折算。",
    )
    _validation(
        worksheet,
        by_kind.get("points", []),
        showInputMessage=True,
        promptTitle="得分",
        prompt=f"{readers.POINTS_HINT}，不高于该指标的分值。",
    )
    _validation(
        worksheet,
        grade_cells,
        type="list",
        formula1='"' + ",".join(rules.QUALITATIVE_GRADE_LABELS.values()) + '"',
        errorTitle="完成等级",
        error="请从下拉列表中选择完成等级。",
    )

    sheet.fit_rows()
    for column, width in enumerate([*WIDTHS, GRADE_WIDTH], start=1):
        worksheet.column_dimensions[get_column_letter(column)].width = width
    setup = worksheet.page_setup
    setup.paperSize = worksheet.PAPERSIZE_A4
    setup.orientation = "landscape"
    setup.fitToWidth = 1
    setup.fitToHeight = 0
    worksheet.sheet_properties.pageSetUpPr.fitToPage = True
    protection = worksheet.protection
    protection.sheet = True
    # Row heights and column widths may be changed, for long texts; nothing else.
    protection.formatRows = False
    protection.formatColumns = False
    return sheet


def _meta_rows(title: str, assessment: Assessment, sheet: FillableSheet) -> Iterable[list[object]]:
    yield [title, TABLE, assessment.pk, assessment.year.year, assessment.version]
    yield [title, "name", assessment.subject, assessment.unit.name]
    open_addresses = set()
    for address, key, value in sheet.open_cells:
        open_addresses.add(address)
        yield [title, OPEN, address, key, stored_text(value)]
    for row in sheet.worksheet.iter_rows():
        for cell in row:
            if cell.coordinate in open_addresses or cell.value is None:
                continue
            if cell.data_type == "f":
                yield [title, FORMULA, cell.coordinate, "", str(cell.value)]
            else:
                yield [title, LOCKED, cell.coordinate, "", stored_text(cell.value)]


def identity_digest(rows: Iterable[Sequence[object]]) -> str:
    """The keyed hash of the identity sheet's rows below its heading, each value as
    stored_text reads it (so 2023 and a spreadsheet's 2023.0 hash alike)."""
    text = "\x1e".join(
        "\x1f".join(
            stored_text(value) for value in [*row, *[None] * IDENTITY_COLUMNS][:IDENTITY_COLUMNS]
        )
        for row in rows
    )
    return salted_hmac(IDENTITY_SALT, text, algorithm="sha256").hexdigest()


def sheet_title(number: int, name: str) -> str:
    """A sheet name Excel accepts: at most 31 characters, none of []:*?/\\."""
    return f"{number}.{re.sub(r'[\[\]:*?/\\]', '', name)}"[:31]


def fillable_workbook(assessments: list[Assessment]) -> Workbook:
    """One sheet per table (a single table's sheet is named 绩效自评表), and the hidden sheet."""
    book = Workbook()
    book.remove(book.active)
    meta = book.create_sheet(META_SHEET)
    options = PrintOptions(show_empty_level2=False, money_unit="", signature_block=False)
    identity: list[list[object]] = []
    for number, assessment in enumerate(assessments, start=1):
        title = "绩效自评表" if len(assessments) == 1 else sheet_title(number, assessment.subject)
        worksheet = book.create_sheet(title, index=number - 1)
        sheet = write_table(worksheet, build_official_table(assessment, options=options))
        identity.extend(_meta_rows(title, assessment, sheet))
    meta.append([META_TITLE, META_FORMAT, identity_digest(identity)])
    for row, values in enumerate(identity, start=2):
        for column, value in enumerate(values, start=1):
            cell = meta.cell(row=row, column=column, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # a target "=100件" or a formula kept as text
    meta.sheet_state = "veryHidden"
    meta.protection.sheet = True
    book.active = 0
    return book


def fillable_bytes(assessments: list[Assessment]) -> bytes:
    output = io.BytesIO()
    fillable_workbook(assessments).save(output)
    return output.getvalue()


def fillable_filename(assessment: Assessment) -> str:
    return f"{assessment.year.year}-{assessment.owner_name}-填报表.xlsx"


def unit_filename(year: int, assessments: list[Assessment]) -> str:
    """A unit's workbook named by its unit: 2023-上海市某某服务中心-填报表.xlsx (a preparer of
    several units: the first and how many)."""
    units = list(dict.fromkeys(a.unit.name for a in assessments))
    named = units[0] if len(units) == 1 else f"{units[0]}等{len(units)}个单位"
    return f"{year}-{re.sub(r'[\\/:*?"<>|]', '', named)}-填报表.xlsx"
