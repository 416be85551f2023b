"""The data-entry wizard: six steps, each saved to the database as a draft."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from .. import forms, permissions, rules, services
from ..forms.wizard import BaseActualFormSet, BaseTargetFormSet
from ..kinds import address
from ..kinds.base import CELLS
from ..models import Assessment, AssessmentEvent, Indicator, TargetAdjustment
from ..paper.official_table import build_official_table
from ..permissions import get_assessment_for_user
from ..prepared import Prepared
from ..reporting.monitoring import monitoring_reference
from ..services import department, drafts


def step_names(assessment):
    """The steps of this table: a target table has no 实际完成 step."""
    return [name for name, _ in drafts.steps_of(assessment)]


ROWS_PREFIX = "rows"


def step_url(assessment, step, anchor=""):
    url = reverse("assessments:wizard_step", args=[assessment.pk, step])
    return f"{url}#{anchor}" if anchor else url


# ---------------------------------------------------------------------------
# Starting and copying


@login_required
@require_http_methods(["GET", "POST"])
def start(request):
    units = permissions.preparer_organisations(request.user)
    if not units.exists():
        raise PermissionDenied("只有实施单位的填报人可以新建自评表。")
    form = forms.StartForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        try:
            assessment = drafts.create_assessment(
                unit=form.cleaned_data["unit"],
                year=form.cleaned_data["year"],
                project=form.cleaned_data["project"],
                project_name=form.cleaned_data["project_name"],
                kind=form.cleaned_data["kind"],
                mid_year=form.cleaned_data["mid_year"],
                by=request.user,
            )
        except services.AssessmentError as error:
            form.add_error(None, str(error))
        else:
            if assessment.targets_source_id:
                messages.success(
                    request,
                    "已按批准的绩效目标表新建自评表：指标、年度指标值、分值和预算已带入，"
                    "请填写实际完成情况。",
                )
            else:
                messages.success(
                    request,
                    f"已新建{assessment.kind_label}草稿，请逐步填写；每一步都会保存。",
                )
            return redirect(step_url(assessment, step_names(assessment)[0]))
    return render(request, "assessments/wizard/start.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def copy(request, pk):
    source = get_assessment_for_user(request, pk, tree=True)
    allowed, reason = permissions.can_create_in(request.user, source.unit)
    if not allowed:
        raise PermissionDenied(reason)
    form = forms.CopyForm(request.POST or None, source=source)
    if request.method == "POST" and form.is_valid():
        try:
            assessment = drafts.copy_assessment(
                source, year=form.cleaned_data["year"], by=request.user
            )
        except services.AssessmentError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                f"已按 {source.year.year} 年度复制：结构、预期目标、指标、指标值和分值已带入，"
                "实际完成值、得分和原因已清空。",
            )
            return redirect(step_url(assessment, step_names(assessment)[0]))
    return render(request, "assessments/wizard/copy.html", {"form": form, "source": source})


# ---------------------------------------------------------------------------
# The steps


@login_required
def resume(request, pk):
    """继续填写: a returned table opens where a comment waits, any other where she left."""
    assessment = get_assessment_for_user(request, pk)
    step = None
    if assessment.status == Assessment.Status.RETURNED:
        step = first_step_to_revisit(assessment)
    if step is None:
        names = step_names(assessment)
        step = assessment.last_step if assessment.last_step in names else names[0]
    return redirect(step_url(assessment, step))


# What a step prints of last year's row beside this year's, and matches the two by.
REFERENCE_FIELDS = ("level1", "level2", "name", "target", "actual", "weight", "score")


def previous_rows(assessment):
    """Last year's rows of the same project, keyed for matching: (一级, 二级, 三级) and 三级."""
    previous = (
        Assessment.objects.filter(
            project=assessment.project,
            organisation=assessment.organisation,
            kind=assessment.kind,
            year__year__lt=assessment.year.year,
        )
        .order_by("-year__year")
        # Only what the step prints of last year: its year and each row's figures.
        .select_related("year")
        .only("year__year")
        .prefetch_related(
            Prefetch(
                "indicators",
                queryset=Indicator.objects.only("assessment_id", *REFERENCE_FIELDS),
            )
        )
        .first()
    )
    if previous is None:
        return None, {}
    table: dict[tuple[str, str, str] | str, Indicator] = {}
    for row in previous.indicators.all():
        table.setdefault((row.level1, row.level2, row.name), row)
        table.setdefault(row.name, row)
    return previous, table


def reference_for(row, table):
    return table.get((row.level1, row.level2, row.name)) or table.get(row.name)


