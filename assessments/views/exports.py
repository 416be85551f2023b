"""The assessment list, filtered and sorted as on screen, as CSV or Excel."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from .. import exports
from ..filters import AssessmentFilter
from ..tables import AssessmentTable
from .assessments import listed_assessments


def _filtered(request):
    """The rows of the list in its order, or None when the filters do not validate."""
    filterset = AssessmentFilter(
        request.GET or None, queryset=listed_assessments(request.user), request=request
    )
    if filterset.is_bound and not filterset.is_valid():
        return None
    # The table knows how each column sorts; it orders the queryset as the screen does.
    table = AssessmentTable(filterset.qs, order_by=request.GET.get("sort"))
    return table.data.data


def _refuse(request):
    messages.error(request, "筛选条件有误，未导出；请更正后再导出。")
    return redirect(f"{reverse('assessments:list')}?{request.GET.urlencode()}")


def _filename(extension):
    return f"绩效自评表-{timezone.localtime():%Y%m%d-%H%M}.{extension}"


@require_GET
@login_required
def export_csv(request):
    rows = _filtered(request)
    if rows is None:
        return _refuse(request)
    return exports.csv_response(rows, _filename("csv"))


@require_GET
@login_required
def export_xlsx(request):
    rows = _filtered(request)
    if rows is None:
        return _refuse(request)
    return exports.list_xlsx_response(rows, _filename("xlsx"))
