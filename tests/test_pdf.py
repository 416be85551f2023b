"""The official table as PDF: content in the seed's order, fonts, pagination, watermark, safety."""

import json
import re
import zlib
from dataclasses import dataclass
from decimal import Decimal
from io import BytesIO, StringIO
from pathlib import Path

import pikepdf
import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse

from assessments import rules
from assessments.models import Assessment, Indicator
from assessments.paper import fonts, pdf, printable
from assessments.paper.official_table import (
    PrintOptions,
    build_official_table,
    convert_amount,
)
from assessments.trust import signing

from .database import change_signature
from .factories import AssessmentFactory, login, user
from .pdftools import Layout, body_text, page_count, pdf_text, with_file

pytestmark = pytest.mark.usefixtures("media")

DEMO_FILE = Path(__file__).resolve().parent.parent / "assessments" / "demo" / "demo-2022.json"
DEMO_RECORDS = json.loads(DEMO_FILE.read_text(encoding="utf-8"))["assessments"]

# As printed in the published 2022 tables: 执行率, budget 得分 and 总分 of each table.
PUBLISHED = {
    "工伤认定和劳动能力鉴定业务系统(2022运维)": ("100.00%", "10", "100"),
    "城乡居民社会养老保险财政补助资金": ("100.00%", "10", "100"),
    "外省市差旅费": ("33.74%", "3.37", "93.37"),
    "邮寄费": ("82.38%", "8.24", "95.24"),
    "宣传费": ("94.49%", "9.45", "99.45"),
    "征地养老慰问经费": ("99.94%", "9.99", "93.99"),
    "外区属地化管理人员服务费": ("100.00%", "10", "100"),
    "征地养老费支出": ("95.10%", "9.51", "99.51"),
    "政府购买辅助服务": ("100.00%", "10", "100"),
    "征地养老管理信息系统(2022 运维)": ("100.00%", "10", "100"),
    "鉴定、认定费": ("82.20%", "8.22", "98.22"),
}
# The one published figure that the arithmetic does not give: 54800 ÷ 58000 = 0.944827…,
# which rounds half up to 94.48%; the table prints 94.49%.
PUBLISHED_SLIPS = {("宣传费", "执行率"): "94.48%"}


def demo_assessment(project):
    return Assessment.objects.self_assessments().with_tree().get(project__name=project)


@dataclass(frozen=True)
class Download:
    status_code: int
    content: bytes
    evaluation: rules.Evaluation


@pytest.fixture(scope="module")
def demo_downloads(throwaway_db, tmp_path_factory):
    """Each demo table as its preparer downloads it (the signed copy), by project name: the eleven
    PDFs are rendered once for the module, from demo data rolled back afterwards."""
    downloads = {}
    with throwaway_db(), override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media")):
        call_command("load_demo", stdout=StringIO())
        client = login(Client(), "tianbao")
        for record in DEMO_RECORDS:
            assessment = demo_assessment(record["project"])
            response = client.get(reverse("assessments:pdf", args=[assessment.pk]))
            content = b"".join(response.streaming_content) if response.status_code == 200 else b""
            downloads[record["project"]] = Download(
                response.status_code, content, assessment.evaluate()
            )
    return downloads


def amount_text(value):
    return "" if value is None else rules.format_amount(Decimal(value))


