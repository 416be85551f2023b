"""What follows a review: rectification requests (整改) with their answers and log, and how a
project's result is applied to the next year's budget (结果应用)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .assessments import AMOUNT, Assessment
from .bureau import SampledTable
from .organisations import Organisation, Project, ReportingYear, visible_organisations
from .records import AppendOnlyLog


class RectificationQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The requests to the units the user sees (her own, her department's, her bureau's)."""
        return self.filter(unit__in=visible_organisations(user))

    def open(self):
        """Not yet accepted: waiting for the unit, or for the issuer's decision."""
        return self.exclude(status=Rectification.Status.ACCEPTED)

    def overdue(self, today=None):
        """Past the due date and still with the unit (待整改 or 已退回)."""
        today = today or timezone.localdate()
        return self.filter(status__in=Rectification.WITH_UNIT, due_date__lt=today)


class Rectification(models.Model):
    """A rectification request (整改通知) to a unit about one of its tables: what, why, by
    when; the unit's answer with its evidence; the issuer's acceptance or sending back."""

    class Status(models.TextChoices):
        OPEN = "open", _("待整改")
        ANSWERED = "answered", _("已答复")
        ACCEPTED = "accepted", _("已通过")
        SENT_BACK = "sent_back", _("已退回")

    WITH_UNIT = (Status.OPEN, Status.SENT_BACK)

    assessment = models.ForeignKey(
        Assessment, verbose_name=_("自评表"), on_delete=models.PROTECT, related_name="+"
    )
    sampled = models.ForeignKey(
        SampledTable,
        verbose_name=_("抽查复核"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rectifications",
    )
    row = models.CharField(_("所涉行"), max_length=300, blank=True)
    unit = models.ForeignKey(
        Organisation, verbose_name=_("实施单位"), on_delete=models.PROTECT, related_name="+"
    )
    issuer = models.ForeignKey(
        Organisation,
        verbose_name=_("发出单位"),
        on_delete=models.PROTECT,
        related_name="issued_rectifications",
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发出人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    issued_at = models.DateTimeField(_("发出时间"), default=timezone.now)
    what = models.TextField(_("整改事项"))
    why = models.TextField(_("整改原因"))
    due_date = models.DateField(_("整改期限"))
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.OPEN)
    answer = models.TextField(_("整改结果"), blank=True)
    # Evidence: a PDF or an image, stored like the signed PDFs, served only as a download.
    attachment = models.FileField(_("整改佐证"), upload_to="rectifications/%Y/", blank=True)
    attachment_name = models.CharField(_("佐证文件名"), max_length=200, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("答复人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    decision_note = models.TextField(_("审核意见"), blank=True)

    objects = RectificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("整改通知")
        verbose_name_plural = _("整改通知")
        ordering = ["due_date", "pk"]
        constraints = [
            models.CheckConstraint(
                name="rectification_answered_has_answer",
                condition=Q(status__in=["open"]) | ~Q(answer=""),
            ),
        ]

    def __str__(self):
        return f"整改 #{self.pk} · {self.unit.name}"

    def get_absolute_url(self):
        return reverse("assessments:rectification", args=[self.pk])

    def is_overdue(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.status in self.WITH_UNIT and self.due_date < today


class RectificationEvent(AppendOnlyLog):
    """The append-only log of a rectification: issued, answered, accepted, sent back."""

    class Action(models.TextChoices):
        ISSUE = "issue", _("发出整改通知")
        ANSWER = "answer", _("答复整改结果")
        ACCEPT = "accept", _("通过")
        SEND_BACK = "send_back", _("退回")

    rectification = models.ForeignKey(
        Rectification, on_delete=models.PROTECT, related_name="events"
    )
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(_("操作"), max_length=20, choices=Action.choices)
    changes = models.JSONField(_("变更"), default=dict, blank=True)

    class Meta(AppendOnlyLog.Meta):
        verbose_name = _("整改记录")
        verbose_name_plural = _("整改记录")


class ResultApplication(models.Model):
    """How a project's result for a year is applied (结果应用): the next year's budget cut,
    kept, raised or redirected, with the amount concerned."""

    class Decision(models.TextChoices):
        REDUCE = "reduce", _("调减")
        KEEP = "keep", _("保持")
        RAISE = "raise", _("调增")
        REDIRECT = "redirect", _("调整方向")

    project = models.ForeignKey(
        Project, verbose_name=_("项目"), on_delete=models.PROTECT, related_name="applications"
    )
    year = models.ForeignKey(
        ReportingYear, verbose_name=_("评价年度"), on_delete=models.PROTECT, related_name="+"
    )
    decision = models.CharField(_("应用方式"), max_length=20, choices=Decision.choices)
    amount = models.DecimalField(
        _("涉及金额（元）"),
        null=True,
        blank=True,
        max_digits=AMOUNT["max_digits"],
        decimal_places=AMOUNT["decimal_places"],
    )
    note = models.TextField(_("说明"), blank=True)
    recorded_by_organisation = models.ForeignKey(
        Organisation, verbose_name=_("记录单位"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("记录时间"), default=timezone.now)

    class Meta:
        verbose_name = _("结果应用")
        verbose_name_plural = _("结果应用")
        ordering = ["-recorded_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "year"], name="one_result_application_per_project_year"
            ),
            models.CheckConstraint(
                name="result_application_amount_not_negative",
                condition=Q(amount__isnull=True) | Q(amount__gte=0),
            ),
        ]

    def __str__(self):
        return f"{self.year.year} {self.project.name} {self.get_decision_display()}"
