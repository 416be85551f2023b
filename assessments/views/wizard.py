"""The data-entry wizard: six steps, each saved to the database as a draft."""

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from .. import forms, permissions, rules, services
from ..models import Assessment, AssessmentEvent
from ..paper.official_table import build_official_table
from ..permissions import get_assessment_for_user
from ..services import drafts

STEP_NAMES = [name for name, _ in drafts.STEPS]
ROWS_PREFIX = "rows"


def step_url(assessment, step, anchor=""):
    url = reverse("assessments:wizard_step", args=[assessment.pk, step])
    return f"{url}#{anchor}" if anchor else url


# ---------------------------------------------------------------------------
# Starting and copying


@login_required
@require_http_methods(["GET", "POST"])
def start(request):
    units = permissions.preparer_units(request.user)
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
                by=request.user,
            )
        except services.AssessmentError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "已新建自评表草稿，请逐步填写；每一步都会保存。")
            return redirect(step_url(assessment, "basic"))
    return render(request, "assessments/wizard/start.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def copy(request, pk):
    source = get_assessment_for_user(request, pk, queryset=Assessment.objects.with_tree())
    allowed, reason = permissions.can_create_in(request.user, source.project.unit)
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
            return redirect(step_url(assessment, "basic"))
    return render(request, "assessments/wizard/copy.html", {"form": form, "source": source})


# ---------------------------------------------------------------------------
# The steps


@login_required
def resume(request, pk):
    assessment = get_assessment_for_user(request, pk)
    step = assessment.last_step if assessment.last_step in STEP_NAMES else "basic"
    return redirect(step_url(assessment, step))


def previous_rows(assessment):
    """Last year's rows of the same project, keyed for matching: (一级, 二级, 三级) and 三级."""
    previous = (
        Assessment.objects.filter(project=assessment.project, year__year__lt=assessment.year.year)
        .order_by("-year__year")
        .prefetch_related("indicators")
        .select_related("year")
        .first()
    )
    if previous is None:
        return None, {}
    table = {}
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
        self.rule_set = rules.get_rule_set(assessment.year.rule_set)
        data = request.POST if request.method == "POST" else None
        version = {"version": assessment.version}
        self.form, self.formset = None, None
        if name in ("basic", "funds", "goal"):
            form_class = {
                "basic": forms.BasicForm,
                "funds": forms.FundsForm,
                "goal": forms.GoalForm,
            }[name]
            self.form = form_class(data, initial={**form_class.initial_for(assessment), **version})
        elif name == "targets":
            self.form = forms.StepForm(data, initial=version)
            self.formset = forms.TargetFormSet(
                data,
                prefix=ROWS_PREFIX,
                initial=forms.target_initial(self.indicators),
                rule_set=self.rule_set,
                budget_weight=assessment.budget_weight,
            )
        elif name == "actuals":
            self.form = forms.OutcomeForm(
                data, initial={**forms.OutcomeForm.initial_for(assessment), **version}
            )
            self.formset = forms.ActualFormSet(
                data, prefix=ROWS_PREFIX, indicators=self.indicators, rule_set=self.rule_set
            )

    def is_valid(self):
        valid = self.form.is_valid()
        return (self.formset.is_valid() if self.formset is not None else True) and valid

    def save(self, resume_at):
        fields, rows, row_fields = self.form.assessment_fields(), None, ()
        if self.name == "targets":
            rows, row_fields = self.formset.rows(), drafts.ROW_FIELDS_TARGETS
        elif self.name == "actuals":
            rows, row_fields = self.formset.rows(), drafts.ROW_FIELDS_ACTUALS
        return drafts.save_draft(
            self.assessment.pk,
            by=self.request.user,
            base_version=self.form.cleaned_data["version"],
            step=self.name,
            fields=fields,
            rows=rows,
            row_fields=row_fields,
            resume_at=resume_at,
        )


def destination(request, assessment, current):
    """Where the buttons lead after a save: 保存 stays, 下一步 goes on, the step bar jumps."""
    goto = request.POST.get("goto")
    if goto in STEP_NAMES:
        return goto
    if "next" in request.POST:
        return STEP_NAMES[min(STEP_NAMES.index(current) + 1, len(STEP_NAMES) - 1)]
    if "previous" in request.POST:
        return STEP_NAMES[max(STEP_NAMES.index(current) - 1, 0)]
    return current


@login_required
@require_http_methods(["GET", "POST"])
def wizard_step(request, pk, step):
    if step not in STEP_NAMES:
        raise Http404("没有这一步。")
    assessment = get_assessment_for_user(request, pk, queryset=Assessment.objects.with_tree())
    allowed, reason = permissions.can_edit(request.user, assessment)
    if not allowed:
        if request.method == "POST":
            raise PermissionDenied(reason)
        messages.info(request, reason)
        return redirect(assessment)
    if step == "review":
        if request.method == "POST":
            return redirect(step_url(assessment, destination(request, assessment, step)))
        return render_review(request, assessment)
    current = Step(request, assessment, step)
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
            messages.error(request, "有内容需要修改，本步骤尚未保存。请查看标红的栏目。")
    return render_step(request, assessment, current)


def comment_step(target):
    """The wizard step where the cell a comment is pinned to is filled in."""
    if target.startswith("funds."):
        return "funds"
    if target == "goal":
        return "goal"
    if target == "outcome":
        return "actuals"
    field = target.partition(".")[2]
    return "actuals" if field in ("actual", "score", "reason") else "targets"


def step_comments(assessment, step):
    """The reviewer's comments of the latest return that concern this step."""
    last_return = (
        assessment.events.filter(action=AssessmentEvent.Action.RETURN)
        .order_by("created_at", "pk")
        .last()
    )
    if last_return is None:
        return []
    comments = last_return.comments.filter(parent__isnull=True).select_related("author")
    return [c for c in comments.prefetch_related("replies") if comment_step(c.target) == step]


def step_context(assessment, step):
    return {
        "comments": step_comments(assessment, step),
        "answer_form": forms.AnswerForm(auto_id=False),
        "assessment": assessment,
        "steps": drafts.STEPS,
        "step": step,
        "step_title": drafts.STEP_TITLES[step],
        "step_index": STEP_NAMES.index(step) + 1,
        "is_last": step == STEP_NAMES[-1],
    }


def render_step(request, assessment, current):
    context = step_context(assessment, current.name)
    previous, reference = (
        previous_rows(assessment) if current.name in ("targets", "actuals") else (None, {})
    )
    rows = []
    if current.name == "actuals":
        evaluation = rules.evaluate(assessment.rules_input(current.indicators))
        for form, row, result in zip(
            current.formset.forms, current.indicators, evaluation.indicators, strict=True
        ):
            rows.append(
                {
                    "form": form,
                    "row": row,
                    "result": result,
                    "reference": reference_for(row, reference),
                }
            )
    elif current.name == "targets":
        for form in current.formset.forms:
            row_id = form.initial.get("id")
            row = next((r for r in current.indicators if r.pk == row_id), None)
            rows.append({"form": form, "reference": reference_for(row, reference) if row else None})
    context.update(
        form=current.form,
        formset=current.formset,
        rows=rows,
        previous=previous,
        taxonomy=current.rule_set.taxonomy,
        rule_set=current.rule_set,
        evaluation=rules.evaluate(assessment.rules_input(current.indicators)),
        live_url=reverse("assessments:wizard_live", args=[assessment.pk, current.name]),
    )
    return render(request, f"assessments/wizard/{current.name}.html", context)


TARGET_FIELDS = {"level1", "level2", "name", "target", "weight"}
FINDING_ROW = re.compile(r"^indicators\[(\d+)\](?:\.(\w+))?$")


def finding_link(assessment, where):
    """The wizard field a finding concerns."""
    if where.startswith("funds."):
        _, line, column = where.split(".")
        line = "current" if line == "total" else line
        return step_url(assessment, "funds", f"id_{line}_{column}")
    if where == "goal":
        return step_url(assessment, "goal", "id_goal")
    if where == "outcome":
        return step_url(assessment, "actuals", "id_outcome")
    if where == "indicators":
        return step_url(assessment, "targets", "weights")
    match = FINDING_ROW.match(where)
    if match:
        index, field = match.groups()
        step = "targets" if (field or "name") in TARGET_FIELDS else "actuals"
        return step_url(assessment, step, f"id_{ROWS_PREFIX}-{index}-{field or 'name'}")
    return step_url(assessment, "review")


def render_review(request, assessment):
    table = build_official_table(assessment)
    findings = [(finding, finding_link(assessment, finding.where)) for finding in table.findings]
    context = step_context(assessment, "review")
    context.update(table=table, findings=findings)
    return render(request, "assessments/wizard/review.html", context)


# ---------------------------------------------------------------------------
# Live figures while typing: the same rules, computed on the server


@login_required
@require_POST
def live(request, pk, step):
    assessment = get_assessment_for_user(request, pk, queryset=Assessment.objects.with_tree())
    indicators = list(assessment.indicators.all())
    data = assessment.rules_input(indicators)
    errors = {}
    if step == "funds":
        form = forms.FundsForm(request.POST)
        form.is_valid()
        errors = {name: " ".join(e) for name, e in form.errors.items() if name != "version"}
        data.funds.update(form.funds())
    elif step == "targets":
        data.indicators = live_target_rows(request.POST, errors)
    elif step == "actuals":
        live_actual_rows(request.POST, data.indicators, errors)
        data.outcome = request.POST.get("outcome", data.outcome)
    evaluation = rules.evaluate(data)
    return JsonResponse(live_payload(data, evaluation, errors, assessment))


def _lenient_decimal(text, errors, key, what):
    try:
        value = rules.parse_decimal(text, what=what, max_digits=3 if what != "金额" else 13)
    except ValueError as error:
        errors[key] = str(error)
        return None
    return value


MAX_LIVE_ROWS = 200


def row_count(text):
    """The form count a page posts; anything that is not a small whole number counts as none."""
    text = (text or "").strip()
    if not text.isascii() or not text.isdigit() or len(text) > 4:
        return 0
    return min(int(text), MAX_LIVE_ROWS)


def live_target_rows(post, errors):
    rows = []
    for index in range(row_count(post.get(f"{ROWS_PREFIX}-TOTAL_FORMS"))):
        key = f"{ROWS_PREFIX}-{index}"
        if post.get(f"{key}-DELETE"):
            continue
        weight = _lenient_decimal(post.get(f"{key}-weight"), errors, f"{key}-weight", "分值")
        rows.append(
            rules.IndicatorInput(
                level1=post.get(f"{key}-level1", ""),
                level2=post.get(f"{key}-level2", ""),
                name=post.get(f"{key}-name", ""),
                target=post.get(f"{key}-target", ""),
                weight=weight,
            )
        )
    return rows


def live_actual_rows(post, indicators, errors):
    for index, row in enumerate(indicators):
        key = f"{ROWS_PREFIX}-{index}"
        row.actual = post.get(f"{key}-actual", row.actual)
        row.grade = post.get(f"{key}-grade") or None
        row.reason = post.get(f"{key}-reason", row.reason)
        row.score = _lenient_decimal(post.get(f"{key}-score"), errors, f"{key}-score", "得分")


def live_payload(data, evaluation, errors, assessment):
    total = data.fund("total")
    expected = rules.HUNDRED - data.budget_weight
    return {
        "funds_total": {
            column: rules.format_amount(getattr(total, column)) for column in rules.FUND_COLUMNS
        },
        "execution_rate": rules.format_percent(evaluation.execution_rate),
        "budget_score": rules.format_points(evaluation.budget_score),
        "weight_total": rules.format_points(evaluation.weight_total),
        "weight_expected": rules.format_points(expected),
        "weight_ok": evaluation.weight_total == expected,
        "level1": {
            "、".join(names): {
                "actual": rules.format_points(
                    sum((evaluation.level1_weights.get(n, rules.ZERO) for n in names), rules.ZERO)
                ),
                "expected": rules.format_points(weight),
            }
            for names, weight in rules.get_rule_set(data.rule_set).level1_split
        },
        "rows": [
            {
                "target": result.target.describe() if result.target else "",
                "actual": result.actual.describe() if result.actual else "",
                "met": result.met,
                "suggested": rules.format_points(result.suggested_score),
                "band": [rules.format_points(v) for v in result.band] if result.band else None,
            }
            for result in evaluation.indicators
        ],
        "indicator_score": rules.format_points(evaluation.indicator_score),
        "total_score": rules.format_points(evaluation.total_score),
        "grade": evaluation.grade,
        "findings": [
            {**finding.as_dict(), "link": finding_link(assessment, finding.where)}
            for finding in evaluation.findings
        ],
        "errors": errors,
    }