def seed_rows(record, evaluation):
    """Each row of the table as the seed prints it: labels and entered values, left to right."""
    funds = record["funds"]
    rows = [
        ["财政项目支出绩效自评表"],
        [f"（{record['year']} 年度）"],
        ["项目名称", record["project"]],
        ["主管部门", record["department"], "实施单位", record["unit"]],
        ["年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"],
    ]
    for line in rules.FUND_LINES:
        label = ("其中：" if line == "current" else "") + rules.FUND_LINE_LABELS[line]
        amounts = [amount_text(funds[line][column]) for column in rules.FUND_COLUMNS]
        if line == "total":
            tail = [
                rules.format_points(Decimal(record["budget_weight"])),
                rules.format_percent(evaluation.execution_rate),
                rules.format_points(evaluation.budget_score),
            ]
        else:
            tail = ["—", "—"]
        rows.append([label, *amounts, *tail])
    rows.append(["预期目标", "实际完成情况"])
    rows.append([record["goal"], record["outcome"]])
    rows.append(
        [
            "绩效指标",
            "一级指标",
            "二级指标",
            "三级指标",
            "年度指标值",
            "实际完成值",
            "分值",
            "得分",
            "偏差原因分析及改进措施",
        ]
    )
    for row in record["indicators"]:
        rows.append(
            [
                row["name"],
                row["target"],
                row["actual"],
                rules.format_points(Decimal(row["weight"])),
                rules.format_points(Decimal(row["score"])),
                row["reason"],
            ]
        )
    rows.append(["总分", "100", rules.format_points(evaluation.total_score)])
    return [[cell for cell in row if cell] for row in rows]


def assert_rows_in_order(layout, rows):
    """Row after row, each row's cells left to right; returns where each row was found."""
    start = 0
    found = []
    for row in rows:
        matches = layout.find_row(row, start=start)
        found.append(matches)
        start = max(match.last_line for match in matches) + 1
    return found


def assert_merged_label(layout, label, first_row, last_row, right_of_label):
    """A label merged down over rows stands beside those rows, left of their cells."""
    start = first_row[0].line
    stop = max(match.last_line for match in last_row) + 2
    match = layout.find(label, start=start - 1, stop=stop)
    assert match is not None, f"{label} not beside its rows (lines {start}-{stop})"
    assert match.column < right_of_label, label


@pytest.mark.slow
@pytest.mark.parametrize("record", DEMO_RECORDS, ids=[f"table{n:02d}" for n in range(1, 12)])
def test_pdf_prints_every_label_and_value_of_the_seed_table_in_its_order(demo_downloads, record):
    download = demo_downloads[record["project"]]
    evaluation = download.evaluation
    assert download.status_code == 200
    layout = Layout(pdf_text(download.content))
    rows = seed_rows(record, evaluation)
    found = assert_rows_in_order(layout, rows)

    funds_header, funds_last = found[4], found[8]
    assert_merged_label(
        layout,
        "项目资金（元）".replace("元", record["money_unit"]),
        funds_header,
        funds_last,
        found[5][0].column,
    )
    assert_merged_label(layout, "年度总体目标", found[9], found[10], found[10][0].column)
    first_indicator = 12
    names = found[first_indicator : first_indicator + len(record["indicators"])]
    start = 0
    while start < len(names):
        level1 = record["indicators"][start]["level1"]
        end = start
        while end < len(names) and record["indicators"][end]["level1"] == level1:
            end += 1
        level2_start = start
        while level2_start < end:
            level2 = record["indicators"][level2_start]["level2"]
            level2_end = level2_start
            while level2_end < end and record["indicators"][level2_end]["level2"] == level2:
                level2_end += 1
            assert_merged_label(
                layout,
                level2,
                names[level2_start],
                names[level2_end - 1],
                names[level2_start][0].column,
            )
            level2_start = level2_end
        assert_merged_label(layout, level1, names[start], names[end - 1], names[start][0].column)
        start = end


def test_computed_figures_agree_with_the_published_ones_except_the_named_slip(demo):
    for project, (rate, score, total) in PUBLISHED.items():
        evaluation = demo_assessment(project).evaluate()
        computed = {
            "执行率": rules.format_percent(evaluation.execution_rate),
            "得分": rules.format_points(evaluation.budget_score),
            "总分": rules.format_points(evaluation.total_score),
        }
        published = {"执行率": rate, "得分": score, "总分": total}
        for figure, value in published.items():
            expected = PUBLISHED_SLIPS.get((project, figure), value)
            assert computed[figure] == expected, (project, figure)


