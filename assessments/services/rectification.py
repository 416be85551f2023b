"""整改: a department or the bureau asks a unit to put something right; the unit answers with
the result and its evidence; the issuer accepts it or sends it back. Every step locks the
request, checks, changes, writes one RectificationEvent and the notices, in one transaction."""

import datetime
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from .. import permissions
from ..models import (
    Assessment,
    Membership,
    Notice,
    Organisation,
    Rectification,
    RectificationEvent,
    SampledTable,
)
from . import AssessmentError, check

# The evidence taken, told by its first bytes (never by its name or the browser's word).
ATTACHMENT_KINDS = (
    (b"%PDF-", ".pdf", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", ".png", "image/png"),
    (b"\xff\xd8\xff", ".jpg", "image/jpeg"),
)
TEXT_LENGTH = 2000


@dataclass(frozen=True)
class AttachmentKind:
    extension: str
    content_type: str


def attachment_kind(head: bytes) -> AttachmentKind | None:
    """PDF, PNG or JPEG by the file's first bytes; None for anything else."""
    for magic, extension, content_type in ATTACHMENT_KINDS:
        if head.startswith(magic):
            return AttachmentKind(extension, content_type)
    return None


def check_attachment(upload: UploadedFile) -> AttachmentKind:
    """The attachment's kind, or the refusal in words (type, then size)."""
    limit = settings.RECTIFICATION_ATTACHMENT_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        raise AssessmentError(
            f"佐证文件过大：最大 {limit / 1024 / 1024:.0f} MB，"
            f"所选文件 {upload.size / 1024 / 1024:.1f} MB。"
        )
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    kind = attachment_kind(head)
    if kind is None:
        raise AssessmentError("佐证文件只能是 PDF 或图片（PNG、JPEG）；所选文件不是这几种格式。")
    return kind


def _text(value: str, what: str) -> str:
    value = (value or "").strip()
    if not value:
        raise AssessmentError(f"请填写{what}。")
    if len(value) > TEXT_LENGTH:
        raise AssessmentError(f"{what}过长：最多 {TEXT_LENGTH} 字。")
    return value


def _log(
    rectification: Rectification,
    action: str,
    *,
    by: User,
    comment: str = "",
    changes: dict | None = None,
) -> RectificationEvent:
    return RectificationEvent.objects.create(
        rectification=rectification,
        actor=by,
        action=action,
        comment=comment,
        changes=changes or {},
    )


def _notify(
    organisation: Organisation,
    roles: tuple[str, ...],
    title: str,
    rectification: Rectification,
) -> None:
    users = {
        m.user_id for m in Membership.objects.filter(organisation=organisation, role__in=roles)
    }
    Notice.objects.bulk_create(
        Notice(
            user_id=user_id,
            title=title,
            body=f"{rectification.assessment.subject}：{rectification.what}",
            url=rectification.get_absolute_url(),
        )
        for user_id in sorted(users)
    )


UNIT_ROLES = (Membership.Role.PREPARER, Membership.Role.REVIEWER)
ISSUER_ROLES = (Membership.Role.REVIEWER,)


@transaction.atomic
def issue(
    assessment_id: int,
    *,
    by: User,
    what: str,
    why: str,
    due_date: datetime.date,
    row: str = "",
    sampled_id: int | None = None,
) -> Rectification:
    """A rectification request to the table's unit, in the name of the department or bureau
    the issuer reviews for."""
    assessment = (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("project__unit__parent__parent", "organisation__parent")
        .get(pk=assessment_id)
    )
    unit = assessment.unit
    check(permissions.can_issue_rectification(by, unit))
    issuer = permissions.overseeing_organisation(by, unit)
    assert issuer is not None  # can_issue_rectification said so
    if due_date < timezone.localdate():
        raise AssessmentError("整改期限不能早于今天。")
    sampled = None
    if sampled_id is not None:
        sampled = SampledTable.objects.filter(pk=sampled_id, assessment=assessment).first()
        if sampled is None:
            raise AssessmentError("所指的抽查复核不是这张自评表的。")
    rectification = Rectification.objects.create(
        assessment=assessment,
        sampled=sampled,
        row=(row or "").strip()[:300],
        unit=unit,
        issuer=issuer,
        issued_by=by,
        what=_text(what, "整改事项"),
        why=_text(why, "整改原因"),
        due_date=due_date,
    )
    _log(
        rectification,
        RectificationEvent.Action.ISSUE,
        by=by,
        comment=rectification.what,
        changes={"due_date": due_date.isoformat(), "row": rectification.row},
    )
    _notify(unit, UNIT_ROLES, f"整改通知：{issuer.name}", rectification)
    return rectification


def _locked(rectification_id: int) -> Rectification:
    return (
        Rectification.objects.select_for_update(of=("self",))
        .select_related("unit__parent", "issuer", "assessment__project")
        .get(pk=rectification_id)
    )


@transaction.atomic
def answer(
    rectification_id: int, *, by: User, text: str, attachment: UploadedFile | None = None
) -> Rectification:
    """The unit's 整改结果, with evidence (a PDF or an image) if it has any."""
    rectification = _locked(rectification_id)
    check(permissions.can_answer_rectification(by, rectification))
    text = _text(text, "整改结果")
    changes: dict = {"status": [rectification.status, Rectification.Status.ANSWERED]}
    if attachment is not None:
        kind = check_attachment(attachment)
        original = attachment.name or f"佐证{kind.extension}"
        rectification.attachment.save(f"{uuid.uuid4().hex}{kind.extension}", attachment, save=False)
        rectification.attachment_name = original[-200:]
        changes["attachment"] = {"name": rectification.attachment_name, "size": attachment.size}
    rectification.answer = text
    rectification.status = Rectification.Status.ANSWERED
    rectification.answered_by = by
    rectification.answered_at = timezone.now()
    rectification.save()
    _log(rectification, RectificationEvent.Action.ANSWER, by=by, comment=text, changes=changes)
    _notify(
        rectification.issuer, ISSUER_ROLES, f"整改已答复：{rectification.unit.name}", rectification
    )
    return rectification


@transaction.atomic
def decide(rectification_id: int, *, by: User, accept: bool, note: str = "") -> Rectification:
    """The issuer accepts the answer, or sends it back with a reason."""
    rectification = _locked(rectification_id)
    check(permissions.can_decide_rectification(by, rectification))
    note = (note or "").strip()
    if not accept and not note:
        raise AssessmentError("退回整改时必须填写退回原因。")
    before = rectification.status
    rectification.status = (
        Rectification.Status.ACCEPTED if accept else Rectification.Status.SENT_BACK
    )
    rectification.decision_note = note
    rectification.save(update_fields=["status", "decision_note"])
    _log(
        rectification,
        RectificationEvent.Action.ACCEPT if accept else RectificationEvent.Action.SEND_BACK,
        by=by,
        comment=note,
        changes={"status": [before, rectification.status]},
    )
    title = "整改已通过" if accept else "整改被退回"
    _notify(rectification.unit, UNIT_ROLES, f"{title}：{rectification.issuer.name}", rectification)
    return rectification
