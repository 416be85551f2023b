from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import render
from django_tables2 import SingleTableView

from .. import permissions, rules
from ..models import Assessment
from ..permissions import get_assessment_for_user
from ..presentation import build_official_table
from ..tables import AssessmentTable


class AssessmentListView(LoginRequiredMixin, SingleTableView):
    table_class = AssessmentTable
    template_name = "assessments/list.html"
    paginate_by = 50

    def get_queryset(self):
        return Assessment.objects.for_table().visible_to(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_create"] = permissions.preparer_units(self.request.user).exists()
        return context


@login_required
def assessment_detail(request, pk):
    assessment = get_assessment_for_user(request, pk, queryset=Assessment.objects.with_tree())
    table = build_official_table(assessment)
    evaluation = table.evaluation
    figures = [
        ("全年预算数", rules.format_amount(assessment.total_full_year_budget, grouped=True) or "—"),
        ("全年执行数", rules.format_amount(assessment.total_executed, grouped=True) or "—"),
        ("执行率", rules.format_percent(evaluation.execution_rate)),
        (
            "预算执行得分",
            f"{evaluation.budget_score} / {rules.format_points(assessment.budget_weight)}",
        ),
        ("总分", evaluation.total_score),
        ("等级", evaluation.grade),
    ]
    return render(
        request,
        "assessments/detail.html",
        {
            "assessment": assessment,
            "table": table,
            "figures": figures,
            "can_edit": permissions.can_edit(request.user, assessment)[0],
            "can_copy": permissions.can_create_in(request.user, assessment.project.unit)[0],
        },
    )