@pytest.mark.slow
def test_the_published_execution_rate_of_宣传费_is_a_slip_and_the_pdf_prints_the_arithmetic(
    demo_downloads,
):
    ratio = Decimal("54800") / Decimal("58000")
    assert str(ratio).startswith("0.944827586")
    assert rules.execution_rate(Decimal("58000"), Decimal("54800")) == Decimal("94.48")
    # 94.49% would need at least 58000 × 0.94485 = 54801.30 executed.
    assert Decimal("58000") * Decimal("0.94485") == Decimal("54801.30000")
    # The budget score is 9.45 either way, so the published 总分 99.45 stands.
    assert rules.budget_score(Decimal("58000"), Decimal("54800")) == Decimal("9.45")
    text = pdf_text(demo_downloads["宣传费"].content)
    assert "94.48%" in text
    assert "94.49%" not in text


@pytest.mark.slow
def test_a_rate_of_100_percent_stays_on_one_line(demo_downloads):
    content = demo_downloads["工伤认定和劳动能力鉴定业务系统(2022运维)"].content
    total_line = next(line for line in pdf_text(content).splitlines() if "年度资金总额" in line)
    assert "100.00%" in total_line


def embedded_fonts(content, tmp_path):
    """(name without the subset tag, embedded, subset) of each font pdffonts lists."""
    rows = with_file("pdffonts", content, tmp_path).splitlines()[2:]
    assert rows, "no fonts listed"
    return [(row.split()[0].partition("+")[2], *row.split()[-5:-3]) for row in rows]


@pytest.mark.slow
def test_pdf_embeds_the_print_fonts_as_subsets(demo_downloads, tmp_path):
    content = demo_downloads["宣传费"].content
    listed = embedded_fonts(content, tmp_path)
    assert {name for name, _, _ in listed} == {
        "Noto-Serif-CJK-SC-GB2312",
        "Noto-Serif-CJK-SC-GB2312-Bold",
    }, "the print fonts are missing: run manage.py build_print_fonts (make install does)"
    assert all((emb, sub) == ("yes", "yes") for _, emb, sub in listed)


@pytest.mark.slow
def test_characters_outside_gb2312_print_from_the_system_font(db, tmp_path):
    rare = "堃犇喆"
    assert not any(ord(c) in fonts.characters() for c in rare)
    assessment = AssessmentFactory(project__name=f"{rare}工作室经费")
    content = pdf.render_pdf(
        printable.printable(Assessment.objects.with_tree().get(pk=assessment.pk))
    )
    assert f"{rare}工作室经费" in pdf_text(content)
    names = {name for name, _, _ in embedded_fonts(content, tmp_path)}
    assert {"Noto-Serif-CJK-SC-GB2312", "Noto-Serif-CJK-SC"} <= names


def test_print_fonts_keep_gb2312_and_the_table_symbols():
    kept = fonts.characters()
    assert len(fonts.gb2312_characters()) == 7445  # 6,763 hanzi and 682 symbols
    assert {ord(c) for c in "财政项目支出绩效自评表（）：％—≥≤·×0123456789.%abcXYZ"} <= kept


class FailingFont:
    def save(self, path):
        Path(path).write_bytes(b"half a fo")
        raise OSError("disk full")


class WrittenFont:
    def save(self, path):
        Path(path).write_bytes(b"OTTO font")


def test_a_print_font_is_renamed_into_place_readable_by_all_or_not_at_all(tmp_path):
    target = tmp_path / "fonts" / "print.otf"
    with pytest.raises(OSError):
        fonts.save(FailingFont(), target)
    assert list(target.parent.iterdir()) == []
    fonts.save(WrittenFont(), target)
    assert target.read_bytes() == b"OTTO font"
    assert target.stat().st_mode & 0o777 == 0o644
    assert list(target.parent.iterdir()) == [target]


