"""Reading an uploaded workbook in a child process held to memory and time limits.

A few kilobytes can unpack to gigabytes (a zip bomb) or name a cell at XFD1048576, and the
libraries would spend minutes and gigabytes on them. So the file is read by a forked child:
it first checks what the file declares (the archive's members and unpacked size, each sheet's
dimensions) against what a fillable workbook can hold, then reads only that area, in
read-only mode, and sends back plain values. The child may add `MEMORY_ALLOWANCE` bytes to
what it inherits and spend `CPU_SECONDS` of processor time; the parent waits `WALL_SECONDS`
at most. A child that refuses, runs out or is killed ends in `TooLarge`; the web process
itself never holds more than the file's bytes and the values read.
"""

import datetime
import io
import json
import os
import resource
import selectors
import signal
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import openpyxl
import xlrd
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string, get_column_letter

MEMORY_ALLOWANCE = 512 * 1024 * 1024
CPU_SECONDS = 20
WALL_SECONDS = 30
MAX_OUTPUT = 64 * 1024 * 1024  # the values read, as sent back


class Unreadable(Exception):
    """The file is not a workbook the libraries can read."""


class TooLarge(Exception):
    """The file declares or needs more than a fillable workbook can hold, or the child
    reading it ran out of memory or time."""


@dataclass(frozen=True)
class Bounds:
    """What a fillable workbook can hold (paper.fillable names the figures)."""

    sheets: int
    rows: int  # a table sheet's
    columns: int
    special: dict[str, tuple[int, int]]  # sheet title: (rows, columns), for the hidden sheet
    cells: int  # the declared area of all sheets together
    members: int  # entries in the .xlsx archive
    unpacked: int  # bytes of all entries unpacked
    ratio: int  # unpacked / packed of one entry larger than RATIO_FLOOR

    def of(self, title: str) -> tuple[int, int]:
        return self.special.get(title, (self.rows, self.columns))


RATIO_FLOOR = 1024 * 1024


@dataclass
class Grid:
    cells: dict[str, object] = field(default_factory=dict)  # address: value (cached, for formulas)
    formulas: dict[str, str] = field(default_factory=dict)  # address: formula (xlsx only)
    uncached: set[str] = field(default_factory=set)  # formulas saved without their result

    def rows(self) -> list[list[object]]:
        by_row: dict[int, dict[int, object]] = {}
        for address, value in self.cells.items():
            letters, row = coordinate_from_string(address)
            by_row.setdefault(row, {})[column_index_from_string(letters)] = value
        return [
            [by_row[row].get(column) for column in range(1, max(by_row[row]) + 1)]
            for row in sorted(by_row)
        ]


# ---------------------------------------------------------------------------
# In the child: check what the file declares, then read the bounded area


def _check_archive(data: bytes, bounds: Bounds) -> None:
    """The zip's directory, before anything is unpacked (zipfile holds each entry to the
    size its directory declares, so the declared sizes bound what is unpacked)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = archive.infolist()
    if len(members) > bounds.members:
        raise TooLarge(f"{len(members)} entries")
    unpacked = sum(member.file_size for member in members)
    if unpacked > bounds.unpacked:
        raise TooLarge(f"{unpacked} bytes unpacked")
    for member in members:
        if member.file_size > RATIO_FLOOR and (
            member.file_size > bounds.ratio * max(member.compress_size, 1)
        ):
            raise TooLarge(f"{member.filename} packed {member.file_size // member.compress_size}:1")


def _check_area(sizes: list[tuple[str, int | None, int | None]], bounds: Bounds) -> None:
    """Each sheet's declared rows and columns (None: not declared) within its bounds."""
    if len(sizes) > bounds.sheets:
        raise TooLarge(f"{len(sizes)} sheets")
    area = 0
    for title, rows, columns in sizes:
        max_rows, max_columns = bounds.of(title)
        if (rows or 0) > max_rows or (columns or 0) > max_columns:
            raise TooLarge(f"sheet {title!r} declares {rows} rows, {columns} columns")
        area += (rows or max_rows) * (columns or max_columns)
    if area > bounds.cells:
        raise TooLarge(f"{area} cells declared")


