"""绩效信息公开: a department's year published exactly as signed, its review and its log.

A publication lists signed tables (each item names the signature in force when it was added)
in the department's order. It is prepared, submitted, approved (the approval is signed like a
sign-off) and published; a published publication is frozen, and a correction is a new version
that names the one it replaces.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .organisations import Organisation, ReportingYear
from .records import Signature, SigningKey


class FrozenPublication(ValueError):
    """A change to a published publication or its items."""


class PublicationQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Publication.Status.PUBLISHED)

    def for_listing(self):
        return self.select_related("department", "year", "replaces")


class Publication(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("已提交")
        APPROVED = "approved", _("已批准")
        PUBLISHED = "published", _("已公开")

    department = models.ForeignKey(
        Organisation,
        verbose_name=_("主管部门"),
        on_delete=models.PROTECT,
        related_name="publications",
        limit_choices_to={"kind": Organisation.Kind.DEPARTMENT},
    )
    year = models.ForeignKey(
        ReportingYear, verbose_name=_("年度"), on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveSmallIntegerField(_("版本"), default=1)
    replaces = models.OneToOneField(
        "self",
        verbose_name=_("更正的版本"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrected_by",
    )
    correction_reason = models.TextField(_("更正原因"), blank=True)
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    print_names = models.BooleanField(
        _("印出填报人、审核人"),
        default=True,
        help_text=_("公开的表格可以不印填报人、审核人及日期。"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("准备人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("批准人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("批准时间"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("公开人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    published_at = models.DateTimeField(_("公开时间"), null=True, blank=True)
    # The approval's signature: the SHA-256 of what was approved (the items' signatures and
    # hashes, in order) and the SM2 signature over it, as trust.signing signs a sign-off.
    content_hash = models.CharField(_("批准内容摘要（SHA-256）"), max_length=64, blank=True)
    key = models.ForeignKey(
        SigningKey,
        verbose_name=_("签名公钥"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    value = models.CharField(_("签名值"), max_length=128, blank=True)
    pdf = models.FileField(_("公开 PDF"), upload_to="publications/%Y/", blank=True)

    objects = PublicationQuerySet.as_manager()

    class Meta:
        verbose_name = _("绩效信息公开")
        verbose_name_plural = _("绩效信息公开")
        ordering = ["department", "year", "version"]
        constraints = [
            models.UniqueConstraint(
                fields=["department", "year", "version"], name="publication_version_unique"
            ),
            models.UniqueConstraint(
                fields=["department", "year"],
                condition=~Q(status="published"),
                name="one_unpublished_publication_per_department_year",
            ),
            models.CheckConstraint(
                name="publication_correction_has_reason",
                condition=Q(replaces__isnull=True) | ~Q(correction_reason=""),
            ),
        ]

    def __str__(self):
        return f"{self.year.year} {self.department.name} 公开 第{self.version}版"

    def save(self, *args, **kwargs):
        stored = getattr(self, "_stored_status", None)
        if stored == self.Status.PUBLISHED and set(kwargs.get("update_fields") or ()) != {"pdf"}:
            raise FrozenPublication("已公开的内容不能修改；如需更正，请发布新版本。")
        super().save(*args, **kwargs)
        self._stored_status = self.status

    def get_absolute_url(self):
        return reverse("assessments:publication", args=[self.pk])

    def delete(self, *args, **kwargs):
        raise FrozenPublication("公开记录不能删除。")

    @classmethod
    def from_db(cls, db, field_names, values, **kwargs):
        instance = super().from_db(db, field_names, values, **kwargs)
        instance._stored_status = instance.status
        return instance

    @property
    def is_published(self):
        return self.status == self.Status.PUBLISHED

    @property
    def is_editable(self):
        return self.status == self.Status.DRAFT


class PublicationItem(models.Model):
    """One table of a publication: the signature in force when it was added, in order."""

    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="items")
    signature = models.ForeignKey(Signature, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(_("顺序"))

    class Meta:
        verbose_name = _("公开的自评表")
        verbose_name_plural = _("公开的自评表")
        ordering = ["publication_id", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["publication", "position"], name="publication_item_position_unique"
            ),
            models.UniqueConstraint(
                fields=["publication", "signature"], name="publication_item_signature_unique"
            ),
        ]

    def __str__(self):
        return f"{self.publication} · {self.position}"

    def save(self, *args, **kwargs):
        self._refuse_if_published()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self._refuse_if_published()
        return super().delete(*args, **kwargs)

    def _refuse_if_published(self):
        status = Publication.objects.filter(pk=self.publication_id).values_list("status", flat=True)
        if status and status[0] == Publication.Status.PUBLISHED:
            raise FrozenPublication("已公开的内容不能修改；如需更正，请发布新版本。")


class PublicationEvent(models.Model):
    """The append-only log of publications: prepared, reordered, submitted, approved,
    returned, published, corrected; and the 决算 approval dates recorded."""

    class Action(models.TextChoices):
        CREATE = "create", _("准备公开")
        REORDER = "reorder", _("调整顺序")
        OPTIONS = "options", _("修改公开设置")
        SUBMIT = "submit", _("提交公开审核")
        APPROVE = "approve", _("批准公开")
        RETURN = "return", _("退回公开")
        PUBLISH = "publish", _("公开")
        CORRECT = "correct", _("更正")
        ACCOUNTS = "accounts", _("登记决算批复日期")

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    year = models.ForeignKey(ReportingYear, on_delete=models.PROTECT, related_name="+")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(_("操作"), max_length=20, choices=Action.choices)
    publication = models.ForeignKey(
        Publication, null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    comment = models.TextField(_("说明"), blank=True)
    details = models.JSONField(_("内容"), default=dict, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("公开操作记录")
        verbose_name_plural = _("公开操作记录")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.get_action_display()}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("操作记录只能追加，不能修改。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("操作记录只能追加，不能删除。")


class FinalAccounts(models.Model):
    """The date a department's 部门决算 for a year was approved: publication is due within
    20 days of it (财预〔2016〕143号)."""

    department = models.ForeignKey(
        Organisation, verbose_name=_("主管部门"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.ForeignKey(
        ReportingYear, verbose_name=_("年度"), on_delete=models.PROTECT, related_name="+"
    )
    approved_on = models.DateField(_("决算批复日期"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    class Meta:
        verbose_name = _("部门决算批复")
        verbose_name_plural = _("部门决算批复")
        constraints = [
            models.UniqueConstraint(
                fields=["department", "year"], name="final_accounts_once_per_department_year"
            ),
        ]

    def __str__(self):
        return f"{self.year.year} {self.department.name} 决算批复 {self.approved_on}"