@pytest.mark.slow
def test_missing_print_fonts_raise_a_warning_and_the_pdf_still_renders(db, settings, tmp_path):
    settings.PRINT_FONT_DIR = tmp_path / "no-fonts"
    warnings = fonts.check_print_fonts(None)
    assert [w.id for w in warnings] == ["assessments.W001"]
    assert "build_print_fonts" in warnings[0].hint
    # The stylesheet and the font configuration remember the fonts they were made with.
    pdf.official_stylesheet.cache_clear()
    pdf.font_config.cache_clear()
    try:
        assessment = AssessmentFactory(project__name="维修经费")
        item = printable.printable(Assessment.objects.with_tree().get(pk=assessment.pk))
        names = {name for name, _, _ in embedded_fonts(pdf.render_pdf(item), tmp_path)}
    finally:
        pdf.official_stylesheet.cache_clear()
        pdf.font_config.cache_clear()
    assert names and names <= {"Noto-Serif-CJK-SC", "Noto-Serif-CJK-SC-Bold"}, names


def long_assessment():
    """A 2,000-character 预期目标 and 40 indicators, each with a value only it has."""
    goal = "".join(
        f"第{i:03d}句：通过告知单发放和横幅版面的制作进行政策宣传。" for i in range(1, 100)
    )
    goal = goal[:2000]
    assert len(goal) == 2000
    groups = [
        ("产出指标", "数量指标"),
        ("产出指标", "质量指标"),
        ("产出指标", "时效指标"),
        ("产出指标", "成本指标"),
        ("效益指标", "社会效益指标"),
        ("效益指标", "可持续影响指标"),
        ("满意度指标", "服务对象满意度指标"),
    ]
    rows = [
        (
            *groups[min(i // 6, 6)],
            f"指标{i:02d}：宣传资料发放数量",
            f">={100 + i}件",
            f"={90 + i}件",
            "2.25",
            "2",
        )
        for i in range(1, 41)
    ]
    assessment = AssessmentFactory(goal=goal, outcome="执行率100%", indicators=rows)
    for row in assessment.indicators.all():
        row.reason = f"原因{row.position:02d}：受疫情影响部分宣传活动延期举办，下一年度将提前安排。"
        row.save(update_fields=["reason"])
    return Assessment.objects.with_tree().get(pk=assessment.pk)


@pytest.mark.slow
def test_long_table_paginates_with_the_header_repeated_no_row_split_and_no_text_lost(db, tmp_path):
    assessment = long_assessment()
    content = pdf.render_pdf(printable.printable(assessment))
    pages = page_count(content, tmp_path)
    assert pages >= 3

    # The goal is taller than a page: it prints whole as a note after the table.
    assert "预期目标）：" + assessment.goal in body_text(content)

    indicators = list(assessment.indicators.all())
    seen = set()
    for page in range(1, pages + 1):
        layout = Layout(pdf_text(content, page=page))
        on_page = [row for row in indicators if layout.find(row.name) is not None]
        if not on_page:
            continue
        header = layout.find_row(["一级指标", "二级指标", "三级指标", "年度指标值"], start=0)
        first_row = layout.find(on_page[0].name)
        assert header[0].line < first_row.line, f"page {page}: indicator rows before the header"
        for row in on_page:
            assert row.pk not in seen, f"{row.name} printed twice"
            seen.add(row.pk)
            # Cells are centred vertically: a taller cell starts above the name.
            start = max(0, layout.find(row.name).line - 3)
            layout.find_row(
                [row.name, row.target, row.actual, "2.25", "2", row.reason], start=start
            )
    assert seen == {row.pk for row in indicators}


@pytest.mark.slow
def test_draft_pdf_carries_the_watermark_on_every_page(db, tmp_path):
    assessment = long_assessment()
    assert assessment.status == Assessment.Status.DRAFT
    content = pdf.render_pdf(printable.printable(assessment))
    for page in range(1, page_count(content, tmp_path) + 1):
        text = pdf_text(content, page=page)
        assert "草稿 · 未经审核签发，不作正式文件" in text
        assert "草" in text.replace("草稿 · 未经审核签发", "")


@pytest.mark.slow
def test_submitted_table_is_marked_unsigned_and_a_signed_one_carries_no_watermark(demo):
    assessment = demo_assessment("邮寄费")
    signed = pdf_text(pdf.render_pdf(printable.printable(assessment)))
    assert "草稿" not in signed and "未签发" not in signed
    assert "签发版" in signed
    assessment.status = Assessment.Status.SUBMITTED
    unsigned = pdf_text(pdf.render_pdf(printable.printable(assessment)))
    assert "未签发 · 仅供核对，不作正式文件" in unsigned


HOSTILE = {
    "goal": '<img src="file:///etc/passwd">',
    "outcome": '<link rel="attachment" href="file:///etc/passwd">',
    "name": '<img src="http://127.0.0.1:9/x.png">',
    "reason": "<style>@import url(http://127.0.0.1:9/a.css);</style>",
}


@pytest.mark.slow
def test_hostile_texts_print_literally_fetch_nothing_and_attach_nothing(db, tmp_path, monkeypatch):
    fetched = []
    original = pdf.StaticFilesURLFetcher.fetch

    def recording_fetch(self, url, headers=None):
        fetched.append(url)
        return original(self, url, headers)

    monkeypatch.setattr(pdf.StaticFilesURLFetcher, "fetch", recording_fetch)
    assessment = AssessmentFactory(
        goal=HOSTILE["goal"],
        outcome=HOSTILE["outcome"],
        indicators=[
            ("产出指标", "数量指标", HOSTILE["name"], "=1件", "=1件", "90", "90"),
        ],
    )
    Indicator.objects.filter(assessment=assessment).update(reason=HOSTILE["reason"])
    assessment = Assessment.objects.with_tree().get(pk=assessment.pk)
    content = pdf.render_pdf(printable.printable(assessment))

    layout = Layout(pdf_text(content))
    for text in HOSTILE.values():
        assert layout.find(text) is not None, text
    assert all(url.startswith("data:") for url in fetched), fetched
    assert b"root:x:0:0" not in content
    assert "0 embedded files" in with_file("pdfdetach", content, tmp_path, "-list")


@pytest.mark.slow
def test_even_markup_that_escaped_escaping_fetches_nothing(tmp_path):
    html = (
        '<p>x</p><img src="file:///etc/passwd"><img src="http://127.0.0.1:9/x.png">'
        '<link rel="attachment" href="file:///etc/passwd">'
        '<link rel="stylesheet" href="http://127.0.0.1:9/a.css">'
    )
    content = pdf.render_document(html).write_pdf()
    assert b"root:x:0:0" not in content
    assert "0 embedded files" in with_file("pdfdetach", content, tmp_path, "-list")


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://127.0.0.1:9/x.png",
        "https://example.com/a.css",
        "ftp://example.com/a",
        "file:///static/../../etc/passwd",
        "file:///static/%2e%2e/%2e%2e/etc/passwd",
        "file:///static/css/missing.css",
        "file://host/static/css/official-print.css",
        "/etc/passwd",
    ],
)
def test_fetcher_refuses_anything_but_static_files_and_data(url):
    with pytest.raises(ValueError):
        pdf.StaticFilesURLFetcher().fetch(url)


