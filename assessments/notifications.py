"""Mail about workflow steps; sent after the transaction commits, never inside it."""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse

from .models import AssessmentEvent, Membership, Notice

logger = logging.getLogger(__name__)

SUBJECTS = {
    AssessmentEvent.Action.SUBMIT: "【绩效自评】{year} 年度“{project}”已提交，请审核",
    AssessmentEvent.Action.RETURN: "【绩效自评】{year} 年度“{project}”已退回，请修改",
    AssessmentEvent.Action.SIGN_OFF: "【绩效自评】{year} 年度“{project}”已签发",
}


def recipients(assessment, event):
    unit, department = assessment.unit, assessment.department
    if event.action == AssessmentEvent.Action.SUBMIT:
        organisations, role = [unit.pk, department and department.pk], Membership.Role.REVIEWER
    else:
        organisations, role = [unit.pk], Membership.Role.PREPARER
    users = (
        get_user_model()
        .objects.filter(
            memberships__organisation_id__in=[o for o in organisations if o],
            memberships__role=role,
            is_active=True,
        )
        .exclude(email="")
    )
    return sorted({user.email for user in users})


def notify(assessment, event):
    """Mail about a step that has committed; a failure is logged, never raised."""
    try:
        _notify(assessment, event)
    except Exception:
        # The step is done: a relay that is down, or a header that refuses a stored name,
        # must not turn it into an error page.
        logger.exception("通知邮件发送失败：第 %s 号自评表，%s", assessment.pk, event.action)


def _notify(assessment, event):
    template = SUBJECTS.get(event.action)
    if template is None:
        return
    addresses = recipients(assessment, event)
    if not addresses:
        return
    actor = event.actor.get_full_name() or event.actor.username if event.actor else "系统"
    link = reverse("assessments:detail", args=[assessment.pk])
    body = (
        f"{actor} {event.get_action_display()}了 {assessment.year.year} 年度"
        f"“{assessment.subject}”（{assessment.unit.name}）。\n"
        + (f"说明：{event.comment}\n" if event.comment else "")
        + f"\n查看：{settings.SITE_URL.rstrip('/')}{link}\n"
    )
    # A name stored before line breaks were refused still makes a one-line subject.
    project = " ".join(assessment.subject.split())
    subject = template.format(year=assessment.year.year, project=project)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, addresses)


def members(organisation_ids, role):
    """The active people with the role in any of the organisations."""
    return list(
        get_user_model()
        .objects.filter(
            memberships__organisation_id__in=[o for o in organisation_ids if o],
            memberships__role=role,
            is_active=True,
        )
        .distinct()
        .order_by("pk")
    )


def tell(users, *, title, body, url=""):
    """A notice (消息) for each person, stored with the change that caused it; the mail goes
    out after the transaction commits, to those with an address."""
    users = [user for user in users if user is not None]
    Notice.objects.bulk_create(
        [Notice(user=user, title=title, body=body, url=url) for user in users]
    )
    addresses = sorted({user.email for user in users if user.email})
    if addresses:
        site = settings.SITE_URL.rstrip("/")
        text = body + (f"\n\n查看：{site}{url}\n" if url else "\n")
        transaction.on_commit(lambda: _mail(title, text, addresses))


def _mail(subject, body, addresses):
    try:
        send_mail(" ".join(subject.split()), body, settings.DEFAULT_FROM_EMAIL, addresses)
    except Exception:
        logger.exception("通知邮件发送失败：%s", subject)
