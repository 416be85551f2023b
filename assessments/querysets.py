from django.db import models
from django.db.models import Prefetch, Q


class AssessmentQuerySet(models.QuerySet):
    def for_table(self):
        """What a list row shows: the project, its unit and the year, in one query."""
        return self.select_related("project__unit__parent", "year")

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
        organisation_ids = list(user.memberships.values_list("organisation_id", flat=True))
        return self.filter(
            Q(project__unit_id__in=organisation_ids)
            | Q(project__unit__parent_id__in=organisation_ids)
        )
