"""Linking late: the preparer sees what the approved target table changes and accepts it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from .. import permissions
from ..permissions import get_assessment_for_user
from ..services import AssessmentError, linking


@login_required
@require_http_methods(["GET", "POST"])
def link_targets(request, pk):
    assessment = get_assessment_for_user(request, pk, tree=True)
    targets = linking.link_offer(assessment)
    if targets is None:
        messages.info(request, "这张自评表没有可关联的已批准绩效目标表，或已经关联。")
        return redirect(assessment)
    allowed, reason = permissions.can_edit(request.user, assessment)
    if request.method == "POST":
        if not allowed:
            raise PermissionDenied(reason)
        try:
            version = int(request.POST.get("version", ""))
        except ValueError:
            version = -1
        try:
            linking.link_targets(assessment.pk, by=request.user, base_version=version)
        except AssessmentError as error:
            messages.error(request, str(error))
            return redirect("assessments:link_targets", pk=assessment.pk)
        messages.success(request, "已关联已批准的绩效目标表：预算、目标和指标按批准的内容填写。")
        return redirect(assessment)
    return render(
        request,
        "assessments/link_targets.html",
        {
            "assessment": assessment,
            "targets": targets,
            "differences": linking.differences(assessment, targets),
            "can_link": allowed,
            "reason": reason,
        },
    )
