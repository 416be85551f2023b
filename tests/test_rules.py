"""The arithmetic and checks of the 财政项目支出绩效自评表 (docs/domain.md §3–§5)."""

import json
import re
import unicodedata
from dataclasses import replace
from decimal import Decimal
from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assessments import rules
from assessments.rules import (
    RULE_SETS,
    AssessmentInput,
    FundsLine,
    IndicatorInput,
    ParsedValue,
    budget_score,
    evaluate,
    execution_rate,
    grade_for,
    parse_decimal,
    parse_value,
    qualitative_band,
    suggested_indicator_score,
    target_met,
)

D = Decimal
DEMO_FILE = Path(__file__).resolve().parent.parent / "assessments" / "demo" / "demo-2022.json"
RATIO_RULES = replace(RULE_SETS["MOF2020"], reverse_formula="ratio")
ACHIEVED, PARTIAL, NOT_ACHIEVED = "achieved", "partial", "not_achieved"
CJK = re.compile("[\u4e00-\u9fff]")


# ---------------------------------------------------------------------------
# Helpers


def score(target, actual, weight="10", grade=None, rule_set=None):
    return suggested_indicator_score(
        parse_value(target), parse_value(actual), D(weight), grade, rule_set
    )


def clean_assessment(**changes):
    """An assessment that every check accepts: 95% executed, 50/30/10, every target met."""
    data = AssessmentInput(
        rule_set="MOF2020",
        funds={
            "total": FundsLine(D("100000.00"), D("100000.00"), D("95000.00")),
            "current": FundsLine(D("100000.00"), D("100000.00"), D("95000.00")),
            "carryover": FundsLine(D("0"), D("0"), None),
            "other": FundsLine(D("0"), D("0"), None),
        },
        goal="按计划完成项目。",
        outcome="项目按计划完成，执行率95%",
        indicators=[
            IndicatorInput(
                "产出指标", "数量指标", "服务完成率", "=100%", "=100%", None, D(50), D(50)
            ),
            IndicatorInput(
                "效益指标", "社会效益指标", "政策覆盖率", ">=95%", "=98%", None, D(30), D(30)
            ),
            IndicatorInput(
                "满意度指标",
                "服务对象满意度指标",
                "服务对象满意度",
                ">=90%",
                "=92%",
                None,
                D(10),
                D(10),
            ),
        ],
    )
    return replace(data, **changes)


def with_indicator(index=0, **changes):
    data = clean_assessment()
    data.indicators[index] = replace(data.indicators[index], **changes)
    return data


def with_funds(budget, executed, **changes):
    """Total and 当年财政拨款 carry the same figures, so the lines add up."""
    line = FundsLine(D(budget), D(budget), D(executed))
    data = clean_assessment(**changes)
    data.funds.update(total=line, current=replace(line))
    return data


def with_fund(line, **changes):
    data = clean_assessment()
    data.funds[line] = replace(data.funds[line], **changes)
    return data


def with_rows(*rows, rule_set="MOF2020"):
    """Indicators given as (一级, 二级, 分值), each met with full score."""
    indicators = [
        IndicatorInput(level1, level2, f"指标{n}名称", "=100%", "=100%", None, D(w), D(w))
        for n, (level1, level2, w) in enumerate(rows, start=1)
    ]
    return clean_assessment(rule_set=rule_set, indicators=indicators)


def split_45_35_10():
    """The split of the seed table 鉴定、认定费: weights still sum to 90."""
    return with_rows(
        ("产出指标", "数量指标", 45),
        ("效益指标", "社会效益指标", 35),
        ("满意度指标", "服务对象满意度指标", 10),
    )


def found(data, code):
    return [f for f in evaluate(data).findings if f.code == code]


def codes(data):
    return {f.code for f in evaluate(data).findings}


# ---------------------------------------------------------------------------
# §4 Indicator values


@pytest.mark.parametrize(
    ("text", "comparator"),
    [
        (">=98%", ">="),
        ("≥98%", ">="),
        ("＞＝98％", ">="),
        ("不低于98%", ">="),
        ("不少于98%", ">="),
        ("<=98%", "<="),
        ("≤98%", "<="),
        ("不高于98%", "<="),
        ("不超过98%", "<="),
        (">98%", ">"),
        ("<98%", "<"),
        ("=98%", "="),
        ("98%", "="),
    ],
)
def test_every_comparator_spelling_reads_as_its_meaning(text, comparator):
    assert parse_value(text) == ParsedValue(comparator, D("98"), "%")


def test_full_width_digits_and_percent_sign_read_as_ascii():
    assert parse_value("＝１００％") == ParsedValue("=", D("100"), "%")


def test_baifenbi_reads_as_percent():
    assert parse_value("≥95百分比") == ParsedValue(">=", D("95"), "%")


@pytest.mark.parametrize("text", ["=12,000件", "12,000件", "１２，０００件"])
def test_thousands_separators_are_dropped_from_the_number(text):
    assert parse_value(text) == ParsedValue("=", D("12000"), "件")


@pytest.mark.parametrize(("text", "number"), [("15", D("15")), ("10", D("10")), ("7.5", D("7.5"))])
def test_bare_number_reads_as_equal_with_no_unit(text, number):
    assert parse_value(text) == ParsedValue("=", number, "")


@pytest.mark.parametrize("text", ["100% (25800人)", "100%(25800人)", "100%（25800人）"])
def test_count_in_parentheses_reads_as_equal_with_the_first_number(text):
    assert parse_value(text) == ParsedValue("=", D("100"), "%")


