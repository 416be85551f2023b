"""The input types a cell declares, each read by the one reader of its type (rules.readers).

Values of a kind's generic cells are stored as text (a JSON object of the table's cells):
amounts and points as plain decimals, blanks as "". A value that cannot be stored raises
rules.readers.ReadError (a ValueError) with a Chinese message that says what can be typed.
"""

import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal

from ..rules import readers
from ..rules.parsing import normalize_text


def _stored(value: Decimal | str | None) -> str:
    if value is None:
        return ""
    return format(value, "f") if isinstance(value, Decimal) else value


def _reader(input_type: str) -> Callable[[str, str], str]:
    return lambda text, what: _stored(readers.read(input_type, text, what=what or None))


# 2024-01-31, 2024/1/31, 2024.1.31, 2024年1月31日 (full-width digits too).
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$", re.ASCII)


def read_date(text: str, what: str) -> str:
    """A date as typed, stored as 2024-01-31; a blank stays blank."""
    value = normalize_text(readers.read_text(text))
    if not value:
        return ""
    found = _DATE.match(value)
    try:
        if found is None:
            raise ValueError(value)
        return date(*(int(part) for part in found.groups())).isoformat()
    except ValueError:
        raise readers.ReadError(
            f"“{what or '日期'}”请填写日期，例如 2024-01-31 或 2024年1月31日。"
        ) from None


def printed_date(stored: str) -> str:
    """A stored date as printed: 2024年1月31日 (any other text as it is)."""
    try:
        day = date.fromisoformat(stored)
    except ValueError:
        return stored
    return f"{day.year}年{day.month}月{day.day}日"


# Every input type a cell may declare; a choice is stored as the text of the option chosen.
READERS: dict[str, Callable[[str, str], str]] = {
    **{input_type: _reader(input_type) for input_type in readers.READERS},
    "choice": _reader("text"),
    "date": read_date,
}


def read(input_type: str, text: object, what: str = "") -> str:
    """The stored text of a value typed into a cell of this input type; `what` names the cell
    in a refusal."""
    return READERS[input_type]("" if text is None else str(text), what)
