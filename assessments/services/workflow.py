"""The workflow: submit, return, sign off, reopen."""

import logging
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from .. import notifications, permissions
from ..formats import display_name
from ..kinds.base import AT_SIGN_OFF
from ..models import Assessment, AssessmentEvent, Signature
from ..paper.official_table import PrintOptions
from ..rules.wording import sentence
from ..trust.signing import canonical_snapshot
from . import AssessmentError, check, linking, locked, log_event, sign, void_signatures
from .background import STORE_SIGNED_PDF, task_named
from .comments import unanswered_comments

logger = logging.getLogger(__name__)


def _move(
    assessment: Assessment,
    to_status: str,
    action: str,
    *,
    by: User,
    comment: str = "",
    snapshot: dict[str, Any] | None = None,
) -> AssessmentEvent:
    from_status = assessment.status
    assessment.status = to_status
    assessment.version += 1
    assessment.save(update_fields=["status", "version", "updated_at"])
    event = log_event(
        assessment,
        action,
        by=by,
        from_status=from_status,
        to_status=to_status,
        comment=comment,
        snapshot=snapshot,
    )
    transaction.on_commit(lambda: notifications.notify(assessment, event))
    return event


@transaction.atomic
def submit_assessment(assessment_id: int, *, by: User) -> AssessmentEvent:
    assessment = locked(assessment_id)
    check(permissions.can_submit(by, assessment))
    evaluation = assessment.evaluate()
    if evaluation.errors:
        raise AssessmentError(
            f"还有 {len(evaluation.errors)} 个错误，修改后才能提交："
            + sentence(*(f.message for f in evaluation.errors[:3]))
        )
    open_comments = unanswered_comments(assessment).count()
    if open_comments:
        raise AssessmentError(f"退回时的 {open_comments} 条批注还没有答复，答复后才能再次提交。")
    return _move(
        assessment,
        Assessment.Status.SUBMITTED,
        AssessmentEvent.Action.SUBMIT,
        by=by,
        snapshot=canonical_snapshot(assessment),
    )


@transaction.atomic
def return_assessment(assessment_id: int, *, by: User, reason: str) -> AssessmentEvent:
    assessment = locked(assessment_id)
    check(permissions.can_return(by, assessment))
    reason = (reason or "").strip()
    if not reason:
        raise AssessmentError("退回时必须填写退回原因。")
    event = _move(
        assessment,
        Assessment.Status.RETURNED,
        AssessmentEvent.Action.RETURN,
        by=by,
        comment=reason,
        snapshot=canonical_snapshot(assessment),
    )
    assessment.comments.filter(parent__isnull=True, return_event__isnull=True).update(
        return_event=event
    )
    return event


def record_opinion(assessment: Assessment, by: User, opinion: str) -> None:
    """The reviewer's opinion, name and date in the cells of the level she approves for
    (TableKind.review_opinions), so that the signature covers them and the table prints them."""
    level = permissions.review_level(by, assessment)
    kind = assessment.table_kind
    if level not in dict(kind.review_opinions):
        return
    values = {
        f"{level}_opinion": opinion,
        f"{level}_reviewer": display_name(by),
        f"{level}_date": timezone.localdate().isoformat(),
    }
    try:
        typed = {key: kind.cell(key).read(value) for key, value in values.items()}
    except ValueError as error:
        raise AssessmentError(str(error)) from None
    assessment.cells = {**(assessment.cells or {}), **typed}
    assessment.save(update_fields=["cells"])


@transaction.atomic
def sign_off_assessment(
    assessment_id: int, *, by: User, comment: str = "", opinion: str = ""
) -> AssessmentEvent:
    """Sign the table off; a kind that prints review opinions records `opinion` (blank: only
    the reviewer and the date) for the level the reviewer approves for."""
    assessment = locked(assessment_id)
    check(permissions.can_sign_off(by, assessment))
    linking.refuse_unlinked(assessment)
    evaluation = assessment.evaluate()
    if evaluation.errors:
        raise AssessmentError(f"还有 {len(evaluation.errors)} 个错误，不能签发。")
    if assessment.table_kind.review_opinions:
        record_opinion(assessment, by, opinion)
    # The settings in force now become the table's own: its signed copy prints with them
    # whatever the site's defaults later become.
    assessment.print_options = PrintOptions.of(assessment.print_options).as_dict()
    assessment.save(update_fields=["print_options"])
    signature = sign(assessment, by=by, comment=comment)
    event = _move(
        assessment,
        Assessment.Status.SIGNED_OFF,
        AssessmentEvent.Action.SIGN_OFF,
        by=by,
        comment=comment,
        snapshot=signature.snapshot,
    )
    linking.offer_links(assessment)
    transaction.on_commit(lambda: queue_signed_pdf(signature))
    return event


def queue_signed_pdf(signature: Signature) -> None:
    """Hand the signed PDF to the background worker once the sign-off has committed.

    Rendering takes a core for a fraction of a second, too long to hold a request for. The
    sign-off is done whatever happens here: a queue that refuses the task is logged, and the
    first download renders the PDF instead (paper.stored.stored_signed_pdf).
    """
    try:
        task_named(STORE_SIGNED_PDF).enqueue(signature.pk)
    except Exception:
        logger.exception("签发版 PDF 未能排入后台任务，将在下载时生成：签发记录 %s", signature.pk)


@transaction.atomic
def withdraw_assessment(assessment_id: int, *, by: User, reason: str) -> AssessmentEvent:
    """The preparer takes her submission back to correct it, before a reviewer acts."""
    assessment = locked(assessment_id)
    check(permissions.can_withdraw(by, assessment))
    reason = (reason or "").strip()
    if not reason:
        raise AssessmentError("撤回时必须填写原因。")
    return _move(
        assessment, Assessment.Status.DRAFT, AssessmentEvent.Action.WITHDRAW, by=by, comment=reason
    )


@transaction.atomic
def reopen_assessment(assessment_id: int, *, by: User, reason: str) -> AssessmentEvent:
    assessment = locked(assessment_id)
    check(permissions.can_reopen(by, assessment))
    reason = (reason or "").strip()
    if not reason:
        raise AssessmentError("重新打开时必须填写原因。")
    void_signatures(assessment, by=by, reason=reason)
    # The opinions of the voided approval go with it: the next approval writes its own.
    written = {cell.key for cell in assessment.table_kind.cells if cell.step == AT_SIGN_OFF}
    if written & set(assessment.cells or {}):
        assessment.cells = {k: v for k, v in assessment.cells.items() if k not in written}
        assessment.save(update_fields=["cells"])
    return _move(
        assessment, Assessment.Status.DRAFT, AssessmentEvent.Action.REOPEN, by=by, comment=reason
    )
