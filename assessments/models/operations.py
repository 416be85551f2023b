"""Records of the running system: request counts for rate limits, books built in the background."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .organisations import Organisation, ReportingYear


class ThrottleHit(models.Model):
    """One request counted against a limit (assessments.throttle); kept for the window only."""

    scope = models.CharField(max_length=40)
    # SHA-256 of what is counted (an address, an e-mail address): counted, not kept readable.
    key = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["scope", "key", "created_at"], name="throttle_scope_key_time"),
            models.Index(fields=["scope", "created_at"], name="throttle_scope_time"),
        ]

    def __str__(self):
        return f"{self.scope} @ {self.created_at:%Y-%m-%d %H:%M:%S}"


class Book(models.Model):
    """A 合订本: every table of a unit or a department for one year, built in the background."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("生成中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="books"
    )
    year = models.ForeignKey(
        ReportingYear, verbose_name=_("年度"), on_delete=models.PROTECT, related_name="books"
    )
    signed_only = models.BooleanField(_("仅含已签发的自评表"), default=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申请人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.QUEUED
    )
    done = models.PositiveIntegerField(_("已排版"), default=0)
    total = models.PositiveIntegerField(_("总数"), default=0)
    task_id = models.CharField(max_length=64, blank=True)
    pdf = models.FileField(_("合订本 PDF"), upload_to="books/%Y/", blank=True)
    error = models.TextField(_("错误"), blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("合订本")
        verbose_name_plural = _("合订本")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                name="book_progress_within_total", condition=Q(done__lte=models.F("total"))
            ),
        ]

    def __str__(self):
        return f"{self.year.year} {self.organisation.name} 合订本"

    def get_absolute_url(self):
        return reverse("assessments:book", args=[self.pk])

    @property
    def percent(self):
        if self.status == self.Status.DONE:
            return 100
        return self.done * 100 // self.total if self.total else 0
