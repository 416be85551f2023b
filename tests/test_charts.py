import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from assessments.reporting import charts

SVG = "{http://www.w3.org/2000/svg}"


def parse(markup):
    return ET.fromstring(str(markup))


def bars(n, value=Decimal("90")):
    return [charts.Bar(f"项目{i}", value - i, f"{value - i}", "#198754") for i in range(n)]


def test_a_few_projects_get_one_labelled_bar_each_highest_first():
    svg = parse(
        charts.bar_chart(
            [
                charts.Bar("低分项目", Decimal("70"), "70.00"),
                charts.Bar("高分项目", Decimal("95"), "95.00"),
                charts.Bar("没有执行率", None, "—"),
            ],
            title="各项目总分",
            maximum=Decimal(100),
            guides=[(Decimal(90), "优 90")],
        )
    )
    assert svg.get("role") == "img" and svg.get("aria-label") == "各项目总分"
    labels = [text.text for text in svg.iter(f"{SVG}text")]
    assert labels.index("高分项目") < labels.index("低分项目") < labels.index("没有执行率")
    widths = [float(rect.get("width")) for rect in svg.iter(f"{SVG}rect")]
    assert len(widths) == 2 and widths[0] > widths[1]
    assert widths[0] / widths[1] == pytest.approx(95 / 70)
    assert "优 90" in labels


def test_values_beyond_the_axis_are_cut_and_marked():
    svg = parse(
        charts.bar_chart(
            [charts.Bar("超支项目", Decimal("150"), "150.00%")],
            title="执行率",
            maximum=Decimal(120),
        )
    )
    (rect,) = svg.iter(f"{SVG}rect")
    assert float(rect.get("width")) == charts.WIDTH - charts.LABEL_WIDTH - charts.VALUE_WIDTH
    assert len(list(svg.iter(f"{SVG}path"))) == 1


def test_many_projects_become_columns_with_titles():
    svg = parse(charts.bar_chart(bars(60), title="各项目总分", maximum=Decimal(100)))
    rects = list(svg.iter(f"{SVG}rect"))
    assert len(rects) == 60
    assert rects[0].find(f"{SVG}title").text == "项目0：90"
    assert "共 60 个项目" in "".join(text.text or "" for text in svg.iter(f"{SVG}text"))


def test_names_are_escaped_and_long_names_shortened():
    name = '<script>alert("x")</script>一个名字非常非常非常长的项目'
    markup = str(charts.bar_chart([charts.Bar(name, Decimal(1), "1")], title="t", maximum=10))
    assert "<script>" not in markup
    svg = parse(markup)
    assert any(
        (text.text or "").endswith("…") and len(text.text) == charts.LABEL_CHARS
        for text in svg.iter(f"{SVG}text")
    )
    assert svg.find(f"{SVG}g/{SVG}title").text.startswith('<script>alert("x")</script>')


def test_count_chart_writes_each_count_and_scales_the_columns():
    svg = parse(
        charts.count_chart(
            [("优", 8), ("良", 2), ("中", 0), ("差", 0)],
            title="等级分布",
            colours=charts.GRADE_COLOURS,
        )
    )
    heights = [float(rect.get("height")) for rect in svg.iter(f"{SVG}rect")]
    assert heights[0] == 4 * heights[1] and heights[2] == heights[3] == 0
    texts = [text.text for text in svg.iter(f"{SVG}text")]
    assert texts == ["8", "优", "2", "良", "0", "中", "0", "差"]


def test_empty_chart_says_so():
    assert "没有数据" in str(charts.bar_chart([], title="t", maximum=Decimal(100)))
