"""The readers of typed values (rules.readers) and the table as a save stores it (rules.edits)."""

import re
import unicodedata
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assessments import rules
from assessments.rules import edits, readers
from assessments.rules.readers import ReadError, read_amount, read_indicator_value, read_points

CJK = re.compile(r"[\u4e00-\u9fff]")

amounts = st.decimals(
    min_value=0, max_value=D("9999999999999.99"), places=2, allow_nan=False, allow_infinity=False
)


def full_width(text: str) -> str:
    """The text as a Chinese input method types it: digits and punctuation full width."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


@given(amounts)
def test_an_amount_written_plain_or_grouped_reads_back_as_itself(value):
    assert read_amount(format(value, "f")) == value
    assert read_amount(format(value, ",f")) == value
    assert read_amount(f" ¥{value:,f} 元 ") == value


@given(amounts)
def test_an_amount_typed_in_full_width_reads_as_in_ascii(value):
    typed = full_width(format(value, ",f"))
    assert unicodedata.east_asian_width(typed[0]) == "F"
    assert read_amount(typed) == value
    assert read_amount(full_width(format(value, "f")) + "元") == value


@given(st.decimals(min_value=0, max_value=D("999999999.9999"), places=4))
def test_an_amount_in_wan_yuan_is_converted_into_yuan(value):
    assert read_amount(f"{value:f}万元", "元") == value * 10000
    assert read_amount(f"{value:,f}万", "元") == value * 10000


@given(amounts)
def test_an_amount_in_yuan_reads_into_wan_yuan_when_its_cents_can_be_stored(value):
    in_wan = value / 10000
    if in_wan == in_wan.quantize(D("0.01")):
        assert read_amount(f"{value:f}元", "万元") == in_wan
    else:
        with pytest.raises(ReadError, match="换算为万元后最多保留两位小数"):
            read_amount(f"{value:f}元", "万元")


@given(st.text(max_size=30))
def test_any_text_is_read_or_refused_with_a_chinese_message(text):
    try:
        value = read_amount(text, "元")
    except ReadError as error:
        assert CJK.search(str(error))
    else:
        assert value is None or (D(0) <= value < D(10) ** rules.MAX_AMOUNT_DIGITS)
        assert value is None or value == value.quantize(D("0.01"))


@pytest.mark.parametrize("text", ["", "   ", "\u3000", None])
def test_a_blank_is_none_not_zero(text):
    assert read_amount(text) is None
    assert read_points(text) is None
    assert readers.read_percent(text) is None


def test_the_refusal_says_what_can_be_typed():
    with pytest.raises(ReadError) as refused:
        read_amount("约九千", what="全年执行数")
    assert str(refused.value) == (
        "全年执行数不是数字（填写的是“约九千”），可填 1234.5、1,234.50 或 0.12万元。"
    )


def test_cents_are_never_rounded_away_and_zero_third_decimals_are_dropped():
    with pytest.raises(ReadError, match="最多保留两位小数"):
        read_amount("1.005")
    assert str(read_amount("1.230")) == "1.23"
    assert str(read_amount("14900")) == "14900"
    assert str(read_amount("1.2万")) == "12000"


def test_the_largest_amount_is_read_and_one_more_digit_refused_in_the_tables_unit():
    assert read_amount("9" * 13 + ".99") == D("9" * 13 + ".99")
    with pytest.raises(ReadError, match="整数部分最多 13 位"):
        read_amount("1" + "0" * 13)
    with pytest.raises(ReadError, match="换算为元后过大"):
        read_amount("1000000亿", "元")
    assert read_amount("1000000亿", "万元") == D("10000000000")


def test_a_number_longer_than_the_decimal_context_is_refused_not_rounded():
    with pytest.raises(ReadError, match="最多保留两位小数"):
        read_amount("1." + "0" * 40 + "1万元")
    with pytest.raises(ReadError, match="过大"):
        read_amount("9" * 60)


def test_numbers_from_a_spreadsheet_read_as_the_same_number_typed():
    assert read_amount(1234.5) == D("1234.5")
    assert read_amount(14900) == D("14900")
    assert read_amount(D("0.95")) == D("0.95")
    with pytest.raises(ReadError, match="最多保留两位小数"):
        read_amount(0.1 + 0.2)
    with pytest.raises(ReadError, match="不是数字"):
        read_amount(True)
    with pytest.raises(ReadError, match="不是数字"):
        read_amount(float("nan"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [("8", D("8")), ("８．５", D("8.5")), ("8.50分", D("8.50")), (" 10 分 ", D("10"))],
)
def test_points_are_read_with_or_without_their_unit(text, expected):
    assert read_points(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("满分", "得分不是数字（填写的是“满分”），可填 8、8.5 或 8.50分。"),
        ("-1", "得分不能为负数。"),
        ("1000", "得分过大：整数部分最多 3 位。"),
        ("8.555", "得分最多保留两位小数。"),
        ("8万", "得分不是数字"),
    ],
)
def test_points_that_cannot_be_stored_are_refused(text, message):
    with pytest.raises(ReadError, match=re.escape(message)):
        read_points(text, what="得分")


@pytest.mark.parametrize(("text", "expected"), [("95", D("95")), ("９５．５％", D("95.5"))])
def test_a_percentage_reads_as_its_number_of_percent(text, expected):
    assert readers.read_percent(text) == expected


def test_an_indicator_value_is_kept_as_written_and_limited_in_length():
    assert read_indicator_value(" ≥95%\x0b") == "≥95%"
    assert read_indicator_value("及时") == "及时"
    with pytest.raises(ReadError, match="年度指标值过长：最多 200 字，现有 201 字"):
        read_indicator_value("很" * 201, what="年度指标值")


def test_every_input_type_has_its_reader_by_name():
    assert set(readers.READERS) == {"amount", "points", "percent", "indicator_value", "text"}
    assert readers.read("amount", "1.2万元", money_unit="元") == D("12000")
    assert readers.read("points", "8.5分") == D("8.5")
    assert readers.read("text", "第一行\r\n第二行") == "第一行\n第二行"
    with pytest.raises(ReadError, match=r"^全年执行数"):
        readers.read("amount", "约九千", what="全年执行数")


# ---------------------------------------------------------------------------
# The table as a save stores it


def lines(**cells):
    funds = {line: rules.FundsLine() for line in rules.FUND_LINES}
    for name, value in cells.items():
        line, column = edits.LINE_FIELDS[name]
        funds[line] = rules.FundsLine(**{**vars(funds[line]), column: value})
    return funds


def test_the_total_of_a_column_is_the_sum_of_its_lines_where_a_line_is_typed():
    funds = lines(current_executed=D("100"), other_executed=D("0.5"), current_initial_budget=D(7))
    assert edits.derived_totals(funds, ["current_executed"]) == {"total_executed": D("100.5")}


def test_a_column_where_nothing_is_typed_keeps_its_stored_total():
    funds = lines(current_executed=D("100"))
    assert edits.derived_totals(funds, ["goal"]) == {}


def test_a_total_is_never_typed():
    with pytest.raises(ValueError, match="derived"):
        edits.derived_totals(lines(), ["total_executed"])


def test_the_table_with_edits_is_what_the_save_would_store():
    stored = rules.AssessmentInput(
        funds={
            "total": rules.FundsLine(D(100), D(100), D(999)),  # a published total that disagrees
            "current": rules.FundsLine(D(100), D(100), D(80)),
        },
        indicators=[
            rules.IndicatorInput(
                "产出指标", "数量指标", "件数", "=10件", "=8件", None, D(50), D(40)
            ),
            rules.IndicatorInput("效益指标", "社会效益指标", "覆盖", "及时", "", "achieved", D(40)),
        ],
    )
    typed = edits.with_edits(
        stored,
        {"current_executed": D(90), "outcome": "完成"},
        updates={1: {"actual": "及时", "grade": "", "score": D(38)}},
    )
    assert typed.fund("total") == rules.FundsLine(D(100), D(100), D(90))
    assert typed.outcome == "完成"
    assert typed.indicators[0] == stored.indicators[0]
    assert (typed.indicators[1].actual, typed.indicators[1].grade) == ("及时", None)
    assert typed.indicators[1].score == D(38)
    assert stored.fund("total").executed == D(999)  # the stored input is left as it was
    untouched = edits.with_edits(stored, {"goal": "目标"})
    assert untouched.fund("total").executed == D(999)


def test_a_new_list_of_rows_replaces_the_rows():
    stored = rules.AssessmentInput(
        indicators=[rules.IndicatorInput("产出指标", "数量指标", "旧", weight=D(90))]
    )
    typed = edits.with_edits(
        stored,
        rows=[
            {
                "level1": "产出指标",
                "level2": "质量指标",
                "name": "新",
                "target": "=1",
                "weight": None,
            }
        ],
    )
    assert [(row.name, row.level2, row.weight) for row in typed.indicators] == [
        ("新", "质量指标", None)
    ]