def test_fetcher_reads_the_project_static_files_and_data_uris():
    fetcher = pdf.StaticFilesURLFetcher()
    stylesheet = fetcher.fetch("file:///static/css/official-print.css")
    assert b"@page" in stylesheet.read()
    assert stylesheet.content_type == "text/css"
    assert fetcher.fetch("data:text/plain;base64,5Lit5paH").read() == "中文".encode()


@pytest.mark.slow
def test_print_options_list_empty_level2_convert_the_money_unit_and_drop_the_signatures(demo):
    assessment = demo_assessment("宣传费")
    default = build_official_table(assessment, options=PrintOptions())
    assert {line.indicator.level2 for line in default.lines} == {
        "数量指标",
        "质量指标",
        "时效指标",
        "成本指标",
        "社会效益指标",
        "可持续影响指标",
        "服务对象满意度指标",
    }
    full = build_official_table(
        assessment,
        options=PrintOptions(show_empty_level2=True, money_unit="万元", signature_block=False),
    )
    empty = [line.indicator.level2 for line in full.lines if line.is_empty_level2]
    assert empty == ["经济效益指标", "生态效益指标"]
    benefit = [line.indicator.level2 for line in full.lines if line.indicator.level1 == "效益指标"]
    assert benefit[0] == "经济效益指标" and benefit[-1] == "可持续影响指标"
    assert len(full.lines) == len(default.lines) + 2
    assert full.money_unit == "万元"
    assert full.funds[0].values.initial_budget == Decimal("10.30")
    assert full.signatures is None
    text = pdf_text(pdf.render_pdf(printable.Printable(full, printable.DRAFT)))
    assert "（万元）" in text and "10.30" in text and "经济效益指标" in text
    assert "填报人" not in text