class Step:
    """What one step shows and saves; built from the stored draft and, on POST, the input."""

    def __init__(self, request, assessment, name):
        self.request, self.assessment, self.name = request, assessment, name
        self.indicators = list(assessment.indicators.all())
        self.rule_set = assessment.table_kind.indicator_system(
            rules.get_rule_set(assessment.year.rule_set)
        )
        data = request.POST if request.method == "POST" else None
        version = {"version": assessment.version}
        self.form: forms.StepForm | None = None
        self.formset: BaseTargetFormSet | BaseActualFormSet | None = None
        self.rows: list[dict[str, Any]] | None = None
        self.cells = assessment.table_kind.cells_of_step(name, assessment)
        if self.cells:
            # A step of a kind's own cells: one input per declared cell.
            stored = forms.CellsForm.initial_for_cells(assessment.cells or {}, self.cells)
            self.form = forms.CellsForm(data, cells=self.cells, initial={**stored, **version})
        elif name == "goal" and assessment.targets_locked:
            # The approved 预期目标 is shown, not edited: a change is a 目标调整.
            self.form = forms.StepForm(data, initial=version)
        elif name in ("basic", "funds", "goal"):
            form_classes: dict[str, type[forms.StepForm]] = {
                "basic": forms.BasicForm,
                "funds": forms.FundsForm,
                "goal": forms.GoalForm,
            }
            form_class = form_classes[name]
            self.form = form_class(data, initial={**form_class.initial_for(assessment), **version})
            if name == "goal":
                self.form.fields["goal"].label = assessment.table_kind.goal_labels[0]
        elif name == "targets" and assessment.targets_locked:
            # Approved targets are shown, not edited: a change is a 目标调整.
            self.form = forms.StepForm(data, initial=version)
        elif name == "targets":
            self.form = forms.StepForm(data, initial=version)
            self.formset = forms.TargetFormSet(
                data,
                prefix=ROWS_PREFIX,
                initial=forms.target_initial(self.indicators),
                rule_set=self.rule_set,
            )
        elif name == "actuals":
            self.form = forms.OutcomeForm(
                data, initial={**forms.OutcomeForm.initial_for(assessment), **version}
            )
            self.form.fields["outcome"].label = assessment.table_kind.goal_labels[1]
            self.formset = forms.ActualFormSet(
                data, prefix=ROWS_PREFIX, indicators=self.indicators, rule_set=self.rule_set
            )

    def is_valid(self):
        assert self.form is not None, f"the step {self.name} has no form"
        valid = self.form.is_valid()
        return (self.formset.is_valid() if self.formset is not None else True) and valid

    def save(self, resume_at):
        assert self.form is not None, f"the step {self.name} has no form"
        fields, self.rows = self.form.assessment_fields(), None
        row_fields: tuple[str, ...] = ()
        # A formset is there on the targets step while they may change, and on the actuals.
        if self.formset is not None:
            self.rows = self.formset.rows()
            row_fields = (
                drafts.ROW_FIELDS_TARGETS if self.name == "targets" else drafts.ROW_FIELDS_ACTUALS
            )
        return drafts.save_draft(
            self.assessment.pk,
            by=self.request.user,
            base_version=self.form.cleaned_data["version"],
            step=self.name,
            fields=fields,
            rows=self.rows,
            row_fields=row_fields,
            cells=self.form.cell_values() if isinstance(self.form, forms.CellsForm) else None,
            resume_at=resume_at,
        )

    @property
    def template(self):
        return (
            "assessments/wizard/cells.html"
            if self.cells
            else f"assessments/wizard/{self.name}.html"
        )


def destination(request, assessment, current):
    """Where the buttons lead after a save: 保存 stays, 下一步 goes on, the step bar jumps."""
    names = step_names(assessment)
    goto = request.POST.get("goto")
    if goto in names:
        return goto
    if "next" in request.POST:
        return names[min(names.index(current) + 1, len(names) - 1)]
    if "previous" in request.POST:
        return names[max(names.index(current) - 1, 0)]
    return current


# What happens to text typed but refused at the deadline: it is in no table, only in the
# browser that typed it (wizard.js keeps unsaved input there) until an exception is granted.
KEPT_IN_BROWSER = (
    "本次修改没有保存到自评表中，只暂存在这台电脑的浏览器里；延期批准后，"
    "请在同一浏览器中打开此页，暂存的内容会恢复并可保存。"
)


