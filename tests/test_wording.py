"""Generated Chinese sentences: parts that end in punctuation are joined without doubling it."""

from hypothesis import given
from hypothesis import strategies as st

from assessments.models import Assessment, Indicator
from assessments.paper.remarks import adjustment_note
from assessments.rules import evaluate
from assessments.rules.wording import CLOSING_MARKS, clause, enumeration, sentence

from .factories import login
from .test_rules import split_45_35_10


def test_a_reason_ending_in_a_full_stop_is_not_followed_by_a_comma():
    note = adjustment_note(
        {
            "changes": [{"field": "weight", "name": "培训人次", "old": "10", "new": "8"}],
            "reason": "培训场地改造，下半年停训两个月。",
            "decided_at": "2026-12-07T10:57:00+08:00",
        }
    )
    assert note == (
        "目标调整：“培训人次”分值原为 10，调整为 8，"
        "理由：培训场地改造，下半年停训两个月，于 2026-12-07 批准。"
    )


def test_findings_joined_into_one_sentence_have_one_mark_between_them():
    joined = sentence("执行率低于 90%，请在实际完成情况中说明原因。", "第 1 行：分值缺失。")
    assert joined == "执行率低于 90%，请在实际完成情况中说明原因；第 1 行：分值缺失。"


def test_empty_parts_are_left_out():
    assert sentence("", "  ", "甲。") == "甲。"
    assert sentence() == ""
    assert enumeration(["甲、", "", "乙"]) == "甲、乙"


@given(st.lists(st.text(min_size=1, max_size=12), min_size=1, max_size=5))
def test_no_two_marks_meet_where_parts_are_joined(parts):
    joined = sentence(*parts)
    for part in (clause(p) for p in parts):
        if part:
            assert part in joined
    if joined:
        assert joined.endswith("。")
        assert joined[-2] not in CLOSING_MARKS


def test_the_level1_split_warning_reads_as_one_sentence():
    messages = [f.message for f in evaluate(split_45_35_10()).findings]
    split = next(m for m in messages if m.startswith("一级指标分值分配与原则不同"))
    assert "。；" not in split and split.endswith("。") and not split.endswith("。。")


def test_the_publication_page_offers_its_choices_in_chinese(client, demo):
    login(client, "juzhang")
    page = client.get("/assessments/publications/").content.decode()
    assert "Select an option" not in page
    assert "请选择" in page


def test_a_choice_is_shown_by_its_label_and_an_unknown_value_as_it_is():
    table = Assessment(status=Assessment.Status.SIGNED_OFF)
    assert table.get_status_display() == str(Assessment.Status.SIGNED_OFF.label)
    table.status = "unheard-of"
    assert table.get_status_display() == "unheard-of"
    assert Indicator(grade=Indicator.Grade.PARTIAL).get_grade_display() == str(
        Indicator.Grade.PARTIAL.label
    )
