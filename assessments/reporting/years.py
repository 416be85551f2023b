"""A project over the years: its tables' figures and indicators side by side."""

from dataclasses import dataclass
from itertools import pairwise

from .. import rules


@dataclass
class FigureAcrossYears:
    label: str
    cells: list  # per year: (the printed value, the change from the year before or "")


@dataclass
class IndicatorAcrossYears:
    level1: str
    level2: str
    name: str
    cells: list  # per year: the indicator row, or None where the year has no such indicator


def _change(before, after, formatter):
    if before is None or after is None:
        return ""
    difference = after - before
    if difference == 0:
        return "持平"
    sign = "+" if difference > 0 else "−"
    return f"{sign}{formatter(abs(difference))}"


def _line(label, values, formatter, *, compare=True, change_formatter=None):
    changes = [""]
    for before, after in pairwise(values):
        changes.append(_change(before, after, change_formatter or formatter) if compare else "")
    return FigureAcrossYears(
        label, [(formatter(value), change) for value, change in zip(values, changes, strict=True)]
    )


def _amount(value):
    return rules.format_amount(value, grouped=True) if value is not None else "—"


def _rate(value):
    return rules.format_percent(value)


def _plain(value):
    return "—" if value is None else str(value)


def compare_years(assessments):
    """Figure lines and indicator lines for assessments of one project, oldest year first."""
    assessments = sorted(assessments, key=lambda a: a.year.year)
    budgets = [a.total_full_year_budget for a in assessments]
    executed = [a.total_executed for a in assessments]
    figures = [
        _line("年初预算数", [a.total_initial_budget for a in assessments], _amount),
        _line("全年预算数", budgets, _amount),
        _line("全年执行数", executed, _amount),
        _line(
            "执行率",
            [a.execution_rate for a in assessments],
            _rate,
            change_formatter=lambda points: f"{points} 个百分点",
        ),
        _line(
            "预算执行得分",
            [
                rules.budget_score(budget, spent, a.budget_weight)
                for budget, spent, a in zip(budgets, executed, assessments, strict=True)
            ],
            _plain,
        ),
        _line("总分", [a.total_score for a in assessments], _plain),
        _line("等级", [a.grade or None for a in assessments], _plain, compare=False),
        _line("状态", [a.get_status_display() for a in assessments], _plain, compare=False),
        _line("错误数", [a.error_count for a in assessments], _plain, compare=False),
        _line("提示数", [a.warning_count for a in assessments], _plain, compare=False),
    ]
    keys = []
    rows = {}
    for column, assessment in enumerate(assessments):
        for indicator in assessment.indicators.all():
            key = (indicator.level1, indicator.level2, indicator.name)
            if key not in rows:
                keys.append(key)
                rows[key] = [None] * len(assessments)
            # Two rows of one table under the same name: keep the first, as printed.
            if rows[key][column] is None:
                rows[key][column] = indicator
    level1_order: dict[str, int] = {}
    for level1, _, _ in keys:
        level1_order.setdefault(level1, len(level1_order))
    keys.sort(key=lambda key: level1_order[key[0]])
    indicators = [IndicatorAcrossYears(*key, rows[key]) for key in keys]
    return assessments, figures, indicators
