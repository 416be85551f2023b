"""The assessment list as CSV and Excel files, written row by row so that size does not matter.

Both read the rows with a database cursor in chunks (`iterator`), never the whole list at once:
the CSV goes straight into the streamed response; the Excel workbook is written in openpyxl's
write-only mode into a temporary file, which is then streamed from disk.
"""

import csv
import tempfile
from decimal import Decimal
from urllib.parse import quote
from zoneinfo import ZoneInfo

from django.conf import settings
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from . import rules
from .models import Assessment

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
    "project__name",
    "project__unit__parent__name",
    "project__unit__name",
    "total_full_year_budget",
    "total_executed",
    "execution_rate",
    "total_score",
    "grade",
    "status",
    "error_count",
    "warning_count",
    "updated_at",
]
STATUS_LABELS = {value: str(label) for value, label in Assessment.Status.choices}


def list_rows(queryset):
    """The export rows of an ordered, filtered assessment queryset, fetched in chunks."""
    return queryset.values_list(*_FIELDS).iterator(chunk_size=CHUNK_ROWS)


def _local(moment):
    """A stored moment as the wall-clock time in Shanghai, without the zone (Excel has none)."""
    return timezone.localtime(moment, ZoneInfo(settings.TIME_ZONE)).replace(tzinfo=None)


def _csv_row(row):
    year, project, department, unit, budget, executed, rate, score, grade, status, *rest = row
    errors, warnings, updated_at = rest
    return [
        year,
        project,
        department or "",
        unit,
        rules.format_amount(budget),
        rules.format_amount(executed),
        "" if rate is None else f"{rate}%",
        format(score, "f"),
        grade,
        STATUS_LABELS.get(status, status),
        errors,
        warnings,
        _local(updated_at).strftime("%Y-%m-%d %H:%M"),
    ]


class _Echo:
    """A file-like object whose write() hands back what it is given, for csv.writer."""

    def write(self, value):
        return value


