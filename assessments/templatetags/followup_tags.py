"""The follow-up of a table on its page: the previous year's result application, the table's
rectification requests, and the buttons of whoever may issue or record them."""

from django import template
from django.db.models import Q
from django.utils import timezone

from .. import permissions
from ..models import Rectification, ResultApplication

register = template.Library()


@register.inclusion_tag("assessments/followup/_panel.html", takes_context=True)
def followup_panel(context, assessment):
    user = context["request"].user
    unit = assessment.unit
    # 结果应用 is recorded per project: a department's own table has none.
    # The previous year's and this year's, latest first, in one query.
    recorded = list(
        ResultApplication.objects.filter(
            Q(year__year=assessment.year.year - 1) | Q(year=assessment.year),
            project_id=assessment.project_id,
        ).select_related("year", "recorded_by_organisation")
    )
    applications = [a for a in recorded if a.year_id != assessment.year_id]
    current = next((a for a in recorded if a.year_id == assessment.year_id), None)
    today = timezone.localdate()
    rectifications = Rectification.objects.filter(assessment=assessment).select_related("issuer")
    return {
        "assessment": assessment,
        "applications": applications,
        "current": current,
        "rectifications": [(r, r.is_overdue(today)) for r in rectifications],
        "can_issue": permissions.can_issue_rectification(user, unit)[0],
        "can_apply": assessment.project_id is not None
        and permissions.can_record_application(user, unit)[0],
    }
