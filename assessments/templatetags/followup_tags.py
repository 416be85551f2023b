"""The follow-up of a table on its page: the previous year's result application, the table's
rectification requests, and the buttons of whoever may issue or record them."""

from django import template
from django.utils import timezone

from .. import permissions
from ..models import Rectification, ResultApplication

register = template.Library()


@register.inclusion_tag("assessments/followup/_panel.html", takes_context=True)
def followup_panel(context, assessment):
    user = context["request"].user
    unit = assessment.unit
    # 结果应用 is recorded per project: a department's own table has none.
    applications = ResultApplication.objects.filter(
        project_id=assessment.project_id, year__year=assessment.year.year - 1
    ).select_related("year", "recorded_by_organisation")
    current = ResultApplication.objects.filter(
        project_id=assessment.project_id, year=assessment.year
    ).first()
    today = timezone.localdate()
    rectifications = Rectification.objects.filter(assessment=assessment).select_related("issuer")
    return {
        "assessment": assessment,
        "applications": list(applications),
        "current": current,
        "rectifications": [(r, r.is_overdue(today)) for r in rectifications],
        "can_issue": permissions.can_issue_rectification(user, unit)[0],
        "can_apply": assessment.project_id is not None
        and permissions.can_record_application(user, unit)[0],
    }