def test_zero_incidents_read_as_equal_zero_with_their_unit():
    assert parse_value("=0起") == ParsedValue("=", D("0"), "起")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("=5万元", ParsedValue("=", D("5"), "万元")),
        ("≥2万人次", ParsedValue(">=", D("2"), "万人次")),
    ],
)
def test_wan_stays_inside_the_unit_and_is_never_converted(text, expected):
    assert parse_value(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("=1镇", ParsedValue("=", D("1"), "镇")),
        ("=1500人", ParsedValue("=", D("1500"), "人")),
        ("=35000件", ParsedValue("=", D("35000"), "件")),
    ],
)
def test_seed_units_are_kept(text, expected):
    assert parse_value(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "建立健全",
        "及时",
        "2022年重阳节前",
        "10日内送达",
        "2022年底",
        "较2021年提升",
        "准确（与政策要求一致）",
        "及时 (与政策规定一致)",
        "《12000件",
    ],
)
def test_seed_qualitative_texts_read_as_qualitative(text):
    parsed = parse_value(text)
    assert parsed is not None
    assert parsed.is_qualitative
    assert parsed.number is None


@pytest.mark.parametrize("text", ["", "   ", "\u3000", None])
def test_blank_value_reads_as_none(text):
    assert parse_value(text) is None


# ---------------------------------------------------------------------------
# Amounts typed by a person


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("１４９００", D("14900")),
        ("1,234.50", D("1234.50")),
        ("１，２３４．５０", D("1234.50")),
        (" 14 900.00 ", D("14900")),
        ("449725.3", D("449725.3")),
        ("1007060239", D("1007060239")),
        ("0", D("0")),
    ],
)
def test_parse_decimal_reads_amounts_as_people_type_them(text, expected):
    assert parse_decimal(text) == expected


@pytest.mark.parametrize("text", ["", "   ", None])
def test_parse_decimal_reads_blank_as_none_not_zero(text):
    assert parse_decimal(text) is None


@pytest.mark.parametrize(
    "text",
    ["12a", "abc", "1.234", "12,34", "12345678901234567890"],
    ids=["letters", "word", "three-decimals", "misplaced-separator", "twenty-digits"],
)
def test_parse_decimal_refuses_with_a_chinese_message(text):
    with pytest.raises(ValueError) as refused:
        parse_decimal(text)
    assert CJK.search(str(refused.value))


def test_parse_decimal_accepts_the_largest_amount_and_refuses_one_more_digit():
    largest = "9" * rules.MAX_AMOUNT_DIGITS + ".99"
    assert parse_decimal(largest) == D(largest)
    with pytest.raises(ValueError):
        parse_decimal("1" + "0" * rules.MAX_AMOUNT_DIGITS)


# ---------------------------------------------------------------------------
# §3 Execution rate and budget score


@pytest.mark.parametrize(
    ("budget", "executed", "rate", "points"),
    [
        ("40000", "13494", "33.74", "3.37"),  # 外省市差旅费: 33.735% rounds up
        ("110000", "90613", "82.38", "8.24"),  # 邮寄费
        ("58000", "54800", "94.48", "9.45"),  # 宣传费: the published 94.49% is a slip
        ("450000", "449725.3", "99.94", "9.99"),  # 征地养老慰问经费
        ("1058948800", "1007060239", "95.10", "9.51"),  # 征地养老费支出
        ("342000", "281110.25", "82.20", "8.22"),  # 鉴定、认定费
        ("14900", "14900", "100.00", "10.00"),
    ],
)
def test_execution_rate_and_budget_score_of_seed_tables(budget, executed, rate, points):
    assert execution_rate(D(budget), D(executed)) == D(rate)
    assert budget_score(D(budget), D(executed)) == D(points)


def test_execution_rate_divides_by_full_year_budget_not_initial_budget():
    data = with_funds("40000", "13494", outcome="")
    data.funds["total"] = FundsLine(D("250000.00"), D("40000.00"), D("13494"))
    result = evaluate(data)
    assert result.execution_rate == D("33.74")
    assert result.budget_score == D("3.37")


@pytest.mark.parametrize("budget", [D("0"), D("0.00"), None])
def test_zero_or_missing_budget_gives_no_rate_and_scores_zero(budget):
    assert execution_rate(budget, D("5000")) is None
    assert budget_score(budget, D("5000")) == 0


def test_blank_executed_gives_no_rate_and_scores_zero():
    assert execution_rate(D("40000"), None) is None
    assert budget_score(D("40000"), None) == 0


def test_execution_over_budget_keeps_the_real_rate_but_scores_ten():
    assert execution_rate(D("10000"), D("12000")) == D("120.00")
    assert budget_score(D("10000"), D("12000")) == D("10.00")


def test_execution_rate_rounds_half_up_from_exact_ratio():
    assert execution_rate(D("100000"), D("12345")) == D("12.35")  # exactly 12.345%
    assert execution_rate(D("200000"), D("10")) == D("0.01")  # exactly 0.005%


def test_budget_score_rounds_half_up_from_exact_ratio():
    assert budget_score(D("10000"), D("3125")) == D("3.13")  # exactly 3.125
    assert budget_score(D("1000"), D("2.5")) == D("0.03")  # exactly 0.025


def test_budget_score_uses_the_exact_ratio_not_the_rounded_rate():
    # 33.735% shows as 33.74%, but the score comes from 3.3735, not from 3.374.
    assert budget_score(D("40000"), D("13494")) == D("3.37")
    # 1/3 shows as 33.33%; 3.3333 rounds to 3.33.
    assert budget_score(D("3"), D("1")) == D("3.33")


def test_budget_score_follows_the_budget_weight():
    assert budget_score(D("40000"), D("13494"), D("20")) == D("6.75")


# ---------------------------------------------------------------------------
# §3 Indicator scores


