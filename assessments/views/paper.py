"""The official table on paper: the print page, the PDF and the Excel downloads."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_POST

from .. import permissions
from ..forms import PrintOptionsForm
from ..paper import printable, workbook
from ..paper import stored as paper_stored
from ..permissions import get_assessment_for_user
from ..reporting.exports import XLSX_TYPE
from ..services import AssessmentError
from ..services.drafts import set_print_options
from ..trust import copies

BAD_OPTIONS = "打印设置无效，请回到打印页面重新选择。"


def plain_text(message, status):
    """A download that cannot be made: the reason, in the browser's window."""
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


@login_required
@require_GET
def print_page(request, pk):
    assessment = get_assessment_for_user(request, pk, tree=True)
    form = PrintOptionsForm.for_request(request, assessment)
    options = form.print_options() or form.table_options
    try:
        item = printable.printable(assessment, options=options)
    except copies.SignedCopyError as error:
        return plain_text(str(error), 409)
    return render(
        request,
        "assessments/print.html",
        {
            "assessment": assessment,
            "item": item,
            "form": form,
            "query": request.GET.urlencode() if form.is_bound and form.is_valid() else "",
            "may_keep": permissions.can_edit(request.user, assessment)[0],
            "keeps": options == form.table_options,
        },
    )


@login_required
@require_GET
def download_pdf(request, pk):
    """The stored signed copy while the table is signed off; else the current data, watermarked."""
    # The signed copy needs no indicator rows: they are read only when rendering.
    assessment = get_assessment_for_user(request, pk)
    signature = assessment.valid_signature()
    if signature is not None:
        try:
            # The stored file is served only while its row still carries a valid signature.
            copies.check_signed_copy(signature)
            stored = paper_stored.stored_signed_pdf(signature)
        except copies.SignedCopyError as error:
            return plain_text(str(error), 409)
        filename = printable.table_filename(assessment)
        response = FileResponse(
            stored.open("rb"),
            as_attachment=True,
            filename=filename,
            content_type="application/pdf",
        )
        response.block_size = 256 * 1024
        return response
    options = PrintOptionsForm.for_request(request, assessment).print_options()
    if options is None:
        return plain_text(BAD_OPTIONS, 400)
    item = printable.printable(assessment, options=options)
    # WeasyPrint loads with the first PDF laid out (paper.stored), not with the pages.
    rendered = HttpResponse(paper_stored.draft_pdf(item), content_type="application/pdf")
    rendered["Content-Disposition"] = content_disposition_header(True, printable.filename_for(item))
    return rendered


@login_required
@require_GET
def download_xlsx(request, pk):
    """The table the PDF prints, as an Excel workbook: the signed version of a signed table."""
    assessment = get_assessment_for_user(request, pk, tree=True)
    options = PrintOptionsForm.for_request(request, assessment).print_options()
    if options is None:
        return plain_text(BAD_OPTIONS, 400)
    try:
        item = printable.printable(assessment, options=options)
    except copies.SignedCopyError as error:
        return plain_text(str(error), 409)
    response = HttpResponse(workbook.workbook_bytes(item), content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(
        True, printable.filename_for(item, extension="xlsx")
    )
    return response


@login_required
@require_POST
def keep_print_options(request, pk):
    """The settings shown on the print page become the table's own (before it is signed)."""
    assessment = get_assessment_for_user(request, pk, write=True)
    form = PrintOptionsForm(request.POST)
    if not form.is_valid():
        messages.error(request, BAD_OPTIONS)
        return redirect("assessments:print", pk=assessment.pk)
    try:
        set_print_options(assessment.pk, by=request.user, options=form.print_options())
    except AssessmentError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "已保存为本表的打印设置，PDF、Excel 和签发版都按此打印。")
    return redirect(reverse("assessments:print", args=[assessment.pk]))
