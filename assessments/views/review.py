"""Workflow steps (POST only) and comments pinned to cells."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from .. import permissions, services
from ..forms import AnswerForm, CommentForm, OpinionForm, ReopenForm, ReturnForm, WithdrawForm
from ..models import Comment
from ..paper.official_table import build_official_table
from ..permissions import get_assessment_for_user
from ..services import comments, workflow


def _run(request, step, success, form=None):
    """Run one service with the form's data; its refusal, or the form's, becomes a message."""
    if form is not None and not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return False
    try:
        step(form.cleaned_data if form is not None else {})
    except services.AssessmentError as error:
        messages.error(request, str(error))
        return False
    messages.success(request, success)
    return True


@login_required
@require_POST
def submit(request, pk):
    assessment = get_assessment_for_user(request, pk)
    _run(
        request,
        lambda _: workflow.submit_assessment(assessment.pk, by=request.user),
        "已提交审核。",
    )
    return redirect(assessment)


@login_required
@require_POST
def return_for_revision(request, pk):
    assessment = get_assessment_for_user(request, pk)
    _run(
        request,
        lambda data: workflow.return_assessment(
            assessment.pk, by=request.user, reason=data["reason"]
        ),
        "已退回填报人修改。",
        ReturnForm(request.POST),
    )
    return redirect(assessment)


def _sign_off_page(request, assessment, form, status=200):
    kind = assessment.table_kind
    context = {"assessment": assessment, "table": build_official_table(assessment)}
    if kind.review_opinions:
        level = permissions.review_level(request.user, assessment)
        context |= {"opinion_form": form, "opinion_heading": dict(kind.review_opinions)[level]}
    return render(request, "assessments/sign_off.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def sign_off(request, pk):
    """GET asks for confirmation, with the figures and findings that will be signed, and for
    the review opinion where the kind prints one."""
    if request.method == "GET":
        assessment = get_assessment_for_user(request, pk, tree=True)
        allowed, reason = permissions.can_sign_off(request.user, assessment)
        if not allowed:
            messages.error(request, reason)
            return redirect(assessment)
        return _sign_off_page(request, assessment, OpinionForm(initial={"opinion": "同意。"}))
    assessment = get_assessment_for_user(request, pk)
    opinion = ""
    if assessment.table_kind.review_opinions:
        form = OpinionForm(request.POST)
        if not form.is_valid():
            assessment = get_assessment_for_user(request, pk, tree=True)
            return _sign_off_page(request, assessment, form, status=400)
        opinion = form.cleaned_data["opinion"]
    _run(
        request,
        lambda _: workflow.sign_off_assessment(
            assessment.pk,
            by=request.user,
            comment=request.POST.get("comment", ""),
            opinion=opinion,
        ),
        assessment.table_kind.signed_message,
    )
    return redirect(assessment)


@login_required
@require_POST
def withdraw(request, pk):
    assessment = get_assessment_for_user(request, pk)
    _run(
        request,
        lambda data: workflow.withdraw_assessment(
            assessment.pk, by=request.user, reason=data["reason"]
        ),
        "已撤回，可以继续修改后再提交。",
        WithdrawForm(request.POST),
    )
    return redirect(assessment)


@login_required
@require_POST
def reopen(request, pk):
    assessment = get_assessment_for_user(request, pk)
    _run(
        request,
        lambda data: workflow.reopen_assessment(
            assessment.pk, by=request.user, reason=data["reason"]
        ),
        "已重新打开，原签发作废。",
        ReopenForm(request.POST),
    )
    return redirect(assessment)


@login_required
@require_POST
def add_comment(request, pk):
    assessment = get_assessment_for_user(request, pk)
    _run(
        request,
        lambda data: comments.add_comment(
            assessment.pk, by=request.user, target=data["target"], text=data["text"]
        ),
        "批注已添加。",
        CommentForm(request.POST, targets=comments.comment_targets(assessment)),
    )
    return redirect(assessment)


@login_required
@require_POST
def answer_comment(request, pk, comment_pk):
    assessment = get_assessment_for_user(request, pk)
    comment = get_object_or_404(Comment, pk=comment_pk, assessment=assessment, parent__isnull=True)
    form = AnswerForm(request.POST)
    _run(
        request,
        lambda data: comments.answer_comment(comment.pk, by=request.user, text=data["text"]),
        "已答复批注。",
        form,
    )
    back = form.data.get("next", "")
    # Back to a page of this table only (its detail page or a wizard step), never elsewhere.
    if back.startswith(assessment.get_absolute_url()):
        return redirect(back)
    return redirect(assessment)
