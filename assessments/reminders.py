"""Reminders before the deadlines: who is told about what, once, by mail and in the notices.

Preparers hear about their unit's tables not yet submitted (and projects without a table), and
a department's preparers about its own table (部门整体), N days before 填报截止 and on the day;
reviewers about tables waiting for them before 审核截止. One digest per person and occasion;
the Reminder row's key makes a second run send nothing twice. A mail that fails is logged and
not recorded, so the next run tries again.
"""

import datetime
import logging
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from . import deadlines
from .models import (
    Assessment,
    Membership,
    MonitoringRound,
    Notice,
    NoticeSettings,
    Organisation,
    Project,
    Reminder,
    ReportingYear,
)
from .models.cycle import Deadline

logger = logging.getLogger(__name__)

WAITING_FOR_PREPARER = (Assessment.Status.DRAFT, Assessment.Status.RETURNED)

# What a reminder of each occasion says: the tables, the deadline, what is waiting, the close.
OCCASIONS: dict[str, tuple[str, str, str, str]] = {
    Reminder.Occasion.ENTRY: (
        "自评表",
        "填报截止",
        "（当天 24 时截止）。以下自评表尚未提交：",
        "截止后将不能再修改或提交；如需延期，请联系审核人。",
    ),
    Reminder.Occasion.REVIEW: (
        "自评表",
        "审核截止",
        "。以下自评表已提交，等待您审核：",
        "请及时签发或退回。",
    ),
    Reminder.Occasion.MONITORING: (
        "运行监控表",
        "填报截止",
        "。以下运行监控表尚未提交：",
        "请按数据截至日的执行数和指标完成情况填报并提交。",
    ),
}


@dataclass
class Digest:
    """What one person is told on one occasion."""

    user: User
    year: ReportingYear
    kind: str
    due: datetime.date
    days_before: int
    lines: list[tuple[str, str]] = field(default_factory=list)  # (text, path)

    @property
    def key(self) -> tuple[int, int, str, datetime.date, int]:
        return (self.user.pk, self.year.pk, self.kind, self.due, self.days_before)

    @property
    def title(self) -> str:
        when = (
            "今天"
            if self.days_before == 0
            else f"还有 {self.days_before} 天（{deadlines.written_date(self.due)}）"
        )
        table, what, _, _ = OCCASIONS[self.kind]
        return f"【绩效自评】{self.year.year} 年度{table}{when}{what}"

    @property
    def body(self) -> str:
        site = settings.SITE_URL.rstrip("/")
        table, what, waiting, outro = OCCASIONS[self.kind]
        intro = (
            f"{self.year.year} 年度{table}的{what}日期是 {deadlines.written_date(self.due)}"
            f"{waiting}"
        )
        lines = [f"- {text}\n  {site}{path}" for text, path in self.lines]
        return "\n".join(
            [intro, *lines, outro, "", f"不想收到提醒邮件：{site}{reverse('notice_settings')}"]
        )


def _by_unit(rows):
    grouped = defaultdict(list)
    for row in rows:
        grouped[row.organisation_id or row.project.unit_id].append(row)
    return grouped


def digests(now: datetime.datetime) -> list[Digest]:
    """Every reminder due at `now` (a fixed clock in tests), sent or not."""
    today = timezone.localdate(now)
    days = set(settings.REMINDER_DAYS)
    found: dict[tuple, Digest] = {}
    memberships = list(
        Membership.objects.filter(user__is_active=True).select_related("user").order_by("pk")
    )
    people: defaultdict[tuple[int | None, str], list[User]] = defaultdict(list)
    for m in memberships:
        people[(m.organisation_id, m.role)].append(m.user)
    # The units, and the departments for their own tables (部门整体), which keep the
    # deadlines they set for their units.
    fillers = Organisation.objects.filter(
        kind__in=[Organisation.Kind.UNIT, Organisation.Kind.DEPARTMENT]
    )
    units = list(fillers.order_by("name"))
    for year in ReportingYear.objects.filter(is_open=True):
        rows = {row.organisation_id: row for row in Deadline.objects.filter(year=year)}
        tables = Assessment.objects.self_assessments().filter(year=year)
        tables = tables.select_related("project__unit", "organisation")
        open_tables = _by_unit(tables.filter(status__in=WAITING_FOR_PREPARER))
        submitted = _by_unit(tables.filter(status=Assessment.Status.SUBMITTED))
        without = _projects_without_table(year)
        for unit in units:
            due = deadlines.resolve(unit, year, rows)
            if due.entry and (due.entry - today).days in days:
                lines = [
                    (
                        f"{t.subject}（{t.get_status_display()}）",
                        reverse("assessments:detail", args=[t.pk]),
                    )
                    for t in open_tables.get(unit.pk, [])
                ] + [
                    (f"{p.name}（尚未新建）", reverse("assessments:start"))
                    for p in without.get(unit.pk, [])
                ]
                for user in people[(unit.pk, Membership.Role.PREPARER)]:
                    _add(found, user, year, Reminder.Occasion.ENTRY, due.entry, today, lines)
            if due.review and (due.review - today).days in days:
                lines = [
                    (
                        f"{t.subject}（{unit.name}）",
                        reverse("assessments:detail", args=[t.pk]),
                    )
                    for t in submitted.get(unit.pk, [])
                ]
                # A unit's tables are reviewed there and by its department; a department's own
                # table by the department alone.
                above = unit.parent_id if unit.is_unit else None
                reviewers = (
                    people[(unit.pk, Membership.Role.REVIEWER)]
                    + people[(above, Membership.Role.REVIEWER)]
                )
                for user in reviewers:
                    _add(found, user, year, Reminder.Occasion.REVIEW, due.review, today, lines)
        _monitoring_digests(found, year, today, days, people)
    return [digest for digest in found.values() if digest.lines]