@pytest.mark.parametrize(
    ("target", "actual"),
    [
        (">=90%", "=95%"),
        (">=90%", "=90%"),
        ("=100%", "=100%"),
        (">90%", "=91%"),
        ("<=5%", "=3%"),
        ("<5%", "=4.99%"),
        ("=12000件", "=12500件"),
        ("≥98%", "≥98%"),  # the seed repeats the target as the actual
    ],
)
def test_met_target_scores_full_weight(target, actual):
    assert target_met(parse_value(target), parse_value(actual)) is True
    assert score(target, actual, "15") == D("15.00")


def test_completion_shortfall_scores_actual_over_target_times_weight():
    assert score("=12000件", "=9600件", "15") == D("12.00")
    assert score(">=95%", "=76%", "10") == D("8.00")


def test_strictly_greater_target_is_missed_at_equality():
    assert target_met(parse_value(">90%"), parse_value("=90%")) is False


def test_completion_shortfall_rounds_half_up():
    assert score("=8件", "=1件", "1") == D("0.13")  # exactly 0.125
    assert score("=14件", "=9件", "10") == D("6.43")


def test_reverse_shortfall_uses_the_linear_formula():
    assert score("<=5%", "=6%", "10") == D("8.00")
    assert score("<5%", "=7.5%", "10") == D("5.00")


@pytest.mark.parametrize("actual", ["=10%", "=12%", "=100%"])
def test_reverse_indicator_scores_zero_at_or_beyond_twice_the_target(actual):
    assert score("<=5%", actual, "10") == D("0.00")


def test_reverse_indicator_scores_target_over_actual_under_the_ratio_rule():
    assert score("<=5%", "=8%", "10", rule_set=RATIO_RULES) == D("6.25")
    assert score("<=5%", "=10%", "10", rule_set=RATIO_RULES) == D("5.00")
    assert score("<=5%", "=3%", "10", rule_set=RATIO_RULES) == D("10.00")


def test_ratio_rule_leaves_completion_indicators_alone():
    assert score("=12000件", "=9600件", "15", rule_set=RATIO_RULES) == D("12.00")


def test_zero_incident_target_is_met_by_zero_and_scores_full():
    assert target_met(parse_value("=0起"), parse_value("=0起")) is True
    assert score("=0起", "=0起", "7") == D("7.00")


@pytest.mark.parametrize("actual", ["=1起", "=2起", "=100起"])
def test_zero_incident_target_scores_zero_for_any_incident(actual):
    assert target_met(parse_value("=0起"), parse_value(actual)) is False
    assert score("=0起", actual, "7") == D("0.00")


@pytest.mark.parametrize(
    ("grade", "band"),
    [(ACHIEVED, ("8.00", "10.00")), (PARTIAL, ("6.00", "8.00")), (NOT_ACHIEVED, ("0.00", "6.00"))],
)
def test_qualitative_grade_allows_its_share_of_the_weight(grade, band):
    assert qualitative_band(grade, D("10")) == (D(band[0]), D(band[1]))


def test_qualitative_band_follows_the_weight():
    assert qualitative_band(ACHIEVED, D("7")) == (D("5.60"), D("7.00"))
    assert qualitative_band(PARTIAL, D("15")) == (D("9.00"), D("12.00"))


@pytest.mark.parametrize(
    ("grade", "suggested"), [(ACHIEVED, "10.00"), (PARTIAL, "8.00"), (NOT_ACHIEVED, "6.00")]
)
def test_qualitative_suggestion_is_the_top_of_the_grade_band(grade, suggested):
    assert score("建立健全", "建立健全", "10", grade=grade) == D(suggested)


def test_qualitative_indicator_without_a_grade_gets_no_suggestion():
    assert score("建立健全", "建立健全", "10") is None
    assert score("提升", "一般", "10") is None
    assert qualitative_band(None, D("10")) is None


def test_values_in_different_units_are_not_compared():
    assert target_met(parse_value("=5万元"), parse_value("=50000元")) is None
    assert score("=5万元", "=50000元", "10") is None


def test_indicator_without_weight_gets_no_suggestion():
    assert suggested_indicator_score(parse_value("=100%"), parse_value("=100%"), None) is None


# ---------------------------------------------------------------------------
# §3 Totals and grades


@pytest.mark.parametrize(
    ("total", "grade"),
    [
        ("100", "优"),
        ("90", "优"),
        ("89.99", "良"),
        ("80", "良"),
        ("79.99", "中"),
        ("60", "中"),
        ("59.99", "差"),
        ("0", "差"),
    ],
)
def test_grade_boundaries_are_half_open(total, grade):
    assert grade_for(D(total)) == grade


def test_total_is_budget_score_plus_indicator_scores():
    data = with_funds("40000", "13494", outcome="执行率33.74%")
    data.indicators[0] = replace(data.indicators[0], score=D("40.5"), reason="部分未完成")
    result = evaluate(data)
    assert result.budget_score == D("3.37")
    assert result.indicator_score == D("80.50")
    assert result.total_score == D("83.87")
    assert result.grade == "良"


# ---------------------------------------------------------------------------
# §5 Checks


def test_clean_assessment_has_no_findings():
    assert evaluate(clean_assessment()).findings == []