def stream_csv(rows):
    """CSV lines one by one; a byte-order mark first so that Excel reads the Chinese as UTF-8."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow([heading for heading, _ in LIST_COLUMNS])
    for row in rows:
        yield writer.writerow(_csv_row(row))


def csv_response(queryset, filename):
    response = StreamingHttpResponse(
        stream_csv(list_rows(queryset)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = _attachment(filename)
    return response


def _attachment(filename):
    return f'attachment; filename="{filename.encode("ascii", "replace").decode()}"; ' + (
        f"filename*=UTF-8''{quote(filename)}"
    )


def _cell(sheet, value, number_format=None, bold=False):
    cell = WriteOnlyCell(sheet, value=value)
    if number_format:
        cell.number_format = number_format
    if bold:
        cell.font = Font(bold=True)
    return cell


def _header(sheet, columns):
    for index, (_, width) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    sheet.append([_cell(sheet, heading, bold=True) for heading, _ in columns])


def _percent(rate):
    """33.74 (percent) as the fraction 0.3374, which Excel shows as 33.74%."""
    return None if rate is None else rate / Decimal(100)


def _xlsx_row(sheet, row):
    year, project, department, unit, budget, executed, rate, score, grade, status, *rest = row
    errors, warnings, updated_at = rest
    return [
        year,
        project,
        department or "",
        unit,
        _cell(sheet, budget, MONEY_FORMAT),
        _cell(sheet, executed, MONEY_FORMAT),
        _cell(sheet, _percent(rate), PERCENT_FORMAT),
        _cell(sheet, score, POINTS_FORMAT),
        grade,
        STATUS_LABELS.get(status, status),
        errors,
        warnings,
        _cell(sheet, _local(updated_at), DATETIME_FORMAT),
    ]


def write_list_workbook(rows, target):
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("自评表")
    _header(sheet, LIST_COLUMNS)
    for row in rows:
        sheet.append(_xlsx_row(sheet, row))
    workbook.save(target)


def xlsx_response(write, filename):
    """Write a workbook with `write(file)` into a temporary file and stream it from disk."""
    # The response closes the file once it is sent, and the system deletes it then.
    spool = tempfile.TemporaryFile()  # noqa: SIM115
    write(spool)
    spool.seek(0)
    response = FileResponse(spool, content_type=XLSX_TYPE)
    response["Content-Disposition"] = _attachment(filename)
    return response


def list_xlsx_response(queryset, filename):
    return xlsx_response(lambda target: write_list_workbook(list_rows(queryset), target), filename)


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


def _figure_cells(sheet, figures):
    return [
        _cell(sheet, figures.budget_total, MONEY_FORMAT),
        _cell(sheet, figures.executed_total, MONEY_FORMAT),
        _cell(sheet, _percent(figures.execution_rate), PERCENT_FORMAT),
        _cell(sheet, figures.average_score, POINTS_FORMAT),
        _cell(sheet, figures.weighted_average_score, POINTS_FORMAT),
    ]


def _project_cells(sheet, row):
    return [
        row.unit,
        row.project,
        _cell(sheet, row.budget, MONEY_FORMAT),
        _cell(sheet, row.executed, MONEY_FORMAT),
        _cell(sheet, _percent(row.execution_rate), PERCENT_FORMAT),
        _cell(sheet, row.total_score, POINTS_FORMAT),
        row.grade,
        row.status_label,
        row.error_count,
        row.warning_count,
    ]


def write_summary_workbook(report, target):
    workbook = Workbook(write_only=True)
    figures = report.figures

    sheet = workbook.create_sheet("汇总")
    sheet.column_dimensions["A"].width = 24
    sheet.column_dimensions["B"].width = 22
    sheet.append([_cell(sheet, report.scope.title, bold=True)])
    sheet.append([])
    for label, value, number_format in [
        ("自评表张数", figures.count, None),
        ("全年预算数合计（元）", figures.budget_total, MONEY_FORMAT),
        ("全年执行数合计（元）", figures.executed_total, MONEY_FORMAT),
        ("金额加权执行率", _percent(figures.execution_rate), PERCENT_FORMAT),
        ("简单平均总分", figures.average_score, POINTS_FORMAT),
        ("金额加权平均总分", figures.weighted_average_score, POINTS_FORMAT),
        ("有错误的自评表", report.error_tables, None),
        ("有提示的自评表", report.warning_tables, None),
    ]:
        sheet.append([label, _cell(sheet, value, number_format)])
    sheet.append([])
    sheet.append([_cell(sheet, "状态", bold=True), _cell(sheet, "张数", bold=True)])
    for _, label, count in report.status_counts:
        sheet.append([label, count])
    sheet.append([])
    sheet.append([_cell(sheet, "等级", bold=True), _cell(sheet, "张数", bold=True)])
    for grade, count in report.grade_counts:
        sheet.append([grade, count])
    sheet.append([])
    sheet.append([report.execution_rate_rule])
    sheet.append([report.weighted_score_rule])

    if report.units:
        sheet = workbook.create_sheet("按实施单位")
        _header(sheet, UNIT_COLUMNS)
        for line in report.units:
            sheet.append([line.unit, line.figures.count, *_figure_cells(sheet, line.figures)])

    sheet = workbook.create_sheet("各项目")
    _header(sheet, PROJECT_COLUMNS)
    for row in report.rows:
        sheet.append(_project_cells(sheet, row))

    sheet = workbook.create_sheet("低于分值的指标")
    _header(sheet, SHORTFALL_COLUMNS)
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
                _cell(sheet, item.weight, POINTS_FORMAT),
                _cell(sheet, item.score, POINTS_FORMAT),
                item.reason,
            ]
        )

    sheet = workbook.create_sheet("有检查发现的自评表")
    _header(sheet, PROJECT_COLUMNS)
    for row in report.with_findings:
        sheet.append(_project_cells(sheet, row))
    workbook.save(target)
