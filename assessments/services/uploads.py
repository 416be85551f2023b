"""Fillable workbooks coming back: read, check, preview, and on confirmation save as a draft.

A file is read once, when it is uploaded: what the preparer typed into the open cells is kept
as a plan (plain JSON, in her session), never the file itself and never values sent back by
the browser. The preview and the confirmation both compare the plan with the tables as they
are stored at that moment. Values that cannot be stored refuse the whole file, naming the
cell; values that can be stored but break a rule are shown as the findings they raise.
"""

import hashlib
import logging
import re
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

import openpyxl
from django.contrib.auth.models import User
from django.db import transaction
from django.utils.crypto import constant_time_compare
from openpyxl.utils.cell import coordinate_from_string

from .. import permissions, rules
from ..kinds.address import AddressError, parse_address
from ..kinds.base import CELLS, Cell
from ..models import Assessment, Indicator
from ..paper import fillable
from ..rules import edits, readers
from . import AssessmentError, EditConflict, drafts, workbook_reader
from .workbook_reader import Grid

logger = logging.getLogger(__name__)

MAX_BYTES = 5 * 1024 * 1024
NOT_A_WORKBOOK = "这个文件不是 Excel 工作簿（.xlsx、.xlsm 或 .xls），无法读取。"
TOO_BIG = f"文件超过 {MAX_BYTES // (1024 * 1024)} MB，无法上传。"
TOO_LARGE = "文件过大或结构异常，无法读取；请用系统下载的填报表填写后上传。"
NOT_FILLABLE = (
    "这不是本系统下载的填报表（找不到表格标识）。请在自评表页面点“下载填报表”，"
    "在下载的文件中填写后再上传。"
)
IDENTITY_CHANGED = "填报表的标识信息被改动，无法识别，请重新下载填报表。"
GRADE_CODES = {label: code for code, label in rules.QUALITATIVE_GRADE_LABELS.items()}


class UploadRefused(AssessmentError):
    """The file cannot be taken as it is; `problems` name the cells, or with `whole_file`
    say why the file as a whole is not one to read."""

    def __init__(self, problems: list[str], *, whole_file: bool = False) -> None:
        super().__init__("；".join(problems))
        self.problems = problems
        self.whole_file = whole_file


# ---------------------------------------------------------------------------
# Reading the file: every sheet as its cells, whichever format it came in, in a child process

# A fillable workbook's archive: a part or two for each sheet beside the workbook's own
# parts; its XML unpacks to a few MB and packs less than 20 to 1.
BOUNDS = workbook_reader.Bounds(
    sheets=fillable.MAX_SHEETS,
    rows=fillable.TABLE_ROWS,
    columns=fillable.TABLE_COLUMNS,
    special={fillable.META_SHEET: (fillable.META_ROWS, fillable.META_COLUMNS)},
    cells=fillable.MAX_CELLS,
    members=4 * fillable.MAX_SHEETS + 100,
    unpacked=64 * 1024 * 1024,
    ratio=200,
)


def read_workbook(data: bytes, reading: workbook_reader.Reading | None = None) -> dict[str, Grid]:
    """The sheets of an .xlsx / .xlsm (a zip) or a legacy .xls (an OLE2 file), by content."""
    if len(data) > MAX_BYTES:
        raise UploadRefused([TOO_BIG], whole_file=True)
    try:
        return workbook_reader.read(data, BOUNDS, reading)
    except workbook_reader.Unreadable as error:
        logger.info("unreadable workbook: %s", error)
        raise UploadRefused([NOT_A_WORKBOOK], whole_file=True) from None
    except workbook_reader.TooLarge as error:
        logger.warning("workbook refused as too large: %s", error)
        raise UploadRefused([TOO_LARGE], whole_file=True) from None


# ---------------------------------------------------------------------------
# The hidden sheet: which table each sheet is, and what its cells held at the download


@dataclass
class SheetMap:
    title: str
    assessment_id: int
    year: int
    version: int
    project: str = ""
    unit: str = ""
    open: dict[str, tuple[str, str]] = field(default_factory=dict)  # address: (key, value)
    locked: dict[str, str] = field(default_factory=dict)
    formulas: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"{self.year} 年度“{self.project}”"


