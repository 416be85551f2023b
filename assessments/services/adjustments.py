"""Target adjustments (目标调整): a change of approved targets, asked for and decided on.

Approval applies the changes to the self-assessment's rows in the same transaction.
"""

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from .. import notifications, permissions, rules
from ..models import Assessment, AssessmentEvent, Indicator, Membership, TargetAdjustment
from . import AssessmentError, Changes, check, locked, log_in_place, refresh_computed

FIELD_LABELS = {"target": "年度指标值", "weight": "分值", "goal": "预期目标"}
# A change of the 预期目标 is a change of no row: it names the goal.
GOAL = "goal"
GOAL_NAME = "预期目标"


def _text(field: str, value: object) -> str:
    """A target or a weight as the adjustment keeps it: text, a weight without trailing zeros."""
    if value is None:
        return ""
    if field == "weight" and isinstance(value, Decimal):
        return rules.format_points(value)
    return str(value)


def _log_label(change: Mapping[str, str]) -> str:
    if change["field"] == GOAL:
        return f"年度总体目标 · {GOAL_NAME}"
    return f"指标“{change['name']}” · {FIELD_LABELS[change['field']]}"


def _log_changes(changes: Sequence[Mapping[str, str]]) -> Changes:
    return {_log_label(c): [c["old"] or None, c["new"] or None] for c in changes}


@transaction.atomic
def request_adjustment(
    assessment_id: int,
    *,
    by: User,
    changes: Sequence[Mapping[str, object]],
    reason: str,
) -> TargetAdjustment:
    """Ask for new targets, weights or a new 预期目标; `changes` are {"row": id, "field",
    "new"} ({"row": None, "field": "goal", "new"} for the goal)."""
    assessment = locked(assessment_id)
    check(permissions.can_request_adjustment(by, assessment))
    reason = (reason or "").strip()
    if not reason:
        raise AssessmentError("申请目标调整时必须填写调整理由。")
    rows = {row.pk: row for row in assessment.indicators.all()}
    stored: list[dict[str, Any]] = []
    for change in changes:
        if change["field"] == GOAL:
            old, new = assessment.goal, _text(GOAL, change["new"]).strip()
            if old != new:
                stored.append(
                    {"row": None, "name": GOAL_NAME, "field": GOAL, "old": old, "new": new}
                )
            continue
        row, field = rows.get(change["row"]), change["field"]  # type: ignore[call-overload]
        if row is None or field not in FIELD_LABELS:
            raise AssessmentError("调整的指标行已不存在，请重新打开页面。")
        old, new = _text(field, getattr(row, field)), _text(field, change["new"])
        if old != new:
            stored.append({"row": row.pk, "name": row.name, "field": field, "old": old, "new": new})
    if not stored:
        raise AssessmentError("没有要调整的内容：请至少改动预期目标、一项年度指标值或分值。")
    adjustment = TargetAdjustment.objects.create(
        assessment=assessment, changes=stored, reason=reason, requested_by=by
    )
    log_in_place(
        assessment,
        AssessmentEvent.Action.ADJUST_REQUEST,
        by=by,
        comment=reason,
        changes=_log_changes(stored),
    )
    _tell_deciders(adjustment, by=by)
    return adjustment


def _where(assessment: Assessment) -> str:
    return f"{assessment.year.year} 年度“{assessment.subject}”（{assessment.unit.name}）"


def _tell_deciders(adjustment: TargetAdjustment, *, by: User) -> None:
    """The reviewers who may decide (of the unit and its department, not the requester)."""
    assessment = adjustment.assessment
    unit = assessment.unit
    deciders = [
        user
        for user in notifications.members([unit.pk, unit.parent_id], Membership.Role.REVIEWER)
        if user.pk != by.pk
    ]
    notifications.tell(
        deciders,
        title=f"【目标调整】{_where(assessment)}申请调整目标，请审批",
        body=f"{by.get_full_name() or by.username} 申请调整{_where(assessment)}的"
        f"{'、'.join(dict.fromkeys(FIELD_LABELS[c['field']] for c in adjustment.changes))}。"
        f"\n理由：{adjustment.reason}",
        url=assessment.get_absolute_url(),
    )