SEVERITIES = [
    ("FUNDS_NEGATIVE", "error", lambda: with_fund("other", initial_budget=D("-1"))),
    ("FUNDS_NO_BUDGET", "error", lambda: with_fund("total", full_year_budget=None)),
    ("FUNDS_LINES_MISMATCH", "warning", lambda: with_fund("current", executed=D("94000"))),
    ("EXECUTION_OVER_BUDGET", "warning", lambda: with_funds("100000", "100000.01", outcome="")),
    ("EXECUTION_LOW", "warning", lambda: with_funds("100000", "89990", outcome="")),
    ("RATE_TEXT_MISMATCH", "warning", lambda: clean_assessment(outcome="执行率96%")),
    ("WEIGHTS_SUM", "error", lambda: with_indicator(weight=D(51), score=D(51))),
    ("LEVEL1_SPLIT", "warning", split_45_35_10),
    ("TAXONOMY", "error", lambda: with_indicator(level2="社会效益指标")),
    ("SCORE_RANGE", "error", lambda: with_indicator(score=D("50.01"))),
    (
        "QUALITATIVE_BAND",
        "error",
        lambda: with_indicator(
            target="建立健全", actual="基本建立", grade=PARTIAL, score=D(45), reason="尚未健全"
        ),
    ),
    ("REASON_MISSING", "error", lambda: with_indicator(actual="=90%", score=D(45))),
    ("SCORE_INCONSISTENT", "warning", lambda: with_indicator(score=D(45), reason="目标偏低")),
    ("OVER_ACHIEVED", "warning", lambda: with_indicator(target="=100件", actual="=131件")),
    ("VALUE_MISSING", "error", lambda: with_indicator(actual="")),
    ("PLACEHOLDER_TEXT", "error", lambda: clean_assessment(goal="（100字以内）")),
]


@pytest.mark.parametrize(("code", "severity", "build"), SEVERITIES, ids=[s[0] for s in SEVERITIES])
def test_each_check_fires_in_a_minimal_case_with_its_severity_and_a_chinese_message(
    code, severity, build
):
    hits = found(build(), code)
    assert hits
    assert {f.severity for f in hits} == {severity}
    assert all(CJK.search(f.message) for f in hits)


def test_errors_and_warnings_split_findings_by_severity():
    result = evaluate(with_indicator(score=D(45)))
    assert {f.code for f in result.errors} == {"REASON_MISSING"}
    assert {f.code for f in result.warnings} == {"SCORE_INCONSISTENT"}


# Funds


@pytest.mark.parametrize(
    ("line", "column"),
    [("total", "executed"), ("current", "full_year_budget"), ("carryover", "initial_budget")],
)
def test_negative_amount_is_an_error_where_it_was_typed(line, column):
    hits = found(with_fund(line, **{column: D("-0.01")}), "FUNDS_NEGATIVE")
    assert [f.where for f in hits] == [f"funds.{line}.{column}"]


@pytest.mark.parametrize("budget", [None, D("0"), D("0.00")])
def test_missing_or_zero_budget_blocks_the_rate(budget):
    data = with_fund("total", full_year_budget=budget)
    assert found(data, "FUNDS_NO_BUDGET")
    assert evaluate(data).execution_rate is None


def test_sub_lines_that_do_not_add_up_are_a_mismatch_in_that_column():
    hits = found(with_fund("current", executed=D("94000")), "FUNDS_LINES_MISMATCH")
    assert len(hits) == 1
    assert hits[0].where.endswith(".executed")


def test_blank_sub_lines_that_leave_the_total_unexplained_are_a_mismatch():
    # 工伤认定…(2022运维): total executed 14900, every sub-line executed blank.
    data = clean_assessment()
    data.funds["current"] = replace(data.funds["current"], executed=None)
    hits = found(data, "FUNDS_LINES_MISMATCH")
    assert len(hits) == 1
    assert hits[0].where.endswith(".executed")


def test_blank_sub_lines_count_as_not_reported_when_the_rest_explains_the_total():
    data = clean_assessment()
    data.funds["carryover"] = FundsLine(None, None, None)
    data.funds["other"] = FundsLine(None, None, None)
    assert "FUNDS_LINES_MISMATCH" not in codes(data)


def test_sub_lines_split_over_several_sources_add_up():
    data = clean_assessment()
    data.funds["current"] = FundsLine(D("60000"), D("60000"), D("55000"))
    data.funds["carryover"] = FundsLine(D("30000"), D("30000"), D("30000"))
    data.funds["other"] = FundsLine(D("10000"), D("10000"), D("10000"))
    assert "FUNDS_LINES_MISMATCH" not in codes(data)


def test_column_left_blank_everywhere_is_not_a_mismatch():
    data = clean_assessment()
    for line in rules.FUND_LINES:
        data.funds[line] = replace(data.funds[line], initial_budget=None)
    assert "FUNDS_LINES_MISMATCH" not in codes(data)


def test_execution_over_budget_warns_and_execution_at_budget_does_not():
    assert found(with_funds("100000", "100000.01", outcome=""), "EXECUTION_OVER_BUDGET")
    assert "EXECUTION_OVER_BUDGET" not in codes(with_funds("100000", "100000", outcome=""))


def test_execution_below_ninety_percent_is_low_and_ninety_is_not():
    assert found(with_funds("100000", "89990", outcome=""), "EXECUTION_LOW")
    assert "EXECUTION_LOW" not in codes(with_funds("100000", "90000", outcome=""))


def test_execution_low_threshold_comes_from_the_rule_set(monkeypatch):
    lenient = replace(RULE_SETS["MOF2020"], code="LENIENT", execution_low_percent=D("80"))
    monkeypatch.setitem(RULE_SETS, "LENIENT", lenient)
    assert "EXECUTION_LOW" not in codes(
        with_funds("100000", "85000", outcome="", rule_set="LENIENT")
    )
    assert found(with_funds("100000", "79990", outcome="", rule_set="LENIENT"), "EXECUTION_LOW")


