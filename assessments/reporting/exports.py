"""The assessment list as CSV and Excel files, written row by row so that size does not matter;
the summary as an Excel workbook.

The list is read with a database cursor in chunks (`iterator`), never whole: the CSV goes
straight into the streamed response; the workbook is written by XlsxWriter in its
constant-memory mode (each row goes to disk as it is written) into a temporary file, which is
then streamed from disk.
"""

import csv
import tempfile
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Value
from django.db.models.functions import Coalesce, Concat
from django.http import FileResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header
from xlsxwriter import Workbook

from .. import kinds, rules
from ..models import Assessment, in_yuan

CHUNK_ROWS = 2000
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MONEY_FORMAT = "#,##0.00"
POINTS_FORMAT = "0.00"
PERCENT_FORMAT = "0.00%"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"

# (heading, column width in Excel) in the order of the file.
LIST_COLUMNS = [
    ("年度", 8),
    ("项目名称", 40),
    ("主管部门", 28),
    ("实施单位", 30),
    ("全年预算数（元）", 18),
    ("全年执行数（元）", 18),
    ("执行率", 10),
    ("总分", 8),
    ("等级", 6),
    ("状态", 8),
    ("错误数", 8),
    ("提示数", 8),
    ("更新时间", 18),
]
_FIELDS = [
    "year__year",
    "listed_subject",
    "listed_department",
    "listed_unit",
    "budget_yuan",
    "executed_yuan",
    "execution_rate",
    "total_score",
    "grade",
    "status",
    "error_count",
    "warning_count",
    "updated_at",
]
# The columns of execution and scores, which a list of a kind without actuals (target
# tables: nothing is executed or scored before the year) leaves out.
ACTUALS_HEADINGS = ("全年执行数（元）", "执行率", "总分", "等级")


def list_columns(kind: kinds.TableKind) -> list[int]:
    """The positions in LIST_COLUMNS that a list of this kind exports."""
    return [
        index
        for index, (heading, _) in enumerate(LIST_COLUMNS)
        if kind.has_actuals or heading not in ACTUALS_HEADINGS
    ]


# A CSV cell starting with one of these is a formula to Excel (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
STATUS_LABELS = {value: str(label) for value, label in Assessment.Status.choices}


def list_rows(queryset):
    """The export rows of an ordered, filtered assessment queryset, fetched in chunks;
    amounts in 元 whichever unit a table is kept in."""
    return (
        queryset.annotate(
            budget_yuan=in_yuan("total_full_year_budget"),
            executed_yuan=in_yuan("total_executed"),
            # A department's own table: the department's name in all three columns' place.
            listed_subject=Coalesce(
                "project__name", Concat("organisation__name", Value("（部门整体）"))
            ),
            listed_department=Coalesce("project__unit__parent__name", "organisation__name"),
            listed_unit=Coalesce("project__unit__name", "organisation__name"),
        )
        .values_list(*_FIELDS)
        .iterator(chunk_size=CHUNK_ROWS)
    )


def _local(moment):
    """A stored moment as the wall-clock time in Shanghai, without the zone (Excel has none)."""
    return moment.astimezone(ZoneInfo(settings.TIME_ZONE)).replace(tzinfo=None)


def _list_cells(row):
    """One list row as (value, value_type) cells in the order of LIST_COLUMNS; the CSV and the
    workbook each write a value_type in their own way."""
    year, project, department, unit, budget, executed, rate, score, grade, status, *rest = row
    errors, warnings, updated_at = rest
    return [
        (year, None),
        (project, "text"),
        (department or "", "text"),
        (unit, "text"),
        (budget, "money"),
        (executed, "money"),
        (rate, "rate"),
        (score, "points"),
        (grade, None),
        (STATUS_LABELS.get(status, status), None),
        (errors, None),
        (warnings, None),
        (_local(updated_at), "datetime"),
    ]


def _csv_cell(value, value_type):
    if value_type == "text":
        return _text(value)
    if value_type == "money":
        return rules.format_amount(value)
    if value_type == "rate":
        return "" if value is None else f"{value}%"
    if value_type == "points":
        return format(value, "f")
    if value_type == "datetime":
        return value.strftime("%Y-%m-%d %H:%M")
    return value


def _xlsx_cell(value, value_type):
    if value_type == "rate":
        return (_percent(value), "percent")
    if value_type in ("money", "points", "datetime"):
        return (value, value_type)
    return value


