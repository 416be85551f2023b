"""Forms of what follows a review: a rectification request, its answer and decision, and a
result's application to the next year's budget."""

from django import forms

from ..models import ResultApplication
from .cycle import date_field
from .fields import AmountField, TextField, control

TEXTAREA = {"class": "form-control", "rows": 3}


def text_area(label, *, required=True):
    return TextField(
        label=label,
        required=required,
        max_length=2000,
        widget=forms.Textarea(attrs=TEXTAREA | {"aria-label": label}),
        error_messages={"required": f"请填写{label}。"},
    )


class IssueForm(forms.Form):
    row = TextField(label="所涉行", required=False, max_length=300, widget=forms.HiddenInput)
    sampled = forms.IntegerField(required=False, widget=forms.HiddenInput)
    what = text_area("整改事项")
    why = text_area("整改原因")
    due_date = date_field("整改期限")


class RectificationAnswerForm(forms.Form):
    answer = text_area("整改结果")
    attachment = forms.FileField(
        label="整改佐证（PDF 或 PNG、JPEG 图片）",
        required=False,
        widget=forms.ClearableFileInput(
            attrs={"class": "form-control", "accept": ".pdf,.png,.jpg,.jpeg"}
        ),
        error_messages={"invalid": "无法读取所选文件，请重新选择。", "empty": "所选文件是空的。"},
    )


class RectificationDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="审核",
        choices=[("accept", "通过"), ("send_back", "退回")],
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        error_messages={"required": "请选择通过或退回。"},
    )
    note = text_area("审核意见（退回时必填）", required=False)


class ApplicationForm(forms.Form):
    decision = forms.ChoiceField(
        label="应用方式",
        choices=ResultApplication.Decision.choices,
        widget=forms.Select(attrs={"class": "form-select"}),
        error_messages={"required": "请选择应用方式。", "invalid_choice": "请选择应用方式。"},
    )
    amount = AmountField(
        label="涉及金额（元）",
        widget=forms.TextInput(attrs=control("涉及金额（元）", number=True)),
    )
    note = text_area("说明", required=False)