@pytest.mark.parametrize(
    ("outcome", "mismatch"),
    [
        ("执行率85.12%", True),
        ("执行率85.13%", False),
        ("执行率85.1%", False),
        ("执行率85%", False),
        ("执行率85.2%", True),
        ("执行率86%", True),
        ("执行率85.12％", True),
        ("执行率85.13％", False),
        ("执行率８５．１２％", True),
        ("执行率为85.12%", True),
        ("执行率：85.13％", False),
        ("项目按计划完成", False),
    ],
)
def test_quoted_rate_is_compared_at_the_precision_it_is_written(outcome, mismatch):
    data = with_funds("100000", "85125", outcome=outcome)  # computed 85.125% → 85.13%
    assert bool(found(data, "RATE_TEXT_MISMATCH")) is mismatch


def test_quoted_rate_is_not_checked_without_a_computed_rate():
    data = with_fund("total", full_year_budget=None)
    data.outcome = "执行率85.12%"
    assert "RATE_TEXT_MISMATCH" not in codes(data)


# Weights and taxonomy


@pytest.mark.parametrize("first_weight", [D(51), D(49), D("50.01")])
def test_indicator_weights_not_summing_to_ninety_are_an_error(first_weight):
    hits = found(with_indicator(weight=first_weight, score=first_weight), "WEIGHTS_SUM")
    assert [f.severity for f in hits] == ["error"]


def test_weights_sum_to_what_the_budget_weight_leaves():
    data = clean_assessment(budget_weight=D("20"))
    assert found(data, "WEIGHTS_SUM")
    data.indicators[0] = replace(data.indicators[0], weight=D(40), score=D(40))
    assert "WEIGHTS_SUM" not in codes(data)


def test_split_other_than_fifty_thirty_ten_is_a_warning_not_an_error():
    assert codes(split_45_35_10()) == {"LEVEL1_SPLIT"}


def test_cost_indicator_is_a_level2_of_output_in_mof2020():
    data = with_rows(
        ("产出指标", "数量指标", 40),
        ("产出指标", "成本指标", 10),
        ("效益指标", "社会效益指标", 30),
        ("满意度指标", "服务对象满意度指标", 10),
        rule_set="MOF2020",
    )
    assert codes(data) == set()


def test_cost_indicator_is_not_under_output_in_mof2021():
    data = with_rows(
        ("产出指标", "数量指标", 40),
        ("产出指标", "成本指标", 10),
        ("效益指标", "社会效益指标", 30),
        ("满意度指标", "服务对象满意度指标", 10),
        rule_set="MOF2021",
    )
    hits = found(data, "TAXONOMY")
    assert [f.where for f in hits] == ["indicators[1].level2"]


def test_cost_indicator_is_its_own_level1_sharing_fifty_with_output_in_mof2021():
    data = with_rows(
        ("产出指标", "数量指标", 40),
        ("成本指标", "经济成本指标", 10),
        ("效益指标", "社会效益指标", 30),
        ("满意度指标", "服务对象满意度指标", 10),
        rule_set="MOF2021",
    )
    assert codes(data) == set()


def test_cost_level1_does_not_exist_in_mof2020():
    data = with_rows(
        ("产出指标", "数量指标", 40),
        ("成本指标", "经济成本指标", 10),
        ("效益指标", "社会效益指标", 30),
        ("满意度指标", "服务对象满意度指标", 10),
        rule_set="MOF2020",
    )
    assert [f.where for f in found(data, "TAXONOMY")] == ["indicators[1].level1"]
    assert found(data, "LEVEL1_SPLIT")


def test_level2_under_the_wrong_level1_is_a_taxonomy_error():
    hits = found(with_indicator(index=1, level2="数量指标"), "TAXONOMY")
    assert [f.where for f in hits] == ["indicators[1].level2"]


# Scores


@pytest.mark.parametrize("given_score", [D("-0.01"), D("50.01"), D("60")])
def test_score_outside_zero_to_weight_is_an_error(given_score):
    hits = found(with_indicator(score=given_score, reason="说明"), "SCORE_RANGE")
    assert [f.where for f in hits] == ["indicators[0].score"]


@pytest.mark.parametrize("given_score", [D("0"), D("50")])
def test_score_at_zero_or_full_weight_is_in_range(given_score):
    assert "SCORE_RANGE" not in codes(with_indicator(score=given_score, reason="说明"))


@pytest.mark.parametrize(
    ("grade", "given_score", "outside"),
    [
        (ACHIEVED, D("40"), False),
        (ACHIEVED, D("39.99"), True),
        (PARTIAL, D("30"), False),
        (PARTIAL, D("40"), False),
        (PARTIAL, D("40.01"), True),
        (PARTIAL, D("45"), True),
        (NOT_ACHIEVED, D("30"), False),
        (NOT_ACHIEVED, D("30.01"), True),
    ],
)
def test_qualitative_score_stays_inside_its_grade_band(grade, given_score, outside):
    data = with_indicator(
        target="建立健全", actual="基本建立", grade=grade, score=given_score, reason="尚未健全"
    )
    assert bool(found(data, "QUALITATIVE_BAND")) is outside


def test_qualitative_score_without_a_grade_is_not_band_checked():
    data = with_indicator(target="提升", actual="一般", score=D("5"), reason="福利有所下降")
    assert "QUALITATIVE_BAND" not in codes(data)


@pytest.mark.parametrize("reason", ["", "   "])
def test_score_below_weight_needs_a_reason(reason):
    data = with_indicator(actual="=90%", score=D(45), reason=reason)
    assert [f.where for f in found(data, "REASON_MISSING")] == ["indicators[0].reason"]


def test_score_below_weight_with_a_reason_is_accepted():
    data = with_indicator(actual="=90%", score=D(45), reason="部分对象未覆盖")
    assert codes(data) == set()


def test_met_target_with_lowered_score_is_inconsistent():
    hits = found(with_indicator(score=D(45), reason="目标偏低"), "SCORE_INCONSISTENT")
    assert [f.where for f in hits] == ["indicators[0].score"]


