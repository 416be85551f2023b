"""运行监控: the rounds a user may see, opening one, and a round's view with its export."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from .. import permissions
from ..forms.monitoring import OpenRoundForm
from ..models import MonitoringRound
from ..reporting import monitoring as reporting
from ..services import AssessmentError
from ..services import monitoring as service


def get_round_for_user(request, pk) -> MonitoringRound:
    found = (
        MonitoringRound.objects.visible_to(request.user)
        .select_related("scope", "year", "opened_by")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404("没有这个运行监控批次。")
    return found


@login_required
@require_http_methods(["GET", "POST"])
def round_list(request):
    """The rounds the user may see; a department's or bureau's reviewer opens one here."""
    scopes = permissions.monitoring_scopes(request.user)
    form = OpenRoundForm(request.POST or None, scopes=scopes) if scopes.exists() else None
    if request.method == "POST":
        if form is None:
            raise Http404("您不能发起运行监控。")
        if form.is_valid():
            data = form.cleaned_data
            try:
                opened = service.open_round(
                    data["scope"],
                    data["year"],
                    cut_off=data["cut_off"],
                    due=data["due"],
                    margin=data["margin"],
                    by=request.user,
                )
            except AssessmentError as error:
                form.add_error(None, str(error))
            else:
                text = f"已发起{opened.round.title}：生成 {len(opened.tables)} 张运行监控表。"
                if opened.without_targets:
                    text += f"{len(opened.without_targets)} 个项目没有已批准的绩效目标，未纳入。"
                messages.success(request, text)
                return redirect("assessments:monitoring_round", opened.round.pk)
    rounds = MonitoringRound.objects.visible_to(request.user).select_related("scope", "year")
    return render(
        request,
        "assessments/monitoring/rounds.html",
        {"rounds": rounds, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_GET
def round_detail(request, pk):
    round_ = get_round_for_user(request, pk)
    view = reporting.round_view(round_)
    for row in view.rows:
        row.may_rectify = permissions.can_issue_rectification(request.user, row.table.unit)[0]
    return render(request, "assessments/monitoring/round.html", {"view": view, "round": round_})


@login_required
@require_GET
def round_xlsx(request, pk):
    return reporting.round_xlsx_response(reporting.round_view(get_round_for_user(request, pk)))
