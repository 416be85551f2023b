"""Forms of the year's cycle: deadlines, exceptions, notice settings."""

from django import forms

from .fields import TextField, control

DATE_ERRORS = {"invalid": "请填写有效日期，如 2024-03-31。", "required": "请填写日期。"}


def date_field(label, *, required=True):
    return forms.DateField(
        label=label,
        required=required,
        error_messages=DATE_ERRORS,
        widget=forms.DateInput(attrs=control(label, type="date"), format="%Y-%m-%d"),
    )


class DeadlineForm(forms.Form):
    entry_due = date_field("填报截止")
    review_due = date_field("审核截止", required=False)

    def clean(self):
        super().clean()
        data = self.cleaned_data
        entry, review = data.get("entry_due"), data.get("review_due")
        if entry and review and review < entry:
            self.add_error("review_due", "审核截止不能早于填报截止。")
        return data


class ExceptionForm(forms.Form):
    until = date_field("延期至（含当日）")
    reason = TextField(
        label="延期原因",
        max_length=1000,
        error_messages={"required": "请填写延期原因。", "max_length": "原因最多 1000 字。"},
        widget=forms.TextInput(attrs=control("延期原因", placeholder="延期原因（必填）")),
    )


class NoticeSettingsForm(forms.Form):
    reminder_mail = forms.BooleanField(
        label="截止前通过邮件提醒我（站内消息照常显示）",
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
