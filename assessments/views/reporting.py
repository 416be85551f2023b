"""Reporting: the list as CSV or Excel, the summary (汇总) and its workbook, a project by year."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from .. import kinds
from ..filters import AssessmentFilter, SummaryForm
from ..models import Assessment
from ..reporting import exports
from ..reporting.summary import build_summary
from ..reporting.years import compare_years
from ..tables import AssessmentTable
from .assessments import listed_assessments, listed_kind


def _filtered(request):
    """The rows of the list in its order, or None when the filters do not validate."""
    filterset = AssessmentFilter(
        request.GET or None,
        queryset=listed_assessments(request.user, listed_kind(request)),
        request=request,
    )
    if filterset.is_bound and not filterset.is_valid():
        return None
    # The table knows how each column sorts; it orders the queryset as the screen does.
    table = AssessmentTable(filterset.qs, order_by=request.GET.get("sort"))
    return table.data.data


def _refuse(request):
    messages.error(request, "筛选条件有误，未导出；请更正后再导出。")
    return redirect(f"{reverse('assessments:list')}?{request.GET.urlencode()}")


def _filename(kind, extension):
    return f"{kind.label}-{timezone.localtime():%Y%m%d-%H%M}.{extension}"


def _export(request, respond, extension):
    rows = _filtered(request)
    if rows is None:
        return _refuse(request)
    kind = kinds.get(listed_kind(request))
    return respond(rows, _filename(kind, extension), kind)


@require_GET
@login_required
def export_csv(request):
    return _export(request, exports.csv_response, "csv")


@require_GET
@login_required
def export_xlsx(request):
    return _export(request, exports.list_xlsx_response, "xlsx")


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
    tables = Assessment.objects.self_assessments().with_tree()
    visible = list(tables.visible_to(request.user).filter(project_id=pk))
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