@login_required
@require_http_methods(["GET", "POST"])
def wizard_step(request, pk, step):
    assessment = get_assessment_for_user(request, pk, tree=True)
    if step not in step_names(assessment):
        raise Http404("没有这一步。")
    autosave = request.method == "POST" and request.POST.get("autosave") == "1"
    allowed, reason = permissions.can_edit(request.user, assessment)
    if not allowed:
        closed = permissions.locked_by_cycle(request.user, assessment)
        if autosave:
            message = f"{reason}{KEPT_IN_BROWSER}" if closed else reason
            return JsonResponse({"saved": False, "message": message}, status=403)
        if closed:
            # Past 填报截止 or in a closed year: the page says so and what to do; typed input
            # is refused whole.
            return render(
                request,
                "assessments/wizard/closed.html",
                {
                    "assessment": assessment,
                    "reason": reason,
                    "refused_save": request.method == "POST",
                },
                status=403 if request.method == "POST" else 200,
            )
        if request.method == "POST":
            raise PermissionDenied(reason)
        messages.info(request, reason)
        return redirect(assessment)
    if step == "review":
        if request.method == "POST":
            return redirect(step_url(assessment, destination(request, assessment, step)))
        return render_review(request, assessment)
    current = Step(request, assessment, step)
    if autosave:
        return autosave_step(current)
    if request.method == "POST":
        if current.is_valid():
            target = destination(request, assessment, step)
            try:
                current.save(resume_at=target)
            except services.AssessmentError as error:
                messages.error(request, str(error))
            else:
                if target == step:
                    messages.success(request, "已保存。")
                return redirect(step_url(assessment, target))
        else:
            messages.error(
                request,
                "标红的栏目无法保存（见栏目下的说明），本步骤尚未保存；您填写的其他内容仍在页面上。",
            )
    return render_step(request, assessment, current)


def autosave_step(current):
    """Save the step as it stands, for the page's automatic saving: JSON, never a redirect."""
    if not current.is_valid():
        return JsonResponse(
            {"saved": False, "message": "有栏目无法保存，请看栏目下的说明。"}, status=422
        )
    try:
        saved = current.save(resume_at=current.name)
    except services.AssessmentError as error:
        return JsonResponse({"saved": False, "message": str(error)}, status=409)
    payload = {
        "saved": True,
        "version": saved.version,
        "saved_at": timezone.localtime(saved.updated_at).strftime("%H:%M"),
    }
    if current.formset is not None and current.name == "targets":
        # New rows got ids and removed rows are gone: the page keeps its rows and learns both.
        ids = list(saved.indicators.order_by("position").values_list("pk", flat=True))
        payload["ids"] = {row["prefix"]: pk for row, pk in zip(current.rows, ids, strict=True)}
        payload["removed"] = current.formset.removed_prefixes()
    return JsonResponse(payload)


def cell_step(assessment, where):
    """The wizard step where the cell at `where` (a finding's or a comment's) is filled in."""
    try:
        return assessment.table_kind.step_of(address.parse(where))
    except address.AddressError:
        return assessment.table_kind.steps[-1][0]


def return_comments(assessment):
    """The reviewer's comments of the latest return, with their answers."""
    last_return = (
        assessment.events.filter(action=AssessmentEvent.Action.RETURN)
        .order_by("created_at", "pk")
        .last()
    )
    if last_return is None:
        return []
    comments = last_return.comments.filter(parent__isnull=True).select_related("author")
    return list(comments.prefetch_related("replies"))


def first_step_to_revisit(assessment):
    """Where a returned table is best picked up: the first step with an open comment."""
    open_steps = {
        cell_step(assessment, c.target) for c in return_comments(assessment) if not c.answered_at
    }
    return next((name for name in step_names(assessment) if name in open_steps), None)


def step_context(assessment, step, evaluation):
    """What every step shows around its form: the step bar, marked where errors or open
    comments wait, and the comments of this step."""
    comments = return_comments(assessment)
    errors: dict[str, int] = {}
    open_comments: dict[str, int] = {}
    for finding in evaluation.errors:
        name = cell_step(assessment, finding.where)
        errors[name] = errors.get(name, 0) + 1
    for comment in comments:
        if not comment.answered_at:
            name = cell_step(assessment, comment.target)
            open_comments[name] = open_comments.get(name, 0) + 1
    return {
        "comments": [c for c in comments if cell_step(assessment, c.target) == step],
        "answer_form": forms.AnswerForm(auto_id=False),
        "assessment": assessment,
        "steps": [
            {
                "name": name,
                "title": title,
                "errors": errors.get(name, 0),
                "open_comments": open_comments.get(name, 0),
            }
            for name, title in drafts.steps_of(assessment)
        ],
        "step": step,
        "step_title": assessment.table_kind.step_title(step),
        "step_index": step_names(assessment).index(step) + 1,
        "is_last": step == step_names(assessment)[-1],
    }


