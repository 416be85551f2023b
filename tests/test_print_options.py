"""Print settings belong to the table: kept before sign-off, signed with it, printed as signed."""

import json
import re

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from assessments import interchange
from assessments.models import Assessment, AssessmentEvent
from assessments.paper import pdf, printable
from assessments.paper.official_table import PrintOptions, build_official_table, printed_value
from assessments.services import AssessmentError, drafts, workflow
from assessments.trust import signing

from .factories import AssessmentFactory
from .pdftools import body_text
from .test_review import SIGNED_OFF, events, make

pytestmark = pytest.mark.usefixtures("media")

EMPTY_ROWS = PrintOptions(show_empty_level2=True, money_unit="万元", signature_block=False)


def test_a_preparer_keeps_print_options_with_one_log_entry(people):
    assessment = make(people)
    before = len(events(assessment))
    drafts.set_print_options(assessment.pk, by=people["preparer"], options=EMPTY_ROWS)
    assessment.refresh_from_db()
    assert assessment.print_options == EMPTY_ROWS.as_dict()
    new = events(assessment)[before:]
    assert [(e.action, e.comment) for e in new] == [(AssessmentEvent.Action.EDIT, "打印设置")]
    # The same settings again change nothing and log nothing.
    drafts.set_print_options(assessment.pk, by=people["preparer"], options=EMPTY_ROWS)
    assert len(events(assessment)) == before + 1


@pytest.mark.parametrize("who", ["reviewer", "outsider"])
def test_only_someone_who_may_edit_keeps_print_options(people, who):
    assessment = make(people)
    with pytest.raises(AssessmentError):
        drafts.set_print_options(assessment.pk, by=people[who], options=EMPTY_ROWS)
    assessment.refresh_from_db()
    assert assessment.print_options == {}


def test_a_signed_table_keeps_the_options_it_was_signed_with(people):
    assessment = make(people, SIGNED_OFF)
    with pytest.raises(AssessmentError):
        drafts.set_print_options(assessment.pk, by=people["preparer"], options=EMPTY_ROWS)


@pytest.mark.slow
def test_sign_off_signs_the_print_options_and_the_signed_copy_prints_with_them(people, settings):
    assessment = make(people)
    drafts.set_print_options(
        assessment.pk, by=people["preparer"], options=PrintOptions(show_empty_level2=True)
    )
    workflow.submit_assessment(assessment.pk, by=people["preparer"])
    workflow.sign_off_assessment(assessment.pk, by=people["reviewer"])
    signature = Assessment.objects.get(pk=assessment.pk).valid_signature()
    assert signature.snapshot["print"] == PrintOptions(show_empty_level2=True).as_dict()
    # A later change of the site's defaults does not change the signed copy.
    settings.OFFICIAL_TABLE_PRINT = {"SHOW_EMPTY_LEVEL2": False, "SIGNATURE_BLOCK": False}
    item = printable.signed_printable(signature)
    assert item.table.options.show_empty_level2
    text = body_text(pdf.render_pdf(item))
    # The factory's table uses 数量指标 only under 产出指标: the other 二级 print empty.
    for unused in ("质量指标", "时效指标", "成本指标", "生态效益指标", "可持续影响指标"):
        assert unused in text
    assert "填报人" in text


def test_a_snapshot_signed_before_tables_had_print_options_still_verifies(people):
    assessment = make(people, SIGNED_OFF)
    signature = assessment.valid_signature()
    assert "print" not in signature.snapshot
    assert signing.content_hash(signature.snapshot) == signature.content_hash
    assert signing.history_of(assessment).signature_matches
    item = printable.signed_printable(signature)
    assert item.table.options == PrintOptions.defaults()


@pytest.mark.slow
def test_the_published_鉴定认定费_prints_its_empty_level2_rows(demo):
    assessment = Assessment.objects.with_tree().get(project__name="鉴定、认定费")
    signature = assessment.valid_signature()
    assert signature.snapshot["print"]["show_empty_level2"] is True
    text = body_text(pdf.render_pdf(printable.printable(assessment)))
    used = {row.level2 for row in assessment.indicators.all()}
    assert "生态效益指标" not in used
    assert "生态效益指标" in text


