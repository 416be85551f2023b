"""Forms of the review: reasons for a return or a reopening, comments and answers."""

from typing import cast

from django import forms

from .fields import (
    POINTS_DIGITS,
    SMALL_SELECT,
    DecimalTextField,
    MarkedBoundField,
    TextField,
    control,
    points_to_text,
)

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


class OpinionForm(forms.Form):
    """The reviewer's opinion on a declaration, printed with her name and the date."""

    opinion = TextField(
        label="审核意见",
        max_length=500,
        error_messages={
            "required": "请填写审核意见，例如“同意。”",
            "max_length": "审核意见最多 500 个字。",
        },
        widget=forms.Textarea(attrs={"rows": 2, **control("审核意见")}),
    )


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
        cast(forms.ChoiceField, self.fields["target"]).choices = targets


class AdjustmentForm(forms.Form):
    """A new 预期目标, new targets and weights for some rows of a self-assessment, and why
    (目标调整).

    The goal and each row offer their values as they stand; what is changed is asked for.
    """

    bound_field_class = MarkedBoundField

    reason = TextField(
        label="调整理由",
        required=False,  # the service says why a blank one is refused
        max_length=REMARK_LENGTH,
        widget=forms.Textarea(
            attrs={"rows": 2, **control("调整理由", size="sm", placeholder="调整理由（必填）")}
        ),
    )

    def __init__(self, *args, indicators, goal=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.indicators = list(indicators)
        if goal is not None:
            self.fields["goal"] = TextField(
                label="预期目标",
                required=False,
                max_length=REMARK_LENGTH,
                initial=goal,
                widget=forms.Textarea(attrs={"rows": 3, **control("预期目标", size="sm")}),
            )
        for row in self.indicators:
            self.fields[f"target_{row.pk}"] = TextField(
                label=f"{row.name} · 年度指标值",
                required=False,
                max_length=200,
                initial=row.target,
                widget=forms.TextInput(attrs=control(f"{row.name} 年度指标值", size="sm")),
            )
            self.fields[f"weight_{row.pk}"] = DecimalTextField(
                label=f"{row.name} · 分值",
                what="分值",
                max_digits=POINTS_DIGITS,
                max_length=20,
                initial=points_to_text(row.weight),
                widget=forms.TextInput(attrs=control(f"{row.name} 分值", size="sm", number=True)),
            )

    def rows(self):
        """(row, bound target field, bound weight field) in the table's order."""
        return [
            (row, self[f"target_{row.pk}"], self[f"weight_{row.pk}"]) for row in self.indicators
        ]

    def changes(self):
        """The goal and every row's target and weight as posted; the service keeps those
        that differ."""
        # A post without the goal's box (an older page) asks nothing of the goal.
        goal = (
            [{"row": None, "field": "goal", "new": self.cleaned_data["goal"]}]
            if "goal" in self.fields and "goal" in self.data
            else []
        )
        return goal + [
            {"row": row.pk, "field": field, "new": self.cleaned_data[f"{field}_{row.pk}"]}
            for row in self.indicators
            for field in ("target", "weight")
        ]


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "批准"), ("reject", "驳回")])
    comment = remark_field("审批意见", "审批意见（驳回时必填）", size="sm")
