"""Forms of the review: reasons for a return or a reopening, comments and answers."""

from django import forms

from .fields import SMALL_SELECT, TextField, control

REMARK_LENGTH = 2000


def remark_field(label, placeholder, *, size=""):
    return TextField(
        label=label,
        required=False,  # the service says why a blank one is refused
        max_length=REMARK_LENGTH,
        widget=forms.TextInput(attrs=control(label, size=size, placeholder=placeholder)),
    )


class ReturnForm(forms.Form):
    reason = remark_field("退回原因", "退回原因（必填）")


class ReopenForm(forms.Form):
    reason = remark_field("重新打开的原因", "重新打开的原因（必填，原签发将作废）")


class WithdrawForm(forms.Form):
    reason = remark_field("撤回原因", "撤回原因（必填，如：发现执行数填错）")


class AnswerForm(forms.Form):
    text = remark_field("答复批注", "答复（说明如何修改）", size="sm")
    # The page to go back to: the detail page or the wizard step the answer was given on.
    next = forms.CharField(required=False, widget=forms.HiddenInput)


class CommentForm(forms.Form):
    target = forms.ChoiceField(
        label="批注位置（也可点击表中的单元格）",
        error_messages={"invalid_choice": "请选择批注所针对的栏目。"},
        widget=forms.Select(attrs={"class": f"{SMALL_SELECT} mb-2", "id": "comment-target"}),
    )
    text = TextField(
        label="批注内容",
        required=False,
        max_length=REMARK_LENGTH,
        widget=forms.Textarea(
            attrs={"rows": 2, **control("批注内容", size="sm mb-2", placeholder="批注内容")}
        ),
    )

    def __init__(self, *args, targets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = targets