def test_amounts_convert_half_up_between_units():
    assert convert_amount(Decimal("13494"), "元", "万元") == Decimal("1.35")
    assert convert_amount(Decimal("12345"), "元", "万元") == Decimal("1.23")
    assert convert_amount(Decimal("12350"), "元", "万元") == Decimal("1.24")
    assert convert_amount(Decimal("1.5"), "万元", "元") == Decimal("15000.00")
    assert convert_amount(None, "元", "万元") is None


@pytest.mark.slow
def test_signature_block_names_the_preparer_who_submitted_and_the_signer(demo):
    from assessments.models import AssessmentEvent

    assessment = demo_assessment("宣传费")
    tianbao = user("tianbao")
    shenhe = user("shenhe")
    AssessmentEvent.objects.create(
        assessment=assessment, actor=tianbao, action=AssessmentEvent.Action.SUBMIT
    )
    # Signed as a sign-off signs now: the snapshot names who submitted and who signs.
    signed = signing.unsaved_signature(assessment, by=shenhe)
    change_signature(
        assessment.valid_signature().pk,
        **{
            name: getattr(signed, name)
            for name in ("snapshot", "content_hash", "signed_by", "signed_at", "key", "value")
        },
        version=signed.version,
    )
    # A later submission by someone else does not change the names on the signed copy.
    AssessmentEvent.objects.create(
        assessment=assessment, actor=shenhe, action=AssessmentEvent.Action.SUBMIT
    )
    text = pdf_text(pdf.render_pdf(printable.printable(demo_assessment("宣传费"))))
    assert re.search(r"填报人：\s*张丽", text)
    assert re.search(r"审核人：\s*王强", text)


@pytest.mark.slow
def test_every_stream_is_deflated_at_the_chosen_level(db):
    """pydyf's own choice is level 9; paper.pdf writes at COMPRESSION_LEVEL, and every stream
    still inflates to what it was."""
    assessment = AssessmentFactory()
    content = pdf.render_pdf(
        printable.printable(Assessment.objects.with_tree().get(pk=assessment.pk))
    )
    with pikepdf.open(BytesIO(content)) as document:
        streams = [obj for obj in document.objects if isinstance(obj, pikepdf.Stream)]
        deflated = [s for s in streams if s.get("/Filter") == pikepdf.Name.FlateDecode]
        assert len(deflated) >= 4  # the page, both fonts and their character maps at least
        for stream in deflated:
            data = stream.read_bytes()
            at_level = zlib.compressobj(pdf.COMPRESSION_LEVEL)
            assert stream.read_raw_bytes() == at_level.compress(data) + at_level.flush()
