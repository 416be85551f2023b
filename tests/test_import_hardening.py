"""Import files that try to break the reader: each refused with its JSON path, nothing stored."""

import io
import json
import sys

import pytest
from django.core.management import CommandError, call_command

from assessments.management.commands import import_assessments
from assessments.management.commands.load_demo import DEMO_FILE
from assessments.models import Assessment, Project


def one_table():
    document = json.loads(DEMO_FILE.read_text(encoding="utf-8"))
    document["assessments"] = document["assessments"][:1]
    return json.dumps(document, ensure_ascii=False, indent=1)


def refused(tmp_path, text):
    path = tmp_path / "in.json"
    path.write_text(text, encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("import_assessments", str(path), stdout=io.StringIO(), stderr=err)
    assert not Assessment.objects.exists() and not Project.objects.exists()
    return err.getvalue() + str(raised.value)


def test_a_duplicate_key_is_refused_with_its_path(db, tmp_path):
    text = one_table().replace('"goal":', '"goal": "另一个目标",\n  "goal":', 1)
    assert json.loads(text)  # plain json would silently keep one value
    printed = refused(tmp_path, text)
    assert "$.assessments[0].goal：同一对象中出现了两次这个键" in printed


def test_a_duplicate_key_inside_an_indicator_is_refused_with_its_path(db, tmp_path):
    text = one_table().replace('"score":', '"score": "0.00", "score":', 1)
    assert "$.assessments[0].indicators[0].score：同一对象中出现了两次这个键" in refused(
        tmp_path, text
    )


def test_a_five_thousand_digit_year_is_refused_with_its_path(db, tmp_path):
    text = one_table().replace('"year": 2022', '"year": ' + "9" * 5000, 1)
    assert "$.assessments[0].year：数字过长（5000 位" in refused(tmp_path, text)


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("1" * 400 + ".5", "数字过长（401 位"),
        ("1e99999", "数值超出范围"),
        ("-Infinity", "-Infinity 不是 JSON 允许的数值"),
        ("NaN", "NaN 不是 JSON 允许的数值"),
    ],
)
def test_huge_or_invalid_numbers_are_refused_with_their_path(db, tmp_path, number, message):
    text = one_table().replace('"budget_weight": "', f'"budget_weight": {number}, "x": "', 1)
    assert f"$.assessments[0].budget_weight：{message}" in refused(tmp_path, text)


def test_deep_nesting_is_refused_with_its_path(db, tmp_path):
    text = one_table().replace('"goal":', '"goal": ' + "[" * 50 + "]" * 50 + ', "g":', 1)
    # $ is level 0: the 21st level is the 18th list inside goal.
    assert "$.assessments[0].goal" + "[0]" * 18 + "：嵌套层数过多" in refused(tmp_path, text)


def test_nesting_deeper_than_the_parser_can_go_is_refused(db, tmp_path):
    text = "[" * 100_000 + "]" * 100_000
    assert "$：嵌套层数过多" in refused(tmp_path, text)


def test_standard_input_is_held_to_the_size_limit(db, monkeypatch):
    text = one_table().encode("utf-8")
    monkeypatch.setattr(import_assessments, "MAX_FILE_BYTES", len(text) - 1)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text), encoding="utf-8"))
    with pytest.raises(CommandError, match="文件过大"):
        call_command("import_assessments", "-", stdout=io.StringIO(), stderr=io.StringIO())
    assert not Assessment.objects.exists()


def test_standard_input_within_the_limit_imports(db, monkeypatch):
    text = one_table().encode("utf-8")
    monkeypatch.setattr(import_assessments, "MAX_FILE_BYTES", len(text))
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text), encoding="utf-8"))
    call_command("import_assessments", "-", stdout=io.StringIO(), stderr=io.StringIO())
    assert Assessment.objects.count() == 1
