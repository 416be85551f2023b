"""The follow-up of a table on its page: the previous year's result application, the table's
rectification requests, and the buttons of whoever may issue or record them."""

from django import template
from django.utils import timezone

from .. import permissions
from ..models import Rectification, ResultApplication
from ..prepared import Prepared

register = template.Library()


def _applications(project_id):
    # A project's, one a year: the two wanted are picked out below.
    return ResultApplication.objects.filter(project_id=project_id).select_related(
        "year", "recorded_by_organisation"
    )


def _rectifications(assessment_id):
    return Rectification.objects.filter(assessment_id=assessment_id).select_related("issuer")


# Read on every table's page, compiled once (prepared).
_APPLICATIONS = Prepared(_applications)
_RECTIFICATIONS = Prepared(_rectifications)


@register.inclusion_tag("assessments/followup/_panel.html", takes_context=True)
def followup_panel(context, assessment):
    user = context["request"].user
    unit = assessment.unit
    # 结果应用 is recorded per project: a department's own table has none.
    # The previous year's and this year's, latest first, in one query.
    years = (assessment.year.year - 1, assessment.year.year)
    recorded = [
        application
        for application in (_APPLICATIONS(assessment.project_id) if assessment.project_id else [])
        if application.year.year in years
    ]
    applications = [a for a in recorded if a.year_id != assessment.year_id]
    current = next((a for a in recorded if a.year_id == assessment.year_id), None)
    today = timezone.localdate()
    rectifications = _RECTIFICATIONS(assessment.pk)
    for rectification in rectifications:
        rectification.assessment = assessment  # as read through the table
    return {
        "assessment": assessment,
        "applications": applications,
        "current": current,
        "rectifications": [(r, r.is_overdue(today)) for r in rectifications],
        "can_issue": permissions.can_issue_rectification(user, unit)[0],
        "can_apply": assessment.project_id is not None
        and permissions.can_record_application(user, unit)[0],
    }
