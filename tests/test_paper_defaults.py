"""Paper is laid out with the project's own element defaults (paper/defaults.css) instead of
WeasyPrint's stylesheet for the whole of HTML: every box of every page must come out where and
as the full stylesheet puts it."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from weasyprint import HTML

from assessments.models import Assessment
from assessments.paper import pdf, printable

from .test_paper_layout import reasons_table

PAPER_TEMPLATES = [
    *sorted((Path(settings.BASE_DIR) / "templates/assessments/pdf").glob("*.html")),
    Path(settings.BASE_DIR) / "templates/assessments/_official_table.html",
]
# Inline by the CSS initial value: they need no line in the defaults.
INLINE = {"span"}


def boxes(document):
    """Each page's boxes: kind, element, place, size, text and the styles that print."""
    pages = []
    for page in document.pages:
        described = []
        for box in page._page_box.descendants():
            style = box.style
            described.append(
                (
                    type(box).__name__,
                    getattr(box, "element_tag", None),
                    round(box.position_x, 3),
                    round(box.position_y, 3),
                    box.width if isinstance(box.width, str) else round(box.width, 3),
                    box.height if isinstance(box.height, str) else round(box.height, 3),
                    getattr(box, "text", None),
                    style["font_weight"],
                    style["font_size"],
                    str(style["color"]),
                    str(style["border_top_color"]),
                    str(style["border_left_color"]),
                )
            )
        pages.append(described)
    return pages


def assert_same_layout(html):
    ours = pdf.render_document(html)
    full = pdf.render_document(html, html_class=HTML)
    assert len(ours.pages) == len(full.pages)
    for number, (mine, theirs) in enumerate(zip(boxes(ours), boxes(full), strict=True), 1):
        assert mine == theirs, f"page {number} differs"


@pytest.fixture
def recorded_html(monkeypatch):
    """Every HTML document paper.pdf lays out while the test runs."""
    seen = []
    lay_out = pdf.render_document

    def recording(html, **options):
        seen.append(html)
        return lay_out(html, **options)

    monkeypatch.setattr(pdf, "render_document", recording)
    return seen


@pytest.mark.slow
def test_the_demo_tables_lay_out_box_for_box_as_with_the_full_defaults(
    demo, recorded_html, monkeypatch
):
    tables = list(Assessment.objects.with_tree().filter(year__year=2022).order_by("pk"))
    # A draft (its watermark and unsigned page), a signed copy, a department's own table, and
    # a table whose reasons become notes.
    draft = tables[0]
    Assessment.objects.filter(pk=draft.pk).update(status=Assessment.Status.DRAFT)
    signed = next(t for t in tables[1:] if t.valid_signature() is not None)
    own = next(t for t in tables if t.of_department)
    items = [
        printable.printable(Assessment.objects.with_tree().get(pk=draft.pk)),
        printable.signed_printable(signed.valid_signature()),
        printable.printable(own),
        printable.printable(reasons_table(count=12)),
    ]
    for item in items:
        pdf.render_pdf(item)
    monkeypatch.undo()  # what follows lays out again: recorded no more
    assert len(recorded_html) >= len(items)
    for html in recorded_html:
        assert_same_layout(html)


def test_every_element_of_the_paper_templates_has_its_defaults():
    defaults = (Path(pdf.__file__).with_name("defaults.css")).read_text(encoding="utf-8")
    selectors = set(re.findall(r"(?:^|[\s,{])([a-z][a-z0-9]*)(?=[\s,{:])", defaults))
    for template in PAPER_TEMPLATES:
        tags = set(re.findall(r"<([a-z][a-z0-9]*)", template.read_text(encoding="utf-8")))
        missing = tags - selectors - INLINE
        assert not missing, f"{template.name}: {sorted(missing)} need a line in defaults.css"


def test_the_screen_hooks_stay_off_paper(demo):
    assessment = Assessment.objects.with_tree().filter(year__year=2022).first()
    Assessment.objects.filter(pk=assessment.pk).update(status=Assessment.Status.DRAFT)
    assessment.refresh_from_db()
    html = pdf.sheet_html(printable.printable(assessment))
    assert "data-target" not in html and ' id="cell-' not in html
    assert 'data-line="0"' in html and 'data-part="total"' in html
