"""Forms of the wizard: they read what people type and check its shape; services check rules."""

from typing import Any, cast

from django import forms
from django.forms.formsets import DELETION_FIELD_NAME

from .. import kinds, rules
from ..models import Assessment, Indicator, Project, ReportingYear
from ..rules import edits
from .fields import (
    SMALL_SELECT,
    AmountField,
    IndicatorValueField,
    LineField,
    MarkedBoundField,
    PointsField,
    TextField,
    amount_to_text,
    control,
    points_to_text,
)


def field_of[F: forms.Field](form: forms.BaseForm, name: str, kind: type[F]) -> F:
    """A declared field of the form, as the field class it was declared with."""
    field = form.fields[name]
    assert isinstance(field, kind), f"{name} is a {type(field).__name__}"
    return field


# ---------------------------------------------------------------------------
# Starting a table


class StartForm(forms.Form):
    kind = forms.ChoiceField(
        label="表别",
        choices=kinds.startable_choices,
        initial=kinds.DEFAULT,
        required=False,  # left out: a self-assessment, as before target tables existed
        widget=forms.RadioSelect,
        help_text=(
            "年初先填绩效目标表，经审核批准后，年末的自评表从批准的目标开始。"
            "部门整体自评表由主管部门本部门填报：填报单位选本部门，不选项目。"
        ),
    )
    unit = forms.ModelChoiceField(label="填报单位", queryset=None, empty_label=None)
    year = forms.ModelChoiceField(label="年度", queryset=None, empty_label=None)
    project = forms.ModelChoiceField(
        label="已有项目", queryset=None, required=False, empty_label="（新项目，在下方填写名称）"
    )
    project_name = LineField(label="新项目名称", max_length=200, required=False)
    mid_year = forms.BooleanField(
        label="年中追加项目",
        required=False,
        help_text="年度中新增的项目：其绩效目标表同样经审核批准，并注明“年中追加”。",
    )

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        field_of(self, "unit", forms.ModelChoiceField).queryset = units
        field_of(self, "year", forms.ModelChoiceField).queryset = ReportingYear.objects.filter(
            is_open=True
        )
        project = field_of(self, "project", forms.ModelChoiceField)
        project.queryset = Project.objects.filter(unit__in=units).select_related("unit")
        project.label_from_instance = lambda p: f"{p.name}（{p.unit.name}）"

    def clean_kind(self):
        return self.cleaned_data["kind"] or kinds.DEFAULT

    def clean(self):
        super().clean()
        data = self.cleaned_data
        kind, unit = kinds.get(data.get("kind") or kinds.DEFAULT), data.get("unit")
        if kind.of_department:
            if unit and not unit.is_department:
                self.add_error("unit", f"{kind.short_label}由主管部门本部门填报，请选择主管部门。")
            data["project"], data["project_name"] = None, ""
            return data
        if unit and not unit.is_unit:
            self.add_error("unit", "项目的表由实施单位填报，请选择实施单位。")
        project, name = data.get("project"), (data.get("project_name") or "").strip()
        if not project and not name and "project_name" not in self.errors:
            self.add_error("project_name", "请选择已有项目，或填写新项目名称。")
        if project and name:
            self.add_error("project_name", "已选择已有项目时，请不要再填写新项目名称。")
        if project and data.get("unit") and project.unit_id != data["unit"].pk:
            self.add_error("project", "所选项目不属于所选实施单位。")
        return data


class CopyForm(forms.Form):
    year = forms.ModelChoiceField(label="复制到年度", queryset=None, empty_label=None)

    def __init__(self, *args, source, **kwargs):
        super().__init__(*args, **kwargs)
        taken = Assessment.objects.filter(
            project=source.project, organisation=source.organisation, kind=source.kind
        )
        field_of(self, "year", forms.ModelChoiceField).queryset = ReportingYear.objects.filter(
            is_open=True, year__gt=source.year.year
        ).exclude(pk__in=taken.values("year"))


# ---------------------------------------------------------------------------
# The steps


class StepForm(forms.Form):
    """Every step carries the version it was based on, so that a late save cannot overwrite."""

    bound_field_class = MarkedBoundField
    # The assessment fields a step edits as they are stored; FundsForm adds its sums.
    edits = ()

    version = forms.IntegerField(widget=forms.HiddenInput)

    @classmethod
    def initial_for(cls, assessment):
        return {name: getattr(assessment, name) for name in cls.edits}

    def assessment_fields(self):
        return {name: self.cleaned_data[name] for name in self.edits}