def _monitoring_digests(found, year, today, days, people):
    """The preparers of units whose monitoring tables of a round are not yet submitted, N
    days before the round's 填报截止 and on the day."""
    rounds = [
        r
        for r in MonitoringRound.objects.filter(year=year, due__gte=today)
        if (r.due - today).days in days
    ]
    for round_ in rounds:
        waiting = round_.tables.filter(status__in=WAITING_FOR_PREPARER).select_related(
            "project__unit"
        )
        for unit_id, tables in _by_unit(waiting.order_by("project__name")).items():
            lines = [
                (
                    f"{t.project.name}（数据截至 {round_.cut_off.month}月{round_.cut_off.day}日，"
                    f"{t.get_status_display()}）",
                    reverse("assessments:detail", args=[t.pk]),
                )
                for t in tables
            ]
            for user in people[(unit_id, Membership.Role.PREPARER)]:
                _add(found, user, year, Reminder.Occasion.MONITORING, round_.due, today, lines)


def _projects_without_table(year):
    started = Assessment.objects.self_assessments().filter(year=year).values("project")
    projects = Project.objects.exclude(pk__in=started).select_related("unit")
    grouped = defaultdict(list)
    for project in projects.order_by("name"):
        grouped[project.unit_id].append(project)
    return grouped


def _add(found, user, year, kind, due, today, lines):
    days_before = (due - today).days
    key = (user.pk, year.pk, kind, due, days_before)
    digest = found.setdefault(key, Digest(user, year, kind, due, days_before))
    digest.lines.extend(line for line in lines if line not in digest.lines)


@dataclass
class Outcome:
    sent: int = 0
    already: int = 0
    failed: int = 0


def send_reminders(now: datetime.datetime) -> Outcome:
    """Send what is due at `now` and not sent yet; record each one sent."""
    outcome = Outcome()
    pending = digests(now)
    sent_keys = set(
        Reminder.objects.filter(user_id__in={d.user.pk for d in pending}).values_list(
            "user_id", "year_id", "kind", "due", "days_before"
        )
    )
    opted_out = set(
        NoticeSettings.objects.filter(reminder_mail=False).values_list("user_id", flat=True)
    )
    for digest in pending:
        if digest.key in sent_keys:
            outcome.already += 1
            continue
        mail = digest.user.pk not in opted_out and bool(digest.user.email)
        if mail:
            try:
                send_mail(digest.title, digest.body, None, [digest.user.email])
            except Exception:
                logger.exception("截止提醒邮件发送失败，下次运行时重试：用户 %s", digest.user.pk)
                outcome.failed += 1
                continue
        try:
            with transaction.atomic():
                Reminder.objects.create(
                    user=digest.user,
                    year=digest.year,
                    kind=digest.kind,
                    due=digest.due,
                    days_before=digest.days_before,
                    mailed=mail,
                    sent_at=now,
                )
                Notice.objects.create(
                    user=digest.user,
                    title=digest.title.removeprefix("【绩效自评】"),
                    body=digest.body,
                    url=digest.lines[0][1] if len(digest.lines) == 1 else reverse("home"),
                    created_at=now,
                )
        except IntegrityError:
            # Another run recorded it in the meantime.
            outcome.already += 1
            continue
        outcome.sent += 1
    return outcome