def _read_xlsx(data: bytes, bounds: Bounds) -> dict[str, Grid]:
    # Macros (.xlsm) are never kept: openpyxl leaves the VBA part out unless asked.
    _check_archive(data, bounds)
    values = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    _check_area([(ws.title, ws.max_row, ws.max_column) for ws in values.worksheets], bounds)
    grids: dict[str, Grid] = {}
    for worksheet in values.worksheets:
        grid = grids[worksheet.title] = Grid()
        max_row, max_col = bounds.of(worksheet.title)
        rows = worksheet.iter_rows(max_row=max_row, max_col=max_col, values_only=True)
        for row, cells in enumerate(rows, start=1):
            for column, value in enumerate(cells, start=1):
                if value is not None:
                    grid.cells[f"{get_column_letter(column)}{row}"] = value
    values.close()
    # The formulas are a second read of the same bounded area: the cached results and the
    # formulas are two views openpyxl gives one at a time.
    formulas = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    for worksheet in formulas.worksheets:
        grid = grids[worksheet.title]
        max_row, max_col = bounds.of(worksheet.title)
        for cells in worksheet.iter_rows(max_row=max_row, max_col=max_col):
            for cell in cells:
                if cell.value is not None and cell.data_type == "f":
                    address = f"{get_column_letter(cell.column)}{cell.row}"
                    grid.formulas[address] = str(cell.value)
                    if address not in grid.cells:
                        grid.uncached.add(address)
    formulas.close()
    return grids


def _read_xls(data: bytes, bounds: Bounds) -> dict[str, Grid]:
    # Sheets are loaded one at a time, each row only as long as its last cell.
    book = xlrd.open_workbook(
        file_contents=data, on_demand=True, ragged_rows=True, logfile=io.StringIO()
    )
    if book.nsheets > bounds.sheets:
        raise TooLarge(f"{book.nsheets} sheets")
    grids: dict[str, Grid] = {}
    sizes: list[tuple[str, int | None, int | None]] = []
    for index in range(book.nsheets):
        sheet = book.sheet_by_index(index)
        sizes.append((sheet.name, sheet.nrows, sheet.ncols))
        _check_area(sizes, bounds)
        grid = grids[sheet.name] = Grid()
        for row in range(sheet.nrows):
            for column in range(sheet.row_len(row)):
                cell = sheet.cell(row, column)
                if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                    continue
                value = cell.value
                if cell.ctype == xlrd.XL_CELL_ERROR:
                    value = xlrd.error_text_from_code.get(int(value), "#ERR")
                elif cell.ctype == xlrd.XL_CELL_BOOLEAN:
                    value = bool(value)
                grid.cells[f"{get_column_letter(column + 1)}{row + 1}"] = value
        book.unload_sheet(index)
    book.release_resources()
    return grids


def read_in_process(data: bytes, bounds: Bounds) -> dict[str, Grid]:
    """The sheets of an .xlsx / .xlsm (a zip) or a legacy .xls (an OLE2 file), by content,
    read where it is called: `read` calls it in the child."""
    try:
        if data[:4] == b"PK\x03\x04":
            return _read_xlsx(data, bounds)
        if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
            return _read_xls(data, bounds)
    except (TooLarge, MemoryError, RecursionError):
        raise
    except Exception as error:  # a damaged file must end in a message, whatever the library raises
        raise Unreadable(f"{type(error).__name__}: {error}") from error
    raise Unreadable("neither a zip nor an OLE2 file")


# ---------------------------------------------------------------------------
# Values as plain JSON between the child and the parent

_DECODERS: dict[str, Callable[[Any], object]] = {
    "datetime": datetime.datetime.fromisoformat,
    "date": datetime.date.fromisoformat,
    "time": datetime.time.fromisoformat,
    "timedelta": lambda seconds: datetime.timedelta(seconds=seconds),
}


def _encode_value(value: object) -> object:
    """A cell's value as JSON: dates and times tagged with their kind, the rest as they are."""
    if isinstance(value, datetime.timedelta):
        return {"timedelta": value.total_seconds()}
    if isinstance(value, datetime.datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, datetime.date):
        return {"date": value.isoformat()}
    if isinstance(value, datetime.time):
        return {"time": value.isoformat()}
    if isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _decode_value(value: object) -> object:
    if not isinstance(value, dict):
        return value
    ((kind, text),) = value.items()
    return _DECODERS[kind](text)


def encode(grids: dict[str, Grid]) -> bytes:
    sheets = [
        [
            title,
            [[address, _encode_value(value)] for address, value in grid.cells.items()],
            list(grid.formulas.items()),
            sorted(grid.uncached),
        ]
        for title, grid in grids.items()
    ]
    return json.dumps({"sheets": sheets}, ensure_ascii=False).encode()


