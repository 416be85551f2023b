"""The finance bureau's desk: departments' filings, review samples, 复核 scores and their log."""

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .assessments import POINTS, Assessment
from .organisations import Organisation, ReportingYear
from .records import AppendOnlyLog, Signature, SigningKey


def points_field(verbose_name: Any, **options: Any) -> models.DecimalField:
    """Points as the tables keep them (POINTS: up to 999.99)."""
    return models.DecimalField(
        verbose_name,
        max_digits=POINTS["max_digits"],
        decimal_places=POINTS["decimal_places"],
        **options,
    )


class Filing(models.Model):
    """A department's year filed with its finance bureau (部门报送): the set of signed tables
    as they were at that moment, kept as a manifest and a package of files."""

    class Status(models.TextChoices):
        FILED = "filed", _("已报送")
        RETURNED = "returned", _("已退回")

    class PackageStatus(models.TextChoices):
        PENDING = "pending", _("生成中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    department = models.ForeignKey(
        Organisation,
        verbose_name=_("主管部门"),
        on_delete=models.PROTECT,
        related_name="filings",
        limit_choices_to={"kind": Organisation.Kind.DEPARTMENT},
    )
    year = models.ForeignKey(
        ReportingYear, verbose_name=_("年度"), on_delete=models.PROTECT, related_name="filings"
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.FILED
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("报送人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    filed_at = models.DateTimeField(_("报送时间"), default=timezone.now)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("退回人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    returned_at = models.DateTimeField(_("退回时间"), null=True, blank=True)
    return_reason = models.TextField(_("退回原因"), blank=True)
    # Every table as filed: id, project, unit, content hash, signature id, figures; and the
    # summary figures. Written once, in the filing's transaction.
    manifest = models.JSONField(_("报送清单"), default=dict)
    package_status = models.CharField(
        _("报送材料"), max_length=20, choices=PackageStatus.choices, default=PackageStatus.PENDING
    )
    package_error = models.TextField(_("报送材料错误"), blank=True)
    book_pdf = models.FileField(_("合订本 PDF"), upload_to="filings/%Y/", blank=True)
    summary_xlsx = models.FileField(_("汇总表 Excel"), upload_to="filings/%Y/", blank=True)

    class Meta:
        verbose_name = _("部门报送")
        verbose_name_plural = _("部门报送")
        ordering = ["-filed_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["department", "year"],
                condition=Q(status="filed"),
                name="one_filing_in_force_per_department_year",
            ),
            models.CheckConstraint(
                name="filing_return_has_reason",
                condition=Q(status="filed") | ~Q(return_reason=""),
            ),
        ]

    def __str__(self):
        return f"{self.year.year} {self.department.name} 报送"

    def get_absolute_url(self):
        return reverse("assessments:filing", args=[self.pk])

    @property
    def table_count(self):
        return len(self.manifest.get("tables", []))


class ReviewSample(models.Model):
    """Tables a finance bureau picks for review (抽查复核): by hand, or at random from a seed."""

    class Method(models.TextChoices):
        MANUAL = "manual", _("人工选取")
        RANDOM = "random", _("随机抽取")
        RISK = "risk", _("风险优先抽取")

    bureau = models.ForeignKey(
        Organisation,
        verbose_name=_("财政局"),
        on_delete=models.PROTECT,
        related_name="review_samples",
        limit_choices_to={"kind": Organisation.Kind.BUREAU},
    )
    year = models.ForeignKey(
        ReportingYear, verbose_name=_("年度"), on_delete=models.PROTECT, related_name="samples"
    )
    method = models.CharField(_("抽取方式"), max_length=20, choices=Method.choices)
    share = models.DecimalField(
        _("抽取比例（%）"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    seed = models.BigIntegerField(_("随机种子"), null=True, blank=True)
    margin = points_field(_("差异容许值（分）"), default=Decimal("1.00"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("抽查复核")
        verbose_name_plural = _("抽查复核")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                name="sample_share_in_range",
                condition=Q(share__isnull=True) | (Q(share__gt=0) & Q(share__lte=100)),
            ),
            models.CheckConstraint(name="sample_margin_not_negative", condition=Q(margin__gte=0)),
            models.CheckConstraint(
                name="random_sample_has_share_and_seed",
                condition=Q(method="manual") | Q(share__isnull=False, seed__isnull=False),
            ),
        ]

    def __str__(self):
        return f"{self.year.year} {self.bureau.name} 抽查 #{self.pk}"

    def get_absolute_url(self):
        return reverse("assessments:sample", args=[self.pk])


class SampledTable(models.Model):
    """One table in a sample, with the signature (the signed content) that is reviewed."""

    sample = models.ForeignKey(ReviewSample, on_delete=models.CASCADE, related_name="tables")
    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="sampled_in")
    signature = models.ForeignKey(Signature, on_delete=models.PROTECT, related_name="+")
    stratum = models.CharField(_("分层"), max_length=300, blank=True)
    # 自评总分 as filed (from the filing's manifest), beside which the 复核 is read.
    self_score = points_field(_("自评总分"))

    class Meta:
        verbose_name = _("抽查的自评表")
        verbose_name_plural = _("抽查的自评表")
        ordering = ["sample", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["sample", "assessment"], name="table_sampled_once_per_sample"
            ),
        ]

    def __str__(self):
        return f"{self.sample} · {self.assessment_id}"

    @property
    def difference(self):
        """自评 − 复核 of the total, once re-scored."""
        review = getattr(self, "review", None)
        return None if review is None else self.self_score - review.total_score


class ReviewScore(models.Model):
    """The bureau's 复核 of one sampled table; the signed self-assessment stays as it is."""

    sampled = models.OneToOneField(SampledTable, on_delete=models.CASCADE, related_name="review")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("复核人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    budget_score = points_field(_("预算执行复核得分"))
    budget_remark = models.TextField(_("预算执行复核说明"), blank=True)
    remark = models.TextField(_("复核意见"), blank=True)
    total_score = points_field(_("复核总分"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("复核得分")
        verbose_name_plural = _("复核得分")
        constraints = [
            models.CheckConstraint(
                name="review_budget_score_not_negative", condition=Q(budget_score__gte=0)
            ),
        ]

    def __str__(self):
        return f"{self.sampled} 复核"


class ReviewIndicatorScore(models.Model):
    """The 复核得分 of one indicator row of the signed snapshot (by its position there)."""

    review = models.ForeignKey(ReviewScore, on_delete=models.CASCADE, related_name="indicators")
    position = models.PositiveSmallIntegerField(_("序号"))
    name = models.CharField(_("三级指标"), max_length=200)
    score = points_field(_("复核得分"))
    remark = models.TextField(_("复核说明"), blank=True)

    class Meta:
        verbose_name = _("指标复核得分")
        verbose_name_plural = _("指标复核得分")
        ordering = ["review", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["review", "position"], name="review_indicator_position_unique"
            ),
            models.CheckConstraint(
                name="review_indicator_score_not_negative", condition=Q(score__gte=0)
            ),
        ]

    def __str__(self):
        return f"{self.position}. {self.name}：{self.score}"


class ReviewSignatureQuerySet(models.QuerySet):
    def valid(self):
        return self.filter(voided_at__isnull=True)


class ReviewSignature(models.Model):
    """The bureau's reviewer signs a 复核 (the 复核表, kinds.review) as a table is signed: a
    snapshot of the sheet, its SHA-256 and an SM2 signature (trust.review_signing), and the
    PDF signed once. A reopening voids it, with its reason; the row stays, as on /verify/."""

    review = models.ForeignKey(ReviewScore, on_delete=models.PROTECT, related_name="signatures")
    snapshot = models.JSONField(_("签发内容"))
    content_hash = models.CharField(_("内容摘要（SHA-256）"), max_length=64, db_index=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("签发人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    signed_at = models.DateTimeField(_("签发时间"), default=timezone.now)
    key = models.ForeignKey(
        SigningKey, verbose_name=_("签名公钥"), on_delete=models.PROTECT, related_name="+"
    )
    value = models.CharField(_("签名值"), max_length=128)
    version = models.PositiveSmallIntegerField(_("签发内容版本"), default=1)
    voided_at = models.DateTimeField(_("作废时间"), null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    void_reason = models.TextField(_("作废原因"), blank=True)
    pdf = models.FileField(_("复核表 PDF"), upload_to="reviews/%Y/", blank=True)
    pdf_sha256 = models.CharField(_("PDF 摘要（SHA-256）"), max_length=64, blank=True)

    objects = ReviewSignatureQuerySet.as_manager()

    class Meta:
        verbose_name = _("复核表签发记录")
        verbose_name_plural = _("复核表签发记录")
        ordering = ["review", "signed_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["review"],
                condition=Q(voided_at__isnull=True),
                name="one_valid_signature_per_review",
            ),
        ]

    def __str__(self):
        return f"{self.review} · {self.content_hash[:12]}"

    @property
    def is_valid(self):
        return self.voided_at is None


class BureauEvent(AppendOnlyLog):
    """The append-only log of the bureau's desk: filings, returns, samples, 复核."""

    class Action(models.TextChoices):
        FILE = "file", _("报送")
        RETURN = "return", _("退回报送")
        SAMPLE = "sample", _("抽查")
        REVIEW = "review", _("复核评分")
        SIGN_REVIEW = "sign_review", _("签发复核表")
        REOPEN_REVIEW = "reopen_review", _("重新打开复核表")
        REBUILD = "rebuild", _("重新生成报送材料")
        EXEMPT = "exempt", _("登记免报项目")

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    year = models.ForeignKey(ReportingYear, on_delete=models.PROTECT, related_name="+")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(_("操作"), max_length=20, choices=Action.choices)
    filing = models.ForeignKey(
        Filing, null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    sample = models.ForeignKey(
        ReviewSample, null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    assessment = models.ForeignKey(
        Assessment, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    changes = models.JSONField(_("变更"), default=dict, blank=True)

    class Meta(AppendOnlyLog.Meta):
        verbose_name = _("财政局操作记录")
        verbose_name_plural = _("财政局操作记录")


class FilingExemption(models.Model):
    """A project with a budget in the year that the department files without a signed
    self-assessment, and why (for example a project cancelled before any money was spent).
    The filing's manifest and the bureau's report print it."""

    department = models.ForeignKey(
        Organisation, verbose_name=_("主管部门"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.ForeignKey(
        ReportingYear, verbose_name=_("年度"), on_delete=models.PROTECT, related_name="+"
    )
    project = models.ForeignKey(
        "Project", verbose_name=_("项目"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("免报理由"), max_length=2000)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    class Meta:
        verbose_name = _("免报项目")
        verbose_name_plural = _("免报项目")
        ordering = ["project__unit__name", "project__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "year"], name="one_exemption_per_project_year"
            ),
        ]

    def __str__(self):
        return f"{self.year} · {self.project} · 免报"
