"""Comments pinned to cells of the table: the reviewer's remarks and the preparer's answers."""

from collections.abc import Iterable
from typing import cast

from django.contrib.auth.models import User
from django.db import models, transaction

from .. import permissions
from ..kinds.address import CellAddress, normalise
from ..models import Assessment, AssessmentEvent, Comment, Indicator
from . import AssessmentError, check, locked, log_in_place


def unanswered_comments(assessment: Assessment) -> models.QuerySet[Comment]:
    """Comments of the latest return that the preparer has not answered yet."""
    last_return = assessment.events.filter(action=AssessmentEvent.Action.RETURN).last()
    if last_return is None:
        return Comment.objects.none()
    return Comment.objects.filter(
        return_event=last_return, parent__isnull=True, answered_at__isnull=True
    )


def comment_targets(
    assessment: Assessment, indicators: Iterable[Indicator] | None = None
) -> list[tuple[str, str]]:
    """Every cell a comment may be pinned to, as (key, label), in the order of the table."""
    kind = assessment.table_kind
    targets = kind.comment_targets(assessment)
    if not kind.indicator_columns:
        return targets
    if indicators is None:
        indicators = list(assessment.indicators.all())
    for row in indicators:
        whole = CellAddress("indicators", str(row.pk))
        targets.append((str(whole), f"指标“{row.name}”（整行）"))
        for field_name in kind.indicator_columns:
            label = cast(models.Field, Indicator._meta.get_field(field_name)).verbose_name
            cell = CellAddress("indicators", str(row.pk), field_name)
            targets.append((str(cell), f"指标“{row.name}” · {label}"))
    return targets


@transaction.atomic
def add_comment(assessment_id: int, *, by: User, target: str, text: str) -> Comment:
    assessment = locked(assessment_id)
    check(permissions.can_comment(by, assessment))
    text = (text or "").strip()
    if not text:
        raise AssessmentError("批注内容不能为空。")
    labels = dict(comment_targets(assessment))
    # A form opened before addresses had one form may still post the old one.
    target = normalise(target)
    if target not in labels:
        raise AssessmentError("请选择批注所针对的栏目。")
    comment = Comment.objects.create(
        assessment=assessment, target=target, target_label=labels[target], author=by, text=text
    )
    log_in_place(
        assessment, AssessmentEvent.Action.COMMENT, by=by, comment=f"{labels[target]}：{text}"
    )
    return comment


@transaction.atomic
def answer_comment(comment_id: int, *, by: User, text: str) -> Comment:
    comment = Comment.objects.select_related("assessment").get(pk=comment_id, parent__isnull=True)
    assessment = locked(comment.assessment_id)
    check(permissions.can_answer(by, assessment))
    text = (text or "").strip()
    if not text:
        raise AssessmentError("答复内容不能为空。")
    reply = Comment.objects.create(
        assessment=assessment,
        target=comment.target,
        target_label=comment.target_label,
        parent=comment,
        author=by,
        text=text,
    )
    Comment.objects.filter(pk=comment.pk, answered_at__isnull=True).update(
        answered_at=reply.created_at
    )
    log_in_place(
        assessment,
        AssessmentEvent.Action.ANSWER,
        by=by,
        comment=f"{comment.target_label}：{text}",
    )
    return reply
