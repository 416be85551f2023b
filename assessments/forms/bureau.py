"""Forms of the finance bureau's desk: filing, returning a filing, sampling, 复核."""

import secrets
from decimal import Decimal
from typing import cast

from django import forms

from .. import permissions
from ..models import ReportingYear
from ..rules import grade_for
from ..rules import review as review_rules
from .fields import DecimalTextField, PercentField, TextField, control
from .review import REMARK_LENGTH, remark_field

SELECT = {"class": "form-select"}


class FileForm(forms.Form):
    """Which department's year to file; only departments the user may file are offered."""

    department = forms.ModelChoiceField(
        label="主管部门",
        empty_label="请选择",
        queryset=None,
        widget=forms.Select(attrs=SELECT),
        error_messages={"invalid_choice": "请选择您可以报送的主管部门。"},
    )
    year = forms.ModelChoiceField(
        label="年度",
        empty_label="请选择",
        queryset=ReportingYear.objects.all(),
        widget=forms.Select(attrs=SELECT),
        error_messages={"invalid_choice": "请选择年度。"},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        department = cast(forms.ModelChoiceField, self.fields["department"])
        department.queryset = permissions.filing_departments(user)


class ReturnFilingForm(forms.Form):
    reason = remark_field("退回原因", "退回原因（必填，部门将看到）")


class ExemptionForm(forms.Form):
    reason = remark_field("免报理由", "免报理由（必填，印在报送清单和财政局报告中）")


def new_seed() -> int:
    return secrets.randbelow(10**8)


class SampleForm(forms.Form):
    method = forms.ChoiceField(
        label="抽取方式",
        choices=[
            ("random", "随机抽取（按部门、预算规模分层）"),
            ("risk", "风险优先（先抽有风险提示的表，不足部分随机）"),
            ("manual", "人工选取"),
        ],
        initial="random",
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    share = PercentField(
        label="抽取比例（%）",
        what="抽取比例",
        widget=forms.TextInput(attrs=control("抽取比例（%）", number=True)),
    )
    seed = forms.IntegerField(
        label="随机种子",
        required=False,
        min_value=0,
        max_value=2**62,
        widget=forms.NumberInput(attrs=control("随机种子")),
        error_messages={"invalid": "随机种子应为整数。"},
        help_text="同一种子、同一批已报送的自评表，抽中的总是相同的表，便于核查。",
    )
    margin = DecimalTextField(
        what="差异容许值",
        label="差异容许值（分）",
        max_digits=3,
        initial="1.00",
        widget=forms.TextInput(attrs=control("差异容许值（分）", number=True)),
        help_text="自评与复核得分相差超过此值即列为差异。",
    )
    tables = forms.TypedMultipleChoiceField(
        label="人工选取的自评表",
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        error_messages={"invalid_choice": "所选自评表不在可抽查的范围内。"},
    )

    def __init__(self, *args, candidates=(), seed=None, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.MultipleChoiceField, self.fields["tables"]).choices = [
            (c.assessment_id, f"{c.department} · {c.unit} · {c.project}") for c in candidates
        ]
        if not self.is_bound:
            self.initial.setdefault("seed", new_seed() if seed is None else seed)

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if data.get("margin") is None and "margin" not in self.errors:
            data["margin"] = Decimal("1.00")
        if data.get("method") in ("random", "risk"):
            share = data.get("share")
            if share is None and "share" not in self.errors:
                self.add_error("share", "随机抽取请填写抽取比例（大于 0，不超过 100）。")
            elif share is not None and not (0 < share <= 100):
                self.add_error("share", "抽取比例应大于 0，不超过 100。")
            if data.get("seed") is None and "seed" not in self.errors:
                self.add_error("seed", "随机抽取请填写随机种子。")
        elif data.get("method") == "manual" and not data.get("tables"):
            self.add_error("tables", "人工选取请至少勾选一张自评表。")
        return data


class ReviewForm(forms.Form):
    """复核得分 beside the signed figures: the funds row, then one per indicator row."""

    budget_score = DecimalTextField(
        what="预算执行复核得分",
        label="预算执行复核得分",
        max_digits=3,
        required=True,
        widget=forms.TextInput(attrs=control("预算执行复核得分", size="sm", number=True)),
        error_messages={"required": "请填写预算执行复核得分。"},
    )
    budget_remark = TextField(
        label="预算执行复核说明",
        required=False,
        max_length=REMARK_LENGTH,
        widget=forms.TextInput(attrs=control("预算执行复核说明", size="sm")),
    )
    remark = TextField(
        label="复核意见",
        required=False,
        max_length=REMARK_LENGTH,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 3}),
    )

    def __init__(self, *args, rows=(), self_budget=None, self_scores=(), **kwargs):
        """Unbound and without a 复核 yet (no `initial`), the form starts from the signed
        self scores: the reviewer changes only what differs."""
        kwargs.setdefault("initial", {})
        if not kwargs["initial"]:
            kwargs["initial"] = {"budget_score": self_budget} | {
                f"score_{p}": score for p, score in enumerate(self_scores, start=1)
            }
        super().__init__(*args, **kwargs)
        self.self_budget, self.self_scores = self_budget, list(self_scores)
        self.positions = []
        for position, row in enumerate(rows, start=1):
            label = f"第 {position} 项“{row['name']}”复核得分"
            self.fields[f"score_{position}"] = DecimalTextField(
                what=label,
                label=label,
                max_digits=3,
                required=True,
                widget=forms.TextInput(attrs=control(label, size="sm", number=True)),
                error_messages={"required": f"请填写{label}。"},
            )
            self.fields[f"remark_{position}"] = TextField(
                label=f"第 {position} 项复核说明",
                required=False,
                max_length=REMARK_LENGTH,
                widget=forms.TextInput(attrs=control(f"第 {position} 项复核说明", size="sm")),
            )
            self.positions.append(position)

    def indicator_fields(self):
        return [(self[f"score_{p}"], self[f"remark_{p}"]) for p in self.positions]

    def clean(self):
        """A score changed from the self score needs its reason, beside the score's row."""
        data = super().clean() or {}
        changes = []
        if data.get("budget_score") is not None:
            changes.append(
                review_rules.ScoreChange(
                    0, self.self_budget, data["budget_score"], data.get("budget_remark") or ""
                )
            )
        for p in self.positions:
            if data.get(f"score_{p}") is not None and p <= len(self.self_scores):
                changes.append(
                    review_rules.ScoreChange(
                        p,
                        self.self_scores[p - 1],
                        data[f"score_{p}"],
                        data.get(f"remark_{p}") or "",
                    )
                )
        for position in review_rules.unexplained_changes(changes):
            field = "budget_remark" if position == 0 else f"remark_{position}"
            self.add_error(field, "复核得分与自评得分不同，请填写复核说明（改动的理由）。")
            self.fields[field].widget.attrs["aria-describedby"] = f"id_{field}-error"
        return data

    def totals(self, rule_set) -> tuple[Decimal, str] | None:
        """复核总分 and 复核等级 of the scores shown (typed, or the starting ones); None while
        any is missing or unreadable."""
        found = [self.value_of("budget_score")] + [
            self.value_of(f"score_{p}") for p in self.positions
        ]
        values = [v for v in found if v is not None]
        if len(values) < len(found):
            return None
        total = review_rules.review_total(values[0], values[1:])
        return total, grade_for(total, rule_set)

    def value_of(self, name) -> Decimal | None:
        if self.is_bound:
            return self.cleaned_data.get(name) if hasattr(self, "cleaned_data") else None
        value = self.initial.get(name)
        return None if value is None else Decimal(value)
