"""What stays on the record: signatures and their keys, the event log, comments."""

from django.conf import settings
from django.db import models
from django.db.models import Count, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .assessments import Assessment
from .labels import ChoiceLabels
from .organisations import Organisation, ReportingYear


class SignatureQuerySet(models.QuerySet):
    def valid(self):
        """Signatures not voided by a reopening or an import."""
        return self.filter(voided_at__isnull=True)

    def in_force(self, assessments):
        """Each table's signature in force, in order, as Assessment.valid_signature() reads it
        one table at a time (None for a table not signed off), in one query."""
        signed = {a.pk for a in assessments if a.status == Assessment.Status.SIGNED_OFF}
        first: dict[int, Signature] = {}
        # The key too: a book checks each signature against its public key.
        valid = self.valid().filter(assessment_id__in=signed).select_related("signed_by", "key")
        for signature in valid:
            first.setdefault(signature.assessment_id, signature)
        found = []
        for assessment in assessments:
            signature = first.get(assessment.pk) if assessment.pk in signed else None
            if signature is not None:
                signature.assessment = assessment
            found.append(signature)
        return found

    def with_number(self):
        """Each signature's place among its table's signatures (1 for the first signing)."""
        earlier = (
            Signature.objects.filter(
                assessment_id=OuterRef("assessment_id"), signed_at__lte=OuterRef("signed_at")
            )
            .order_by()
            .values("assessment_id")
            .annotate(count=Count("pk"))
            .values("count")
        )
        return self.annotate(number=Subquery(earlier))


class SigningKey(models.Model):
    """A public key that signed sign-offs; the private key stays in the key file.

    Rows are kept after a rotation so that old signatures still name their key. A row is only
    trusted when the key file names its public key (trust.keys).
    """

    fingerprint = models.CharField(_("指纹（SHA-256）"), max_length=64, unique=True)
    algorithm = models.CharField(_("算法"), max_length=20)
    public_key = models.CharField(_("公钥"), max_length=200)
    certificate = models.TextField(_("PDF 签名证书"), blank=True)
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    class Meta:
        verbose_name = _("签名公钥")
        verbose_name_plural = _("签名公钥")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.algorithm} · {self.fingerprint[:16]}"


class Signature(models.Model):
    """A sign-off bound to content: the canonical snapshot, its hash and an SM2 signature.

    Signatures stored before keys were introduced have no key and no value: only their hash
    can be checked, and only those the cut-over recorded (LegacySignature) count as signed.
    """

    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="signatures")
    snapshot = models.JSONField(_("签发内容"))
    content_hash = models.CharField(_("内容摘要（SHA-256）"), max_length=64, db_index=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("签发人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    signed_at = models.DateTimeField(_("签发时间"), default=timezone.now)
    comment = models.TextField(_("说明"), blank=True)
    voided_at = models.DateTimeField(_("作废时间"), null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    void_reason = models.TextField(_("作废原因"), blank=True)
    pdf = models.FileField(_("签发版 PDF"), upload_to="signed/%Y/", blank=True)
    key = models.ForeignKey(
        SigningKey,
        verbose_name=_("签名公钥"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="signatures",
    )
    value = models.CharField(_("签名值"), max_length=128, blank=True)
    pdf_sha256 = models.CharField(_("PDF 摘要（SHA-256）"), max_length=64, blank=True)
    # Which version of the signed snapshot (trust.snapshot) the row holds; rows stored before
    # versions were counted hold version 1.
    version = models.PositiveSmallIntegerField(_("签发内容版本"), default=1)

    objects = SignatureQuerySet.as_manager()

    class Meta:
        verbose_name = _("签发记录")
        verbose_name_plural = _("签发记录")
        ordering = ["assessment_id", "signed_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment"],
                condition=Q(voided_at__isnull=True),
                name="one_valid_signature_per_assessment",
            ),
        ]

    def __str__(self):
        return f"{self.assessment} · {self.content_hash[:12]}"

    @property
    def is_valid(self):
        return self.voided_at is None


class LegacySignature(models.Model):
    """A signature stored before keys were introduced, as the migration that recorded the
    cut-over found it (its id and content hash). Only these rows may stand without an SM2
    signature: a row without a key inserted later is not signed, whatever its id or time.
    """

    signature = models.OneToOneField(
        Signature, primary_key=True, on_delete=models.PROTECT, related_name="+"
    )
    content_hash = models.CharField(_("内容摘要（SHA-256）"), max_length=64)

    class Meta:
        verbose_name = _("启用数字签名前的签发记录")
        verbose_name_plural = _("启用数字签名前的签发记录")

    def __str__(self):
        return f"{self.signature_id} · {self.content_hash[:12]}"


class AppendOnlyLog(ChoiceLabels):
    """What the three logs share (AssessmentEvent, OrganisationEvent, BureauEvent): a row is
    written once, by a service in the transaction of the change, and never changed or deleted
    (on PostgreSQL a trigger refuses it too, migration 0012)."""

    comment = models.TextField(_("说明"), blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        abstract = True
        ordering = ["created_at", "pk"]

    def __str__(self):
        # Each log declares its own `action` and its choices.
        action = self.get_action_display()  # type: ignore[attr-defined]
        return f"{self.created_at:%Y-%m-%d %H:%M} {action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("操作记录只能追加，不能修改。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("操作记录只能追加，不能删除。")


class AssessmentEvent(AppendOnlyLog):
    """The append-only history of an assessment: who did what, when, from which status."""

    class Action(models.TextChoices):
        CREATE = "create", _("创建")
        # Begun for the unit by whoever opened a monitoring round: not a preparer's work.
        ISSUE = "issue", _("下发")
        IMPORT = "import", _("导入")
        EDIT = "edit", _("修改")
        SUBMIT = "submit", _("提交")
        RETURN = "return", _("退回")
        SIGN_OFF = "sign_off", _("签发")
        REOPEN = "reopen", _("重新打开")
        WITHDRAW = "withdraw", _("撤回")
        COMMENT = "comment", _("批注")
        ANSWER = "answer", _("答复批注")
        ADJUST_REQUEST = "adjust_request", _("申请目标调整")
        ADJUST_APPROVE = "adjust_approve", _("批准目标调整")
        ADJUST_REJECT = "adjust_reject", _("驳回目标调整")
        LINK_TARGETS = "link_targets", _("关联绩效目标表")

    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(_("操作"), max_length=20, choices=Action.choices)
    from_status = models.CharField(_("原状态"), max_length=20, blank=True)
    to_status = models.CharField(_("新状态"), max_length=20, blank=True)
    comment = models.TextField(_("说明"), blank=True)
    changes = models.JSONField(_("变更"), default=dict, blank=True)
    # The content at a workflow step (submit, return, sign-off), to show what changed since.
    snapshot = models.JSONField(_("当时内容"), null=True, blank=True)

    class Meta(AppendOnlyLog.Meta):
        verbose_name = _("操作记录")
        verbose_name_plural = _("操作记录")


class CommentQuerySet(models.QuerySet):
    def threads_of(self, assessment):
        """The remarks on a table with their authors, answers and the return that sent them."""
        return (
            self.filter(assessment=assessment, parent__isnull=True)
            .select_related("author", "return_event")
            .prefetch_related("replies__author")
        )


class Comment(models.Model):
    """A reviewer's remark pinned to one cell of the table, with the preparer's answers below it."""

    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="comments")
    # Where it is pinned, a cell address (kinds.address): funds.total.executed, goal, outcome,
    # indicators.<id>.<field>, …
    target = models.CharField(_("位置"), max_length=100)
    target_label = models.CharField(_("位置说明"), max_length=300)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replies"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("作者"), on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(_("内容"), max_length=2000)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    # The return that sent the comment to the preparer; empty while the review goes on.
    return_event = models.ForeignKey(
        AssessmentEvent, null=True, blank=True, on_delete=models.PROTECT, related_name="comments"
    )
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)

    objects = CommentQuerySet.as_manager()

    class Meta:
        verbose_name = _("批注")
        verbose_name_plural = _("批注")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.target_label}：{self.text[:20]}"


