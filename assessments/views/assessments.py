from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import render
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from .. import permissions, rules
from ..filters import AssessmentFilter
from ..models import Assessment
from ..paper import signing
from ..paper.official_table import build_official_table
from ..permissions import get_assessment_for_user
from ..services.comments import comment_targets
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
        context["can_create"] = permissions.prepares_anywhere(self.request.user)
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
    indicators = list(assessment.indicators.all())
    current = signing.canonical_snapshot(assessment, indicators)
    events = list(assessment.events.select_related("actor").order_by("created_at", "pk"))
    signatures = list(assessment.signatures.select_related("signed_by", "voided_by"))
    valid = next((s for s in signatures if s.is_valid), None)
    voided = [s for s in signatures if not s.is_valid]
    last_return = next((e for e in reversed(events) if e.action == "return"), None)
    comments = list(
        assessment.comments.filter(parent__isnull=True)
        .select_related("author", "return_event")
        .prefetch_related("replies__author")
    )
    actions = permissions.allowed_actions(request.user, assessment)
    comparisons = []
    if valid:
        comparisons.append(
            ("与签发版本相比", valid, signing.diff_snapshots(valid.snapshot, current))
        )
    elif voided:
        comparisons.append(
            (
                "自上次签发以来的修改",
                voided[-1],
                signing.diff_snapshots(voided[-1].snapshot, current),
            )
        )
    if last_return and assessment.status != Assessment.Status.SIGNED_OFF:
        comparisons.append(
            ("自退回以来的修改", last_return, signing.diff_snapshots(last_return.snapshot, current))
        )
    return render(
        request,
        "assessments/detail.html",
        {
            "assessment": assessment,
            "table": table,
            "figures": figures,
            "actions": actions,
            "can_edit": actions["edit"],
            "can_copy": permissions.can_create_in(request.user, assessment.project.unit)[0],
            "signature": valid,
            "signature_matches": valid is not None
            and valid.content_hash == signing.content_hash(current),
            "voided": voided,
            "comparisons": comparisons,
            "comments": comments,
            "comment_targets": comment_targets(assessment, indicators)
            if actions["comment"]
            else [],
            "events": events,
        },
    )
