"""The year's cycle: deadlines per organisation, the exceptions granted past them, and the
reminders and in-app notices sent before them."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .organisations import Organisation, ReportingYear


class Deadline(models.Model):
    """填报截止 and 审核截止 of a year for a department (all its units) or for one unit."""

    year = models.ForeignKey(
        ReportingYear, verbose_name=_("年度"), on_delete=models.PROTECT, related_name="deadlines"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="deadlines"
    )
    entry_due = models.DateField(_("填报截止"))
    review_due = models.DateField(_("审核截止"), null=True, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("设置人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    set_at = models.DateTimeField(_("设置时间"), default=timezone.now)

    class Meta:
        verbose_name = _("填报期限")
        verbose_name_plural = _("填报期限")
        ordering = ["year", "organisation"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "organisation"], name="one_deadline_per_year_and_organisation"
            ),
            models.CheckConstraint(
                name="review_due_not_before_entry_due",
                condition=Q(review_due__isnull=True) | Q(review_due__gte=models.F("entry_due")),
            ),
        ]

    def __str__(self):
        return f"{self.year} · {self.organisation} · {self.entry_due}"


class DeadlineExceptionQuerySet(models.QuerySet):
    def in_force(self, now):
        return self.filter(revoked_at__isnull=True, until__gt=now)


class DeadlineException(models.Model):
    """时限例外: a unit may fill in and submit past 填报截止 until the given time."""

    year = models.ForeignKey(
        ReportingYear, verbose_name=_("年度"), on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        Organisation,
        verbose_name=_("实施单位"),
        on_delete=models.PROTECT,
        related_name="deadline_exceptions",
    )
    until = models.DateTimeField(_("延期至"))
    reason = models.TextField(_("原因"), max_length=1000)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("批准人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    granted_at = models.DateTimeField(_("批准时间"), default=timezone.now)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("撤销人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = DeadlineExceptionQuerySet.as_manager()

    class Meta:
        verbose_name = _("时限例外")
        verbose_name_plural = _("时限例外")
        ordering = ["-granted_at", "-pk"]
        constraints = [
            models.CheckConstraint(name="exception_has_reason", condition=~Q(reason="")),
        ]

    def __str__(self):
        return f"{self.unit} · {self.year} · {self.until:%Y-%m-%d %H:%M}"

    @property
    def last_day(self):
        """The last day the exception covers (it runs to the end of that day)."""
        return last_day_before(self.until)


def last_day_before(moment):
    """The local date of the last instant before `moment`: 4月11日 00:00 → 4月10日."""
    return timezone.localtime(moment - datetime.timedelta(microseconds=1)).date()


class NoticeSettings(models.Model):
    """What a person wants to be told by mail; without a row, everything."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notice_settings"
    )
    reminder_mail = models.BooleanField(_("接收截止提醒邮件"), default=True)

    class Meta:
        verbose_name = _("提醒设置")
        verbose_name_plural = _("提醒设置")

    def __str__(self):
        return str(self.user)


class Reminder(models.Model):
    """One reminder sent: the key makes a second run of the job send nothing twice."""

    class Occasion(models.TextChoices):
        ENTRY = "entry", _("填报提醒")
        REVIEW = "review", _("审核提醒")
        MONITORING = "monitoring", _("运行监控填报提醒")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    year = models.ForeignKey(ReportingYear, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("类型"), max_length=10, choices=Occasion.choices)
    due = models.DateField(_("截止日期"))
    days_before = models.PositiveSmallIntegerField(_("提前天数"))
    mailed = models.BooleanField(_("已发邮件"), default=False)
    sent_at = models.DateTimeField(_("发送时间"), default=timezone.now)

    class Meta:
        verbose_name = _("截止提醒")
        verbose_name_plural = _("截止提醒")
        ordering = ["-sent_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "year", "kind", "due", "days_before"],
                name="one_reminder_per_user_and_occasion",
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.get_kind_display()} · {self.due}"


class NoticeQuerySet(models.QuerySet):
    def unread(self):
        return self.filter(read_at__isnull=True)


class Notice(models.Model):
    """A message in the person's notice list (消息), read or not."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices"
    )
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"))
    url = models.CharField(_("链接"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    objects = NoticeQuerySet.as_manager()

    class Meta:
        verbose_name = _("消息")
        verbose_name_plural = _("消息")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return self.title


class JobRun(models.Model):
    """A daily job's run on a day, so that a restarted worker does not run it twice."""

    job = models.CharField(max_length=50)
    day = models.DateField()
    finished_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["job", "day"], name="one_run_per_job_and_day"),
        ]

    def __str__(self):
        return f"{self.job} · {self.day}"
