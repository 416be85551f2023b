"""Live figures while typing: the step's forms read what is typed, the rules compute."""

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.views.decorators.http import require_POST

from .. import forms, rules
from ..permissions import get_assessment_for_user
from ..rules import edits
from .wizard import ROWS_PREFIX, findings_on_page


def field_errors(form, prefix=""):
    """A bound form's errors by input name; nothing for the hidden version."""
    return {
        f"{prefix}-{name}" if prefix else name: " ".join(messages)
        for name, messages in form.errors.items()
        if name not in ("version", "__all__")
    }


@login_required
@require_POST
def live(request, pk, step):
    assessment = get_assessment_for_user(request, pk, tree=True)
    data = assessment.rules_input(list(assessment.indicators.all()))
    rule_set = assessment.table_kind.indicator_system(rules.get_rule_set(assessment.year.rule_set))
    errors: dict[str, str] = {}
    prefixes = None
    if cells := assessment.table_kind.cells_of_step(step, assessment):
        cells_form = forms.CellsForm(request.POST, cells=cells)
        cells_form.is_valid()
        errors = field_errors(cells_form)
        data.cells.update(cells_form.read_cells())
    elif step == "funds":
        funds = forms.FundsForm(request.POST, money_unit=assessment.money_unit)
        funds.is_valid()
        errors = field_errors(funds)
        data = edits.with_edits(data, funds.typed_fields())
    elif step == "targets" and not assessment.targets_locked:
        targets = forms.TargetFormSet(request.POST, prefix=ROWS_PREFIX, rule_set=rule_set)
        targets.is_valid()
        kept = targets.live_rows()
        data = edits.with_edits(data, rows=[row for _, row in kept])
        prefixes = [prefix for prefix, _ in kept]
        for form in targets.forms:
            errors.update(field_errors(form, form.prefix))
    elif step == "actuals":
        indicators = list(assessment.indicators.all())
        actuals = forms.ActualFormSet(
            request.POST, prefix=ROWS_PREFIX, indicators=indicators, rule_set=rule_set
        )
        actuals.is_valid()
        for form in actuals.forms:
            errors.update(field_errors(form, form.prefix))
        outcome = forms.OutcomeForm(request.POST)
        outcome.is_valid()
        typed = {k: v for k, v in outcome.cleaned_data.items() if k == "outcome"}
        data = edits.with_edits(data, typed, updates=actuals.live_rows())
    evaluation = assessment.table_kind.evaluate(data)
    payload = live_payload(data, evaluation, rule_set)
    payload["findings"] = findings_on_page(assessment, evaluation, prefixes)
    payload["errors"] = errors
    return JsonResponse(payload)


def live_payload(data, evaluation, rule_set):
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
            for names, weight in rule_set.level1_split
        },
        "rows": [
            {
                "target": result.target.describe() if result.target else "",
                "actual": result.actual.describe() if result.actual else "",
                "met": result.met,
                "suggested": rules.format_points(result.suggested_score),
                "band": [rules.format_points(v) for v in result.band] if result.band else None,
                "score_counts": result.score_counts,
            }
            for result in evaluation.indicators
        ],
        "indicator_score": rules.format_points(evaluation.indicator_score),
        "total_score": rules.format_points(evaluation.total_score),
        "grade": evaluation.grade,
    }
