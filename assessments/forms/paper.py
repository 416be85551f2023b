"""Forms of printing, binding books and verifying a signed copy."""

import re
from typing import cast

from django import forms

from .. import kinds
from ..models import Assessment, ReportingYear, visible_organisations
from ..paper.official_table import PrintOptions


class PrintOptionsForm(forms.Form):
    """The print settings, as query parameters of the print page and the PDF link."""

    options = forms.CharField(widget=forms.HiddenInput, initial="1")
    show_empty_level2 = forms.BooleanField(
        label="列出规则集中未使用的二级指标",
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    money_unit = forms.ChoiceField(
        label="金额单位",
        required=False,
        choices=[("", "按自评表填报的单位"), *Assessment.MoneyUnit.choices],
        widget=forms.Select(attrs={"class": "form-select form-select-sm w-auto"}),
    )
    signature_block = forms.BooleanField(
        label="打印填报人、审核人签字栏",
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    def __init__(self, *args, table_options=None, **kwargs):
        self.table_options = table_options or PrintOptions.defaults()
        super().__init__(*args, **kwargs)

    @classmethod
    def for_request(cls, request, assessment=None):
        """Bound to the query when the user chose settings; else showing the table's own."""
        table_options = PrintOptions.of(assessment.print_options if assessment else None)
        if "options" in request.GET:
            return cls(request.GET, table_options=table_options)
        return cls(initial=table_options.as_dict(), table_options=table_options)

    def print_options(self):
        if not self.is_bound:
            return self.table_options
        if not self.is_valid():
            return None
        return PrintOptions(
            show_empty_level2=self.cleaned_data["show_empty_level2"],
            money_unit=self.cleaned_data["money_unit"],
            signature_block=self.cleaned_data["signature_block"],
        )


class BookForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label="单位", queryset=None, widget=forms.Select(attrs={"class": "form-select"})
    )
    year = forms.ModelChoiceField(
        label="年度",
        queryset=ReportingYear.objects.all(),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    signed_only = forms.BooleanField(
        label="仅装订已签发的自评表",
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        organisation = cast(forms.ModelChoiceField, self.fields["organisation"])
        organisation.queryset = visible_organisations(user).order_by("kind", "name")
        organisation.empty_label = None
        cast(forms.ModelChoiceField, self.fields["year"]).empty_label = None
        # The latest year that has tables, not an open year nobody has filled in yet.
        self.fields["year"].initial = (
            ReportingYear.objects.filter(assessments__kind__in=kinds.names(reported=True))
            .order_by("-year")
            .first()
        )


HASH_RE = re.compile(r"^[0-9a-f]{64}$")


class VerifyForm(forms.Form):
    content_hash = forms.CharField(
        label="内容摘要（SHA-256）",
        max_length=200,
        widget=forms.TextInput(
            attrs={"class": "form-control font-monospace", "autocomplete": "off"}
        ),
    )

    def clean_content_hash(self):
        value = re.sub(r"\s+", "", self.cleaned_data["content_hash"]).lower()
        if not HASH_RE.match(value):
            raise forms.ValidationError(
                "内容摘要应为 64 位十六进制字符（0–9、a–f），可带空格，请对照签发版 PDF 检查。"
            )
        return value


class UploadForm(forms.Form):
    """A fillable workbook coming back; its content is read and checked by services.uploads."""

    file = forms.FileField(
        label="填好的填报表",
        widget=forms.ClearableFileInput(
            attrs={"class": "form-control", "accept": ".xlsx,.xlsm,.xls"}
        ),
        error_messages={"required": "请选择要上传的填报表文件。", "empty": "上传的文件是空的。"},
    )
