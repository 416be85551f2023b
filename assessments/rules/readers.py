"""One reader per input type: what people type or paste, read the same way on every path.

The wizard's fields, the live figures, the fillable workbook's upload and the interchange
import call these functions. Each takes the text as typed (or a number, as a spreadsheet
cell holds it) and returns the value as it is stored; a blank is None (not zero) for numbers.
What cannot be stored raises ReadError, whose Chinese message says what can be typed.

- amount: full-width digits and ．, thousands separators (, or ，), spaces, a leading ¥ and a
  trailing 元, 万元 (万) or 亿元 (亿). A text without its own unit is in the table's money
  unit; one with a unit is converted into it. Cents that cannot be stored are refused, never
  rounded away: "0.001万元" in a table in 元 is 10 元, but "1元" in a table in 万元 would be
  0.0001 万元 and is refused. Trailing zeros beyond the cents are dropped ("1.500" is 1.50).
- points (分值, 得分): the same digits, an optional trailing 分, three integer digits.
- percent: the same digits with an optional %, three integer digits.
- indicator_value (年度指标值, 实际完成值): a text of at most 200 characters; its meaning
  (comparator, number, unit) is read by parsing.parse_value.
- text: a text with its line breaks as \\n and without control characters.

No number is negative here: a negative amount or score is never typed on purpose.
"""

import re
from collections.abc import Callable
from decimal import Decimal
from typing import cast

from .numbers import CENT, MAX_AMOUNT_DIGITS, round_half_up
from .parsing import clean_text, normalize_text

YUAN = "元"
WAN_YUAN = "万元"
# Powers of ten of each unit a typed amount may name, in 元.
_UNIT_EXPONENTS = {"元": 0, "万": 4, "万元": 4, "亿": 8, "亿元": 8}
MONEY_UNITS = (YUAN, WAN_YUAN)

# 分值 and 得分 are stored with three integer digits: up to 999.99.
POINTS_DIGITS = 3
PERCENT_DIGITS = 3
INDICATOR_VALUE_LENGTH = 200

AMOUNT_HINT = "可填 1234.5、1,234.50 或 0.12万元"
POINTS_HINT = "可填 8、8.5 或 8.50分"
PERCENT_HINT = "可填 95、95.5 或 95.5%"

# What a cell holds: a text, a number (a spreadsheet's), None, or anything else (refused).
Typed = object


class ReadError(ValueError):
    """What was typed cannot be stored; the message says why and what can be typed."""


_NUMBER = r"(?P<sign>[+-]?)(?P<whole>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.(?P<fraction>[0-9]+))?"
_AMOUNT_RE = re.compile(rf"^(?P<yen>¥)?{_NUMBER}(?P<unit>元|万元|万|亿元|亿)?$")
_POINTS_RE = re.compile(rf"^{_NUMBER}分?$")
_PERCENT_RE = re.compile(rf"^{_NUMBER}%?$")


