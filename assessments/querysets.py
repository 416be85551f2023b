from decimal import Decimal

from django.db import models
from django.db.models import Case, F, Prefetch, Q, Value, When

from . import rules

# An amount in 元 has at most four more digits than the same amount in 万元.
YUAN_AMOUNT = models.DecimalField(max_digits=rules.MAX_AMOUNT_DIGITS + 6, decimal_places=2)


def memberships_of(user):
    """The user's memberships, read once per request and kept on the user object."""
    if not hasattr(user, "_assessment_memberships"):
        from .models import Membership

        user._assessment_memberships = list(
            Membership.objects.filter(user=user).select_related("organisation")
        )
    return user._assessment_memberships


def in_yuan(field):
    """An amount column in 元, whichever unit its table is kept in (万元 × 10,000)."""
    return Case(
        When(money_unit="万元", then=F(field) * Value(Decimal(10000))),
        default=F(field),
        output_field=YUAN_AMOUNT,
    )


class AssessmentQuerySet(models.QuerySet):
    def for_table(self):
        """What a list row shows: the project, its unit and the year, in one query."""
        return self.select_related("project__unit__parent", "year")

    def for_listing(self):
        """What a list row shows, and what the list sorts on: findings and the status order."""
        from .models import Assessment

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
        from .models import Indicator

        return self.for_table().prefetch_related(
            Prefetch("indicators", queryset=Indicator.objects.order_by("position"))
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
    from .models import Membership, Organisation

    if not user.is_authenticated:
        return Organisation.objects.none()
    if user.is_superuser:
        return Organisation.objects.all()
    own = Membership.objects.filter(user=user).values("organisation_id")
    return Organisation.objects.filter(Q(id__in=own) | Q(parent_id__in=own))
