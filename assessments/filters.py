"""The filters of the assessment list; the CSV and Excel exports apply the same ones."""

from html import escape
from typing import cast

import django_filters
from django import forms
from django.db.models import Exists, OuterRef
from django.forms.utils import flatatt
from django.utils.safestring import mark_safe

from . import rules
from .models import Assessment, Organisation, ReportingYear, visible_organisations
from .prepared import Prepared
from .reporting.summary import Scope

ANY = "全部"
GRADES = rules.default_rule_set().grades
PRESENCE = [("yes", "有"), ("no", "无")]


class PlainSelect(forms.Select):
    """A select written out directly: a city has a thousand units, and Django's template per
    option would take longer than the whole rest of the page (the list's other selects are
    short, but each one's templates still cost more than its query)."""

    def render(self, name, value, attrs=None, renderer=None):
        final_attrs = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        chosen = {str(item) for item in self.format_value(value)}

        def options(choices):
            return "".join(
                f'<option value="{escape(str(key))}"'
                f"{' selected' if str(key) in chosen else ''}>{escape(str(label))}</option>"
                for key, label in choices
            )

        parts = []
        for key, label in self.choices:
            if isinstance(label, (list, tuple)):
                parts.append(f'<optgroup label="{escape(str(key))}">{options(label)}</optgroup>')
            else:
                parts.append(options([(key, label)]))
        # Every text above went through html.escape.
        return mark_safe(f"<select{flatatt(final_attrs)}>{''.join(parts)}</select>")


class AssessmentFilterForm(forms.Form):
    def clean(self):
        cleaned = super().clean() or {}
        low, high = cleaned.get("score_min"), cleaned.get("score_max")
        if low is not None and high is not None and low > high:
            raise forms.ValidationError("总分下限不能高于上限。")
        return cleaned


# The years that exist, newest first: read on every list, compiled once (prepared).
_YEARS = Prepared(lambda: ReportingYear.objects.order_by("-year").values_list("year", "pk"))


class AssessmentFilter(django_filters.FilterSet):
    year = django_filters.ChoiceFilter(
        label="年度", empty_label=ANY, method="filter_year", widget=PlainSelect
    )
    unit = django_filters.ChoiceFilter(
        label="实施单位", empty_label=ANY, field_name="project__unit_id", widget=PlainSelect
    )
    status = django_filters.ChoiceFilter(
        label="状态", empty_label=ANY, choices=Assessment.Status.choices, widget=PlainSelect
    )
    grade = django_filters.ChoiceFilter(
        label="等级",
        empty_label=ANY,
        choices=[(grade, grade) for grade in GRADES],
        widget=PlainSelect,
    )
    score_min = django_filters.NumberFilter(
        label="总分不低于", field_name="total_score", lookup_expr="gte", min_value=0, max_value=100
    )
    score_max = django_filters.NumberFilter(
        label="总分不高于", field_name="total_score", lookup_expr="lte", min_value=0, max_value=100
    )
    errors = django_filters.ChoiceFilter(
        label="检查错误",
        empty_label=ANY,
        choices=PRESENCE,
        method="filter_errors",
        widget=PlainSelect,
    )
    warnings = django_filters.ChoiceFilter(
        label="检查提示",
        empty_label=ANY,
        choices=PRESENCE,
        method="filter_warnings",
        widget=PlainSelect,
    )
    q = django_filters.CharFilter(
        label="项目名称", field_name="project__name", lookup_expr="icontains", max_length=100
    )

    class Meta:
        model = Assessment
        fields = []
        form = AssessmentFilterForm

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        # One query each: the years that exist and the units the user may see.
        self.year_ids = dict(_YEARS())
        self.filters["year"].extra["choices"] = [(year, year) for year in self.year_ids]
        self.filters["unit"].extra["choices"] = unit_choices(request.user)
        for name, field in self.form.fields.items():
            css = "form-select" if isinstance(field, forms.ChoiceField) else "form-control"
            field.widget.attrs.setdefault("class", f"{css} form-control-sm {css}-sm")
            field.widget.attrs.setdefault("id", f"filter-{name}")
        self.form.fields["q"].widget.attrs["placeholder"] = "包含的文字"
        self.form.fields["score_min"].widget.attrs.update(step="0.01", placeholder="0")
        self.form.fields["score_max"].widget.attrs.update(step="0.01", placeholder="100")

    def filter_year(self, queryset, name, value):
        return queryset.filter(year_id=self.year_ids[int(value)])

    def filter_errors(self, queryset, name, value):
        if value == "yes":
            return queryset.filter(error_count__gt=0)
        return queryset.filter(error_count=0)

    def filter_warnings(self, queryset, name, value):
        if value == "yes":
            return queryset.filter(warning_count__gt=0)
        return queryset.filter(warning_count=0)


def unit_choices(user):
    """The units the user may see, grouped under their departments, in one query."""
    groups = {}
    units = visible_organisations(user).filter(kind=Organisation.Kind.UNIT)
    for pk, name, department in units.order_by("parent__name", "name").values_list(
        "pk", "name", "parent__name"
    ):
        groups.setdefault(department, []).append((pk, name))
    return list(groups.items())


class SummaryForm(forms.Form):
    """Which organisation and year to summarise; offers only what the user may see."""

    organisation = forms.ChoiceField(label="汇总范围", widget=PlainSelect)
    year = forms.TypedChoiceField(label="年度", coerce=int)

    def __init__(self, data=None, *, user):
        self.organisations = {
            pk: (name, kind, parent_id, parent_name)
            # A bureau is summed department by department: it is not a choice of its own.
            for pk, name, kind, parent_id, parent_name in visible_organisations(user)
            .exclude(kind=Organisation.Kind.BUREAU)
            .order_by("kind", "name")
            .values_list("pk", "name", "kind", "parent_id", "parent__name")
        }
        years = list(
            ReportingYear.objects.filter(
                Exists(Assessment.objects.self_assessments().filter(year=OuterRef("pk")))
            ).values_list("year", flat=True)
        )
        if data is None and self.organisations and years:
            # Nothing chosen yet: the user's broadest organisation and the latest year.
            data = {"organisation": next(iter(self.organisations)), "year": years[0]}
        super().__init__(data)
        cast(forms.ChoiceField, self.fields["organisation"]).choices = self._grouped_choices()
        cast(forms.ChoiceField, self.fields["year"]).choices = [
            (year, f"{year} 年度") for year in years
        ]
        for name, field in self.fields.items():
            field.widget.attrs.update({"class": "form-select", "id": f"summary-{name}"})

    def _grouped_choices(self):
        """Each department with the units below it; units seen without their department alone."""
        departments = {
            pk: name
            for pk, (name, kind, _, _) in self.organisations.items()
            if kind == Organisation.Kind.DEPARTMENT
        }
        groups = {pk: [(pk, f"{name}（全部单位）")] for pk, name in departments.items()}
        loose = {}
        for pk, (name, kind, parent_id, parent_name) in self.organisations.items():
            if kind != Organisation.Kind.UNIT:
                continue
            if parent_id in groups:
                groups[parent_id].append((pk, name))
            else:
                loose.setdefault(parent_name, []).append((pk, name))
        choices = [(departments[pk], options) for pk, options in groups.items()]
        choices += [(parent_name, options) for parent_name, options in loose.items()]
        return choices

    def scope(self):
        pk = int(self.cleaned_data["organisation"])
        name, kind, _, _ = self.organisations[pk]
        return Scope(pk, name, kind, self.cleaned_data["year"])
