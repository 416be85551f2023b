"""Filling offline: the fillable workbook, its upload, the preview and the confirmation.

One table (from its page or the wizard) or all the tables a preparer may still fill in one
year (from the dashboard): the same workbook format, the same checks, the same preview.
"""

import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods

from .. import permissions, services
from ..forms import UploadForm
from ..models import Assessment
from ..paper import fillable
from ..permissions import get_assessment_for_user
from ..reporting.exports import XLSX_TYPE
from ..services import uploads

SESSION_KEY = "workbook_uploads"
EDITABLE = [Assessment.Status.DRAFT, Assessment.Status.RETURNED]


def _workbook(assessments, filename):
    response = HttpResponse(fillable.fillable_bytes(assessments), content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


@login_required
@require_GET
def download_fillable(request, pk):
    assessment = get_assessment_for_user(
        request, pk, queryset=Assessment.objects.fillable().with_tree()
    )
    return _workbook([assessment], fillable.fillable_filename(assessment))


def unit_tables(user, year):
    """The tables of one year the user may still fill in, in the units she prepares for."""
    return (
        Assessment.objects.fillable()
        .with_tree()
        .visible_to(user)
        .filter(
            year__year=year,
            status__in=EDITABLE,
            project__unit__in=permissions.preparer_units(user),
        )
        .order_by("project__unit__name", "project__name")
    )


@login_required
@require_GET
def download_unit_fillable(request, year):
    tables = list(unit_tables(request.user, year))
    if not tables:
        raise Http404(f"{year} 年度没有您可以填写的自评表。")
    return _workbook(tables, fillable.unit_filename(year, tables))


def _plans(request):
    return request.session.setdefault(SESSION_KEY, {})


def _preview_url(assessment, token):
    if assessment is None:
        return reverse("assessments:unit_upload_preview", args=[token])
    return reverse("assessments:upload_preview", args=[assessment.pk, token])


def _upload(request, assessment):
    form = UploadForm(request.POST, request.FILES) if request.method == "POST" else UploadForm()
    problems, whole_file = [], False
    if request.method == "POST" and form.is_valid():
        file = form.cleaned_data["file"]
        try:
            if file.size > uploads.MAX_BYTES:
                raise uploads.UploadRefused([uploads.TOO_BIG], whole_file=True)
            plan = uploads.plan_upload(
                file.read(), file.name, user=request.user, assessment=assessment
            )
        except uploads.UploadRefused as refusal:
            problems, whole_file = refusal.problems, refusal.whole_file
        else:
            plan["assessment"] = assessment.pk if assessment else None
            token = secrets.token_urlsafe(16)
            # One pending upload per page: a newer file replaces the older one.
            plans = {
                k: v for k, v in _plans(request).items() if v["assessment"] != plan["assessment"]
            }
            plans[token] = plan
            request.session[SESSION_KEY] = plans
            return redirect(_preview_url(assessment, token))
    return render(
        request,
        "assessments/upload.html",
        {"assessment": assessment, "form": form, "problems": problems, "whole_file": whole_file},
    )


def _preview(request, assessment, token):
    plans = _plans(request)
    plan = plans.get(token)
    if plan is None or plan["assessment"] != (assessment.pk if assessment else None):
        raise Http404("这次上传已过期或不存在，请重新上传文件。")
    if request.method == "POST":
        try:
            saved = uploads.apply_upload(plan, by=request.user)
        except services.AssessmentError as error:
            messages.error(request, str(error))
            return redirect(request.path)
        plans.pop(token)
        request.session[SESSION_KEY] = plans
        messages.success(
            request, f"已按上传的填报表“{plan['filename']}”保存 {len(saved)} 张自评表。"
        )
        return redirect(assessment or "home")
    ids = [sheet["assessment"] for sheet in plan["sheets"]]
    tables = {
        a.pk: a
        for a in Assessment.objects.fillable()
        .with_tree()
        .visible_to(request.user)
        .filter(pk__in=ids)
    }
    if set(ids) - set(tables):
        raise Http404("上传的自评表已不存在。")
    previews = uploads.preview(plan, tables, by=request.user)
    request.session[SESSION_KEY] = plans  # the versions the preview was shown at
    return render(
        request,
        "assessments/upload_preview.html",
        {
            "assessment": assessment,
            "plan": plan,
            "previews": previews,
            "can_save": any(item.applied for item in previews),
            "conflicts": any(item.conflicts for item in previews),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def upload(request, pk):
    assessment = get_assessment_for_user(
        request, pk, write=True, queryset=Assessment.objects.fillable().with_tree()
    )
    return _upload(request, assessment)


@login_required
@require_http_methods(["GET", "POST"])
def upload_preview(request, pk, token):
    assessment = get_assessment_for_user(
        request, pk, write=True, queryset=Assessment.objects.fillable().with_tree()
    )
    return _preview(request, assessment, token)


@login_required
@require_http_methods(["GET", "POST"])
def unit_upload(request):
    # Before the file is read: only those who fill tables in some unit upload a unit's workbook.
    if not permissions.preparer_units(request.user).exists():
        raise PermissionDenied("只有单位的填报人可以上传填报表。")
    return _upload(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def unit_upload_preview(request, token):
    return _preview(request, None, token)
