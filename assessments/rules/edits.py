"""A table as a save would store it: typed values over the stored ones, with the figures a
save derives from them.

The live figures while typing, the upload's preview and the save itself go through these
functions, so that what is shown before saving is what is stored.
"""

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Any

from .rule_sets import FUND_COLUMNS, FUND_LINES
from .scoring import AssessmentInput, FundsLine, IndicatorInput, funds_total

INPUT_LINES = FUND_LINES[1:]
# The amounts typed, by field name: (line, column). 年度资金总额 is never typed.
LINE_FIELDS = {
    f"{line}_{column}": (line, column) for line in INPUT_LINES for column in FUND_COLUMNS
}
TOTAL_FIELDS = tuple(f"{FUND_LINES[0]}_{column}" for column in FUND_COLUMNS)
TEXT_FIELDS = ("goal", "outcome")
INDICATOR_FIELDS = ("level1", "level2", "name", "target", "actual", "grade", "weight", "score")


def derived_totals(
    lines: Mapping[str, FundsLine], typed: Collection[str]
) -> dict[str, Decimal | None]:
    """年度资金总额 as a save stores it, by field name.

    In each column where an amount of a line is typed (`typed`: the field names saved), the
    total is the sum of the three lines as they now stand. A column where nothing is typed
    keeps its stored total: an imported total that disagrees with its lines stays as it was
    published, and FUNDS_LINES_MISMATCH says so.
    """
    if any(name in TOTAL_FIELDS for name in typed):
        raise ValueError("年度资金总额 is derived from the lines, never typed")
    columns = {LINE_FIELDS[name][1] for name in typed if name in LINE_FIELDS}
    total = funds_total(lines)
    return {
        f"{FUND_LINES[0]}_{column}": getattr(total, column)
        for column in FUND_COLUMNS
        if column in columns
    }


def _with_funds(data: AssessmentInput, fields: Mapping[str, Any]) -> dict[str, FundsLine]:
    funds = {line: data.fund(line) for line in FUND_LINES}
    for name, value in fields.items():
        if name in LINE_FIELDS:
            line, column = LINE_FIELDS[name]
            funds[line] = replace(funds[line], **{column: value})
    total = funds[FUND_LINES[0]]
    for name, value in derived_totals(funds, list(fields)).items():
        total = replace(total, **{name.partition("_")[2]: value})
    funds[FUND_LINES[0]] = total
    return funds


def indicator_input(
    typed: Mapping[str, Any], stored: IndicatorInput | None = None
) -> IndicatorInput:
    """One indicator row for the rules: the typed values over the stored row (a new row
    starts blank); a grade is None where none is chosen."""
    base = stored or IndicatorInput(level1="", level2="", name="")
    values = {name: typed[name] for name in INDICATOR_FIELDS if name in typed}
    for text in ("reason", "criteria"):
        if text in typed:
            values[text] = typed[text]
    if "grade" in values:
        values["grade"] = values["grade"] or None
    return replace(base, **values)


def with_edits(
    data: AssessmentInput,
    fields: Mapping[str, Any] | None = None,
    *,
    updates: Mapping[int, Mapping[str, Any]] | None = None,
    rows: Sequence[Mapping[str, Any]] | None = None,
) -> AssessmentInput:
    """`data` (the stored table) with what is typed, as a save would store it.

    `fields`: assessment fields by name (amounts of the lines, goal, outcome), with
    年度资金总额 derived as the save derives it. `updates`: typed values of existing rows by
    their index in `data.indicators`. `rows`: the whole list of rows in its new order
    (the targets step), each as typed.
    """
    fields = fields or {}
    unknown = set(fields) - set(LINE_FIELDS) - set(TEXT_FIELDS)
    if unknown:
        raise ValueError(f"not a typed field of the table: {sorted(unknown)}")
    indicators: Iterable[IndicatorInput] = data.indicators
    if rows is not None:
        indicators = [indicator_input(row) for row in rows]
    elif updates:
        indicators = [
            indicator_input(updates[index], row) if index in updates else row
            for index, row in enumerate(data.indicators)
        ]
    return replace(
        data,
        funds=_with_funds(data, fields),
        indicators=list(indicators),
        **{name: fields[name] for name in TEXT_FIELDS if name in fields},
    )
