"""Target adjustments (目标调整): the preparer asks, a reviewer approves or rejects."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from .. import permissions, services
from ..forms import AdjustmentForm, DecisionForm
from ..permissions import get_assessment_for_user
from ..services import adjustments
from .assessments import assessment_detail


def _back(request, assessment):
    """Back to the page the form was on: the wizard's indicator step or the detail page."""
    step = reverse("assessments:wizard_step", args=[assessment.pk, "targets"])
    if request.POST.get("next") == step:
        return redirect(step)
    return redirect(assessment)


@login_required
@require_POST
def request_adjustment(request, pk):
    assessment = get_assessment_for_user(request, pk, tree=True)
    allowed, reason = permissions.can_request_adjustment(request.user, assessment)
    if not allowed:
        raise PermissionDenied(reason)
    form = AdjustmentForm(
        request.POST, indicators=assessment.indicators.all(), goal=assessment.goal
    )
    if not form.is_valid():
        messages.error(request, "标红的栏目无法读取（见栏目下的说明），目标调整申请尚未提交。")
        return assessment_detail(request, assessment.pk, adjustment_form=form)
    try:
        adjustments.request_adjustment(
            assessment.pk,
            by=request.user,
            changes=form.changes(),
            reason=form.cleaned_data["reason"],
        )
    except services.AssessmentError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "已提交目标调整申请，审核人批准后生效。")
    return _back(request, assessment)


@login_required
@require_POST
def decide_adjustment(request, pk, adjustment_pk):
    assessment = get_assessment_for_user(request, pk)
    adjustment = assessment.adjustments.filter(pk=adjustment_pk).first()
    if adjustment is None:
        raise Http404("没有这项目标调整。")
    adjustment.assessment = assessment
    allowed, reason = permissions.can_decide_adjustment(request.user, adjustment)
    if not allowed:
        raise PermissionDenied(reason)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择批准或驳回。")
        return redirect(assessment)
    decide = (
        adjustments.approve_adjustment
        if form.cleaned_data["decision"] == "approve"
        else adjustments.reject_adjustment
    )
    try:
        decide(adjustment.pk, by=request.user, comment=form.cleaned_data["comment"])
    except services.AssessmentError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            "已批准目标调整，新的年度指标值和分值已生效。"
            if form.cleaned_data["decision"] == "approve"
            else "已驳回目标调整。",
        )
    return redirect(assessment)
