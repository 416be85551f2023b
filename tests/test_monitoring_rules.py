"""The arithmetic of 绩效运行监控 (rules.monitoring): 序时进度, the warning at the margin, the
rows' findings and the traffic light. Pure: no database, dates fixed."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assessments.rules import ERROR, WARNING
from assessments.rules import monitoring as m


@pytest.mark.parametrize(
    ("cut_off", "expected"),
    [
        (date(2023, 6, 30), Decimal("49.59")),  # 181 / 365
        (date(2023, 7, 31), Decimal("58.08")),  # 212 / 365
        (date(2024, 6, 30), Decimal("49.73")),  # 182 / 366
        (date(2024, 7, 31), Decimal("58.20")),  # 213 / 366
        (date(2023, 10, 31), Decimal("83.29")),  # 304 / 365
        (date(2023, 12, 31), Decimal("100.00")),
        (date(2024, 12, 31), Decimal("100.00")),
        (date(2023, 1, 1), Decimal("0.27")),  # 1 / 365 = 0.2739…
    ],
)
def test_schedule_progress_is_the_share_of_the_year_elapsed_at_the_cut_off(cut_off, expected):
    assert m.schedule_progress(cut_off) == expected


def test_schedule_progress_is_the_exact_share_to_the_nearest_hundredth_every_day():
    for year, days in ((2023, 365), (2024, 366)):
        for day in range(1, days + 1):
            cut_off = date.fromordinal(date(year, 1, 1).toordinal() + day - 1)
            exact = Decimal(day) * 100 / Decimal(days)
            assert abs(m.schedule_progress(cut_off) - exact) <= Decimal("0.005")


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)))
def test_schedule_progress_stays_between_0_and_100_and_grows_through_the_year(cut_off):
    progress = m.schedule_progress(cut_off)
    assert Decimal(0) < progress <= Decimal(100)
    assert progress.as_tuple().exponent == -2
    if cut_off.month < 12 or cut_off.day < 31:
        following = date.fromordinal(cut_off.toordinal() + 1)
        assert m.schedule_progress(following) >= progress


def cells(**values):
    base = {
        m.INITIAL_BUDGET: "1000000",
        m.FULL_YEAR_BUDGET: "1000000",
        m.EXECUTED: "481000",
        m.GOAL_PROGRESS: "按计划推进。",
    }
    return {**base, **values}


def codes(found):
    return [(f.code, f.severity, f.where) for f in found]


def test_execution_exactly_at_the_margin_is_no_warning_and_a_cent_below_is():
    # 7月31日 of 2023: 序时进度 58.08%; margin 10 points: 48.08% is at the margin.
    at_margin = m.funds(cells(executed="480800"), date(2023, 7, 31), Decimal("10"))
    assert (at_margin.rate, at_margin.schedule, at_margin.lag) == (
        Decimal("48.08"),
        Decimal("58.08"),
        Decimal("10.00"),
    )
    assert not at_margin.behind
    beyond = m.funds(cells(executed="480700"), date(2023, 7, 31), Decimal("10"))
    assert beyond.rate == Decimal("48.07") and beyond.behind
    found = m.monitoring_findings(cells(executed="480700"), [], date(2023, 7, 31), None)
    assert codes(found) == [(m.BEHIND_SCHEDULE, WARNING, "cells.executed.value")]
    assert "48.07%" in found[0].message and "58.08%" in found[0].message


def test_the_round_sets_the_margin():
    money = cells(executed="500000")  # 50% against 58.08%: 8.08 points behind
    assert m.monitoring_findings(money, [], date(2023, 7, 31), Decimal("10")) == []
    found = m.monitoring_findings(money, [], date(2023, 7, 31), Decimal("5"))
    assert [f.code for f in found] == [m.BEHIND_SCHEDULE]


def test_without_a_cut_off_nothing_is_compared():
    assert m.monitoring_findings(cells(executed="1"), [], None, None) == []


def test_a_forecast_below_the_budget_warns_and_asks_for_its_reason():
    found = m.monitoring_findings(
        cells(executed="600000", forecast_executed="900000"), [], date(2023, 7, 31), None
    )
    assert codes(found) == [
        (m.FORECAST_BELOW_BUDGET, WARNING, "cells.forecast_executed.value"),
        (m.FORECAST_REASON_MISSING, ERROR, "cells.forecast_reason.value"),
    ]
    explained = cells(executed="600000", forecast_executed="900000", forecast_reason="政府采购延后")
    assert [f.code for f in m.monitoring_findings(explained, [], date(2023, 7, 31), None)] == [
        m.FORECAST_BELOW_BUDGET
    ]


def test_a_row_at_risk_needs_a_cause_and_a_measure():
    names = ["培训人次", "政策知晓率", "满意度"]
    values = cells(
        executed="600000",
        r1_likelihood="确定能",
        r2_likelihood="有可能",
        r3_likelihood="完全不可能",
        r3_cause="其他",
    )
    found = m.monitoring_findings(values, names, date(2023, 7, 31), None)
    assert codes(found) == [
        (m.CAUSE_MISSING, ERROR, "cells.r2_cause.value"),
        (m.MEASURE_MISSING, ERROR, "cells.r2_measure.value"),
        (m.CAUSE_NOTE_MISSING, ERROR, "cells.r3_cause_note.value"),
        (m.MEASURE_MISSING, ERROR, "cells.r3_measure.value"),
    ]
    assert found[0].message == "“政策知晓率”完成可能性为“有可能”，请选择偏差原因。"
    values.update(
        r2_cause="经费保障",
        r2_measure="追加调度资金",
        r3_cause_note="场地改建",
        r3_measure="调整培训方式",
    )
    assert m.monitoring_findings(values, names, date(2023, 7, 31), None) == []


def test_a_row_without_likelihood_and_blank_figures_are_errors():
    found = m.monitoring_findings({}, ["培训人次"], date(2023, 6, 30), None)
    assert [(f.code, f.severity) for f in found] == [
        (m.EXECUTED_MISSING, ERROR),
        (m.LIKELIHOOD_MISSING, ERROR),
        (m.GOAL_PROGRESS_MISSING, ERROR),
    ]


def test_row_keys_are_read_back_and_other_keys_are_not():
    assert m.parse_row_key(m.row_key(12, "measure")) == (12, "measure")
    assert m.parse_row_key("r0_measure") is None
    assert m.parse_row_key("r3_weather") is None
    assert m.parse_row_key("executed") is None


def test_the_light_is_red_for_an_impossible_row_or_execution_beyond_the_margin():
    on_time = m.funds(cells(executed="600000"), date(2023, 7, 31), None)
    late = m.funds(cells(executed="400000"), date(2023, 7, 31), None)
    slightly_late = m.funds(cells(executed="550000"), date(2023, 7, 31), None)
    none = {m.CERTAIN: 3, m.POSSIBLE: 0, m.IMPOSSIBLE: 0}
    assert m.light(on_time, none).colour == m.GREEN
    blank = m.light(m.funds({}, date(2023, 7, 31), None), {})
    assert (blank.colour, blank.label, blank.reasons) == (m.BLANK, "未填报", ("尚未填报执行数",))
    red = m.light(late, none)
    assert red.colour == m.RED and red.reasons == ("执行率落后序时进度 18.08 个百分点",)
    assert m.light(on_time, {**none, m.IMPOSSIBLE: 1}).colour == m.RED
    amber = m.light(slightly_late, {**none, m.POSSIBLE: 2})
    assert amber.colour == m.AMBER and amber.label == "黄灯"
    assert amber.reasons == (
        "执行率落后序时进度 3.08 个百分点（预警线 10）",
        "2 项指标有可能完不成",
    )