class BasicForm(StepForm):
    money_unit = forms.ChoiceField(
        label="金额单位",
        choices=Assessment.MoneyUnit.choices,
        widget=forms.Select(attrs={"class": "form-select w-auto"}),
    )
    edits = ("money_unit",)


FUNDS_INPUT_LINES = rules.FUND_LINES[1:]


class FundsForm(StepForm):
    """The three lines × three amounts, in the table's money unit; 年度资金总额 is their sum,
    which the save derives (rules.edits), never a typed figure."""

    def __init__(self, *args, money_unit=None, **kwargs):
        super().__init__(*args, **kwargs)
        # The table's unit (a save refuses a table changed since the step was opened):
        # amounts typed as 万元 or 元 are converted into it.
        money_unit = money_unit or self.initial.get("money_unit")
        if money_unit is None:
            raise TypeError("FundsForm needs the table's money unit")
        self.money_unit = money_unit
        self.fund_labels = self.initial.get("fund_labels") or rules.FUND_LINE_LABELS
        for line in FUNDS_INPUT_LINES:
            for column in rules.FUND_COLUMNS:
                label = f"{self.fund_labels[line]} · {rules.FUND_COLUMN_LABELS[column]}"
                self.fields[f"{line}_{column}"] = AmountField(
                    label=label,
                    what=rules.FUND_COLUMN_LABELS[column],
                    money_unit=money_unit,
                    max_length=40,
                    widget=forms.TextInput(attrs=control(label, number=True)),
                )

    @staticmethod
    def initial_for(assessment):
        return {
            "money_unit": assessment.money_unit,
            "fund_labels": assessment.table_kind.fund_labels,
            **{
                f"{line}_{column}": amount_to_text(getattr(assessment, f"{line}_{column}"))
                for line in FUNDS_INPUT_LINES
                for column in rules.FUND_COLUMNS
            },
        }

    def typed_fields(self):
        """The amounts of the lines as read so far; after is_valid(), a cell that does not
        read as an amount counts as blank (for the live figures)."""
        data = getattr(self, "cleaned_data", {})
        return {name: None if name in self.errors else data.get(name) for name in edits.LINE_FIELDS}

    def assessment_fields(self):
        return self.typed_fields()

    def rows(self):
        """Bound fields arranged as the table: one row per line, one cell per column."""
        return [
            (
                self.fund_labels[line],
                [self[f"{line}_{column}"] for column in rules.FUND_COLUMNS],
            )
            for line in FUNDS_INPUT_LINES
        ]


def table_text(label: str, rows: int, help_text: str) -> TextField:
    """One of the table's long texts (预期目标, 实际完成情况): optional in a draft."""
    return TextField(
        label=label,
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": rows, "class": "form-control"}),
        help_text=help_text,
    )


class GoalForm(StepForm):
    goal = table_text("预期目标", 8, "项目年度总体目标，按预算批复时的内容填写。")
    edits = ("goal",)