def _whole(value: object) -> int:
    """A table's id, year or version as the hidden sheet keeps it (spreadsheets may turn the
    integer into a float); ValueError for anything else."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value) if isinstance(value, int | str) and not isinstance(value, bool) else ""
    if not re.fullmatch(r"[0-9]{1,12}", text.strip()):
        raise ValueError(f"not a whole number: {value!r}")
    return int(text)


def sheet_maps(grids: dict[str, Grid]) -> list[SheetMap]:
    meta = grids.get(fillable.META_SHEET)
    rows = meta.rows() if meta else []
    if not rows or rows[0][:1] != [fillable.META_TITLE]:
        raise UploadRefused([NOT_FILLABLE], whole_file=True)
    digest = rows[0][2] if len(rows[0]) > 2 else None
    if digest is not None and not constant_time_compare(
        str(digest), fillable.identity_digest(rows[1:])
    ):
        raise UploadRefused([IDENTITY_CHANGED], whole_file=True)
    maps: dict[str, SheetMap] = {}
    try:
        for row in rows[1:]:
            title, row_type, *rest = [*row, None, None, None, None][:5]
            title = str(title)
            if row_type == fillable.TABLE:
                number, year, version = (_whole(value) for value in rest[:3])
                maps[title] = SheetMap(title, number, year, version)
            elif row_type == "name":
                maps[title].project, maps[title].unit = str(rest[0] or ""), str(rest[1] or "")
            elif row_type == fillable.OPEN:
                fillable.open_field(str(rest[1]))  # a key this format has
                maps[title].open[fillable.cell_address(rest[0])] = (
                    str(rest[1]),
                    fillable.stored_text(rest[2]),
                )
            elif row_type == fillable.LOCKED:
                maps[title].locked[fillable.cell_address(rest[0])] = fillable.stored_text(rest[2])
            elif row_type == fillable.FORMULA:
                maps[title].formulas[fillable.cell_address(rest[0])] = str(rest[2])
    except (KeyError, TypeError, ValueError, ArithmeticError):
        raise UploadRefused([NOT_FILLABLE], whole_file=True) from None
    if not maps:
        raise UploadRefused([NOT_FILLABLE], whole_file=True)
    return list(maps.values())


# ---------------------------------------------------------------------------
# Reading the cells people typed into


def read_cell(value: object, key: str, money_unit: str) -> str:
    """What an open cell says, as the plan keeps it (numbers as text, grades as codes)."""
    spec = fillable.open_field(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        return ""
    if spec.input_type in ("amount", "points"):
        # Read as the wizard reads them: a score above its 分值 is stored and reported as a
        # finding; an amount written in 万元 or 元 is converted into the table's unit.
        number = readers.read(spec.input_type, value, money_unit=money_unit, what=spec.label)
        return "" if number is None else format(number, "f")
    text = fillable.stored_text(value)
    if spec.input_type == "grade":
        if text not in GRADE_CODES:
            raise ValueError(f"{spec.label}只能从下拉列表中选择（填写的是“{text}”）")
        return GRADE_CODES[text]
    if len(text) > spec.max_length:
        raise ValueError(f"{spec.label}过长：最多 {spec.max_length} 字，现有 {len(text)} 字")
    return text


def _downloaded(key: str, text: str) -> str:
    """The downloaded value in the plan's form (the hidden sheet keeps grades as labels)."""
    if fillable.open_field(key).input_type == "grade":
        return GRADE_CODES.get(text, "")
    return text


_NUMBER_IN_FORMULA = re.compile(r"\d+\.\d+")


def _formula(text: str | None) -> str:
    """A formula as spreadsheets may rewrite it on saving: spacing, case, 10000.00 as 10000."""
    text = re.sub(r"\s+", "", (text or "").lstrip("=")).upper().replace("$", "")
    return _NUMBER_IN_FORMULA.sub(lambda m: format(Decimal(m.group()).normalize(), "f"), text)


def _cell_order(address: str) -> tuple[int, int]:
    letters, row = coordinate_from_string(address)
    return row, openpyxl.utils.column_index_from_string(letters)


