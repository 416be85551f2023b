"""Forms of 绩效信息公开: preparing a department's year, reasons, the 决算 approval date."""

from django import forms

from .. import permissions
from ..models import ReportingYear
from .fields import control
from .review import remark_field
from .wizard import field_of

SELECT = {"class": "form-select"}


class DepartmentYearForm(forms.Form):
    """A department the user publishes for, and a year."""

    department = forms.ModelChoiceField(
        label="主管部门",
        empty_label="请选择",
        queryset=None,
        widget=forms.Select(attrs=SELECT),
        error_messages={"invalid_choice": "请选择您可以公开的主管部门。"},
    )
    year = forms.ModelChoiceField(
        label="年度",
        empty_label="请选择",
        queryset=ReportingYear.objects.order_by("-year"),
        widget=forms.Select(attrs=SELECT),
        error_messages={"invalid_choice": "请选择年度。"},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        department = field_of(self, "department", forms.ModelChoiceField)
        department.queryset = permissions.publishing_departments(user)


class PrepareForm(DepartmentYearForm):
    print_names = forms.BooleanField(
        label="印出填报人、审核人",
        required=False,
        initial=True,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )


class FinalAccountsForm(DepartmentYearForm):
    approved_on = forms.DateField(
        label="决算批复日期",
        widget=forms.DateInput(attrs={**control("决算批复日期"), "type": "date"}),
        error_messages={
            "invalid": "请输入日期，例如 2023-07-15。",
            "required": "请填写决算批复日期。",
        },
    )


class PrintNamesForm(forms.Form):
    print_names = forms.BooleanField(
        label="印出填报人、审核人",
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )


class ReturnPublicationForm(forms.Form):
    reason = remark_field("退回原因", "退回原因（必填）")


class CorrectionForm(forms.Form):
    reason = remark_field("更正原因", "更正原因（必填，随更正版本公开）")
