"""绩效运行监控: a round of monitoring opened for a year, with its 数据截至 and due date."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..rules.monitoring import DEFAULT_MARGIN, schedule_progress
from .organisations import Organisation, ReportingYear, memberships_of


class MonitoringRoundQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Rounds of the organisations the user belongs to, of the departments above the
        user's units, and (for the bureau) of every department below it."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        ids = [m.organisation_id for m in memberships_of(user)]
        return self.filter(
            Q(scope_id__in=ids)
            | Q(scope__parent_id__in=ids)
            | Q(scope__units__id__in=ids)
            | Q(scope__units__units__id__in=ids)
        ).distinct()


class MonitoringRound(models.Model):
    """A round of 运行监控 opened by a department (its units' projects) or by the finance
    bureau (every department's): each project with approved targets gets a monitoring table
    of the round. A year may have several rounds (7月31日, then 10月31日)."""

    year = models.ForeignKey(
        ReportingYear, verbose_name=_("年度"), on_delete=models.PROTECT, related_name="+"
    )
    scope = models.ForeignKey(
        Organisation,
        verbose_name=_("监控范围"),
        on_delete=models.PROTECT,
        related_name="monitoring_rounds",
    )
    cut_off = models.DateField(_("数据截至"))
    due = models.DateField(_("填报截止"))
    # How many points 执行率 may fall behind 序时进度 before the table warns.
    margin = models.DecimalField(
        _("预警线（百分点）"), max_digits=5, decimal_places=2, default=DEFAULT_MARGIN
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发起人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    opened_at = models.DateTimeField(_("发起时间"), default=timezone.now)

    # Who may open a round, and the lookup of the projects it covers from Project.
    PROJECTS_BELOW = {
        Organisation.Kind.BUREAU: "unit__parent__parent",
        Organisation.Kind.DEPARTMENT: "unit__parent",
    }

    objects = MonitoringRoundQuerySet.as_manager()

    class Meta:
        verbose_name = _("运行监控批次")
        verbose_name_plural = _("运行监控批次")
        ordering = ["-year__year", "-cut_off", "scope__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "scope", "cut_off"], name="one_monitoring_round_per_cut_off"
            ),
            models.CheckConstraint(
                name="monitoring_due_after_cut_off", condition=Q(due__gte=models.F("cut_off"))
            ),
            models.CheckConstraint(
                name="monitoring_margin_in_range",
                condition=Q(margin__gte=Decimal("0")) & Q(margin__lte=Decimal("100")),
            ),
        ]

    def __str__(self):
        return f"{self.scope} · {self.cut_off:%Y年%m月%d日}"

    @property
    def title(self) -> str:
        return f"{self.year.year} 年度运行监控（数据截至 {self.cut_off:%m月%d日}）"

    @property
    def schedule(self) -> Decimal:
        return schedule_progress(self.cut_off)