def read_sheet(grid: Grid, sheet: SheetMap, money_unit: str) -> tuple[list[list[str]], list[str]]:
    """The cells the preparer changed, as [address, key, downloaded, new], and the problems."""
    problems: list[str] = []
    for address, expected in sheet.formulas.items():
        if grid.formulas and _formula(grid.formulas.get(address)) != _formula(expected):
            problems.append(f"{address}：计算公式被改动，请在新下载的填报表中填写")
    covered = set(sheet.open) | set(sheet.locked) | set(sheet.formulas)
    last_row = max((_cell_order(a)[0] for a in covered), default=0)
    present = sorted({*grid.cells, *grid.formulas, *sheet.locked}, key=_cell_order)
    for address in present:
        if address in sheet.open or address in sheet.formulas:
            continue
        now = fillable.stored_text(grid.formulas.get(address, grid.cells.get(address)))
        before = sheet.locked.get(address, "")
        if now != before and _cell_order(address)[0] <= last_row:
            problems.append(
                f"{address}：锁定的单元格被改动（下载时为“{before}”，现在为“{now}”），"
                "请在新下载的填报表中填写"
            )
    edits: list[list[str]] = []
    for address, (key, downloaded_text) in sorted(
        sheet.open.items(), key=lambda item: _cell_order(item[0])
    ):
        if address in grid.uncached:
            problems.append(f"{address}：公式没有计算结果，请在 Excel 中保存后再上传")
            continue
        try:
            new = read_cell(grid.cells.get(address), key, money_unit)
        except ValueError as error:
            problems.append(f"{address}：{error}")
            continue
        downloaded = _downloaded(key, downloaded_text)
        if not _equal(key, downloaded, new):
            edits.append([address, key, downloaded, new])
    return edits, problems


# ---------------------------------------------------------------------------
# The plan: what an upload would change, kept between the preview and the confirmation


def plan_upload(
    data: bytes, filename: str, *, user: User, assessment: Assessment | None = None
) -> dict[str, Any]:
    """Read and check a file; refuse it whole or return the plan.

    With `assessment`, the file must be that table's; without, it may hold any tables the
    user may edit (the workbook of a whole unit).
    """
    grids = read_workbook(data)
    maps = sheet_maps(grids)
    if assessment is not None:
        expected = {assessment.pk: assessment}
    else:
        ids = [sheet.assessment_id for sheet in maps]
        expected = {
            a.pk: a
            for a in Assessment.objects.fillable().with_tree().visible_to(user).filter(pk__in=ids)
        }
    problems: list[str] = []
    sheets: list[dict[str, Any]] = []
    for sheet in maps:
        prefix = f"工作表“{sheet.title}”：" if len(maps) > 1 else ""
        found = expected.get(sheet.assessment_id)
        if found is None and assessment is not None:
            problems.append(
                f"这份填报表是{sheet.name}的，不是{assessment.year.year} 年度"
                f"“{assessment.subject}”的，不能上传到这里"
            )
            continue
        if found is None:
            problems.append(f"{prefix}{sheet.name}不存在，或您无权查看")
            continue
        allowed, reason = permissions.can_edit(user, found)
        if not allowed:
            problems.append(f"{prefix}{sheet.name}：{reason}")
            continue
        grid = grids.get(sheet.title)
        if grid is None:
            problems.append(f"工作表“{sheet.title}”不见了，请在新下载的填报表中填写")
            continue
        edits, sheet_problems = read_sheet(grid, sheet, found.money_unit)
        sheet_problems += _read_declared_cells(found, edits)
        problems += [prefix + problem for problem in sheet_problems]
        sheets.append(
            {
                "title": sheet.title,
                "assessment": found.pk,
                "downloaded_version": sheet.version,
                "edits": edits,
            }
        )
    if problems:
        raise UploadRefused(problems)
    return {
        "filename": filename,
        "sha256": hashlib.sha256(data).hexdigest(),
        "sheets": sheets,
    }


def _value(key: str, text: str) -> object:
    input_type = fillable.open_field(key).input_type
    if input_type in ("amount", "points"):
        return Decimal(text) if text else None
    return text


def _equal(key: str, a: str, b: str) -> bool:
    return _value(key, a) == _value(key, b)


