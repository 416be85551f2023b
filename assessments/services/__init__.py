"""Every change of stored state goes through here, inside one transaction, with its log entry.

- drafts: creating, copying and saving a table step by step
- workflow: submit, return, sign off, reopen
- comments: remarks pinned to cells, and their answers
- importing: tables read from interchange files

Each step re-reads its row with select_for_update() inside transaction.atomic(), checks
permission and status, changes, writes one AssessmentEvent, and schedules side effects with
transaction.on_commit. What the modules share is here.
"""

from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone

from ..models import Assessment, AssessmentEvent, Signature
from ..rules import Evaluation
from ..trust import keys, signing

# What an edit changed, as the log keeps it: the label of a cell → [before, after].
Changes = dict[str, list[object]]


class AssessmentError(Exception):
    """A change the rules do not allow; the message is for the user."""


class EditConflict(AssessmentError):
    """The draft changed since the form was opened; nothing was saved."""


def check(allowed_reason: tuple[bool, str]) -> None:
    """Raise the permission's reason when it refuses."""
    allowed, reason = allowed_reason
    if not allowed:
        raise AssessmentError(reason)


def locked(assessment_id: int) -> Assessment:
    """The assessment, locked for the rest of the transaction."""
    return (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("project__unit__parent", "year", "updated_by")
        .get(pk=assessment_id)
    )


def refresh_computed(assessment: Assessment, evaluation: Evaluation | None = None) -> Evaluation:
    """Store the figures its kind's evaluate() derives, so lists can sort and filter on them."""
    evaluation = evaluation or assessment.evaluate()
    assessment.execution_rate = evaluation.execution_rate
    assessment.total_score = evaluation.total_score
    assessment.grade = evaluation.grade
    assessment.error_count = len(evaluation.errors)
    assessment.warning_count = len(evaluation.warnings)
    return evaluation


def log_event(
    assessment: Assessment,
    action: str,
    *,
    by: User | None = None,
    from_status: str = "",
    to_status: str = "",
    comment: str = "",
    changes: Changes | None = None,
    snapshot: dict[str, Any] | None = None,
) -> AssessmentEvent:
    return AssessmentEvent.objects.create(
        assessment=assessment,
        actor=by,
        action=action,
        from_status=from_status,
        to_status=to_status,
        comment=comment,
        changes=changes or {},
        snapshot=snapshot,
    )


def log_in_place(
    assessment: Assessment,
    action: str,
    *,
    by: User,
    comment: str = "",
    changes: Changes | None = None,
) -> AssessmentEvent:
    """Log a step that leaves the status as it is: an edit, a comment, an answer."""
    return log_event(
        assessment,
        action,
        by=by,
        from_status=assessment.status,
        to_status=assessment.status,
        comment=comment,
        changes=changes,
    )


def sign(assessment: Assessment, *, by: User | None, comment: str = "") -> Signature:
    """Record the signature of the table as it is now; refused without a signing key."""
    try:
        return signing.record_signature(assessment, by=by, comment=comment)
    except keys.SigningKeyMissing as error:
        raise AssessmentError(str(error)) from None


def void_signatures(assessment: Assessment, *, by: User | None, reason: str) -> None:
    assessment.signatures.valid().update(voided_at=timezone.now(), voided_by=by, void_reason=reason)