def _squeezed(value: Typed) -> str:
    """The text with full-width forms folded and every space removed; numbers in plain
    notation (a spreadsheet's 1e-05 is 0.00001)."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float | Decimal):
        number = Decimal(str(value))
        return format(number, "f") if number.is_finite() else str(value)
    text = normalize_text("" if value is None else str(value)).replace("−", "-")
    return re.sub(r"\s+", "", text)


def _shown(value: Typed) -> str:
    return str(value).strip() if value is not None else ""


def _decimal(match: re.Match[str], shift: int = 0) -> Decimal:
    """The number matched, times 10**shift: exact, whatever the length (no context rounding)."""
    whole = match["whole"].replace(",", "")
    fraction = match["fraction"] or ""
    digits = tuple(int(digit) for digit in (whole + fraction).lstrip("0") or "0")
    value = Decimal((1 if match["sign"] == "-" else 0, digits, shift - len(fraction)))
    return abs(value) if value == 0 else value


def _not_a_number(what: str, text: Typed, hint: str) -> ReadError:
    return ReadError(f"{what}不是数字（填写的是“{_shown(text)}”），{hint}。")


def _stored(value: Decimal, *, digits: int, what: str, after: str = "") -> Decimal:
    """The value with at most two decimals (exactly: nothing is rounded away), not
    negative, with at most `digits` integer digits."""
    if value < 0:
        raise ReadError(f"{what}不能为负数。")
    # The size first: quantizing a number longer than the context's precision fails.
    if value >= Decimal(10) ** digits:
        raise ReadError(f"{what}{after}过大：整数部分最多 {digits} 位。")
    exponent = cast(int, value.as_tuple().exponent)  # a finite number's is an int
    if exponent < -2:
        if value != round_half_up(value, CENT):
            raise ReadError(f"{what}{after}最多保留两位小数。")
        value = round_half_up(value, CENT)
    elif exponent > 0:  # 1.2万 is 12000, written out
        value = value.quantize(Decimal(1))
    return value


def read_amount(text: Typed, money_unit: str = YUAN, *, what: str = "金额") -> Decimal | None:
    """An amount in the table's money unit (元 or 万元); None for a blank cell. `what`
    names the cell in the message (全年执行数)."""
    if money_unit not in MONEY_UNITS:
        raise ValueError(f"unknown money unit {money_unit!r}")
    raw = _squeezed(text)
    if raw == "":
        return None
    match = _AMOUNT_RE.match(raw)
    if match is None:
        raise _not_a_number(what, text, AMOUNT_HINT)
    typed_unit = match["unit"] or (YUAN if match["yen"] else money_unit)
    shift = _UNIT_EXPONENTS[typed_unit] - _UNIT_EXPONENTS[money_unit]
    value = _decimal(match, shift)
    after = f"换算为{money_unit}后" if shift else ""
    return _stored(value, digits=MAX_AMOUNT_DIGITS, what=what, after=after)


def read_points(text: Typed, *, what: str = "分数") -> Decimal | None:
    """A 分值 or 得分: at most 999.99, two decimals; None for a blank cell."""
    raw = _squeezed(text)
    if raw == "":
        return None
    match = _POINTS_RE.match(raw)
    if match is None:
        raise _not_a_number(what, text, POINTS_HINT)
    return _stored(_decimal(match), digits=POINTS_DIGITS, what=what)


def read_percent(text: Typed, *, what: str = "百分比") -> Decimal | None:
    """A percentage as its number of percent ("95.5%" is 95.5); None for a blank cell."""
    raw = _squeezed(text)
    if raw == "":
        return None
    match = _PERCENT_RE.match(raw)
    if match is None:
        raise _not_a_number(what, text, PERCENT_HINT)
    return _stored(_decimal(match), digits=PERCENT_DIGITS, what=what)


def read_text(text: Typed, *, what: str = "") -> str:
    """A text as typed or pasted from Word or Excel: line breaks as \\n, no control characters."""
    if isinstance(text, int | float | Decimal) and not isinstance(text, bool):
        return _squeezed(text)
    return clean_text(None if text is None else str(text)).strip()


def read_indicator_value(text: Typed, *, what: str = "指标值") -> str:
    """A 年度指标值 or 实际完成值 as written ("≥95%", "=35000件", "及时"), kept as text.

    Any text is a value (one without a number is qualitative, see parse_value); only its
    length is limited, as the table prints it on one line of a cell.
    """
    value = read_text(text)
    if len(value) > INDICATOR_VALUE_LENGTH:
        raise ReadError(
            f"{what}过长：最多 {INDICATOR_VALUE_LENGTH} 字，现有 {len(value)} 字。"
            "可填如 ≥95%、=35000件、及时。"
        )
    return value


Reader = Callable[..., Decimal | str | None]

# Each input type's reader, by the name a cell's declaration gives its type.
READERS: dict[str, Reader] = {
    "amount": read_amount,
    "points": read_points,
    "percent": read_percent,
    "indicator_value": read_indicator_value,
    "text": read_text,
}


def read(
    input_type: str, text: Typed, *, money_unit: str = YUAN, what: str | None = None
) -> Decimal | str | None:
    """What a cell of input type `input_type` says, as stored; amounts in `money_unit`; `what`
    names the cell in a message."""
    named = {"what": what} if what else {}
    if input_type == "amount":
        return read_amount(text, money_unit, **named)
    return READERS[input_type](text, **named)
