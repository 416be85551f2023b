"""Linking late: a self-assessment started before its project's target table was approved
takes the approved targets when the preparer accepts them.

The approval offers the link (a notice to the unit's preparers, the differences on the
linking page); accepting copies the budget, the goal and the tree with its targets and weights
from the approved table, keeps what was typed of the actuals where a row of the same name
remains, and is logged with every difference. A self-assessment that is not linked while
approved targets exist cannot be signed off.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction

from .. import notifications, permissions, rules
from ..models import Assessment, AssessmentEvent, Indicator, Membership
from . import AssessmentError, Changes, check, locked, log_in_place, refresh_computed
from .drafts import ROW_FIELDS_ACTUALS, approved_targets

BUDGET_COLUMNS = ("initial_budget", "full_year_budget")


@dataclass(frozen=True)
class Difference:
    """One thing the link changes: what, as the table has it now, as approved."""

    label: str
    current: str
    approved: str


def _text(value: object) -> str:
    if value is None or value == "":
        return "（空）"
    if isinstance(value, Decimal):
        return format(value, ",f")
    return str(value)


def _row_key(row: Indicator) -> tuple[str, str, str]:
    return (row.level1, row.level2, row.name)


def differences(assessment: Assessment, targets: Assessment) -> list[Difference]:
    """Everything the approved target table would change in the self-assessment."""
    found: list[Difference] = []
    for line in rules.FUND_LINES:
        for column in BUDGET_COLUMNS:
            name = f"{line}_{column}"
            current, approved = getattr(assessment, name), getattr(targets, name)
            if current != approved:
                label = f"{rules.FUND_LINE_LABELS[line]} · {rules.FUND_COLUMN_LABELS[column]}"
                found.append(Difference(label, _text(current), _text(approved)))
    if assessment.money_unit != targets.money_unit:
        found.append(Difference("金额单位", assessment.money_unit, targets.money_unit))
    if rules.clean_text(assessment.goal) != rules.clean_text(targets.goal):
        found.append(Difference("年度总体目标", _text(assessment.goal), _text(targets.goal)))
    current_rows = {_row_key(row): row for row in assessment.indicators.all()}
    approved_rows = {_row_key(row): row for row in targets.indicators.all()}
    for key, row in approved_rows.items():
        mine = current_rows.get(key)
        if mine is None:
            found.append(Difference(f"指标“{row.name}”", "（无此指标）", _row_text(row)))
        elif (mine.target, mine.weight) != (row.target, row.weight):
            found.append(Difference(f"指标“{row.name}”", _row_text(mine), _row_text(row)))
    for key, row in current_rows.items():
        if key not in approved_rows:
            found.append(Difference(f"指标“{row.name}”", _row_text(row), "（删除）"))
    return found


def _row_text(row: Indicator) -> str:
    weight = rules.format_points(row.weight) if row.weight is not None else "未填写"
    return f"指标值 {row.target or '（空）'}，分值 {weight}"


def link_offer(assessment: Assessment) -> Assessment | None:
    """The approved target table a self-assessment could still be linked to, if any."""
    if assessment.targets_source_id is not None:
        return None
    return approved_targets(assessment.project, assessment.year, assessment.kind)


@transaction.atomic
def link_targets(assessment_id: int, *, by: User, base_version: int) -> Assessment:
    """Take the approved targets: budget, goal, tree, targets and weights, logged as one
    entry with every difference. Actuals typed for a row that stays are kept."""
    assessment = locked(assessment_id)
    check(permissions.can_edit(by, assessment))
    if assessment.version != base_version:
        raise AssessmentError("这张自评表在您打开此页后已被修改；请重新查看差异后再确认关联。")
    targets = link_offer(assessment)
    if targets is None:
        raise AssessmentError("没有可关联的已批准绩效目标表，或本表已经关联。")
    found = differences(assessment, targets)
    typed = {_row_key(row): row for row in assessment.indicators.all()}
    rows = []
    for position, source in enumerate(targets.indicators.all(), start=1):
        row = Indicator(
            assessment=assessment,
            position=position,
            level1=source.level1,
            level2=source.level2,
            name=source.name,
            target=source.target,
            weight=source.weight,
            criteria=source.criteria,
        )
        if (kept := typed.get(_row_key(source))) is not None:
            for name in ROW_FIELDS_ACTUALS:
                setattr(row, name, getattr(kept, name))
        rows.append(row)
    assessment.indicators.all().delete()
    Indicator.objects.bulk_create(rows)
    for line in rules.FUND_LINES:
        for column in BUDGET_COLUMNS:
            name = f"{line}_{column}"
            setattr(assessment, name, getattr(targets, name))
    assessment.money_unit = targets.money_unit
    assessment.goal = targets.goal
    assessment.targets_source = targets
    assessment.approved_budget = targets.total_full_year_budget
    assessment.version += 1
    assessment.updated_by = by
    refresh_computed(assessment, rules.evaluate(assessment.rules_input(rows)))
    assessment.save()
    changes: Changes = {d.label: [d.current, d.approved] for d in found}
    log_in_place(
        assessment,
        AssessmentEvent.Action.LINK_TARGETS,
        by=by,
        comment="关联已批准的绩效目标表",
        changes=changes,
    )
    return assessment


def offer_links(targets: Assessment) -> None:
    """On approval of a target table: tell the unit's preparers that its self-assessment of the
    year, started without approved targets, can take them."""
    waiting = (
        Assessment.objects.self_assessments()
        .filter(project=targets.project, year=targets.year, targets_source__isnull=True)
        .exclude(pk=targets.pk)
        .first()
    )
    if waiting is None:
        return
    where = f"{targets.year.year} 年度“{targets.subject}”"
    notifications.tell(
        notifications.members([targets.unit.pk], Membership.Role.PREPARER),
        title=f"【绩效目标】{where}的绩效目标表已批准，请关联自评表",
        body=f"{where}的绩效目标表已批准。本项目的自评表是在批准前建立的，"
        "请核对差异并关联已批准的目标；关联前自评表不能签发。",
        url=waiting.get_absolute_url(),
    )


def refuse_unlinked(assessment: Assessment) -> None:
    """A self-assessment is not signed off beside approved targets it does not use."""
    if link_offer(assessment) is not None:
        raise AssessmentError(
            f"{assessment.year.year} 年度“{assessment.subject}”的绩效目标表已经批准，"
            "这张自评表尚未关联，仍按未经审批的目标填写；请退回填报人关联已批准的目标后再签发。"
        )
