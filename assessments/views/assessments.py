from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import render
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from .. import rules
from ..filters import AssessmentFilter
from ..models import Assessment
from ..permissions import get_assessment_for_user
from ..presentation import build_official_table
from ..tables import AssessmentTable


def listed_assessments(user):
    """What the list, and its exports, start from: every assessment the user may see."""
    return Assessment.objects.for_listing().visible_to(user)


class AssessmentListView(LoginRequiredMixin, SingleTableMixin, FilterView):
    table_class = AssessmentTable
    filterset_class = AssessmentFilter
    template_name = "assessments/list.html"
    # The table paginates; ListView's own pagination (paginate_by) would count the rows again.
    table_pagination = {"per_page": 50}

    def get_queryset(self):
        return listed_assessments(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        context["export_query"] = query.urlencode()
        context["is_filtered"] = any(
            value for key, value in self.request.GET.items() if key in self.filterset.filters
        )
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
        {"assessment": assessment, "table": table, "figures": figures},
    )
