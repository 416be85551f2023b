"""The tables themselves: an assessment and its indicator rows, with their querysets."""

from decimal import Decimal
from typing import cast

from django.conf import settings
from django.db import models
from django.db.models import Case, Count, F, OuterRef, Prefetch, Q, Subquery, Value, When
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .. import kinds, rules
from ..rules import monitoring as monitoring_rules
from .labels import ChoiceLabels
from .monitoring import MonitoringRound
from .organisations import Organisation, Project, ReportingYear, memberships_of

# An amount in 元 has at most four more digits than the same amount in 万元.
YUAN_AMOUNT = models.DecimalField(max_digits=rules.MAX_AMOUNT_DIGITS + 6, decimal_places=2)


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
    def self_assessments(self):
        """The year-end reports (kinds declared `reported`): what lists, sums and exports
        count."""
        return self.filter(kind__in=kinds.names(reported=True))

    def target_tables(self):
        """The tables a new table starts from once approved (绩效目标表)."""
        return self.filter(kind__in={k.starts_from for k in kinds.all()} - {None})

    def fillable(self):
        """The tables filled offline in the fillable workbook (kinds declared `fillable`)."""
        return self.filter(kind__in=kinds.names(fillable=True))

    def of_kind(self, kind: str):
        return self.filter(kind=kind)

    def for_table(self):
        """What a list row shows: the project, its unit and the year (or the department a
        department's table belongs to), in one query."""
        return self.select_related(
            "project__unit__parent", "organisation__parent", "year", "monitoring_round"
        )

    def for_listing(self):
        """What a list row shows: only its columns, with the project, unit, organisation and
        year in the same query."""
        return self.select_related("project__unit", "organisation", "year").only(
            "year__year",
            "project__name",
            "project__unit__name",
            "organisation__name",
            "kind",
            "targets_source",
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

    def by_status(self, descending=False):
        """In the order of the workflow (草稿, 已提交, 已退回, 已签发), then by key."""
        statuses = [choice.value for choice in Assessment.Status]
        order = Case(
            *(When(status=status, then=Value(rank)) for rank, status in enumerate(statuses)),
            default=Value(len(statuses)),
            output_field=models.PositiveSmallIntegerField(),
        )
        if descending:
            return self.order_by(order.desc(), "-pk")
        return self.order_by(order.asc(), "pk")

    def by_findings(self, descending=False):
        """By the number of findings, errors and warnings together, then by key."""
        findings = F("error_count") + F("warning_count")
        if descending:
            return self.order_by(findings.desc(), "-pk")
        return self.order_by(findings.asc(), "pk")

    def with_tree(self):
        """Everything the official table needs: header, funds and indicator rows."""
        return self.for_table().prefetch_related(
            Prefetch("indicators", queryset=Indicator.objects.order_by("position"))
        )

    def with_last_return(self):
        """Each table's latest return: its reason and who returned it, in the same query."""
        from .records import AssessmentEvent  # the log refers to assessments

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
        """The assessments of the organisations the user belongs to and of their units; a
        finance bureau's people see those of every department below it. A department's own
        table is seen by the department and its bureau, not by its units.
        (Assessment.is_visible_to() is the same rule for one table already read.)"""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        own = [m.organisation_id for m in memberships_of(user)]
        # Both conditions are on the table's own columns, each with its index: the database
        # reads only the tables it shows, where conditions on the joined organisations made
        # it read every table to test each one.
        below = Q(pk__in=own) | Q(parent_id__in=own)
        units = Organisation.objects.filter(below | Q(parent__parent_id__in=own))
        projects = Project.objects.filter(unit__in=units)
        return self.filter(
            Q(project__in=projects) | Q(organisation__in=Organisation.objects.filter(below))
        )


AMOUNT = {"max_digits": rules.MAX_AMOUNT_DIGITS + 2, "decimal_places": 2}
POINTS = {"max_digits": 5, "decimal_places": 2}


class Assessment(ChoiceLabels):
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

    # What the table belongs to, as its kind declares (kinds.base.TableKind.belongs_to):
    # a project, or a department as a whole (the department itself); never both.
    project = models.ForeignKey(
        Project,
        verbose_name=_("项目"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assessments",
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="own_tables",
        limit_choices_to={"kind": Organisation.Kind.DEPARTMENT},
    )
    year = models.ForeignKey(
        ReportingYear, verbose_name=_("年度"), on_delete=models.PROTECT, related_name="assessments"
    )
    # The name of its kind in the catalogue (assessments.kinds): no choices here, so that a
    # kind registered later is stored without a migration.
    kind = models.CharField(_("类别"), max_length=20, default=kinds.DEFAULT)
    # The monitoring round of a monitoring table (运行监控表): a project has one per round.
    monitoring_round = models.ForeignKey(
        MonitoringRound,
        verbose_name=_("运行监控批次"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tables",
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    # The approved target table this self-assessment started from; empty where the targets
    # were never approved (the first year on the system), which the table then says.
    targets_source = models.ForeignKey(
        "self",
        verbose_name=_("已批准的绩效目标表"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="self_assessments",
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
    # 年中追加: a target table of a project added during its year, approved like the others.
    mid_year = models.BooleanField(_("年中追加"), default=False)
    # The 全年预算数 (年度资金总额) of the approved target table, in this table's money unit,
    # kept when the self-assessment takes its targets: a change of the budget is shown to
    # the reviewer and printed beside the approved figure.
    approved_budget = models.DecimalField(_("已批准的全年预算数"), null=True, blank=True, **AMOUNT)
    goal = models.TextField(_("预期目标"), blank=True)
    outcome = models.TextField(_("实际完成情况"), blank=True)
    # The values of the cells a kind declares beyond the official columns, as stored text by
    # cell key (kinds.base.Cell); empty for the two official tables.
    cells = models.JSONField(_("其他栏目"), default=dict, blank=True)

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
    # The largest amount over the smallest budget (0.01) is 10^17 percent: 18 integer digits.
    execution_rate = models.DecimalField(
        _("执行率"), null=True, blank=True, max_digits=20, decimal_places=2
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
                fields=["project", "year", "kind"],
                condition=Q(project__isnull=False, monitoring_round__isnull=True),
                name="one_table_per_project_year_and_kind",
            ),
            models.UniqueConstraint(
                fields=["project", "monitoring_round"],
                condition=Q(monitoring_round__isnull=False),
                name="one_monitoring_table_per_project_and_round",
            ),
            models.UniqueConstraint(
                fields=["organisation", "year", "kind"],
                condition=Q(organisation__isnull=False),
                name="one_table_per_department_year_and_kind",
            ),
            models.CheckConstraint(
                name="assessment_has_one_owner",
                condition=Q(project__isnull=False, organisation__isnull=True)
                | Q(project__isnull=True, organisation__isnull=False),
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
        return f"{self.year.year} {self.subject}"

    def is_visible_to(self, user) -> bool:
        """Whether AssessmentQuerySet.visible_to(user) holds this table, without a query: for
        a table read with for_table(), which reads its unit and department with their
        parents (tests/test_visibility.py holds the two to the same answers)."""
        if not user.is_authenticated:
            return False
        if user.is_superuser:
            return True
        own = {m.organisation_id for m in memberships_of(user)}
        if self.project is not None:
            unit = self.project.unit
            grandparent = unit.parent.parent_id if unit.parent is not None else None
            return bool({unit.pk, unit.parent_id, grandparent} & own)
        department = self.organisation
        return department is not None and bool({department.pk, department.parent_id} & own)

    def get_absolute_url(self):
        return reverse("assessments:detail", args=[self.pk])

    # Whose table this is: the one place that answers it for lists, titles, file names,
    # paper, permissions, books, filings and reports.

    @property
    def unit(self) -> Organisation:
        """The organisation that fills the table: the project's unit, or the department
        itself for a department's own table."""
        if self.project is None:
            return cast(Organisation, self.organisation)  # the check constraint: one owner
        return self.project.unit

    @property
    def department(self) -> Organisation | None:
        """The department the table is filed with: the unit's department, or the department
        itself."""
        if self.project is None:
            return self.organisation
        return self.project.unit.parent

    @property
    def of_department(self) -> bool:
        """A department's own table (部门整体), not a project's."""
        return self.project is None

    @property
    def owner_name(self) -> str:
        """The project's name, or the department's: what file names start with."""
        return self.unit.name if self.project is None else self.project.name

    @property
    def subject(self) -> str:
        """What the table is about, as titles, lists and breadcrumbs name it: the project,
        or the department as a whole (某某局（部门整体）)."""
        if self.project is None:
            return f"{self.unit.name}（部门整体）"
        return self.project.name

    @property
    def owner_lines(self) -> list[tuple[str, str]]:
        """The head of the table as (label, text): project, department and unit, or the
        department alone for its own table."""
        if self.project is None:
            return [("部门名称", self.department_name)]
        return [
            ("项目名称", self.project.name),
            ("主管部门", self.department_name),
            ("实施单位", self.project.unit.name),
        ]

    @property
    def table_kind(self) -> kinds.TableKind:
        """The declaration of this table's kind: its steps, checks, words and paper."""
        return kinds.get(self.kind)

    @property
    def targets_locked(self):
        """Targets, weights and the tree came from an approved target table: changing them
        takes an approved adjustment (目标调整)."""
        return self.targets_source_id is not None

    @property
    def targets_adjustable(self):
        """Targets locked from approval that a 目标调整 may change on this table."""
        return self.targets_locked and self.table_kind.adjusts_targets

    @property
    def targets_unapproved(self):
        """A self-assessment whose targets were never approved (目标未经审批)."""
        return self.table_kind.starts_from is not None and self.targets_source_id is None

    @property
    def kind_label(self):
        """What messages call the table: 自评表 or 绩效目标表."""
        return self.table_kind.short_label

    @property
    def status_label(self):
        """The status as the page says it, in its kind's words: a target table is 已批准."""
        if self.status == self.Status.SIGNED_OFF:
            return self.table_kind.signed_label
        return self.get_status_display()

    @property
    def signed_label(self):
        """What a sign-off is called: 已签发, or 已批准 for a target table."""
        return self.table_kind.signed_label

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
        flags = self.monitoring_flags()
        # A null key costs no query; an unsaved round (an import's probe) is used as it is.
        monitoring_round = self.monitoring_round
        return rules.AssessmentInput(
            rule_set=self.year.rule_set,
            funds={line: self.fund(line) for line in rules.FUND_LINES},
            budget_weight=self.budget_weight,
            goal=self.goal,
            outcome=self.outcome,
            indicators=[row.rules_input(flags) for row in indicators],
            money_unit=self.money_unit,
            cells=dict(self.cells or {}),
            approved_budget=self.approved_budget,
            cut_off=monitoring_round.cut_off if monitoring_round else None,
            lag_margin=monitoring_round.margin if monitoring_round else None,
        )

    def monitoring_flags(self) -> dict[tuple[str, str, str], str]:
        """The rows of this table's approved targets that the latest approved table opened in
        a round (运行监控) flagged as at risk, by (一级, 二级, 三级指标), in words; empty for a
        table without actuals or approved targets (then no query)."""
        if not (self.pk and self.targets_source_id and self.table_kind.has_actuals):
            return {}
        cached = self.__dict__.get("_monitoring_flags")
        if cached is not None:
            return cached
        latest = (
            Assessment.objects.filter(
                targets_source_id=self.targets_source_id,
                kind__in=kinds.names(opened_in_rounds=True),
                status=Assessment.Status.SIGNED_OFF,
            )
            .exclude(pk=self.pk)
            .select_related("monitoring_round")
            .prefetch_related(
                Prefetch("indicators", queryset=Indicator.objects.order_by("position"))
            )
            .order_by("-monitoring_round__cut_off", "-pk")
            .first()
        )
        flags: dict[tuple[str, str, str], str] = {}
        if latest is not None:
            when = "运行监控"
            if latest.monitoring_round is not None:
                cut_off = latest.monitoring_round.cut_off
                when = f"运行监控 {cut_off.month}月{cut_off.day}日"
            rows = list(latest.indicators.all())
            for line in monitoring_rules.rows(latest.cells or {}, len(rows)):
                if line.at_risk:
                    row = rows[line.number - 1]
                    flags[(row.level1, row.level2, row.name)] = f"{when}：{line.likelihood}"
        self.__dict__["_monitoring_flags"] = flags
        return flags

    def evaluate(self, indicators=None):
        """Every figure and finding, by the checks of the table's kind."""
        return self.table_kind.evaluate(self.rules_input(indicators))

    def valid_signature(self):
        """The signature in force, with its signer: there is one only while signed off."""
        if self.status != self.Status.SIGNED_OFF:
            return None
        return self.signatures.valid().select_related("signed_by").first()


class Indicator(ChoiceLabels):
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
    # What target and actual mean is read from the text when needed (docs/domain.md §4).
    grade = models.CharField(_("完成等级"), max_length=20, choices=Grade.choices, blank=True)
    weight = models.DecimalField(_("分值"), null=True, blank=True, **POINTS)
    score = models.DecimalField(_("得分"), null=True, blank=True, **POINTS)
    reason = models.TextField(_("偏差原因分析及改进措施"), blank=True)
    # 评分细则 of a target row, where the year's rule set asks for it (RuleSet.scoring_criteria).
    criteria = models.TextField(_("评分细则"), blank=True)

    class Meta:
        verbose_name = _("绩效指标")
        verbose_name_plural = _("绩效指标")
        ordering = ["assessment_id", "position"]
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

    def rules_input(self, monitoring_flags=None):
        flag = (monitoring_flags or {}).get((self.level1, self.level2, self.name), "")
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
            criteria=self.criteria,
            monitoring=flag,
        )
