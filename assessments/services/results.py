"""结果应用: how a project's result for a year is applied to the next year's budget, recorded
by the department or the bureau above the project's unit. One record per project and year;
recording again replaces it (the record keeps who recorded it last, and when)."""

from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from .. import permissions
from ..models import Assessment, ResultApplication
from . import AssessmentError, check


@transaction.atomic
def record_application(
    assessment_id: int, *, by: User, decision: str, amount: Decimal | None, note: str = ""
) -> ResultApplication:
    assessment = (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("project__unit__parent__parent", "organisation__parent", "year")
        .get(pk=assessment_id)
    )
    unit = assessment.unit
    check(permissions.can_record_application(by, unit))
    if assessment.project is None:
        raise AssessmentError("结果应用按项目记录，部门整体的表不记录。")
    if decision not in ResultApplication.Decision.values:
        raise AssessmentError("请选择应用方式：调减、保持、调增或调整方向。")
    if (
        decision in (ResultApplication.Decision.REDUCE, ResultApplication.Decision.RAISE)
        and not amount
    ):
        raise AssessmentError("调减或调增须填写涉及金额。")
    if amount is not None and amount < 0:
        raise AssessmentError("涉及金额不能为负数。")
    organisation = permissions.overseeing_organisation(by, unit)
    assert organisation is not None  # can_record_application said so
    application, _ = ResultApplication.objects.update_or_create(
        project=assessment.project,
        year=assessment.year,
        defaults={
            "decision": decision,
            "amount": amount,
            "note": (note or "").strip(),
            "recorded_by": by,
            "recorded_by_organisation": organisation,
            "recorded_at": timezone.now(),
        },
    )
    return application
