"""One cell address (assessments.kinds.address): one string form, one parser that also reads
the forms used before it, and the places that write and read it."""

import importlib

import pytest
from django.apps import apps

from assessments.kinds import address, get
from assessments.kinds.address import CellAddress
from assessments.models import Comment
from assessments.paper import fillable
from assessments.paper.official_table import build_official_table
from assessments.services import comments

from .factories import AssessmentFactory, UnitFactory, UserFactory, member


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("goal", CellAddress("goal")),
        ("funds.total.executed", CellAddress("funds", "total", "executed")),
        ("indicators.57.actual", CellAddress("indicators", "57", "actual")),
        ("indicators.57", CellAddress("indicators", "57")),
        ("indicators.#3.actual", CellAddress("indicators", "#3", "actual")),
        # The forms before one address: a finding, a comment, a wizard input.
        ("indicators[3].actual", CellAddress("indicators", "#3", "actual")),
        ("indicators[3]", CellAddress("indicators", "#3")),
        ("indicator:57.actual", CellAddress("indicators", "57", "actual")),
        ("indicator:57", CellAddress("indicators", "57")),
        ("rows-3-actual", CellAddress("indicators", "#3", "actual")),
    ],
)
def test_every_form_of_an_address_reads_as_one_cell(text, expected):
    assert address.parse(text) == expected


def test_an_address_has_one_string_form_that_reads_back():
    for cell in (
        CellAddress("goal"),
        CellAddress("funds", "carryover", "executed"),
        CellAddress("indicators", "57", "reason"),
        CellAddress.at("indicators", 0, "score"),
    ):
        assert address.parse(str(cell)) == cell
    assert str(address.parse("indicator:57.score")) == "indicators.57.score"


def test_a_row_named_by_position_is_named_by_id_given_the_ids():
    cell = address.parse("indicators[1].actual")
    assert (cell.position, cell.row_id) == (1, None)
    by_id = cell.with_row_ids([11, 12, 13])
    assert (str(by_id), by_id.row_id, by_id.position) == ("indicators.12.actual", 12, None)


def test_a_text_that_is_no_address_is_refused():
    for text in ("", "indicators..x", "DROP TABLE", "indicator:x.y"):
        with pytest.raises(address.AddressError):
            address.parse(text)


def test_the_kind_says_which_wizard_step_fills_a_cell():
    assessment, targets = get("assessment"), get("targets")
    assert assessment.step_of(address.parse("indicators[2].score")) == "actuals"
    assert assessment.step_of(address.parse("indicator:57.weight")) == "targets"
    assert assessment.step_of(address.parse("funds.total.executed")) == "funds"
    assert assessment.step_of(address.parse("outcome")) == "actuals"
    # A target table has no 实际完成 step: what it would fill is left to 核对.
    assert targets.step_of(address.parse("outcome")) == "review"


@pytest.fixture
def reviewer_and_table(db):
    unit = UnitFactory()
    reviewer = member(UserFactory(username="reviewer"), unit, "reviewer")
    return reviewer, AssessmentFactory(project__unit=unit, status="submitted")


def test_comments_are_pinned_by_address_and_the_old_form_still_pins(reviewer_and_table):
    reviewer, assessment = reviewer_and_table
    row = assessment.indicators.order_by("position").first()
    offered = dict(comments.comment_targets(assessment))
    assert f"indicators.{row.pk}.score" in offered and f"indicators.{row.pk}" in offered
    comment = comments.add_comment(
        assessment.pk, by=reviewer, target=f"indicator:{row.pk}.score", text="依据？"
    )
    assert comment.target == f"indicators.{row.pk}.score"


def test_the_migration_moves_stored_comments_to_the_one_form(reviewer_and_table):
    reviewer, assessment = reviewer_and_table
    row = assessment.indicators.first()
    old = Comment.objects.create(
        assessment=assessment,
        target=f"indicator:{row.pk}.reason",
        target_label="偏差原因",
        author=reviewer,
        text="请补充",
    )
    kept = Comment.objects.create(
        assessment=assessment, target="goal", target_label="预期目标", author=reviewer, text="好"
    )
    migration = importlib.import_module("assessments.migrations.0016_kinds_catalogue")
    migration.one_address_form(apps, None)
    old.refresh_from_db()
    kept.refresh_from_db()
    assert (old.target, kept.target) == (f"indicators.{row.pk}.reason", "goal")
    migration.old_address_form(apps, None)
    old.refresh_from_db()
    assert old.target == f"indicator:{row.pk}.reason"


def test_the_fillable_workbooks_keys_are_cell_addresses(db):
    assert fillable.indicator_key(57, "actual") == str(CellAddress("indicators", "57", "actual"))
    assert fillable.funds_key("current") == "funds.current.executed"
    assert fillable.open_field("indicators.57.actual").label == "实际完成值"
    with pytest.raises(KeyError):
        fillable.open_field("indicators.#3.actual")


def test_the_screen_marks_a_finding_on_the_cell_its_address_names(db):
    assessment = AssessmentFactory()
    row = assessment.indicators.order_by("position").first()
    row.reason = ""
    row.score = row.weight / 2
    row.save()
    table = build_official_table(assessment)
    where = next(f.where for f in table.findings if f.code == "REASON_MISSING")
    assert where == "indicators[0].reason"
    assert table.severity_at("indicators.#0.reason") == table.severity_at(where) != ""
    assert table.severity_at("indicators.#0") != ""
