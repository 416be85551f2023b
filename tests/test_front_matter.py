"""A book's front matter, drawn straight into PDF: lines that break where Chinese text may,
figures kept whole, rare characters in the system's font, text that copies out."""

from datetime import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assessments import rules
from assessments.paper import drawing, front_matter
from assessments.paper.books import BookEntry, BookFront

from .pdftools import compact, pdf_text, with_file

REGULAR = front_matter.face()


def test_a_line_breaks_between_chinese_characters_never_inside_a_figure():
    text = "征地养老管理信息系统(2022 运维)经费1058948800.00元"
    width = REGULAR.width("征地养老管理信息系统(20", 9)
    lines = front_matter.wrap(text, REGULAR, 9, width)
    assert compact("".join(lines)) == compact(text)
    assert len(lines) > 1
    assert any("(2022" in line for line in lines)
    assert any("1058948800.00" in line for line in lines)


def test_closing_punctuation_stays_with_what_it_closes_and_brackets_with_what_they_open():
    width = REGULAR.width("鉴定、认定费", 9)
    lines = front_matter.wrap("鉴定、认定费（10）鉴定，认定", REGULAR, 9, width)
    assert all(not line.startswith(("）", "，", "、")) for line in lines)
    assert all(not line.endswith("（") for line in lines)
    assert "（10）" in "".join(lines)


def test_a_word_wider_than_the_line_breaks_anywhere():
    lines = front_matter.wrap("A" * 60, REGULAR, 9, REGULAR.width("A" * 10, 9))
    assert lines == ("A" * 10,) * 6


def test_a_name_typed_with_a_tab_or_pasted_with_line_breaks_prints_as_html_shows_it():
    lines = front_matter.wrap("第一行\r\n第二行\r第三行\t（续）\x00\x07", REGULAR, 9, 300)
    assert lines == ("第一行", "第二行", "第三行 （续）")


@given(
    st.text(alphabet="征地养老费（）()、，。 0123456789.%ABCabc", max_size=80),
    st.floats(min_value=20, max_value=200),
)
def test_no_line_is_wider_than_its_box_unless_it_is_one_character(text, width):
    lines = front_matter.wrap(text, REGULAR, 9, width)
    assert compact("".join(lines)) == compact(text)
    for line in lines:
        assert len(line) <= 1 or REGULAR.width(line, 9) <= width + 1e-6


def entry(name, budget, executed, *, unit="元", grade="优", score="95"):
    assessment = SimpleNamespace(
        subject=name,
        unit=SimpleNamespace(name="上海市闵行区社会保障服务中心"),
        money_unit=unit,
        total_full_year_budget=Decimal(budget),
        total_executed=Decimal(executed),
        of_department=False,
        year=SimpleNamespace(year=2022),
    )
    evaluation = SimpleNamespace(
        execution_rate=rules.execution_rate(Decimal(budget), Decimal(executed)),
        total_score=Decimal(score),
        grade=grade,
    )
    return BookEntry(assessment, evaluation, pages=2)  # type: ignore[arg-type]


def front(entries):
    return BookFront(
        entries, "2022 年度财政项目支出绩效自评表", "闵行区人社局", datetime(2023, 3, 1)
    )


def test_a_thirteen_digit_amount_prints_whole_on_one_line_in_the_summary():
    big = "9999999999999.99"
    book = front([entry("征地养老费支出", big, big), entry("征地养老费支出（2）", big, big)])
    section = front_matter.summary(book)
    placed = section.table.placed
    amounts = [cell for row in placed[1:] for cell in row if "99999999" in "".join(cell.lines)]
    assert len(amounts) == 6  # two in each row and in the total
    assert all(len(cell.lines) == 1 for cell in amounts)
    assert all(cell.size < front_matter.TEXT for cell in amounts)  # made smaller to fit
    content, _ = front_matter.front_matter_pdf(book)
    text = pdf_text(content, page=3)
    assert "9999999999999.99" in text
    assert "19999999999999.98" in text  # the total: fourteen digits, still whole


def test_a_name_outside_gb2312_prints_in_the_system_font_and_copies_out(tmp_path):
    book = front([entry("䶮堃镕珺专项经费", "100", "90")])
    content, pages = front_matter.front_matter_pdf(book)
    assert pages == 3  # cover, contents, summary; the number's sample follows
    assert "䶮堃镕珺专项经费" in pdf_text(content, page=2)
    assert "䶮堃镕珺专项经费" in pdf_text(content, page=3)
    described = with_file("pdffonts", content, tmp_path)
    rows = [line for line in described.splitlines() if "CID Type 0C" in line]
    # The print font's two weights and the system font, each embedded as a subset.
    assert len(rows) == 3 and all(" yes yes yes " in row for row in rows)
    assert any("NotoSerifCJKsc-Regular" in row for row in rows)


def test_a_character_no_print_font_has_prints_in_a_font_of_the_system(tmp_path):
    # ǅ (U+01C5): not in Noto CJK; fonts-dejavu-core and Liberation, which Chromium's and
    # fontconfig's packages bring, have it.
    assert drawing.system_face("ǅ") is not None, "no font of the system has ǅ (fc-list)"
    book = front([entry("ǅ项目", "100", "90")])
    content, _ = front_matter.front_matter_pdf(book)
    assert "ǅ项目" in pdf_text(content, page=2)
    described = with_file("pdffonts", content, tmp_path)
    truetype = [line for line in described.splitlines() if "CID TrueType" in line]
    assert len(truetype) == 1 and " yes yes yes " in truetype[0]


def test_the_front_pages_are_numbered_and_the_sample_holds_every_digit():
    book = front([entry(f"项目{n}", "100", "90") for n in range(1, 4)])
    content, pages = front_matter.front_matter_pdf(book)
    for page in range(2, pages + 1):
        assert f"合订本第{page}页" in compact(pdf_text(content, page=page))
    assert "合订本第" not in compact(pdf_text(content, page=1))  # the cover has no number
    assert compact(pdf_text(content, page=pages + 1)) == "合订本第1234567890页"
    assert [e.first_page for e in book.entries] == [4, 6, 8]


@pytest.mark.parametrize("weight", [400, 700])
def test_each_weight_has_its_print_font_first(weight):
    faces = drawing.typeface(weight).faces
    assert faces[0].path.name.startswith("NotoSerifCJKsc-GB2312")
    assert faces[-1].path.suffix == ".ttc"
