"""The input types a cell declares, each read by the one reader of its type (rules.readers).

Values of a kind's generic cells are stored as text (a JSON object of the table's cells):
amounts and points as plain decimals, blanks as "". A value that cannot be stored raises
rules.readers.ReadError (a ValueError) with a Chinese message that says what can be typed.
"""

from collections.abc import Callable
from decimal import Decimal

from ..rules import readers


def _stored(value: Decimal | str | None) -> str:
    if value is None:
        return ""
    return format(value, "f") if isinstance(value, Decimal) else value


def _reader(input_type: str) -> Callable[[str, str], str]:
    return lambda text, what: _stored(readers.read(input_type, text, what=what or None))


# Every input type a cell may declare; a choice is stored as the text of the option chosen.
READERS: dict[str, Callable[[str, str], str]] = {
    **{input_type: _reader(input_type) for input_type in readers.READERS},
    "choice": _reader("text"),
}


def read(input_type: str, text: object, what: str = "") -> str:
    """The stored text of a value typed into a cell of this input type; `what` names the cell
    in a refusal."""
    return READERS[input_type]("" if text is None else str(text), what)