def decode(payload: bytes) -> dict[str, Grid]:
    outcome = json.loads(payload)
    if "refused" in outcome:
        kind = TooLarge if outcome["refused"] == "too_large" else Unreadable
        raise kind(outcome["detail"])
    return {
        title: Grid(
            {address: _decode_value(value) for address, value in cells},
            dict(formulas),
            set(uncached),
        )
        for title, cells, formulas, uncached in outcome["sheets"]
    }


# ---------------------------------------------------------------------------
# The child and its limits


@dataclass
class Reading:
    """What one read cost, for measuring: the wall-clock seconds, the child's peak resident
    memory (it starts with the parent's pages, shared) and the parent's at the fork."""

    seconds: float = 0.0
    child_peak_kb: int = 0
    parent_kb_at_fork: int = 0
    outcome: str = ""


def _kb(field_name: str) -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    return 0


def _limit_child() -> None:
    for name in ("SIGTERM", "SIGINT", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2"):
        signal.signal(getattr(signal, name), signal.SIG_DFL)
    memory = _kb("VmSize") * 1024 + MEMORY_ALLOWANCE
    # Past the soft CPU limit SIGXCPU ends the child; a second later the hard one kills it.
    for limit, soft, hard in (
        (resource.RLIMIT_AS, memory, memory),
        (resource.RLIMIT_CPU, CPU_SECONDS, CPU_SECONDS + 1),
        (resource.RLIMIT_CORE, 0, 0),
    ):
        _, ceiling = resource.getrlimit(limit)
        if ceiling != resource.RLIM_INFINITY:
            soft, hard = min(soft, ceiling), min(hard, ceiling)
        resource.setrlimit(limit, (soft, hard))


def _child(data: bytes, bounds: Bounds, out: int) -> int:
    _limit_child()
    try:
        payload = encode(read_in_process(data, bounds))
    except TooLarge as error:
        payload = json.dumps({"refused": "too_large", "detail": str(error)}).encode()
    except (MemoryError, RecursionError) as error:
        refusal = {"refused": "too_large", "detail": f"{type(error).__name__}: {error}"}
        payload = json.dumps(refusal).encode()
    except Unreadable as error:
        payload = json.dumps({"refused": "unreadable", "detail": str(error)}).encode()
    view = memoryview(payload)
    while view:
        view = view[os.write(out, view) :]
    return 0


def _collect(pid: int, source: int) -> tuple[bytes, int, int]:
    """The child's output, its exit status and peak memory; killed past WALL_SECONDS."""
    chunks: list[bytes] = []
    size = 0
    deadline = time.monotonic() + WALL_SECONDS
    with selectors.DefaultSelector() as selector:
        selector.register(source, selectors.EVENT_READ)
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not selector.select(left):
                os.kill(pid, signal.SIGKILL)
                chunks = [b"wall-clock limit"]
                break
            chunk = os.read(source, 1024 * 1024)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if size > MAX_OUTPUT:
                os.kill(pid, signal.SIGKILL)
                chunks = [b"output limit"]
                break
    _, status, usage = os.wait4(pid, 0)
    return b"".join(chunks), status, usage.ru_maxrss


def read(data: bytes, bounds: Bounds, reading: Reading | None = None) -> dict[str, Grid]:
    """The workbook's sheets, read in a child process; TooLarge or Unreadable otherwise.
    `reading`, when given, is filled with what the read cost."""
    reading = reading or Reading()
    started = time.monotonic()
    reading.parent_kb_at_fork = _kb("VmRSS")
    source, sink = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: read, write, and end here whatever happens
        status = 1
        try:
            os.close(source)
            status = _child(data, bounds, sink)
        finally:
            os._exit(status)
    os.close(sink)
    try:
        payload, status, reading.child_peak_kb = _collect(pid, source)
    finally:
        os.close(source)
    reading.seconds = time.monotonic() - started
    if os.WIFSIGNALED(status) or os.WEXITSTATUS(status) != 0:
        ended = (
            signal.Signals(os.WTERMSIG(status)).name
            if os.WIFSIGNALED(status)
            else f"exit {os.WEXITSTATUS(status)}"
        )
        reading.outcome = f"child ended by {ended}"
        raise TooLarge(f"{reading.outcome}: {payload[:200]!r}")
    try:
        grids = decode(payload)
    except (TooLarge, Unreadable) as refusal:
        reading.outcome = f"{type(refusal).__name__}: {refusal}"
        raise
    except ValueError as error:
        reading.outcome = f"unreadable reply: {error}"
        raise TooLarge(reading.outcome) from error
    reading.outcome = "read"
    return grids