def test_missed_target_with_full_score_is_inconsistent():
    data = with_indicator(index=1, target=">=95%", actual="=90%")
    assert [f.where for f in found(data, "SCORE_INCONSISTENT")] == ["indicators[1].score"]


def test_missed_target_with_a_lowered_score_is_consistent():
    data = with_indicator(index=1, target=">=95%", actual="=90%", score=D(28), reason="未达标")
    assert "SCORE_INCONSISTENT" not in codes(data)


def test_actual_beyond_130_percent_of_target_needs_an_explanation():
    hits = found(with_indicator(target="=100件", actual="=131件"), "OVER_ACHIEVED")
    assert [f.where for f in hits] == ["indicators[0].actual"]


def test_over_achievement_with_a_reason_is_accepted():
    data = with_indicator(target="=100件", actual="=131件", reason="需求高于预期")
    assert "OVER_ACHIEVED" not in codes(data)


def test_actual_at_exactly_130_percent_is_not_over_achieved():
    assert "OVER_ACHIEVED" not in codes(with_indicator(target="=100件", actual="=130件"))


def test_over_achievement_ratio_comes_from_the_rule_set(monkeypatch):
    lenient = replace(RULE_SETS["MOF2020"], code="LENIENT", over_achieved_ratio=D("1.5"))
    monkeypatch.setitem(RULE_SETS, "LENIENT", lenient)
    data = with_indicator(target="=100件", actual="=131件")
    data.rule_set = "LENIENT"
    assert "OVER_ACHIEVED" not in codes(data)


@pytest.mark.parametrize(
    ("changes", "where"),
    [
        ({"target": ""}, "indicators[0].target"),
        ({"actual": "  "}, "indicators[0].actual"),
        ({"weight": None}, "indicators[0].weight"),
        ({"score": None}, "indicators[0].score"),
    ],
    ids=["target", "actual", "weight", "score"],
)
def test_empty_indicator_cell_is_missing(changes, where):
    assert where in [f.where for f in found(with_indicator(**changes), "VALUE_MISSING")]


@pytest.mark.parametrize(
    ("data", "where"),
    [
        (lambda: clean_assessment(goal="（100字以内）"), "goal"),
        (lambda: clean_assessment(outcome="执行率95%（100字以内）"), "outcome"),
        (lambda: with_indicator(name="指标1："), "indicators[0].name"),
        (lambda: with_indicator(name="指标１："), "indicators[0].name"),
        (lambda: with_indicator(reason="（200字以内）"), "indicators[0].reason"),
    ],
    ids=["goal", "outcome", "name", "full-width-name", "reason"],
)
def test_template_instruction_left_in_a_cell_is_an_error(data, where):
    assert [f.where for f in found(data(), "PLACEHOLDER_TEXT")] == [where]


def test_indicator_name_after_the_template_prefix_is_not_a_placeholder():
    assert "PLACEHOLDER_TEXT" not in codes(with_indicator(name="指标1：服务完成率"))


# ---------------------------------------------------------------------------
# The eleven published 2022 tables


def _assessment_from(table):
    return AssessmentInput(
        rule_set=table["rule_set"],
        funds={
            line: FundsLine(**{column: parse_decimal(value) for column, value in cells.items()})
            for line, cells in table["funds"].items()
        },
        budget_weight=parse_decimal(table["budget_weight"]),
        goal=table["goal"],
        outcome=table["outcome"],
        indicators=[
            IndicatorInput(
                level1=row["level1"],
                level2=row["level2"],
                name=row["name"],
                target=row["target"],
                actual=row["actual"],
                grade=row["grade"],
                weight=parse_decimal(row["weight"]),
                score=parse_decimal(row["score"]),
                reason=row["reason"],
            )
            for row in table["indicators"]
        ],
    )


DEMO = {
    table["project"]: table
    for table in json.loads(DEMO_FILE.read_text(encoding="utf-8"))["assessments"]
}


def demo_table(project):
    return _assessment_from(DEMO[project])


def demo_index(project, name):
    return [row["name"] for row in DEMO[project]["indicators"]].index(name)


PUBLISHED_TOTALS = [
    ("工伤认定和劳动能力鉴定业务系统(2022运维)", "100"),
    ("城乡居民社会养老保险财政补助资金", "100"),
    ("外省市差旅费", "93.37"),
    ("邮寄费", "95.24"),
    ("宣传费", "99.45"),
    ("征地养老慰问经费", "93.99"),
    ("外区属地化管理人员服务费", "100"),
    ("征地养老费支出", "99.51"),
    ("政府购买辅助服务", "100"),
    ("征地养老管理信息系统(2022 运维)", "100"),
    ("鉴定、认定费", "98.22"),
]


def test_demo_file_holds_the_eleven_tables_in_seed_order():
    assert list(DEMO) == [project for project, _ in PUBLISHED_TOTALS]


@pytest.mark.parametrize(("project", "total"), PUBLISHED_TOTALS)
def test_demo_table_total_equals_the_published_total(project, total):
    result = evaluate(demo_table(project))
    assert result.total_score == D(total)
    assert result.grade == "优"


@pytest.mark.parametrize("project", [project for project, _ in PUBLISHED_TOTALS])
def test_published_demo_table_has_no_blocking_error(project):
    assert evaluate(demo_table(project)).errors == []


def test_travel_table_quotes_a_rate_that_differs_from_the_computed_one():
    hits = found(demo_table("外省市差旅费"), "RATE_TEXT_MISMATCH")
    assert len(hits) == 1
    assert "33.73" in hits[0].message
    assert "33.74" in hits[0].message


