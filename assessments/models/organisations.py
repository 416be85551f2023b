"""Who is who: organisations, people's roles in them, reporting years and projects."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .. import rules
from ..prepared import Prepared


def _memberships(user_id):
    return Membership.objects.filter(user_id=user_id).select_related("organisation")


_MEMBERSHIPS = Prepared(_memberships)


def memberships_of(user):
    """The user's memberships, read once per request and kept on the user object."""
    if not hasattr(user, "_assessment_memberships"):
        user._assessment_memberships = _MEMBERSHIPS(user.pk) if user.pk else []
    return user._assessment_memberships


def visible_organisations(user):
    """The organisations whose tables the user sees: her own, those below them, and for a
    finance bureau the units below its departments."""
    if not user.is_authenticated:
        return Organisation.objects.none()
    if user.is_superuser:
        return Organisation.objects.all()
    # The memberships this request has read already (a few keys), not a subquery of its own.
    own = [m.organisation_id for m in memberships_of(user)]
    return Organisation.objects.filter(
        Q(id__in=own) | Q(parent_id__in=own) | Q(parent__parent_id__in=own)
    )


class Organisation(models.Model):
    class Kind(models.TextChoices):
        BUREAU = "bureau", _("财政局")
        DEPARTMENT = "department", _("主管部门")
        UNIT = "unit", _("实施单位")

    name = models.CharField(_("名称"), max_length=200, unique=True)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    # A unit's parent is its department; a department's, when set, the finance bureau it
    # files with; a bureau has none.
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="units",
        limit_choices_to={"kind__in": [Kind.BUREAU, Kind.DEPARTMENT]},
    )

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        ordering = ["kind", "name"]
        constraints = [
            models.CheckConstraint(
                name="organisation_parent_by_kind",
                condition=Q(kind="bureau", parent__isnull=True)
                | Q(kind="department")
                | Q(kind="unit", parent__isnull=False),
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_unit(self) -> bool:
        return self.kind == Organisation.Kind.UNIT

    @property
    def is_department(self) -> bool:
        return self.kind == Organisation.Kind.DEPARTMENT

    def clean(self):
        expected = {
            str(Organisation.Kind.UNIT): Organisation.Kind.DEPARTMENT,
            str(Organisation.Kind.DEPARTMENT): Organisation.Kind.BUREAU,
        }.get(self.kind)
        if self.parent is not None and self.parent.kind != expected:
            raise ValidationError(
                {"parent": "实施单位的上级是主管部门，主管部门的上级是财政局，财政局没有上级。"}
            )


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