class TargetRowForm(forms.Form):
    bound_field_class = MarkedBoundField
    # The assessment fields a step edits as they are stored; FundsForm adds its sums.
    edits = ()

    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    level1 = forms.ChoiceField(
        label="一级指标",
        widget=forms.Select(
            attrs={"class": SMALL_SELECT, "aria-label": "一级指标", "data-level1": True}
        ),
    )
    level2 = forms.ChoiceField(
        label="二级指标",
        widget=forms.Select(
            attrs={"class": SMALL_SELECT, "aria-label": "二级指标", "data-level2": True}
        ),
    )
    name = LineField(
        label="三级指标",
        max_length=200,
        required=False,  # a row without a name yet is kept, and reported
        widget=forms.TextInput(
            attrs=control("三级指标", size="sm", placeholder="如：告知单制作数量")
        ),
    )
    target = IndicatorValueField(
        label="年度指标值",
        widget=forms.TextInput(
            attrs=control(
                "年度指标值",
                size="sm",
                placeholder="如：≥95%、=35000件、及时",
                **{"data-parsed-target": True},
            )
        ),
    )
    weight = PointsField(
        label="分值",
        widget=forms.TextInput(attrs=control("分值", size="sm", number=True)),
    )
    # Shown where the rule set asks for it; elsewhere it travels hidden, as stored.
    criteria = TextField(
        label="评分细则",
        required=False,
        max_length=500,
        widget=forms.Textarea(
            attrs={"rows": 2, **control("评分细则", size="sm", placeholder="如：每少 10%扣 1 分")}
        ),
    )

    def __init__(self, *args, rule_set, **kwargs):
        super().__init__(*args, **kwargs)
        self.rule_set = rule_set
        field_of(self, "level1", forms.ChoiceField).choices = [
            (name, name) for name in rule_set.taxonomy
        ]
        field_of(self, "level2", forms.ChoiceField).choices = [
            (level2, level2) for level2s in rule_set.taxonomy.values() for level2 in level2s
        ]
        # The page fills the 二级 choices of the chosen 一级, then selects this one.
        self.fields["level2"].widget.attrs["data-selected"] = self["level2"].value() or ""
        if not rule_set.scoring_criteria:
            self.fields["criteria"].widget = forms.HiddenInput()

    def is_blank(self):
        """A row added on the page and left empty: nothing to keep."""
        data = self.cleaned_data
        return not (data.get("id") or data.get("name") or data.get("target")) and (
            data.get("weight") is None
        )


def removed(form: forms.BaseForm) -> bool:
    """Whether a row was marked for removal on the page (a validated row of a formset with
    can_delete)."""
    return bool(form.cleaned_data.get(DELETION_FIELD_NAME, False))


class BaseTargetFormSet(forms.BaseFormSet):
    def __init__(self, *args, rule_set, **kwargs):
        self.rule_set = rule_set
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {"rule_set": self.rule_set}

    def add_fields(self, form, index):
        super().add_fields(form, index)
        # Rows are moved and removed on the page; the order and the removal travel hidden.
        form.fields["ORDER"].widget = forms.HiddenInput(attrs={"data-order": True})
        form.fields["DELETE"].widget = forms.CheckboxInput(
            attrs={"class": "d-none", "data-delete": True}
        )

    @property
    def empty_form(self):
        form = self.form(
            auto_id=self.auto_id,
            prefix=self.add_prefix("__prefix__"),
            empty_permitted=True,
            use_required_attribute=False,
            rule_set=self.rule_set,
        )
        self.add_fields(form, None)
        return form

    def kept_forms(self):
        """The rows to store, in the order of the page. Weights that do not add up, a
        missing name or a 二级 outside its 一级 are findings of the rules, not refusals."""
        forms_ = [f for f in self.forms if not removed(f) and not f.is_blank()]
        return sorted(forms_, key=lambda f: f.cleaned_data.get("ORDER") or 0)

    def live_rows(self):
        """(prefix, typed row) of the rows on the page as typed so far, for the live
        figures: a value that does not read yet counts as blank."""
        kept = []
        for form in self.forms:
            typed = getattr(form, "cleaned_data", None)
            if typed is None or removed(form) or form.is_blank():
                continue
            row = {
                name: typed.get(name, "")
                for name in ("level1", "level2", "name", "target", "criteria")
            }
            row["weight"] = typed.get("weight")
            kept.append((typed.get("ORDER") or 0, form.prefix, row))
        return [(prefix, row) for _, prefix, row in sorted(kept, key=lambda item: item[0])]

    def removed_prefixes(self):
        """The rows removed on the page (marked for deletion), by form prefix."""
        return [form.prefix for form in self.forms if removed(form)]

    def rows(self):
        """The kept rows in taxonomy order: 一级 and 二级 as the rule set lists them."""
        level1_order = list(self.rule_set.taxonomy)
        level2_order = [l2 for l2s in self.rule_set.taxonomy.values() for l2 in l2s]
        forms_ = self.kept_forms()
        ranked = sorted(
            enumerate(forms_),
            key=lambda pair: (
                level1_order.index(pair[1].cleaned_data["level1"]),
                level2_order.index(pair[1].cleaned_data["level2"]),
                pair[0],
            ),
        )
        return [
            {
                "id": form.cleaned_data.get("id"),
                "prefix": form.prefix,
                **{
                    name: form.cleaned_data[name] for name in ("level1", "level2", "name", "target")
                },
                "weight": form.cleaned_data.get("weight"),
                "criteria": form.cleaned_data.get("criteria") or "",
            }
            for _, form in ranked
        ]