@pytest.mark.parametrize(
    "project", ["宣传费", "征地养老慰问经费", "征地养老费支出", "鉴定、认定费"]
)
def test_demo_rate_quoted_at_lower_precision_is_consistent(project):
    assert "RATE_TEXT_MISMATCH" not in codes(demo_table(project))


def test_appraisal_table_executed_column_does_not_add_up():
    hits = found(demo_table("鉴定、认定费"), "FUNDS_LINES_MISMATCH")
    assert [f.where.rsplit(".", 1)[1] for f in hits] == ["executed"]


def test_appraisal_table_splits_weights_45_35_10():
    result = evaluate(demo_table("鉴定、认定费"))
    assert result.level1_weights == {"产出指标": 45, "效益指标": 35, "满意度指标": 10}
    assert found(demo_table("鉴定、认定费"), "LEVEL1_SPLIT")


@pytest.mark.parametrize(
    "project",
    [
        "工伤认定和劳动能力鉴定业务系统(2022运维)",
        "政府购买辅助服务",
        "征地养老管理信息系统(2022 运维)",
    ],
)
def test_demo_table_with_blank_current_execution_leaves_the_total_unexplained(project):
    hits = found(demo_table(project), "FUNDS_LINES_MISMATCH")
    assert [f.where.rsplit(".", 1)[1] for f in hits] == ["executed"]


def test_condolence_table_lowers_the_score_of_a_met_satisfaction_target():
    hits = found(demo_table("征地养老慰问经费"), "SCORE_INCONSISTENT")
    assert [f.where for f in hits] == [
        f"indicators[{demo_index('征地养老慰问经费', '慰问对象满意度')}].score"
    ]


def test_condolence_table_qualitative_row_without_grade_is_left_to_the_preparer():
    result = evaluate(demo_table("征地养老慰问经费"))
    row = demo_index("征地养老慰问经费", "征地养老人员福利提升情况")
    assert result.indicators[row].target.is_qualitative
    assert result.indicators[row].suggested_score is None


@pytest.mark.parametrize(
    ("project", "rate", "low"),
    [
        ("外省市差旅费", "33.74", True),
        ("邮寄费", "82.38", True),
        ("宣传费", "94.48", False),
        ("征地养老慰问经费", "99.94", False),
        ("征地养老费支出", "95.10", False),
        ("鉴定、认定费", "82.20", True),
    ],
)
def test_demo_execution_below_ninety_percent_is_low(project, rate, low):
    data = demo_table(project)
    assert evaluate(data).execution_rate == D(rate)
    assert bool(found(data, "EXECUTION_LOW")) is low


# ---------------------------------------------------------------------------
# Properties

_SPELLINGS = [
    "",
    ">=",
    "≥",
    "＞＝",
    "不低于",
    "不少于",
    "<=",
    "≤",
    "不高于",
    "不超过",
    ">",
    "<",
    "=",
]
_numbers = st.decimals(min_value=0, max_value=100000, places=2, allow_nan=False).map(
    lambda number: format(number, "f")
)
_value_texts = st.one_of(
    st.builds(
        "{}{}{}".format,
        st.sampled_from(_SPELLINGS),
        _numbers,
        st.sampled_from(["", "%", "％", "件", "起", "万元"]),
    ),
    st.sampled_from(["建立健全", "及时", "2022年重阳节前", "较2021年提升", "", "=0起"]),
)
_weights = st.decimals(min_value=0, max_value=100, places=2, allow_nan=False)


@settings(deadline=None)
@given(
    target=_value_texts,
    actual=_value_texts,
    weight=_weights,
    grade=st.sampled_from([None, ACHIEVED, PARTIAL, NOT_ACHIEVED]),
    rule_set=st.sampled_from([RULE_SETS["MOF2020"], RATIO_RULES]),
)
def test_suggested_score_never_leaves_zero_to_weight(target, actual, weight, grade, rule_set):
    suggested = suggested_indicator_score(
        parse_value(target), parse_value(actual), weight, grade, rule_set
    )
    assert suggested is None or D(0) <= suggested <= weight


@settings(deadline=None)
@given(
    budget=st.decimals(min_value=0, max_value=10**12, places=2, allow_nan=False),
    executed=st.none()
    | st.decimals(min_value=-(10**12), max_value=10**12, places=2, allow_nan=False),
)
def test_budget_score_never_leaves_zero_to_ten(budget, executed):
    assert D(0) <= budget_score(budget, executed) <= D(10)


@settings(deadline=None)
@given(st.data())
def test_total_of_valid_scores_stays_between_zero_and_hundred(data):
    cuts = sorted(data.draw(st.lists(st.integers(0, 9000), max_size=8), label="cuts"))
    weights = [high - low for low, high in pairwise([0, *cuts, 9000])]
    scores = [data.draw(st.integers(0, weight), label="score") for weight in weights]
    budget = data.draw(st.integers(1, 10**12), label="budget")
    executed = data.draw(st.integers(0, 2 * 10**12), label="executed")
    funds = FundsLine(D(budget), D(budget), D(executed))
    assessment = AssessmentInput(
        funds={"total": funds},
        indicators=[
            IndicatorInput("产出指标", "数量指标", "指标", "=1", "=1", None, D(w) / 100, D(s) / 100)
            for w, s in zip(weights, scores, strict=True)
        ],
    )
    result = evaluate(assessment)
    assert D(0) <= result.total_score <= D(100)
    assert result.total_score == budget_score(D(budget), D(executed)) + D(sum(scores)) / 100


def _half_up_division(numerator, denominator):
    """round(numerator / denominator) half up, for non-negative integers."""
    return (2 * numerator + denominator) // (2 * denominator)


_any_amounts = st.tuples(st.integers(1, 10**15), st.integers(0, 10**15))