class _Lines(list):
    """A file-like object that collects what csv.writer writes."""

    def write(self, value):
        self.append(value)


def stream_csv(rows, *, lines_per_chunk=500, kind=None):
    """The CSV in chunks of a few hundred lines, encoded once each, so the response streams
    without holding the file; a byte-order mark first so that Excel reads UTF-8 Chinese."""
    kept = list_columns(kind or kinds.default())
    lines = _Lines()
    writer = csv.writer(lines)
    writer.writerow([LIST_COLUMNS[index][0] for index in kept])
    lines.insert(0, "\ufeff")
    for row in rows:
        cells = _list_cells(row)
        writer.writerow([_csv_cell(*cells[index]) for index in kept])
        if len(lines) >= lines_per_chunk:
            yield "".join(lines).encode("utf-8")
            lines.clear()
    yield "".join(lines).encode("utf-8")


def csv_response(queryset, filename, kind=None):
    response = StreamingHttpResponse(
        stream_csv(list_rows(queryset), kind=kind), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def _text(value):
    """Text for a CSV cell; one that Excel would read as a formula gets a leading apostrophe."""
    value = value or ""
    return f"'{value}" if value[:1] in FORMULA_STARTS else value


class StreamedSheet:
    """One worksheet, written row after row; a value with a format is a (value, format) pair."""

    def __init__(self, book, name, columns=(), *, title=""):
        self.book = book
        self.worksheet = book.workbook.add_worksheet(name)
        self.next_row = 0
        if title:
            # A title row across the columns; printed landscape, as wide as one page.
            last = max(len(columns) - 1, 0)
            self.worksheet.merge_range(0, 0, 0, last, title, book.formats["title"])
            self.worksheet.set_row(0, 24)
            self.worksheet.set_landscape()
            self.worksheet.set_paper(9)  # A4
            self.worksheet.fit_to_pages(1, 0)
            self.worksheet.repeat_rows(0, 1)
            self.next_row = 1
        if columns:
            for index, (_, width) in enumerate(columns):
                self.worksheet.set_column(index, index, width)
            self.worksheet.freeze_panes(self.next_row + 1, 0)
            self.append([(heading, "bold") for heading, _ in columns])

    def append(self, values=()):
        for column, value in enumerate(values):
            style = None
            if isinstance(value, tuple):
                value, style = value
            self._write(column, value, self.book.formats.get(style))
        self.next_row += 1

    def _write(self, column, value, style):
        row, sheet = self.next_row, self.worksheet
        if value is None or value == "":
            if style:
                sheet.write_blank(row, column, None, style)
        elif isinstance(value, str):
            sheet.write_string(row, column, value, style)
        elif isinstance(value, datetime):
            sheet.write_datetime(row, column, value, style)
        else:
            sheet.write_number(row, column, float(value), style)


class StreamedWorkbook:
    """A workbook in constant-memory mode with the number formats of the tables."""

    def __init__(self, target):
        self.workbook = Workbook(target, {"constant_memory": True})
        self.formats = {
            "bold": self.workbook.add_format({"bold": True}),
            "title": self.workbook.add_format(
                {"bold": True, "font_size": 14, "align": "center", "valign": "vcenter"}
            ),
            "money": self.workbook.add_format({"num_format": MONEY_FORMAT}),
            "points": self.workbook.add_format({"num_format": POINTS_FORMAT}),
            "percent": self.workbook.add_format({"num_format": PERCENT_FORMAT}),
            "datetime": self.workbook.add_format({"num_format": DATETIME_FORMAT}),
        }

    def sheet(self, name, columns=(), *, title=""):
        return StreamedSheet(self, name, columns, title=title)

    def close(self):
        self.workbook.close()


def _percent(rate):
    """33.74 (percent) as the fraction 0.3374, which Excel shows as 33.74%."""
    return None if rate is None else rate / Decimal(100)


def write_list_workbook(rows, target, kind=None):
    kind = kind or kinds.default()
    kept = list_columns(kind)
    book = StreamedWorkbook(target)
    sheet = book.sheet(kind.short_label, [LIST_COLUMNS[index] for index in kept])
    for row in rows:
        cells = _list_cells(row)
        sheet.append([_xlsx_cell(*cells[index]) for index in kept])
    book.close()


def xlsx_response(write, filename):
    """Write a workbook with `write(file)` into a temporary file and stream it from disk."""
    # The response closes the file once it is sent, and the system deletes it then.
    spool = tempfile.TemporaryFile()  # noqa: SIM115
    write(spool)
    spool.seek(0)
    response = FileResponse(spool, content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def list_xlsx_response(queryset, filename, kind=None):
    return xlsx_response(
        lambda target: write_list_workbook(list_rows(queryset), target, kind), filename
    )


# ---------------------------------------------------------------------------
# The summary as a workbook

PROJECT_COLUMNS = [
    ("实施单位", 30),
    ("项目名称", 40),
    ("全年预算数（元）", 18),
    ("全年执行数（元）", 18),
    ("执行率", 10),
    ("总分", 8),
    ("等级", 6),
    ("状态", 8),
    ("错误数", 8),
    ("提示数", 8),
]
UNIT_COLUMNS = [
    ("实施单位", 30),
    ("自评表张数", 10),
    ("全年预算数（元）", 18),
    ("全年执行数（元）", 18),
    ("金额加权执行率", 14),
    ("简单平均总分", 12),
    ("金额加权平均总分", 16),
]
SHORTFALL_COLUMNS = [
    ("实施单位", 30),
    ("项目名称", 36),
    ("一级指标", 12),
    ("二级指标", 16),
    ("三级指标", 30),
    ("年度指标值", 16),
    ("实际完成值", 16),
    ("分值", 8),
    ("得分", 8),
    ("偏差原因分析及改进措施", 60),
]


def _figure_cells(figures):
    return [
        (figures.budget_total, "money"),
        (figures.executed_total, "money"),
        (_percent(figures.execution_rate), "percent"),
        (figures.average_score, "points"),
        (figures.weighted_average_score, "points"),
    ]


def _project_cells(row):
    return [
        row.unit,
        row.project,
        (row.budget, "money"),
        (row.executed, "money"),
        (_percent(row.execution_rate), "percent"),
        (row.total_score, "points"),
        row.grade,
        row.status_label,
        row.error_count,
        row.warning_count,
    ]


def write_summary_workbook(report, target):
    book = StreamedWorkbook(target)
    figures = report.figures

    sheet = book.sheet("汇总")
    sheet.worksheet.set_column(0, 0, 24)
    sheet.worksheet.set_column(1, 1, 22)
    sheet.append([(report.scope.title, "bold")])
    sheet.append()
    for label, value, style in [
        ("自评表张数", figures.count, None),
        ("全年预算数合计（元）", figures.budget_total, "money"),
        ("全年执行数合计（元）", figures.executed_total, "money"),
        ("金额加权执行率", _percent(figures.execution_rate), "percent"),
        ("简单平均总分", figures.average_score, "points"),
        ("金额加权平均总分", figures.weighted_average_score, "points"),
        ("有错误的自评表", report.error_tables, None),
        ("有提示的自评表", report.warning_tables, None),
    ]:
        sheet.append([label, (value, style)])
    sheet.append()
    sheet.append([("状态", "bold"), ("张数", "bold")])
    for _, label, count in report.status_counts:
        sheet.append([label, count])
    sheet.append()
    sheet.append([("等级", "bold"), ("张数", "bold")])
    for grade, count in report.grade_counts:
        sheet.append([grade, count])
    sheet.append()
    sheet.append([report.execution_rate_rule])
    sheet.append([report.weighted_score_rule])

    if report.units:
        sheet = book.sheet("按实施单位", UNIT_COLUMNS)
        for line in report.units:
            sheet.append([line.unit, line.figures.count, *_figure_cells(line.figures)])

    sheet = book.sheet("各项目", PROJECT_COLUMNS)
    for row in report.rows:
        sheet.append(_project_cells(row))

    sheet = book.sheet("低于分值的指标", SHORTFALL_COLUMNS)
    for item in report.shortfalls:
        sheet.append(
            [
                item.unit,
                item.project,
                item.level1,
                item.level2,
                item.name,
                item.target,
                item.actual,
                (item.weight, "points"),
                (item.score, "points"),
                item.reason,
            ]
        )

    sheet = book.sheet("有检查发现的自评表", PROJECT_COLUMNS)
    for row in report.with_findings:
        sheet.append(_project_cells(row))
    book.close()
