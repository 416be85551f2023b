"""The official table survives real content: amounts on one line, labels without an orphaned
character, long reasons as notes, and page counts that stay short. Geometry read with pdfplumber."""

import io
from decimal import Decimal

import pdfplumber
import pytest

from assessments import rules
from assessments.models import Assessment
from assessments.paper import pdf, printable
from assessments.paper.official_table import INDICATOR_COLUMNS, column_capacity, label_lines

from .factories import AssessmentFactory
from .pdftools import body_text, page_count

PAGE_WIDTH = 595.28
MARGIN = 13 / 25.4 * 72
TABLE_WIDTH = PAGE_WIDTH - 2 * MARGIN
LARGEST = Decimal("9999999999999.99")  # 13 integer digits: the largest amount the model takes

LEVEL_LABELS = [
    "产出指标",
    "效益指标",
    "满意度指标",
    "成本指标",
    "数量指标",
    "质量指标",
    "时效指标",
    "经济效益指标",
    "社会效益指标",
    "生态效益指标",
    "可持续影响指标",
    "服务对象满意度指标",
    "经济成本指标",
    "社会成本指标",
    "生态环境成本指标",
]


def pdf_lines(content):
    """Every printed line of every page, as text."""
    with pdfplumber.open(io.BytesIO(content)) as document:
        return [line["text"] for page in document.pages for line in page.extract_text_lines()]


def column_lines(content, column):
    """The lines printed inside one indicator column, all pages."""
    return [line for page in column_pages(content, column) for line in page]


def column_pages(content, column):
    """The lines printed inside one indicator column, a list for each page."""
    left = MARGIN
    for name, width in INDICATOR_COLUMNS.items():
        if name == column:
            break
        left += TABLE_WIDTH * width / 100
    right = left + TABLE_WIDTH * INDICATOR_COLUMNS[column] / 100
    lines = []
    with pdfplumber.open(io.BytesIO(content)) as document:
        for page in document.pages:
            # Below the indicator header and above the 总分 row.
            headers = page.search("三级指标")
            if not headers:  # a page of notes
                lines.append([])
                continue
            top = headers[0]["bottom"]
            totals = page.search("总分")
            bottom = totals[0]["top"] if totals else page.height
            inside = page.crop((left + 1, top + 1, right - 1, bottom - 1), strict=False)
            lines.append([line["text"].replace(" ", "") for line in inside.extract_text_lines()])
    return lines


def render(assessment):
    return pdf.render_pdf(printable.printable(assessment))


def amounts_of(assessment, grouped=False):
    return [
        rules.format_amount(getattr(assessment, f"{line}_{column}"), grouped=grouped)
        for line in rules.FUND_LINES
        for column in rules.FUND_COLUMNS
        if getattr(assessment, f"{line}_{column}") is not None
    ]


def assert_on_one_line(amounts, lines):
    for amount in amounts:
        assert any(amount in line for line in lines), f"{amount} is not on one line"


@pytest.mark.slow
def test_every_amount_of_the_demo_tables_prints_on_one_line(demo):
    for assessment in Assessment.objects.with_tree().filter(year__year=2022):
        assert_on_one_line(amounts_of(assessment), pdf_lines(render(assessment)))


def largest_amounts():
    values = {}
    for line in rules.FUND_LINES:
        for column in rules.FUND_COLUMNS:
            values[f"{line}_{column}"] = LARGEST
    return AssessmentFactory(**values)


@pytest.mark.slow
@pytest.mark.parametrize("grouped", [False, True], ids=["plain", "thousands-separators"])
def test_thirteen_digit_amounts_print_on_one_line(db, monkeypatch, grouped):
    assessment = Assessment.objects.with_tree().get(pk=largest_amounts().pk)
    plain = rules.format_amount
    monkeypatch.setattr(
        rules, "format_amount", lambda value, grouped_=grouped, **kw: plain(value, grouped=grouped_)
    )
    expected = "9,999,999,999,999.99" if grouped else "9999999999999.99"
    lines = pdf_lines(render(assessment))
    assert_on_one_line([expected], lines)
    # Twelve amounts, each whole: none is cut and continued on the next line.
    assert sum(line.count(expected) for line in lines) == 12


@pytest.mark.parametrize("label", LEVEL_LABELS)
@pytest.mark.parametrize("column", ["level1", "level2"])
def test_a_standard_label_is_never_left_with_one_character_on_a_line(label, column):
    lines = label_lines(label, column_capacity(INDICATOR_COLUMNS[column]))
    assert "".join(lines) == label
    assert all(len(part) >= 2 for part in lines), lines
    assert len(lines) <= 2
    if len(lines) == 2:
        assert abs(len(lines[0]) - len(lines[1])) <= 2, lines


def test_balanced_breaks_prefer_a_word_boundary():
    assert label_lines("服务对象满意度指标", 7) == ["服务对象", "满意度指标"]
    assert label_lines("可持续影响指标", 6) == ["可持续", "影响指标"]
    assert label_lines("满意度指标", 5) == ["满意度指标"]


def every_label_table():
    groups = [
        ("产出指标", "数量指标"),
        ("产出指标", "质量指标"),
        ("效益指标", "可持续影响指标"),
        ("效益指标", "经济效益指标"),
        ("满意度指标", "服务对象满意度指标"),
        ("成本指标", "生态环境成本指标"),
    ]
    rows = [(*group, f"指标{n}", "=1件", "=1件", "15", "15") for n, group in enumerate(groups)]
    return Assessment.objects.with_tree().get(pk=AssessmentFactory(indicators=rows).pk)