def _tell_requester(adjustment: TargetAdjustment) -> None:
    assessment = adjustment.assessment
    decision = adjustment.get_status_display()
    comment = f"\n意见：{adjustment.decision_comment}" if adjustment.decision_comment else ""
    notifications.tell(
        [adjustment.requested_by],
        title=f"【目标调整】{_where(assessment)}的目标调整{decision}",
        body=f"您申请的{_where(assessment)}目标调整{decision}。{comment}",
        url=assessment.get_absolute_url(),
    )


def _locked_adjustment(adjustment_id: int) -> TargetAdjustment:
    adjustment = TargetAdjustment.objects.select_for_update().get(pk=adjustment_id)
    # The table first, then the adjustment again: the same order as every other change.
    adjustment.assessment = locked(adjustment.assessment_id)
    return adjustment


@transaction.atomic
def approve_adjustment(adjustment_id: int, *, by: User, comment: str = "") -> TargetAdjustment:
    """Approve and apply: the rows take the new targets and weights, the figures follow."""
    adjustment = _locked_adjustment(adjustment_id)
    assessment = adjustment.assessment
    check(permissions.can_decide_adjustment(by, adjustment))
    rows = {row.pk: row for row in assessment.indicators.all()}
    for change in adjustment.changes:
        if change["field"] == GOAL:
            if assessment.goal != change["old"]:
                raise AssessmentError(
                    "预期目标在申请之后已经改变，不能按原申请调整；请驳回后重新申请。"
                )
            assessment.goal = change["new"]
            continue
        row = rows.get(change["row"])
        if row is None or _text(change["field"], getattr(row, change["field"])) != change["old"]:
            raise AssessmentError(
                f"指标“{change['name']}”在申请之后已经改变，不能按原申请调整；请驳回后重新申请。"
            )
        if change["field"] == "weight":
            row.weight = Decimal(change["new"]) if change["new"] else None
        else:
            row.target = change["new"]
    Indicator.objects.bulk_update(list(rows.values()), ["target", "weight"])
    adjustment.status = TargetAdjustment.Status.APPROVED
    adjustment.decided_by, adjustment.decided_at = by, timezone.now()
    adjustment.decision_comment = (comment or "").strip()
    adjustment.save(update_fields=["status", "decided_by", "decided_at", "decision_comment"])
    refresh_computed(assessment, assessment.evaluate(list(rows.values())))
    assessment.version += 1
    assessment.save()
    log_in_place(
        assessment,
        AssessmentEvent.Action.ADJUST_APPROVE,
        by=by,
        comment=adjustment.decision_comment or adjustment.reason,
        changes=_log_changes(adjustment.changes),
    )
    _tell_requester(adjustment)
    return adjustment


@transaction.atomic
def reject_adjustment(adjustment_id: int, *, by: User, comment: str) -> TargetAdjustment:
    """Turn the request down with a reason; the targets stay as approved."""
    adjustment = _locked_adjustment(adjustment_id)
    check(permissions.can_decide_adjustment(by, adjustment))
    comment = (comment or "").strip()
    if not comment:
        raise AssessmentError("驳回目标调整时必须填写意见。")
    adjustment.status = TargetAdjustment.Status.REJECTED
    adjustment.decided_by, adjustment.decided_at = by, timezone.now()
    adjustment.decision_comment = comment
    adjustment.save(update_fields=["status", "decided_by", "decided_at", "decision_comment"])
    log_in_place(
        adjustment.assessment,
        AssessmentEvent.Action.ADJUST_REJECT,
        by=by,
        comment=comment,
        changes=_log_changes(adjustment.changes),
    )
    _tell_requester(adjustment)
    return adjustment
