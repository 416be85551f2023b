"""The form that opens a round of 运行监控."""

from decimal import Decimal

from django import forms

from ..models import ReportingYear
from ..rules.monitoring import DEFAULT_MARGIN
from .cycle import date_field
from .fields import control


class OpenRoundForm(forms.Form):
    scope = forms.ModelChoiceField(
        label="监控范围",
        queryset=None,
        empty_label="请选择",
        error_messages={"required": "请选择监控范围。"},
    )
    year = forms.ModelChoiceField(
        label="年度",
        queryset=None,
        empty_label="请选择",
        error_messages={"required": "请选择年度。"},
    )
    cut_off = date_field("数据截至")
    due = date_field("填报截止")
    margin = forms.DecimalField(
        label="预警线（执行率落后序时进度的百分点）",
        initial=DEFAULT_MARGIN,
        min_value=Decimal(0),
        max_value=Decimal(100),
        decimal_places=2,
        error_messages={
            "invalid": "请填写数字，如 10。",
            "required": "请填写预警线。",
            "min_value": "预警线不能小于 0。",
            "max_value": "预警线不能大于 100。",
            "max_decimal_places": "预警线最多两位小数。",
        },
        widget=forms.TextInput(attrs=control("预警线", inputmode="decimal")),
    )

    def __init__(self, *args, scopes, **kwargs):
        super().__init__(*args, **kwargs)
        scope = self.fields["scope"]
        assert isinstance(scope, forms.ModelChoiceField)
        scope.queryset = scopes
        scope.widget.attrs.update({"class": "form-select"})
        year = self.fields["year"]
        assert isinstance(year, forms.ModelChoiceField)
        year.queryset = ReportingYear.objects.filter(is_open=True).order_by("-year")
        year.widget.attrs.update({"class": "form-select"})

    def clean(self):
        super().clean()
        data = self.cleaned_data
        cut_off, due, year = data.get("cut_off"), data.get("due"), data.get("year")
        if cut_off and year and cut_off.year != year.year:
            self.add_error("cut_off", f"数据截至日应在 {year.year} 年内。")
        if cut_off and due and due < cut_off:
            self.add_error("due", "填报截止不能早于数据截至日。")
        return data