@pytest.mark.slow
def test_printed_labels_have_no_orphaned_character_and_the_reason_header_is_one_line(db):
    content = render(every_label_table())
    for column in ("level1", "level2"):
        lines = column_lines(content, column)
        assert lines, column
        assert all(len(line) >= 2 for line in lines), (column, lines)
    assert any("偏差原因分析及改进措施" in line.replace(" ", "") for line in pdf_lines(content))


def reasons_table(count=30, length=600):
    """`count` indicators, each with a `length`-character 偏差原因分析及改进措施."""
    rows = [
        ("产出指标", "数量指标", f"指标{n:02d}：宣传资料发放数量", ">=100件", "=90件", "3", "2.7")
        for n in range(1, count + 1)
    ]
    assessment = AssessmentFactory(indicators=rows)
    for row in assessment.indicators.all():
        sentence = f"原因{row.position:02d}：受疫情影响部分宣传活动延期举办，下一年度将提前安排。"
        row.reason = (sentence * (length // len(sentence) + 1))[:length]
        row.save(update_fields=["reason"])
    return Assessment.objects.with_tree().get(pk=assessment.pk)


@pytest.mark.slow
def test_thirty_long_reasons_print_as_notes_in_a_third_of_the_pages(db, tmp_path):
    assessment = reasons_table()
    content = render(assessment)
    # One row a page, as the reason column once printed them, made 32 pages.
    assert page_count(content, tmp_path) <= 32 // 3
    text = body_text(content)
    for row in assessment.indicators.all():
        label = f"数量指标·{row.name}·偏差原因分析及改进措施"
        assert f"注{row.position}（{label}）：{row.reason}" in text


def page_texts(content):
    with pdfplumber.open(io.BytesIO(content)) as document:
        return ["".join((page.extract_text() or "").split()) for page in document.pages]


def assert_breaks_read_well(content, assessment):
    """Every page after a break inside a group repeats the group's labels with （续）; the
    signature lines stand on the page of the 总分 row, beside at least one indicator row;
    every page's table is closed by a rule across its whole width."""
    indicators = list(assessment.indicators.order_by("position"))
    names = column_pages(content, "name")
    level1, level2 = column_pages(content, "level1"), column_pages(content, "level2")
    texts = page_texts(content)
    previous = None
    for page, lines in enumerate(names):
        numbers = [int(line[2:4]) for line in lines if line.startswith("指标")]
        if numbers and previous is not None:
            first, last = indicators[numbers[0] - 1], indicators[previous - 1]
            if first.level1 == last.level1:
                assert f"{first.level1}（续）" in "".join(level1[page]), (page, level1[page])
            if (first.level1, first.level2) == (last.level1, last.level2):
                assert f"{first.level2}（续）" in "".join(level2[page]), (page, level2[page])
        if numbers:
            previous = numbers[-1]
        if "填报人" in texts[page]:
            assert "总分" in texts[page], f"page {page + 1}: signatures without the 总分 row"
        if "总分" in texts[page]:
            assert numbers, f"page {page + 1}: the 总分 row without an indicator row"
    with pdfplumber.open(io.BytesIO(content)) as document:
        for page in document.pages:
            rules_ = [e for e in page.lines if abs(e["top"] - e["bottom"]) < 1]
            verticals = [e for e in page.lines if abs(e["x0"] - e["x1"]) < 1]
            if not verticals:
                continue
            foot = max(e["bottom"] for e in verticals)
            closing = [e for e in rules_ if abs(e["top"] - foot) < 1.5]
            assert closing, f"page {page.page_number}: the table is left open at its foot"
            assert min(e["x0"] for e in closing) <= MARGIN + 1
            assert max(e["x1"] for e in closing) >= MARGIN + TABLE_WIDTH - 1


@pytest.mark.slow
def test_thirty_long_reasons_break_between_groups_that_say_they_go_on(db):
    assessment = reasons_table()
    content = render(assessment)
    assert len(page_texts(content)) > 1
    assert_breaks_read_well(content, assessment)


def long_goal_table():
    from .test_pdf import long_assessment

    return long_assessment()


@pytest.mark.slow
def test_forty_indicators_and_a_long_goal_break_well_and_keep_the_goal(db):
    assessment = long_goal_table()
    content = render(assessment)
    assert len(page_texts(content)) >= 3
    assert_breaks_read_well(content, assessment)
    assert "（预期目标）：" + assessment.goal in body_text(content)


@pytest.mark.slow
def test_a_signed_table_never_leaves_its_signature_lines_or_signed_block_alone(demo):
    for assessment in Assessment.objects.with_tree().filter(year__year=2022):
        texts = page_texts(render(assessment))
        for number, text in enumerate(texts, start=1):
            if "填报人" in text or "签发版" in text:
                assert "总分" in text, f"{assessment}: page {number} without the 总分 row"


@pytest.mark.parametrize("stylesheet", ["official-print.css", "app.css"])
def test_the_stylesheets_give_the_columns_the_widths_the_labels_are_broken_for(stylesheet):
    import re
    from pathlib import Path

    from assessments.paper.official_table import HEAD_COLUMNS

    css = (Path(__file__).resolve().parent.parent / "static" / "css" / stylesheet).read_text()
    for table, widths in (
        ("official-head", HEAD_COLUMNS),
        ("official-indicators", tuple(INDICATOR_COLUMNS.values())),
    ):
        found = re.findall(rf"\.{table} col:nth-child\((\d+)\) {{ width: ([\d.]+)%; }}", css)
        assert [(int(n), float(w)) for n, w in found] == [
            (n, float(w)) for n, w in enumerate(widths, start=1)
        ]
