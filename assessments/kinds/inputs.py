"""The input types a cell declares, each read by one function: text as typed → text as stored.

The one place where an input type name meets its parsing; a reader raises ValueError with a
Chinese message for input that cannot be stored. Values are stored as text (a JSON object of
the table's generic cells), amounts and points as plain decimals.
"""

from collections.abc import Callable
from decimal import Decimal

from .. import rules


def _decimal(value: Decimal | None) -> str:
    return "" if value is None else format(value, "f")


def read_amount(text: str) -> str:
    return _decimal(rules.parse_decimal(text, what="金额"))


def read_points(text: str) -> str:
    return _decimal(rules.parse_decimal(text, places=2, max_digits=3, what="分值"))


def read_percent(text: str) -> str:
    cleaned = rules.normalize_text(text).strip().removesuffix("%").strip()
    return _decimal(rules.parse_decimal(cleaned, places=2, max_digits=5, what="百分比"))


def read_indicator_value(text: str) -> str:
    # Any text is an indicator value: a number with its comparator and unit, or words.
    rules.parse_value(text)
    return rules.clean_text(text)


def read_text(text: str) -> str:
    return rules.clean_text(text)


READERS: dict[str, Callable[[str], str]] = {
    "amount": read_amount,
    "points": read_points,
    "percent": read_percent,
    "indicator_value": read_indicator_value,
    "text": read_text,
    "choice": read_text,
}


def read(input_type: str, text: object) -> str:
    """The stored text of a value typed into a cell of this input type."""
    return READERS[input_type]("" if text is None else str(text))
