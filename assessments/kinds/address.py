"""One address for one cell of a table: (kind, section, row, column), with one string form.

    goal                        a cell of its own (a section without rows)
    funds.total.executed        a row of a fixed section, one of its columns
    indicators.57.actual        an indicator row by its stored id, one of its columns
    indicators.#3.actual        an indicator row by its position (the rules and a snapshot
                                know rows only by position; `with_row_ids` turns it into ids)
    indicators.57               the whole row

Findings, comments, the fillable workbook, the wizard's inputs, the history and the anchors
of the screen all write and read this form. `parse` also reads the forms used before it
(`indicators[3].actual`, `indicator:57.actual`, `rows-3-actual`), so comments stored and
workbooks downloaded earlier keep working.

The kind is not part of the string: a table has one kind, and the address of its cell is
written in that table's context. It is carried where addresses of several kinds meet.
"""

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

POSITION = "#"

_CANONICAL = re.compile(r"^([a-z_][a-z0-9_]*)(?:\.(#?[\w-]+))?(?:\.([a-z_][a-z0-9_]*))?$")
_FINDING = re.compile(r"^([a-z_]+)\[(\d+)\](?:\.([a-z_][a-z0-9_]*))?$")
_COMMENT = re.compile(r"^indicator:(\d+)(?:\.([a-z_][a-z0-9_]*))?$")
_INPUT = re.compile(r"^rows-(\d+)-([a-z_][a-z0-9_]*)$")


class AddressError(ValueError):
    """A text that is no cell address."""


@dataclass(frozen=True)
class CellAddress:
    section: str
    row: str = ""
    column: str = ""
    kind: str = ""

    def __str__(self) -> str:
        return ".".join(part for part in (self.section, self.row, self.column) if part)

    @classmethod
    def at(cls, section: str, position: int, column: str = "", kind: str = "") -> "CellAddress":
        """The cell of the row at `position` (0-based) of a section."""
        return cls(section, f"{POSITION}{position}", column, kind)

    @property
    def position(self) -> int | None:
        """The row's position, where the address names the row by it."""
        return int(self.row[1:]) if self.row.startswith(POSITION) else None

    @property
    def row_id(self) -> int | None:
        """The row's stored id, where the address names the row by it."""
        return int(self.row) if self.row.isdigit() else None

    @property
    def whole_row(self) -> "CellAddress":
        return replace(self, column="")

    def with_row_ids(self, ids: Sequence[object]) -> "CellAddress":
        """The same cell with its row named by id: `ids` are the rows' ids in their order."""
        position = self.position
        if position is None or position >= len(ids) or ids[position] is None:
            return self
        return replace(self, row=str(ids[position]))

    @property
    def html_id(self) -> str:
        """An id usable in HTML (the screen's anchor a finding links to)."""
        return "cell-" + "".join(c if c.isalnum() else "-" for c in str(self))


def parse(text: str, kind: str = "") -> CellAddress:
    """The address written as `text`, in its form or in one of the forms before it."""
    text = (text or "").strip()
    if match := _FINDING.match(text):
        return CellAddress.at(match[1], int(match[2]), match[3] or "", kind)
    if match := _COMMENT.match(text):
        return CellAddress("indicators", match[1], match[2] or "", kind)
    if match := _INPUT.match(text):
        return CellAddress.at("indicators", int(match[1]), match[2], kind)
    if match := _CANONICAL.match(text):
        return CellAddress(match[1], match[2] or "", match[3] or "", kind)
    raise AddressError(f"not a cell address: {text!r}")


# For modules whose own names (a workbook's cell addresses) would shadow `parse`.
parse_address = parse


# Pure, and asked for every cell of every table a screen shows: remembered per process.
@functools.lru_cache(maxsize=4096)
def normalise(text: str) -> str:
    """The address in its one string form; a text that is no address is returned as it is."""
    try:
        return str(parse(text))
    except AddressError:
        return text