def test_the_print_page_keeps_the_shown_options_for_the_preparer(client, people):
    assessment = make(people)
    url = reverse("assessments:keep_print_options", args=[assessment.pk])
    assert client.get(url).status_code in (302, 405)
    client.force_login(people["outsider"])
    assert client.post(url, {"options": "1", "show_empty_level2": "on"}).status_code == 404
    client.force_login(people["reviewer"])
    assert client.post(url, {"options": "1", "show_empty_level2": "on"}).status_code == 403
    client.force_login(people["preparer"])
    assert client.get(url).status_code == 405
    response = client.post(url, {"options": "1", "show_empty_level2": "on", "money_unit": "万元"})
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.print_options == {
        "show_empty_level2": True,
        "money_unit": "万元",
        "signature_block": False,
    }
    page = client.get(reverse("assessments:print", args=[assessment.pk])).content.decode()
    assert "已保存为本表的打印设置" in page
    assert "当前显示的是本表保存的打印设置" in page
    assert "（万元）" in page


def test_bad_print_options_are_refused_with_a_message_and_change_nothing(client, people):
    assessment = make(people)
    client.force_login(people["preparer"])
    url = reverse("assessments:keep_print_options", args=[assessment.pk])
    response = client.post(url, {"options": "1", "money_unit": "美元"}, follow=True)
    assert "打印设置无效" in response.content.decode()
    assessment.refresh_from_db()
    assert assessment.print_options == {}


def record_with(print_value):
    record = interchange.assessment_record(AssessmentFactory())
    record["print"] = print_value
    return json.dumps(
        {"format": interchange.FORMAT, "version": interchange.VERSION, "assessments": [record]},
        ensure_ascii=False,
    )


@pytest.mark.parametrize(
    "value",
    [{"show_empty_level2": 1}, {"money_unit": "美元"}, {"colour": "red"}, ["show_empty_level2"]],
)
def test_interchange_refuses_print_options_it_does_not_know(db, value):
    _, problems = interchange.parse_document(record_with(value))
    assert problems and ".print" in problems[0]


def test_interchange_carries_the_print_options(db):
    records, problems = interchange.parse_document(record_with({"show_empty_level2": True}))
    assert not problems
    fields, _ = interchange.record_fields(records[0])
    assert fields["print_options"] == {"show_empty_level2": True}


@pytest.mark.slow
def test_full_width_digits_and_signs_in_values_print_as_ordinary_ones(db):
    assessment = AssessmentFactory(
        indicators=[
            ("产出指标", "数量指标", "发放数量", "＞＝１００％", "＝９８．５％", "90", "88"),
        ]
    )
    table = build_official_table(assessment, paper=True)
    assert (table.lines[0].target, table.lines[0].actual) == (">=100%", "=98.5%")
    text = body_text(pdf.render_pdf(printable.printable(assessment)))
    assert ">=100%" in text and "=98.5%" in text
    # The stored text is unchanged, and Chinese punctuation in a value stays full width.
    assert assessment.indicators.get().target == "＞＝１００％"
    assert printed_value("及时（与政策要求一致）") == "及时（与政策要求一致）"


def test_the_official_table_prints_empty_level2_rows_blank_between_the_entered_ones(people):
    assessment = make(people)
    table = build_official_table(assessment, options=EMPTY_ROWS, paper=True)
    html = render_to_string("assessments/_official_table.html", {"table": table})
    rows = re.findall(r'<tr data-line="(\d+)"( class="[^"]*")>(.*?)</tr>', html, re.S)
    assert [int(number) for number, _, _ in rows] == list(range(len(table.lines)))
    empty = [cells for _, classes, cells in rows if "empty-level2" in classes]
    entered = [cells for _, classes, cells in rows if "empty-level2" not in classes]
    assert len(entered) == assessment.indicators.count() and empty
    # An empty row: 三级指标, 指标值, 完成值, 分值, 得分 and 原因, all blank; no hooks on paper.
    assert all(re.findall(r"<td[^>]*>([^<]*)</td>", cells)[-6:] == [""] * 6 for cells in empty)
    assert "data-target" not in html and "cell-error" not in html
