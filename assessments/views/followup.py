"""After the review: rectification requests (整改) and result applications (结果应用)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods

from .. import permissions
from ..forms.followup import (
    ApplicationForm,
    IssueForm,
    RectificationAnswerForm,
    RectificationDecisionForm,
)
from ..models import Rectification, ResultApplication
from ..permissions import get_assessment_for_user
from ..services import AssessmentError, results
from ..services import rectification as rectifications
from ..services.rectification import attachment_kind


def get_rectification_for_user(request, pk) -> Rectification:
    found = (
        Rectification.objects.visible_to(request.user)
        .filter(pk=pk)
        .select_related(
            "assessment__project__unit",
            "assessment__year",
            "unit",
            "issuer",
            "issued_by",
            "answered_by",
            "sampled__sample",
        )
        .first()
    )
    if found is None:
        raise Http404("没有这份整改通知。")
    return found


@login_required
@require_GET
def rectification_list(request):
    rows = (
        Rectification.objects.visible_to(request.user)
        .select_related("assessment__project", "assessment__year", "unit", "issuer")
        .order_by("status", "due_date", "pk")
    )
    today = timezone.localdate()
    return render(
        request,
        "assessments/followup/rectifications.html",
        {"rows": [(r, r.is_overdue(today)) for r in rows], "today": today},
    )


@login_required
@require_http_methods(["GET", "POST"])
def issue_rectification(request, pk):
    """From a 复核 row, a self-assessment row or the table itself: what, why, by when."""
    assessment = get_assessment_for_user(request, pk)
    allowed, reason = permissions.can_issue_rectification(request.user, assessment.unit)
    if not allowed:
        raise PermissionDenied(reason)
    initial = {"row": request.GET.get("row", ""), "sampled": request.GET.get("sampled") or None}
    form = IssueForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            rectification = rectifications.issue(
                assessment.pk,
                by=request.user,
                what=data["what"],
                why=data["why"],
                due_date=data["due_date"],
                row=data["row"],
                sampled_id=data["sampled"],
            )
        except AssessmentError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"已向{rectification.unit.name}发出整改通知。")
            return redirect(rectification)
    return render(
        request,
        "assessments/followup/issue.html",
        {"assessment": assessment, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def rectification_detail(request, pk):
    rectification = get_rectification_for_user(request, pk)
    can_answer = permissions.can_answer_rectification(request.user, rectification)[0]
    can_decide = permissions.can_decide_rectification(request.user, rectification)[0]
    answer_form = RectificationAnswerForm(
        request.POST if "answer" in request.POST else None,
        request.FILES if "answer" in request.POST else None,
    )
    decision_form = RectificationDecisionForm(request.POST if "decision" in request.POST else None)
    if request.method == "POST":
        form = answer_form if "answer" in request.POST else decision_form
        allowed, reason = (
            permissions.can_answer_rectification(request.user, rectification)
            if form is answer_form
            else permissions.can_decide_rectification(request.user, rectification)
        )
        if not allowed:
            raise PermissionDenied(reason)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if form is answer_form:
                    rectifications.answer(
                        rectification.pk,
                        by=request.user,
                        text=data["answer"],
                        attachment=data["attachment"] or None,
                    )
                    messages.success(request, "整改结果已答复，等待发出单位审核。")
                else:
                    accept = data["decision"] == "accept"
                    rectifications.decide(
                        rectification.pk, by=request.user, accept=accept, note=data["note"]
                    )
                    messages.success(request, "整改已通过。" if accept else "整改已退回单位。")
            except AssessmentError as error:
                field = "attachment" if "佐证" in str(error) else None
                form.add_error(field, str(error))
            else:
                return redirect(rectification)
    return render(
        request,
        "assessments/followup/rectification.html",
        {
            "r": rectification,
            "overdue": rectification.is_overdue(),
            "events": rectification.events.select_related("actor"),
            "answer_form": answer_form,
            "decision_form": decision_form,
            "can_answer": can_answer,
            "can_decide": can_decide,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_GET
def rectification_attachment(request, pk):
    """The evidence as a download, never shown inline, its type told by its own bytes."""
    rectification = get_rectification_for_user(request, pk)
    if not rectification.attachment:
        raise Http404("这份整改答复没有佐证文件。")
    handle = rectification.attachment.open("rb")
    kind = attachment_kind(handle.read(8))
    handle.seek(0)
    response = FileResponse(
        handle, content_type=kind.content_type if kind else "application/octet-stream"
    )
    response["Content-Disposition"] = content_disposition_header(
        True, rectification.attachment_name or "整改佐证"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def record_application(request, pk):
    assessment = get_assessment_for_user(request, pk)
    allowed, reason = permissions.can_record_application(request.user, assessment.unit)
    if not allowed:
        raise PermissionDenied(reason)
    current = ResultApplication.objects.filter(
        project=assessment.project, year=assessment.year
    ).first()
    initial = (
        {"decision": current.decision, "amount": current.amount, "note": current.note}
        if current
        else {}
    )
    form = ApplicationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            results.record_application(
                assessment.pk,
                by=request.user,
                decision=data["decision"],
                amount=data["amount"],
                note=data["note"],
            )
        except AssessmentError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "结果应用已记录，下一年度的目标表将显示。")
            return redirect(assessment)
    return render(
        request,
        "assessments/followup/application.html",
        {"assessment": assessment, "form": form, "current": current},
        status=400 if request.method == "POST" else 200,
    )