def formset_of[S: forms.BaseFormSet](
    formset: type[S], form: type[forms.Form], **options: Any
) -> type[S]:
    """formset_factory's class, typed as the formset it extends (the stubs say BaseFormSet,
    which misses the formset's own arguments and methods)."""
    return cast("type[S]", forms.formset_factory(form, formset=formset, **options))


TargetFormSet = formset_of(
    BaseTargetFormSet,
    TargetRowForm,
    extra=0,
    can_delete=True,
    can_order=True,
    max_num=200,
    validate_max=True,
)


def target_initial(indicators):
    return [
        {
            "id": row.pk,
            "level1": row.level1,
            "level2": row.level2,
            "name": row.name,
            "target": row.target,
            "weight": points_to_text(row.weight),
            "criteria": row.criteria,
            "ORDER": row.position,
        }
        for row in indicators
    ]


class ActualRowForm(forms.Form):
    """One indicator's result. The row itself (weight, target) comes from the stored draft."""

    bound_field_class = MarkedBoundField
    # The assessment fields a step edits as they are stored; FundsForm adds its sums.
    edits = ()

    id = forms.IntegerField(widget=forms.HiddenInput)
    actual = IndicatorValueField(
        label="实际完成值",
        widget=forms.TextInput(attrs=control("实际完成值", size="sm")),
    )
    grade = forms.ChoiceField(
        label="完成等级",
        required=False,
        choices=[("", "—"), *Indicator.Grade.choices],
        widget=forms.Select(attrs={"class": f"{SMALL_SELECT} mt-1", "aria-label": "完成等级"}),
    )
    score = PointsField(
        label="得分",
        widget=forms.TextInput(attrs=control("得分", size="sm", number=True)),
    )
    reason = TextField(
        label="偏差原因分析及改进措施",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, **control("偏差原因分析及改进措施", size="sm")}),
    )

    def __init__(self, *args, indicator, rule_set, **kwargs):
        super().__init__(*args, **kwargs)
        self.indicator, self.rule_set = indicator, rule_set
        self.qualitative = (parsed := rules.parse_value(indicator.target)) is not None and (
            parsed.is_qualitative
        )


class BaseActualFormSet(forms.BaseFormSet):
    def __init__(self, *args, indicators, rule_set, **kwargs):
        self.indicators, self.rule_set = list(indicators), rule_set
        kwargs.setdefault(
            "initial",
            [
                {
                    "id": row.pk,
                    "actual": row.actual,
                    "grade": row.grade,
                    "score": points_to_text(row.score),
                    "reason": row.reason,
                }
                for row in self.indicators
            ],
        )
        super().__init__(*args, **kwargs)

    def total_form_count(self):
        return len(self.indicators)

    def get_form_kwargs(self, index):
        return {"indicator": self.indicators[index], "rule_set": self.rule_set}

    def clean(self):
        if any(self.errors):
            return
        posted = [form.cleaned_data["id"] for form in self.forms]
        if posted != [row.pk for row in self.indicators]:
            raise forms.ValidationError("指标行与已保存的不一致，请重新打开此步骤。")

    def live_rows(self):
        """The typed values of each row by its index, for the live figures: a score that
        does not read yet counts as blank; a grade counts only on a qualitative row."""
        updates = {}
        for index, form in enumerate(self.forms):
            typed = getattr(form, "cleaned_data", {})
            row = {name: typed[name] for name in ("actual", "reason") if name in typed}
            row["score"] = typed.get("score")
            if form.qualitative:
                row["grade"] = typed.get("grade") or None
            updates[index] = row
        return updates

    def rows(self):
        return [
            {
                "id": form.cleaned_data["id"],
                "actual": form.cleaned_data["actual"],
                "grade": form.cleaned_data["grade"] if form.qualitative else "",
                "score": form.cleaned_data["score"],
                "reason": form.cleaned_data["reason"],
            }
            for form in self.forms
        ]


ActualFormSet = formset_of(BaseActualFormSet, ActualRowForm, extra=0)


class OutcomeForm(StepForm):
    outcome = table_text(
        "实际完成情况", 3, "年度总体目标的实际完成情况；执行率低于 90% 时请说明原因。"
    )
    edits = ("outcome",)
