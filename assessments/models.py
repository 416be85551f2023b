from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Case, Count, F, OuterRef, Prefetch, Q, Subquery, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import rules

# An amount in 元 has at most four more digits than the same amount in 万元.
YUAN_AMOUNT = models.DecimalField(max_digits=rules.MAX_AMOUNT_DIGITS + 6, decimal_places=2)


def memberships_of(user):
    """The user's memberships, read once per request and kept on the user object."""
    if not hasattr(user, "_assessment_memberships"):
        user._assessment_memberships = list(
            Membership.objects.filter(user=user).select_related("organisation")
        )
    return user._assessment_memberships


def in_yuan(field):
    """An amount column in 元, whichever unit its table is kept in (万元 × 10,000)."""
    return Case(
        When(
            money_unit=Assessment.MoneyUnit.WAN_YUAN,
            then=F(field) * Value(Assessment.MoneyUnit.WAN_YUAN.in_yuan),
        ),
        default=F(field),
        output_field=YUAN_AMOUNT,
    )


class AssessmentQuerySet(models.QuerySet):
    def for_table(self):
        """What a list row shows: the project, its unit and the year, in one query."""
        return self.select_related("project__unit__parent", "year")

    def for_listing(self):
        """What a list row shows, and what the list sorts on: findings and the status order."""
        statuses = [choice.value for choice in Assessment.Status]
        # Only the columns a row shows: no texts, no fund sub-lines.
        listed = self.select_related("project__unit", "year").only(
            "year__year",
            "project__name",
            "project__unit__name",
            "status",
            "money_unit",
            "total_full_year_budget",
            "total_executed",
            "execution_rate",
            "total_score",
            "grade",
            "error_count",
            "warning_count",
            "updated_at",
        )
        return listed.annotate(
            finding_count=F("error_count") + F("warning_count"),
            status_order=Case(
                *(When(status=status, then=Value(rank)) for rank, status in enumerate(statuses)),
                default=Value(len(statuses)),
                output_field=models.PositiveSmallIntegerField(),
            ),
        )

    def with_tree(self):
        """Everything the official table needs: header, funds and indicator rows."""
        return self.for_table().prefetch_related(
            Prefetch("indicators", queryset=Indicator.objects.order_by("position"))
        )

    def with_last_return(self):
        """Each table's latest return: its reason and who returned it, in the same query."""
        latest = AssessmentEvent.objects.filter(
            assessment=OuterRef("pk"), action=AssessmentEvent.Action.RETURN
        ).order_by("-created_at", "-pk")
        return self.annotate(
            return_reason=Subquery(latest.values("comment")[:1]),
            returned_by_name=Subquery(latest.values("actor__first_name")[:1]),
            returned_by_username=Subquery(latest.values("actor__username")[:1]),
            returned_at=Subquery(latest.values("created_at")[:1]),
        )

    def progress_by_unit(self):
        """One row per unit: how many tables it has, in all and in each status."""
        statuses = {
            status: Count("pk", filter=Q(status=status)) for status in Assessment.Status.values
        }
        return (
            self.values("project__unit__name")
            .annotate(total=Count("pk"), **statuses)
            .order_by("project__unit__name")
        )

    def visible_to(self, user):
        """The assessments of the organisations the user belongs to, and of their units."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        organisation_ids = [m.organisation_id for m in memberships_of(user)]
        return self.filter(
            Q(project__unit_id__in=organisation_ids)
            | Q(project__unit__parent_id__in=organisation_ids)
        )


def visible_organisations(user):
    """The organisations whose tables the user sees: her own, and the units below them."""
    if not user.is_authenticated:
        return Organisation.objects.none()
    if user.is_superuser:
        return Organisation.objects.all()
    own = Membership.objects.filter(user=user).values("organisation_id")
    return Organisation.objects.filter(Q(id__in=own) | Q(parent_id__in=own))


AMOUNT = {"max_digits": rules.MAX_AMOUNT_DIGITS + 2, "decimal_places": 2}
POINTS = {"max_digits": 5, "decimal_places": 2}


class Organisation(models.Model):
    class Kind(models.TextChoices):
        DEPARTMENT = "department", _("主管部门")
        UNIT = "unit", _("实施单位")

    name = models.CharField(_("名称"), max_length=200, unique=True)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("主管部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="units",
        limit_choices_to={"kind": Kind.DEPARTMENT},
    )

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        ordering = ["kind", "name"]
        constraints = [
            models.CheckConstraint(
                name="unit_has_department",
                condition=Q(kind="department", parent__isnull=True)
                | Q(kind="unit", parent__isnull=False),
            ),
        ]

    def __str__(self):
        return self.name


class Membership(models.Model):
    class Role(models.TextChoices):
        PREPARER = "preparer", _("填报人")
        REVIEWER = "reviewer", _("审核人")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("单位"), on_delete=models.CASCADE, related_name="members"
    )
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)

    class Meta:
        verbose_name = _("人员角色")
        verbose_name_plural = _("人员角色")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "role"], name="one_role_per_organisation"
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.organisation} · {self.get_role_display()}"


class ReportingYear(models.Model):
    year = models.PositiveSmallIntegerField(_("年度"), unique=True)
    rule_set = models.CharField(
        _("规则集"),
        max_length=20,
        choices=[(code, f"{code}（{rs.title}）") for code, rs in rules.RULE_SETS.items()],
        default=rules.DEFAULT_RULE_SET,
    )
    deadline = models.DateField(_("截止日期"), null=True, blank=True)
    is_open = models.BooleanField(_("开放填报"), default=True)

    class Meta:
        verbose_name = _("填报年度")
        verbose_name_plural = _("填报年度")
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(
                name="year_in_range", condition=Q(year__gte=2000) & Q(year__lte=2100)
            ),
        ]

    def __str__(self):
        return str(self.year)

    @property
    def rule_set_title(self):
        """规则集 as people know it: by its document number, 财预〔2020〕10号."""
        rule_set = rules.RULE_SETS.get(self.rule_set)
        return rule_set.title if rule_set else self.rule_set


class Project(models.Model):
    unit = models.ForeignKey(
        Organisation,
        verbose_name=_("实施单位"),
        on_delete=models.PROTECT,
        related_name="projects",
        limit_choices_to={"kind": Organisation.Kind.UNIT},
    )
    name = models.CharField(_("项目名称"), max_length=200)

    class Meta:
        verbose_name = _("项目")
        verbose_name_plural = _("项目")
        ordering = ["unit__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "name"], name="project_name_unique_in_unit"),
        ]

    def __str__(self):
        return self.name


class Assessment(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("已提交")
        RETURNED = "returned", _("已退回")
        SIGNED_OFF = "signed_off", _("已签发")

    class MoneyUnit(models.TextChoices):
        YUAN = "元", _("元")
        WAN_YUAN = "万元", _("万元")

        @property
        def in_yuan(self):
            """What one of this unit is worth in 元."""
            return Decimal(10000) if self == "万元" else Decimal(1)

    project = models.ForeignKey(
        Project, verbose_name=_("项目"), on_delete=models.PROTECT, related_name="assessments"
    )
    year = models.ForeignKey(
        ReportingYear, verbose_name=_("年度"), on_delete=models.PROTECT, related_name="assessments"
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    # The 主管部门 as printed on the table; names change over the years and published
    # tables do not always spell it the same way, so the table keeps its own.
    department_name = models.CharField(_("主管部门"), max_length=200)
    money_unit = models.CharField(
        _("金额单位"), max_length=4, choices=MoneyUnit.choices, default=MoneyUnit.YUAN
    )
    budget_weight = models.DecimalField(_("预算执行分值"), default=Decimal("10"), **POINTS)
    # The print settings chosen for this table (paper.official_table.PrintOptions): keys left
    # out follow the site's defaults. A signature covers them, so a signed table prints as
    # it was signed.
    print_options = models.JSONField(_("打印设置"), default=dict, blank=True)
    goal = models.TextField(_("预期目标"), blank=True)
    outcome = models.TextField(_("实际完成情况"), blank=True)

    total_initial_budget = models.DecimalField(null=True, blank=True, **AMOUNT)
    total_full_year_budget = models.DecimalField(null=True, blank=True, **AMOUNT)
    total_executed = models.DecimalField(null=True, blank=True, **AMOUNT)
    current_initial_budget = models.DecimalField(null=True, blank=True, **AMOUNT)
    current_full_year_budget = models.DecimalField(null=True, blank=True, **AMOUNT)
    current_executed = models.DecimalField(null=True, blank=True, **AMOUNT)
    carryover_initial_budget = models.DecimalField(null=True, blank=True, **AMOUNT)
    carryover_full_year_budget = models.DecimalField(null=True, blank=True, **AMOUNT)
    carryover_executed = models.DecimalField(null=True, blank=True, **AMOUNT)
    other_initial_budget = models.DecimalField(null=True, blank=True, **AMOUNT)
    other_full_year_budget = models.DecimalField(null=True, blank=True, **AMOUNT)
    other_executed = models.DecimalField(null=True, blank=True, **AMOUNT)

    # Figures derived by rules.evaluate() from the stored values, kept for listing and
    # sorting; services refresh them on every change, exports recompute them.
    execution_rate = models.DecimalField(
        _("执行率"), null=True, blank=True, max_digits=12, decimal_places=2
    )
    total_score = models.DecimalField(_("总分"), default=Decimal("0"), **POINTS)
    grade = models.CharField(_("等级"), max_length=2, blank=True)
    error_count = models.PositiveSmallIntegerField(_("错误数"), default=0)
    warning_count = models.PositiveSmallIntegerField(_("提示数"), default=0)

    # The wizard step the preparer last saved, so that she resumes where she left.
    last_step = models.CharField(max_length=20, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("最后修改人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("绩效自评表")
        verbose_name_plural = _("绩效自评表")
        ordering = ["-year__year", "project__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "year"], name="one_assessment_per_project_and_year"
            ),
            models.CheckConstraint(
                name="budget_weight_in_range",
                condition=Q(budget_weight__gte=0) & Q(budget_weight__lte=100),
            ),
        ]
        indexes = [
            models.Index(fields=["status"], name="assessment_status"),
            models.Index(fields=["total_score"], name="assessment_total_score"),
            # The list's default order (latest changes first) and its usual filters: a year,
            # a year and a status, sorted by score; the primary key settles ties.
            models.Index(fields=["updated_at", "id"], name="assessment_updated"),
            models.Index(fields=["year", "total_score", "id"], name="assessment_year_score"),
            models.Index(
                fields=["year", "status", "total_score", "id"], name="assessment_year_status_score"
            ),
        ]

    def __str__(self):
        return f"{self.year.year} {self.project.name}"

    def get_absolute_url(self):
        return reverse("assessments:detail", args=[self.pk])

    @property
    def unit(self):
        return self.project.unit

    @property
    def kept_in_wan_yuan(self):
        return self.money_unit == self.MoneyUnit.WAN_YUAN

    def fund(self, line):
        return rules.FundsLine(
            *(getattr(self, f"{line}_{column}") for column in rules.FUND_COLUMNS)
        )

    def rules_input(self, indicators=None):
        """The stored figures as plain values for rules.evaluate()."""
        if indicators is None:
            indicators = self.indicators.all()
        return rules.AssessmentInput(
            rule_set=self.year.rule_set,
            funds={line: self.fund(line) for line in rules.FUND_LINES},
            budget_weight=self.budget_weight,
            goal=self.goal,
            outcome=self.outcome,
            indicators=[row.rules_input() for row in indicators],
            money_unit=self.money_unit,
        )

    def evaluate(self):
        return rules.evaluate(self.rules_input())

    def valid_signature(self):
        """The signature in force, with its signer: there is one only while signed off."""
        if self.status != self.Status.SIGNED_OFF:
            return None
        return self.signatures.valid().select_related("signed_by").first()


class Indicator(models.Model):
    class Grade(models.TextChoices):
        ACHIEVED = rules.GRADE_ACHIEVED, rules.QUALITATIVE_GRADE_LABELS[rules.GRADE_ACHIEVED]
        PARTIAL = rules.GRADE_PARTIAL, rules.QUALITATIVE_GRADE_LABELS[rules.GRADE_PARTIAL]
        NOT_ACHIEVED = (
            rules.GRADE_NOT_ACHIEVED,
            rules.QUALITATIVE_GRADE_LABELS[rules.GRADE_NOT_ACHIEVED],
        )

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="indicators")
    position = models.PositiveSmallIntegerField(_("序号"))
    level1 = models.CharField(_("一级指标"), max_length=50)
    level2 = models.CharField(_("二级指标"), max_length=50)
    name = models.CharField(_("三级指标"), max_length=200)
    target = models.CharField(_("年度指标值"), max_length=200, blank=True)
    actual = models.CharField(_("实际完成值"), max_length=200, blank=True)
    # The parsed meaning of target and actual, stored beside the text (domain.md §4).
    target_comparator = models.CharField(max_length=2, blank=True)
    target_number = models.DecimalField(null=True, blank=True, max_digits=20, decimal_places=4)
    target_unit = models.CharField(max_length=20, blank=True)
    actual_comparator = models.CharField(max_length=2, blank=True)
    actual_number = models.DecimalField(null=True, blank=True, max_digits=20, decimal_places=4)
    actual_unit = models.CharField(max_length=20, blank=True)
    grade = models.CharField(_("完成等级"), max_length=20, choices=Grade.choices, blank=True)
    weight = models.DecimalField(_("分值"), null=True, blank=True, **POINTS)
    score = models.DecimalField(_("得分"), null=True, blank=True, **POINTS)
    reason = models.TextField(_("偏差原因分析及改进措施"), blank=True)

    class Meta:
        verbose_name = _("绩效指标")
        verbose_name_plural = _("绩效指标")
        ordering = ["assessment", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "position"], name="indicator_position_unique"
            ),
            models.CheckConstraint(
                name="indicator_weight_not_negative", condition=Q(weight__gte=0)
            ),
            models.CheckConstraint(name="indicator_score_not_negative", condition=Q(score__gte=0)),
        ]

    def __str__(self):
        return self.name

    def set_parsed_values(self):
        for prefix in ("target", "actual"):
            parsed = rules.parse_value(getattr(self, prefix))
            setattr(self, f"{prefix}_comparator", (parsed and parsed.comparator) or "")
            setattr(self, f"{prefix}_number", parsed.number if parsed else None)
            setattr(self, f"{prefix}_unit", parsed.unit if parsed else "")

    def rules_input(self):
        return rules.IndicatorInput(
            level1=self.level1,
            level2=self.level2,
            name=self.name,
            target=self.target,
            actual=self.actual,
            grade=self.grade or None,
            weight=self.weight,
            score=self.score,
            reason=self.reason,
        )


class SignatureQuerySet(models.QuerySet):
    def valid(self):
        """Signatures not voided by a reopening or an import."""
        return self.filter(voided_at__isnull=True)

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
    trusted when the key file names its public key (paper.keys).
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
    can be checked.
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

    objects = SignatureQuerySet.as_manager()

    class Meta:
        verbose_name = _("签发记录")
        verbose_name_plural = _("签发记录")
        ordering = ["assessment", "signed_at", "pk"]
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


class AssessmentEvent(models.Model):
    """The append-only history of an assessment: who did what, when, from which status."""

    class Action(models.TextChoices):
        CREATE = "create", _("创建")
        IMPORT = "import", _("导入")
        EDIT = "edit", _("修改")
        SUBMIT = "submit", _("提交")
        RETURN = "return", _("退回")
        SIGN_OFF = "sign_off", _("签发")
        REOPEN = "reopen", _("重新打开")
        WITHDRAW = "withdraw", _("撤回")
        COMMENT = "comment", _("批注")
        ANSWER = "answer", _("答复批注")

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
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("操作记录")
        verbose_name_plural = _("操作记录")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.get_action_display()}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("操作记录只能追加，不能修改。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("操作记录只能追加，不能删除。")


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
    # Where it is pinned: funds.total.executed, goal, outcome, indicator:<id>.<field>, …
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
