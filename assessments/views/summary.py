"""The summary (汇总) of a department or a unit, its Excel file, and a project over the years."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from .. import exports
from ..filters import SummaryForm
from ..history import compare_years
from ..models import Assessment
from ..summary import build_summary


@require_GET
@login_required
def summary(request):
    form = SummaryForm(request.GET or None, user=request.user)
    report = build_summary(request.user, form.scope()) if form.is_valid() else None
    return render(request, "assessments/summary.html", {"form": form, "report": report})


@require_GET
@login_required
def summary_xlsx(request):
    form = SummaryForm(request.GET or None, user=request.user)
    if not form.is_valid():
        messages.error(request, "请选择可汇总的单位和年度后再导出。")
        return redirect(reverse("assessments:summary"))
    report = build_summary(request.user, form.scope())
    filename = f"绩效自评汇总-{report.scope.name}-{report.scope.year}.xlsx"
    return exports.xlsx_response(
        lambda target: exports.write_summary_workbook(report, target), filename
    )


@require_GET
@login_required
def project_years(request, pk):
    visible = list(Assessment.objects.with_tree().visible_to(request.user).filter(project_id=pk))
    if not visible:
        raise Http404("没有这个项目。")
    assessments, figures, indicators = compare_years(visible)
    return render(
        request,
        "assessments/project_years.html",
        {
            "project": assessments[0].project,
            "assessments": assessments,
            "figures": figures,
            "indicators": indicators,
        },
    )
