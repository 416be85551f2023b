"""Money and points: rounding half up, sums, averages, and how the table writes them."""

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal("0")
HUNDRED = Decimal("100")
CENT = Decimal("0.01")

# Largest amount accepted anywhere: 13 integer digits (under 10 万亿 元) and two decimals.
# Fifteen significant digits survive SQLite's storage of decimals exactly.
MAX_AMOUNT_DIGITS = 13


def round_half_up(value: Decimal, places: Decimal = CENT) -> Decimal:
    return value.quantize(places, rounding=ROUND_HALF_UP)


def sum_or_blank(parts: Iterable[Decimal | None]) -> Decimal | None:
    """The sum of the reported parts; blank when none is reported (blank is not zero)."""
    reported = [part for part in parts if part is not None]
    return sum(reported, ZERO) if reported else None


def format_amount(value: Decimal | None, *, grouped: bool = False) -> str:
    """Money as the table prints it: two decimals, no separators; blank stays blank.

    Screens outside the official table group thousands for reading (1,058,948,800.00).
    """
    if value is None:
        return ""
    return format(round_half_up(value), ",f" if grouped else "f")


def format_points(value: Decimal | None) -> str:
    """A weight or score without trailing zeros: 15, 3.37, 8.5."""
    if value is None:
        return ""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def format_percent(value: Decimal | None) -> str:
    return "—" if value is None else f"{value}%"


def average(total: Decimal | None, count: int) -> Decimal | None:
    """Σ ÷ n, two decimals rounded half up; None when there is nothing to average."""
    if not count or total is None:
        return None
    return round_half_up(Decimal(total) / Decimal(count))


def weighted_average(weighted_total: Decimal | None, weights: Decimal | None) -> Decimal | None:
    """Σ(value × weight) ÷ Σ weight, two decimals rounded half up; None without weight."""
    if not weights or weighted_total is None:
        return None
    return round_half_up(Decimal(weighted_total) / Decimal(weights))
