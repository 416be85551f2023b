"""Reading what people type or paste: texts from Word and Excel, amounts, indicator values."""

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import cast

from .numbers import MAX_AMOUNT_DIGITS, round_half_up

# Word's manual line break arrives as a vertical tab, a page break as a form feed.
_LINE_BREAKS = re.compile(r"\r\n|[\r\x0b\x0c\x85\u2028\u2029]")
# Other control characters print as nothing and are refused by Excel files.
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]")


def clean_text(text: str | None) -> str:
    """A text with its line breaks as \\n and without control characters (tabs stay)."""
    return _CONTROLS.sub("", _LINE_BREAKS.sub("\n", text or ""))


# ---------------------------------------------------------------------------
# Reading numbers as people type them


def normalize_text(text: str | None) -> str:
    """Fold full-width digits, letters and punctuation (IME input) to their ASCII forms."""
    return unicodedata.normalize("NFKC", text or "")


_AMOUNT_RE = re.compile(r"^([+-]?)(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?$")


def parse_decimal(
    text: str | Decimal | None,
    *,
    places: int = 2,
    max_digits: int = MAX_AMOUNT_DIGITS,
    what: str = "金额",
) -> Decimal | None:
    """Read an amount, weight or score typed or pasted by a person.

    Blank means not reported and gives None (which is not zero). Accepts full-width
    digits, thousands separators, spaces and a trailing 元 or a leading ¥. Raises ValueError
    with a Chinese message for anything else.
    """
    if isinstance(text, Decimal):
        value = text
    else:
        raw = normalize_text(str(text) if text is not None else "")
        raw = re.sub(r"\s+", "", raw).replace("−", "-").replace("¥", "")
        if raw.endswith("元"):
            raw = raw[:-1]
        if raw == "":
            return None
        match = _AMOUNT_RE.match(raw)
        if not match:
            raise ValueError(f"{what}“{text}”不是有效的数字。")
        sign, whole, fraction = match.groups()
        number = f"{sign}{whole.replace(',', '')}" + (f".{fraction}" if fraction else "")
        value = Decimal(number)
    if not value.is_finite():
        raise ValueError(f"{what}“{text}”不是有效的数字。")
    step = Decimal(1).scaleb(-places)
    # A finite value's exponent is a number (not 'n', 'N' or 'F').
    if -cast(int, value.as_tuple().exponent) > places:
        if value != round_half_up(value, step):
            raise ValueError(f"{what}最多保留{'两' if places == 2 else places}位小数。")
        value = round_half_up(value, step)
    if abs(value) >= Decimal(10) ** max_digits:
        raise ValueError(f"{what}过大：整数部分最多 {max_digits} 位。")
    return value


@dataclass(frozen=True)
class ParsedValue:
    """What a 年度指标值 or 实际完成值 says: comparator, number and unit, or qualitative."""

    comparator: str | None
    number: Decimal | None
    unit: str = ""

    @property
    def is_qualitative(self) -> bool:
        return self.comparator is None

    def describe(self) -> str:
        if self.comparator is None:  # qualitative
            return "定性"
        symbol = {">=": "≥", "<=": "≤"}.get(self.comparator, self.comparator)
        number = format(self.number.normalize(), "f") if self.number is not None else ""
        unit = f" {self.unit}" if self.unit else ""
        return f"{symbol} {number}{unit}"


QUALITATIVE = ParsedValue(None, None, "")

# Longest spellings first, so that "不低于" is not read as "低于".
_COMPARATOR_SPELLINGS = sorted(
    [
        (">=", ">="),
        ("≥", ">="),
        ("≧", ">="),
        ("=>", ">="),
        ("不低于", ">="),
        ("不少于", ">="),
        ("大于等于", ">="),
        ("大于或等于", ">="),
        ("至少", ">="),
        ("不小于", ">="),
        ("<=", "<="),
        ("≤", "<="),
        ("≦", "<="),
        ("=<", "<="),
        ("不高于", "<="),
        ("不超过", "<="),
        ("不多于", "<="),
        ("不大于", "<="),
        ("小于等于", "<="),
        ("小于或等于", "<="),
        ("至多", "<="),
        (">", ">"),
        ("大于", ">"),
        ("高于", ">"),
        ("超过", ">"),
        ("多于", ">"),
        ("<", "<"),
        ("小于", "<"),
        ("低于", "<"),
        ("少于", "<"),
        ("==", "="),
        ("=", "="),
        ("等于", "="),
        ("达到", "="),
    ],
    key=lambda pair: -len(pair[0]),
)

_UNIT_WORDS = (
    "人次|户次|小时|分钟|公里|千米|平方米|立方米|课时|学时|个工作日|工作日|个月|季度|批次|街道|居委|"
    "元|件|人|户|起|镇|个|次|项|家|天|日|月|年|周|篇|场|份|台|套|条|所|张|本|册|座|米|亩|吨|"
    "辆|期|批|分|名|位|间|处|栋|例|宗|单|封|页|种|类|部|门|村"
)
# 万 and 亿 may stand alone ("≥2万") or before a unit ("=5万元"); either way they stay in the unit.
_UNITS = f"%|‰|百分比|[万亿千百](?:{_UNIT_WORDS})?|(?:{_UNIT_WORDS})"
_NUMBER_RE = re.compile(
    r"^(?P<number>\d{1,3}(?:,\d{3}){1,4}(?:\.\d{1,4})?|\d{1,15}(?:\.\d{1,4})?)"
    rf"\s*(?P<unit>{_UNITS})?"
    r"\s*(?P<suffix>以上|以下|以内)?"
    r"\s*(?:\(.*\))?\s*$"
)
_SUFFIX_COMPARATORS = {"以上": ">=", "以下": "<=", "以内": "<="}


# Values repeat across rows and tables ("=100%", "≥95%"); the result is immutable.
@lru_cache(maxsize=4096)
def parse_value(text: str | None) -> ParsedValue | None:
    """Read an indicator value; None for a blank cell, QUALITATIVE for text.

    "≥98%", "＞＝98％", "不低于98%" → (>=, 98, %); "=0起" → (=, 0, 起); "100%(25800人)" and
    a bare "15" read as "=" with their first number. 万 stays inside the unit.
    """
    normalized = re.sub(r"\s+", " ", normalize_text(text)).strip()
    if not normalized:
        return None
    comparator = None
    rest = normalized
    for spelling, meaning in _COMPARATOR_SPELLINGS:
        if rest.startswith(spelling):
            comparator, rest = meaning, rest[len(spelling) :].strip()
            break
    match = _NUMBER_RE.match(rest)
    if not match:
        return QUALITATIVE
    suffix_comparator = _SUFFIX_COMPARATORS.get(match["suffix"])
    if comparator is None:
        comparator = suffix_comparator or "="
    unit = match["unit"] or ""
    if unit == "百分比":
        unit = "%"
    number = Decimal(match["number"].replace(",", ""))
    return ParsedValue(comparator, number, unit)
