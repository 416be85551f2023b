"""Filling offline: the fillable workbook, its upload, the preview and the confirmation."""

import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods

from .. import services
from ..forms import UploadForm
from ..models import Assessment
from ..paper import fillable
from ..permissions import get_assessment_for_user
from ..reporting.exports import XLSX_TYPE
from ..services import uploads

SESSION_KEY = "workbook_uploads"


@login_required
@require_GET
def download_fillable(request, pk):
    assessment = get_assessment_for_user(request, pk, queryset=Assessment.objects.with_tree())
    response = HttpResponse(fillable.fillable_bytes([assessment]), content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(
        True, fillable.fillable_filename(assessment)
    )
    return response


def _plans(request):
    return request.session.setdefault(SESSION_KEY, {})


@login_required
@require_http_methods(["GET", "POST"])
def upload(request, pk):
    assessment = get_assessment_for_user(
        request, pk, write=True, queryset=Assessment.objects.with_tree()
    )
    form = UploadForm(request.POST, request.FILES) if request.method == "POST" else UploadForm()
    problems = []
    if request.method == "POST" and form.is_valid():
        file = form.cleaned_data["file"]
        try:
            if file.size > uploads.MAX_BYTES:
                raise uploads.UploadRefused(["文件超过 5 MB，无法上传。"])
            plan = uploads.plan_upload(
                file.read(), file.name, user=request.user, assessments=[assessment]
            )
        except uploads.UploadRefused as refusal:
            problems = refusal.problems
        else:
            plan["assessment"] = assessment.pk
            token = secrets.token_urlsafe(16)
            # One pending upload per table and person: a newer file replaces the older one.
            plans = {k: v for k, v in _plans(request).items() if v["assessment"] != assessment.pk}
            plans[token] = plan
            request.session[SESSION_KEY] = plans
            return redirect("assessments:upload_preview", pk=assessment.pk, token=token)
    return render(
        request,
        "assessments/upload.html",
        {"assessment": assessment, "form": form, "problems": problems},
    )


@login_required
@require_http_methods(["GET", "POST"])
def upload_preview(request, pk, token):
    assessment = get_assessment_for_user(
        request, pk, write=True, queryset=Assessment.objects.with_tree()
    )
    plans = _plans(request)
    plan = plans.get(token)
    if plan is None or plan["assessment"] != assessment.pk:
        raise Http404("这次上传已过期或不存在，请重新上传文件。")
    if request.method == "POST":
        try:
            uploads.apply_upload(plan, by=request.user)
        except services.AssessmentError as error:
            messages.error(request, str(error))
        else:
            plans.pop(token)
            request.session[SESSION_KEY] = plans
            messages.success(request, f"已按上传的填报表“{plan['filename']}”保存。")
            return redirect(assessment)
        return redirect("assessments:upload", pk=assessment.pk)
    previews = uploads.preview(plan, {assessment.pk: assessment})
    request.session[SESSION_KEY] = plans  # the versions the preview was shown at
    return render(
        request,
        "assessments/upload_preview.html",
        {
            "assessment": assessment,
            "plan": plan,
            "previews": previews,
            "download_url": reverse("assessments:fillable", args=[assessment.pk]),
        },
    )
