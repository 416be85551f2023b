"""The assessment list and the detail page of one table."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from .. import kinds, permissions
from ..filters import AssessmentFilter
from ..forms import AnswerForm, CommentForm, ReopenForm, ReturnForm, WithdrawForm
from ..models import Assessment, Comment
from ..paper.official_table import build_official_table
from ..paper.signature_lines import signature_block
from ..permissions import get_assessment_for_user
from ..prepared import Prepared
from ..reporting.review import reviews_of
from ..services import AssessmentError, department
from ..services.comments import comment_targets
from ..tables import AssessmentTable, BoundedPaginator
from ..trust import signing
from .wizard import adjustment_context


def listed_assessments(user, kind=kinds.DEFAULT):
    """What the list, and its exports, start from: every table of the kind the user may see
    (self-assessments unless the target tables are asked for)."""
    return Assessment.objects.for_listing().visible_to(user).filter(kind=kind)


def listed_kind(request):
    """The kind of table the list shows: ?kind=targets for the target tables, the
    self-assessments without it (or for a kind that is not declared)."""
    asked = request.GET.get("kind")
    return asked if kinds.is_known(asked) else kinds.DEFAULT


class AssessmentListView(LoginRequiredMixin, SingleTableMixin, FilterView):
    table_class = AssessmentTable
    filterset_class = AssessmentFilter
    template_name = "assessments/list.html"
    # The table paginates; ListView's own pagination (paginate_by) would count the rows again.
    table_pagination = {"per_page": 50, "paginator_class": BoundedPaginator}

    # What a list of a kind without actuals (target tables) leaves out: nothing is executed
    # or scored before the year.
    ACTUALS_COLUMNS = ("executed", "execution_rate", "total_score", "grade")
    ACTUALS_FILTERS = ("grade", "score_min", "score_max")

    def get_queryset(self):
        return listed_assessments(self.request.user, listed_kind(self.request))

    def get_table_kwargs(self):
        if kinds.get(listed_kind(self.request)).has_actuals:
            return {}
        return {"exclude": self.ACTUALS_COLUMNS}

    def get_filterset(self, filterset_class):
        filterset = super().get_filterset(filterset_class)
        if not kinds.get(listed_kind(self.request)).has_actuals:
            for name in self.ACTUALS_FILTERS:
                filterset.filters.pop(name, None)
                filterset.form.fields.pop(name, None)
        return filterset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        context["export_query"] = query.urlencode()
        context["is_filtered"] = any(
            value for key, value in self.request.GET.items() if key in self.filterset.filters
        )
        if context["is_filtered"]:
            context["table"].empty_text = "没有符合筛选条件的自评表。请放宽或清除筛选条件。"
        context["can_create"] = permissions.prepares_anywhere(self.request.user)
        context["kind"] = kinds.get(listed_kind(self.request))
        context["kinds"] = list(kinds.all())
        return context


# The remarks on a table's page, compiled once (prepared).
_THREADS = Prepared(lambda assessment_id: Comment.objects.threads_of(assessment_id))


@login_required
def assessment_detail(request, pk, *, adjustment_form=None):
    """The table; `adjustment_form` is a target adjustment that could not be read, shown
    again with a message beside each field it could not read."""
    assessment = get_assessment_for_user(request, pk, tree=True)
    indicators = list(assessment.indicators.all())
    history = signing.history_of(assessment, indicators)
    # The 填报人 and 审核人 from the log just read, not from a second reading of it.
    signed = history.signature if assessment.status == Assessment.Status.SIGNED_OFF else None
    table = build_official_table(
        assessment,
        indicators,
        signatures=signature_block(assessment, signed, events=history.events),
    )
    actions = permissions.allowed_actions(request.user, assessment)
    return render(
        request,
        "assessments/detail.html",
        status=422 if adjustment_form is not None else 200,
        context={
            **adjustment_context(request.user, assessment, table.indicators, adjustment_form),
            "assessment": assessment,
            "offer": department.offer(assessment),
            "table": table,
            "history": history,
            "actions": actions,
            "can_copy": permissions.can_create_in(request.user, assessment.unit)[0],
            "comments": _THREADS(assessment.pk),
            # A sample draws a signed version: a table never signed has been in none.
            "reviews": reviews_of(assessment.pk) if history.signature or history.voided else [],
            "forms": {
                "return_form": ReturnForm(auto_id=False),
                "reopen_form": ReopenForm(auto_id=False),
                "withdraw_form": WithdrawForm(auto_id=False),
                "answer_form": AnswerForm(auto_id=False),
                "comment_form": (
                    CommentForm(targets=comment_targets(assessment, table.indicators))
                    if actions["comment"]
                    else None
                ),
            },
        },
    )


@login_required
@require_POST
def take_offer(request, pk):
    """项目支出 from the department's signed project tables (a department's own table)."""
    assessment = get_assessment_for_user(request, pk)
    allowed, reason = permissions.can_edit(request.user, assessment)
    if not allowed:
        raise PermissionDenied(reason)
    fill = request.POST.get("fill") == "1"
    try:
        department.take_offer(
            assessment.pk, by=request.user, fill=fill, reason=request.POST.get("reason", "")
        )
    except AssessmentError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            "已按签发的项目自评表填入项目支出。" if fill else "已记录项目自评表合计和差异说明。",
        )
    back = request.POST.get("next", "")
    if back != "funds":
        return redirect(assessment.get_absolute_url() + "#offer")
    # No anchor here: a redirect keeps it for the next ones, and the step's form posts to its
    # own address, which a fragment would turn into a jump within the page.
    return redirect(reverse("assessments:wizard_step", args=[assessment.pk, "funds"]))