def _current(assessment: Assessment, rows: dict[int, Indicator], key: str) -> str | None:
    """The stored value of an open cell's key as the plan writes values; None: row deleted."""
    parts = key.split(".")
    if parts[0] == CELLS:
        value: object = (assessment.cells or {}).get(parts[1], "")
    elif parts[0] == "funds":
        value = getattr(assessment, f"{parts[1]}_{parts[2]}")
    elif key == "outcome":
        value = assessment.outcome
    else:
        row = rows.get(int(parts[1]))
        if row is None:
            return None
        value = getattr(row, parts[2])
    if isinstance(value, Decimal):
        return format(value, "f")
    return fillable.stored_text(value)


@dataclass
class CellChange:
    address: str
    key: str
    label: str
    old: str
    new: str
    # Someone else changed the stored value since the download: this cell is left alone. A
    # change the uploader made herself (an earlier upload, the wizard) is not a conflict.
    by_others: bool
    value: object = None  # the new value as it would be stored
    changed_by: str = ""  # who last changed the stored value since the download


@dataclass
class TablePreview:
    title: str
    assessment: Assessment
    stale: bool
    changes: list[CellChange]
    before: rules.Evaluation
    after: rules.Evaluation
    fields: dict[str, object]
    rows: list[dict[str, object]]
    # The values of the kind's declared cells by key.
    cells: dict[str, str] = field(default_factory=dict)

    @property
    def conflicts(self) -> bool:
        return any(change.by_others for change in self.changes)

    @property
    def applied(self) -> list[CellChange]:
        return [change for change in self.changes if not change.by_others]

    @property
    def findings(self) -> list[tuple[rules.Finding, bool]]:
        """The findings after saving, each with whether the upload raises it."""
        seen = {(f.code, f.where) for f in self.before.findings}
        return [(f, (f.code, f.where) not in seen) for f in self.after.findings]


def _declared_cell(assessment: Assessment, key: str) -> Cell | None:
    try:
        return assessment.table_kind.cell_at(parse_address(key))
    except AddressError:
        return None


def _declared_label(assessment: Assessment, key: str) -> str:
    cell = _declared_cell(assessment, key)
    return cell.label if cell else ""


def _read_declared_cells(assessment: Assessment, edits: list[list[str]]) -> list[str]:
    """A kind's declared cells read by their own input types: the edit keeps the stored form,
    a value that cannot be stored is a problem beside its cell's address."""
    problems = []
    for edit in edits:
        address, key, _, new = edit
        if (cell := _declared_cell(assessment, key)) is None:
            continue
        try:
            edit[3] = cell.read(new)
        except ValueError as error:
            problems.append(f"{address}：{error}")
    return problems


def _label(key: str, rows: dict[int, Indicator]) -> str:
    spec = fillable.open_field(key)
    parts = key.split(".")
    if parts[0] == "funds":
        return f"{rules.FUND_LINE_LABELS[parts[1]]} · {spec.label}"
    if parts[0] == "indicators":
        row = rows.get(int(parts[1]))
        return f"指标“{row.name if row else '（已删除）'}” · {spec.label}"
    return spec.label


def _shown(key: str, text: str | None) -> str:
    if text is None:
        return "（已删除）"
    input_type = fillable.open_field(key).input_type
    if input_type == "grade":
        return rules.QUALITATIVE_GRADE_LABELS.get(text, "")
    if input_type == "amount" and text:
        return rules.format_amount(Decimal(text))
    if input_type == "points" and text:
        return rules.format_points(Decimal(text))
    return text


def _person(user: User | None) -> str:
    return (user.get_full_name() or user.username) if user else "他人"


def _changed_since(
    assessment: Assessment, rows: dict[int, Indicator], keys: list[str], by: User | None
) -> dict[str, tuple[bool, str]]:
    """For each key whose stored value differs from the download: whether someone other than
    `by` made the latest change, and who did (the log, read once)."""
    labels = {key: drafts.log_label(assessment, key, rows) for key in keys}
    authors = drafts.last_changed_by(assessment, {label for label in labels.values() if label})
    found = {}
    for key, label in labels.items():
        author = authors.get(label) if label else None
        mine = by is not None and author is not None and author.pk == by.pk
        found[key] = (not mine, "您本人" if mine else _person(author))
    return found


