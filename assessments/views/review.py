"""Workflow steps (POST only) and comments pinned to cells."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from .. import services
from ..models import Comment
from ..permissions import get_assessment_for_user
from ..services import comments, workflow


def _run(request, assessment, step, success):
    try:
        step()
    except services.AssessmentError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, success)
    return redirect(assessment)


@login_required
@require_POST
def submit(request, pk):
    assessment = get_assessment_for_user(request, pk)
    return _run(
        request,
        assessment,
        lambda: workflow.submit_assessment(assessment.pk, by=request.user),
        "已提交审核。",
    )


@login_required
@require_POST
def return_for_revision(request, pk):
    assessment = get_assessment_for_user(request, pk)
    return _run(
        request,
        assessment,
        lambda: workflow.return_assessment(
            assessment.pk, by=request.user, reason=request.POST.get("reason", "")
        ),
        "已退回填报人修改。",
    )


@login_required
@require_POST
def sign_off(request, pk):
    assessment = get_assessment_for_user(request, pk)
    return _run(
        request,
        assessment,
        lambda: workflow.sign_off_assessment(
            assessment.pk, by=request.user, comment=request.POST.get("comment", "")
        ),
        "已签发。签发内容已锁定，其摘要可用于核验。",
    )


@login_required
@require_POST
def reopen(request, pk):
    assessment = get_assessment_for_user(request, pk)
    return _run(
        request,
        assessment,
        lambda: workflow.reopen_assessment(
            assessment.pk, by=request.user, reason=request.POST.get("reason", "")
        ),
        "已重新打开，原签发作废。",
    )


@login_required
@require_POST
def add_comment(request, pk):
    assessment = get_assessment_for_user(request, pk)
    return _run(
        request,
        assessment,
        lambda: comments.add_comment(
            assessment.pk,
            by=request.user,
            target=request.POST.get("target", ""),
            text=request.POST.get("text", ""),
        ),
        "批注已添加。",
    )


@login_required
@require_POST
def answer_comment(request, pk, comment_pk):
    assessment = get_assessment_for_user(request, pk)
    comment = get_object_or_404(Comment, pk=comment_pk, assessment=assessment, parent__isnull=True)
    try:
        comments.answer_comment(comment.pk, by=request.user, text=request.POST.get("text", ""))
    except services.AssessmentError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "已答复批注。")
    back = request.POST.get("next", "")
    # Back to a page of this table only (its detail page or a wizard step), never elsewhere.
    if back.startswith(assessment.get_absolute_url()):
        return redirect(back)
    return redirect(assessment)
