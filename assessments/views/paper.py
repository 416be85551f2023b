"""The official table on paper: the print page, the PDF and the Excel downloads."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from .. import pdf, workbook
from ..exports import XLSX_TYPE
from ..models import Assessment
from ..permissions import get_assessment_for_user
from ..presentation import PrintOptions

BAD_OPTIONS = "打印设置无效，请回到打印页面重新选择。"


def plain_text(message, status):
    """A download that cannot be made: the reason, in the browser's window."""
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


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
        choices=[("", "按自评表填报的单位"), ("元", "元"), ("万元", "万元")],
        widget=forms.Select(attrs={"class": "form-select form-select-sm w-auto"}),
    )
    signature_block = forms.BooleanField(
        label="打印填报人、审核人签字栏",
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    @classmethod
    def for_request(cls, request):
        """Bound to the query when the user chose settings; else showing the defaults."""
        if "options" in request.GET:
            return cls(request.GET)
        defaults = PrintOptions.defaults()
        return cls(
            initial={
                "show_empty_level2": defaults.show_empty_level2,
                "money_unit": defaults.money_unit,
                "signature_block": defaults.signature_block,
            }
        )

    def print_options(self):
        if not self.is_bound:
            return PrintOptions.defaults()
        if not self.is_valid():
            return None
        return PrintOptions(
            show_empty_level2=self.cleaned_data["show_empty_level2"],
            money_unit=self.cleaned_data["money_unit"],
            signature_block=self.cleaned_data["signature_block"],
        )


@login_required
@require_GET
def print_page(request, pk):
    assessment = get_assessment_for_user(request, pk, queryset=Assessment.objects.with_tree())
    form = PrintOptionsForm.for_request(request)
    options = form.print_options() or PrintOptions.defaults()
    item = pdf.printable(assessment, options=options)
    return render(
        request,
        "assessments/print.html",
        {
            "assessment": assessment,
            "item": item,
            "form": form,
            "query": request.GET.urlencode() if form.is_bound and form.is_valid() else "",
        },
    )


@login_required
@require_GET
def download_pdf(request, pk):
    """The stored signed copy while the table is signed off; else the current data, watermarked."""
    # The signed copy needs no indicator rows: they are read only when rendering.
    assessment = get_assessment_for_user(request, pk)
    signature = pdf.valid_signature(assessment)
    if signature is not None:
        try:
            stored = pdf.stored_signed_pdf(signature)
        except pdf.SignedCopyError as error:
            return plain_text(str(error), 409)
        filename = pdf.pdf_filename(assessment.year.year, assessment.project.name)
        response = FileResponse(
            stored.open("rb"),
            as_attachment=True,
            filename=filename,
            content_type="application/pdf",
        )
        response.block_size = 256 * 1024
        return response
    options = PrintOptionsForm.for_request(request).print_options()
    if options is None:
        return plain_text(BAD_OPTIONS, 400)
    item = pdf.printable(assessment, options=options)
    response = HttpResponse(pdf.render_pdf(item), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(True, pdf.filename_for(item))
    return response


@login_required
@require_GET
def download_xlsx(request, pk):
    """The table the PDF prints, as an Excel workbook: the signed version of a signed table."""
    assessment = get_assessment_for_user(request, pk, queryset=Assessment.objects.with_tree())
    options = PrintOptionsForm.for_request(request).print_options()
    if options is None:
        return plain_text(BAD_OPTIONS, 400)
    try:
        item = pdf.printable(assessment, options=options)
    except pdf.SignedCopyError as error:
        return plain_text(str(error), 409)
    response = HttpResponse(workbook.workbook_bytes(item), content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(
        True, pdf.filename_for(item, extension="xlsx")
    )
    return response