def _adjustments(assessment_id):
    return TargetAdjustment.objects.filter(assessment_id=assessment_id).select_related(
        "requested_by", "decided_by"
    )


# On every table's page and step, compiled once (prepared).
_ADJUSTMENTS = Prepared(_adjustments)


def adjustment_context(user, assessment, indicators, form=None):
    """What the adjustments block shows: the requests so far and, for the preparer, the form
    (`form`: one posted that could not be read, shown with its errors)."""
    allowed = permissions.can_request_adjustment(user, assessment)[0]
    adjustments = _ADJUSTMENTS(assessment.pk)
    for adjustment in adjustments:
        adjustment.assessment = assessment
        adjustment.can_decide = permissions.can_decide_adjustment(user, adjustment)[0]
    return {
        "adjustments": adjustments,
        "adjustment_form": (
            form or forms.AdjustmentForm(indicators=indicators, goal=assessment.goal)
        )
        if allowed
        else None,
    }


def render_step(request, assessment, current):
    evaluation = assessment.evaluate(current.indicators)
    context = step_context(assessment, current.name, evaluation)
    if current.name == "funds":
        context["offer"] = department.offer(assessment)
    previous, reference = (
        previous_rows(assessment) if current.name in ("targets", "actuals") else (None, {})
    )
    rows = []
    if current.name == "actuals":
        monitoring = monitoring_reference(assessment)
        for form, row, result in zip(
            current.formset.forms, current.indicators, evaluation.indicators, strict=True
        ):
            rows.append(
                {
                    "form": form,
                    "row": row,
                    "result": result,
                    "reference": reference_for(row, reference),
                    "monitoring": monitoring.get((row.level1, row.level2, row.name)),
                }
            )
    elif current.name == "targets" and current.formset is not None:
        for form in current.formset.forms:
            row_id = form.initial.get("id")
            row = next((r for r in current.indicators if r.pk == row_id), None)
            rows.append({"form": form, "reference": reference_for(row, reference) if row else None})
    if current.name in ("goal", "targets") and assessment.targets_locked:
        context.update(adjustment_context(request.user, assessment, current.indicators))
    context.update(
        form=current.form,
        formset=current.formset,
        rows=rows,
        previous=previous,
        taxonomy=current.rule_set.taxonomy,
        rule_set=current.rule_set,
        evaluation=evaluation,
        findings=findings_on_page(assessment, evaluation),
        live_url=reverse("assessments:wizard_live", args=[assessment.pk, current.name]),
    )
    return render(request, current.template, context)


def input_name(cell, prefixes=None):
    """The wizard's input that holds the cell, "" where none does (the weights as a whole).
    The 年度资金总额 line is a sum: its findings point at 当年财政拨款. `prefixes` names the
    form of each indicator row when rows were added or removed on the page."""
    if cell.section == "funds":
        return f"{'current' if cell.row == 'total' else cell.row}_{cell.column}"
    if cell.section in ("goal", "outcome"):
        return cell.section
    if cell.section == CELLS:
        return str(cell)
    if cell.section == "indicators" and (index := cell.position) is not None:
        prefix = prefixes[index] if prefixes and index < len(prefixes) else f"{ROWS_PREFIX}-{index}"
        return f"{prefix}-{cell.column or 'name'}"
    return ""


def finding_place(assessment, where, prefixes=None):
    """(step, input name) of the wizard field a finding concerns."""
    try:
        cell = address.parse(where)
    except address.AddressError:
        return assessment.table_kind.steps[-1][0], ""
    return assessment.table_kind.step_of(cell), input_name(cell, prefixes)


def finding_link(assessment, where):
    """The address of the wizard field a finding concerns."""
    step, name = finding_place(assessment, where)
    return step_url(assessment, step, f"id_{name}" if name else "weights-summary")


def findings_on_page(assessment, evaluation, prefixes=None):
    """The findings with the step and the input they concern, as the page shows them."""
    shown = []
    for finding in evaluation.findings:
        step, name = finding_place(assessment, finding.where, prefixes)
        shown.append(
            {
                "severity": finding.severity,
                "message": finding.message,
                "step": step,
                "field": name,
                "link": finding_link(assessment, finding.where),
            }
        )
    return shown


def render_review(request, assessment):
    table = build_official_table(assessment)
    findings = [(finding, finding_link(assessment, finding.where)) for finding in table.findings]
    context = step_context(assessment, "review", table.evaluation)
    context.update(table=table, findings=findings)
    return render(request, "assessments/wizard/review.html", context)