def preview_sheet(
    sheet: dict[str, Any], assessment: Assessment, by: User | None = None
) -> TablePreview:
    """What confirming would change in one table, against what is stored now. A cell changed
    since the download is left alone unless `by` (the uploader) made that change herself."""
    indicators = list(assessment.indicators.all())
    rows = {row.pk: row for row in indicators}
    stale = assessment.version != sheet["downloaded_version"]
    pending: list[tuple[str, str, str, str | None]] = []
    moved: list[str] = []  # keys whose stored value changed since the download
    for address, key, downloaded, new in sheet["edits"]:
        current = _current(assessment, rows, key)
        if current is not None and _equal(key, current, new):
            continue
        pending.append((address, key, new, current))
        if current is not None and not _equal(key, current, downloaded):
            moved.append(key)
    changed = _changed_since(assessment, rows, moved, by) if moved else {}
    changes: list[CellChange] = []
    for address, key, new, current in pending:
        by_others, who = (True, "") if current is None else changed.get(key, (False, ""))
        changes.append(
            CellChange(
                address,
                key,
                _declared_label(assessment, key) or _label(key, rows),
                _shown(key, current),
                _shown(key, new),
                by_others,
                _value(key, new),
                who,
            )
        )
    stored = assessment.rules_input(indicators)
    fields: dict[str, object] = {}
    typed_rows: dict[int, dict[str, object]] = {}
    cells: dict[str, str] = {}
    for change in changes:
        if change.by_others:
            continue
        value, parts = change.value, change.key.split(".")
        if parts[0] == CELLS:
            cells[parts[1]] = str(value)
        elif parts[0] == "funds":
            fields[f"{parts[1]}_{parts[2]}"] = value
        elif change.key == "outcome":
            fields["outcome"] = value
        else:
            typed_rows.setdefault(int(parts[1]), {})[parts[2]] = value
    position = {row.pk: index for index, row in enumerate(indicators)}
    updates = {position[pk]: typed for pk, typed in typed_rows.items()}
    changed_rows = {
        pk: {name: typed.get(name, getattr(rows[pk], name)) for name in drafts.ROW_FIELDS_ACTUALS}
        for pk, typed in typed_rows.items()
    }
    kind = assessment.table_kind
    before = kind.evaluate(stored)
    edited = edits.with_edits(stored, fields, updates=updates)
    after = kind.evaluate(replace(edited, cells={**edited.cells, **cells}))
    return TablePreview(
        sheet["title"],
        assessment,
        stale,
        changes,
        before,
        after,
        fields,
        [{"id": pk, **values} for pk, values in changed_rows.items()],
        cells,
    )


def preview(
    plan: dict[str, Any], assessments: dict[int, Assessment], *, by: User
) -> list[TablePreview]:
    """Each table's preview for the uploader `by`; the plan notes the version each table was
    shown at, which the confirmation saves against."""
    previews = []
    for sheet in plan["sheets"]:
        assessment = assessments[sheet["assessment"]]
        sheet["seen_version"] = assessment.version
        previews.append(preview_sheet(sheet, assessment, by))
    return previews


@transaction.atomic
def apply_upload(plan: dict[str, Any], *, by: User) -> list[Assessment]:
    """Save every table's cells that nobody else changed, all tables or none.

    Each table is saved through drafts.save_draft against the version the preview was
    shown for (`seen_version`), so a change made after the preview refuses the whole upload.
    """
    saved: list[Assessment] = []
    for sheet in plan["sheets"]:
        assessment = Assessment.objects.with_tree().get(pk=sheet["assessment"])
        if assessment.version != sheet["seen_version"]:
            raise EditConflict(
                f"“{assessment.subject}”在预览之后又被修改过，没有保存任何内容。"
                "请重新上传文件，核对新的预览。"
            )
        item = preview_sheet(sheet, assessment, by)
        if not item.fields and not item.rows and not item.cells:
            continue
        saved.append(
            drafts.save_draft(
                assessment.pk,
                by=by,
                base_version=sheet["seen_version"],
                step="actuals",
                fields=item.fields,
                rows=item.rows,
                row_fields=drafts.ROW_FIELDS_ACTUALS,
                cells=item.cells,
                resume_at=assessment.last_step or "actuals",
                comment=f"上传填报表“{plan['filename']}”",
            )
        )
    if not saved:
        raise AssessmentError("上传的文件与当前内容相同，没有需要保存的修改。")
    return saved