def _halfway(step):
    """(budget, executed) in cents whose exact result lies halfway between two steps."""
    return st.builds(
        lambda scale, k: (2 * step * scale, (2 * k + 1) * scale),
        st.integers(1, 10**9),
        st.integers(0, step - 1),
    )


@settings(deadline=None)
@given(amounts=_any_amounts | _halfway(10000))
def test_execution_rate_rounds_half_up_like_integer_arithmetic(amounts):
    budget_cents, executed_cents = amounts
    rate = execution_rate(D(budget_cents).scaleb(-2), D(executed_cents).scaleb(-2))
    hundredths_of_percent = _half_up_division(executed_cents * 10000, budget_cents)
    assert rate == D(hundredths_of_percent).scaleb(-2)


@settings(deadline=None)
@given(amounts=_any_amounts | _halfway(1000))
def test_budget_score_rounds_half_up_like_integer_arithmetic(amounts):
    budget_cents, executed_cents = amounts
    points = budget_score(D(budget_cents).scaleb(-2), D(executed_cents).scaleb(-2))
    counted = min(executed_cents, budget_cents)
    assert points == D(_half_up_division(counted * 10 * 100, budget_cents)).scaleb(-2)


@settings(deadline=None)
@given(data=st.data(), weight_cents=st.integers(0, 10000))
def test_completion_shortfall_rounds_half_up_like_integer_arithmetic(data, weight_cents):
    goal = data.draw(st.integers(1, 10**6), label="goal")
    value = data.draw(st.integers(0, goal - 1), label="value")
    points = score(f"={goal}件", f"={value}件", D(weight_cents).scaleb(-2))
    assert points == D(_half_up_division(value * weight_cents, goal)).scaleb(-2)


@settings(deadline=None)
@given(data=st.data(), weight_cents=st.integers(0, 10000))
def test_reverse_shortfall_rounds_half_up_like_integer_arithmetic(data, weight_cents):
    goal = data.draw(st.integers(1, 10**6), label="goal")
    value = data.draw(st.integers(goal + 1, 2 * goal), label="value")
    points = score(f"<={goal}件", f"={value}件", D(weight_cents).scaleb(-2))
    # (1 − (value − goal) ÷ goal) × weight = (2·goal − value) × weight ÷ goal
    assert points == D(_half_up_division((2 * goal - value) * weight_cents, goal)).scaleb(-2)


# ---------------------------------------------------------------------------
# Edge cases where the message, the location or the spelling matters


def test_execution_low_judges_the_rate_as_shown():
    assert "EXECUTION_LOW" not in codes(with_funds("100000", "89995"))  # 89.995% shows 90.00%
    low = found(with_funds("100000", "89994"), "EXECUTION_LOW")
    assert low and "89.99%" in low[0].message


def test_execution_over_a_zero_budget_is_also_over_budget():
    assert {"FUNDS_NO_BUDGET", "EXECUTION_OVER_BUDGET"} <= codes(with_funds("0", "5000"))


@pytest.mark.parametrize(
    ("text", "number", "unit"),
    [("≥2万", "2", "万"), ("=3万", "3", "万"), ("≥10个工作日", "10", "个工作日")],
)
def test_wan_alone_and_working_days_read_as_quantities(text, number, unit):
    value = parse_value(text)
    assert (value.number, value.unit) == (D(number), unit)


def test_parse_decimal_keeps_whole_numbers_whole_and_drops_zero_third_decimals():
    assert str(parse_decimal("14900")) == "14900"
    assert str(parse_decimal("1.230")) == "1.23"


def test_lines_mismatch_points_at_the_blank_cell_only_when_nothing_explains_the_total():
    blank_current = found(
        demo_table("工伤认定和劳动能力鉴定业务系统(2022运维)"), "FUNDS_LINES_MISMATCH"
    )
    assert [f.where for f in blank_current] == ["funds.current.executed"]
    dropped_digit = found(demo_table("鉴定、认定费"), "FUNDS_LINES_MISMATCH")
    assert [f.where for f in dropped_digit] == ["funds.total.executed"]


def test_full_score_on_a_strict_target_reached_exactly_is_not_called_inconsistent():
    data = with_indicator(1, target=">98%", actual="=98%")
    assert evaluate(data).indicators[1].suggested_score == D("30.00")
    assert "SCORE_INCONSISTENT" not in codes(data)


def test_texts_pasted_from_word_keep_their_line_breaks_and_lose_control_characters():
    assert (
        rules.clean_text("第一行\x0b第二行\r\n第三行\r第四行") == "第一行\n第二行\n第三行\n第四行"
    )
    assert rules.clean_text("分页\x0c之后\u2028换行") == "分页\n之后\n换行"
    assert rules.clean_text("a\x00b\x01c\x1fd\x7fe\tf") == "abcde\tf"
    assert rules.clean_text(None) == ""


@given(st.text())
def test_cleaned_texts_hold_no_control_character_but_tab_and_line_break(text):
    cleaned = rules.clean_text(text)
    assert all(c in "\t\n" or unicodedata.category(c) != "Cc" for c in cleaned), repr(cleaned)
    assert rules.clean_text(cleaned) == cleaned


def test_a_wan_yuan_table_with_amounts_in_yuan_is_questioned():
    def findings(unit, amount):
        data = AssessmentInput(
            funds={"total": FundsLine(D(amount), D(amount), D(amount))}, money_unit=unit
        )
        return [f for f in evaluate(data).findings if f.code == "MONEY_UNIT_SUSPECT"]

    assert findings("万元", "342000") and findings("万元", "342000")[0].severity == "warning"
    assert "34.20 亿元" in findings("万元", "342000")[0].message
    assert findings("万元", "99999.99") == []  # 9.99 亿元 is a large, plausible project
    assert findings("元", "342000") == []