class OrganisationEvent(AppendOnlyLog):
    """The append-only history of what was decided for an organisation and a year: deadlines
    set, exceptions granted and revoked."""

    class Action(models.TextChoices):
        DEADLINE_SET = "deadline_set", _("设置期限")
        EXCEPTION_GRANT = "exception_grant", _("批准延期")
        EXCEPTION_REVOKE = "exception_revoke", _("撤销延期")
        MONITORING_OPEN = "monitoring_open", _("发起运行监控")

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="events")
    year = models.ForeignKey(ReportingYear, on_delete=models.PROTECT, related_name="+")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(_("操作"), max_length=20, choices=Action.choices)
    details = models.JSONField(_("内容"), default=dict, blank=True)

    class Meta(AppendOnlyLog.Meta):
        verbose_name = _("单位操作记录")
        verbose_name_plural = _("单位操作记录")

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.organisation} {self.get_action_display()}"


class TargetAdjustmentQuerySet(models.QuerySet):
    def approved(self):
        return self.filter(status=TargetAdjustment.Status.APPROVED)

    def pending(self):
        return self.filter(status=TargetAdjustment.Status.PENDING)


class TargetAdjustment(models.Model):
    """A change of approved targets (目标调整) asked for during the year, with its reason and
    the reviewer's decision. Approval applies the changes to the self-assessment's rows.

    `changes` is a list of {"row": <indicator id>, "name": <三级指标>, "field": "target" |
    "weight", "old": <text>, "new": <text>}, the old value as it stood when asked for; a
    change of the 预期目标 is {"row": null, "name": "预期目标", "field": "goal", …}.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("待审批")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("已驳回")

    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="adjustments")
    changes = models.JSONField(_("调整内容"))
    reason = models.TextField(_("调整理由"), max_length=2000)
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申请人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审批人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_comment = models.TextField(_("审批意见"), blank=True)

    objects = TargetAdjustmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("目标调整")
        verbose_name_plural = _("目标调整")
        ordering = ["assessment_id", "requested_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment"],
                condition=Q(status="pending"),
                name="one_pending_adjustment_per_assessment",
            ),
            models.CheckConstraint(
                name="adjustment_decided_when_not_pending",
                condition=Q(status="pending", decided_at__isnull=True)
                | (~Q(status="pending") & Q(decided_at__isnull=False)),
            ),
        ]

    def __str__(self):
        return f"{self.assessment} · {self.get_status_display()}"

    def as_record(self) -> dict:
        """The approved adjustment as the interchange format and the signed snapshot keep it."""
        return {
            "changes": [
                {key: change[key] for key in ("name", "field", "old", "new")}
                for change in self.changes
            ],
            "reason": self.reason,
            "requested_at": timezone.localtime(self.requested_at).isoformat(),
            "decided_at": (
                timezone.localtime(self.decided_at).isoformat() if self.decided_at else None
            ),
        }
