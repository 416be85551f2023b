"""绩效信息公开 for the department's reviewers: prepare, order, submit, approve, publish,
correct; the 决算 approval date and the 20 days after it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from .. import permissions
from ..forms.publication import (
    CorrectionForm,
    FinalAccountsForm,
    PrepareForm,
    PrintNamesForm,
    ReturnPublicationForm,
)
from ..models import Assessment, Publication
from ..paper import public_site
from ..paper import publication as paper
from ..services import AssessmentError
from ..services import publication as publishing
from ..trust import approvals
from ..trust.copies import SignedCopyError

# The 决算 form's fields beside the 准备公开 form's on one page.
ACCOUNTS = "accounts"

# The largest position a table can have (PositiveSmallIntegerField).
MAX_POSITION = 32767


def get_publication_for_user(request, pk) -> Publication:
    publication = (
        Publication.objects.filter(department__in=permissions.publishing_departments(request.user))
        .select_related("department", "year", "replaces", "created_by", "decided_by")
        .filter(pk=pk)
        .first()
    )
    if publication is None:
        raise Http404("没有这次公开。")
    return publication


def _errors(request, form) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


@login_required
@require_GET
def publication_list(request):
    departments = list(permissions.publishing_departments(request.user))
    signed = (
        Assessment.objects.self_assessments()
        .filter(Q(project__unit__in=departments) | Q(project__unit__parent__in=departments))
        .values("year_id", "year__year")
        .annotate(
            total=Count("pk"), signed=Count("pk", filter=Q(status=Assessment.Status.SIGNED_OFF))
        )
        .order_by("-year__year")
    )
    publications = (
        Publication.objects.filter(department__in=departments)
        .select_related("department", "year")
        .order_by("-year__year", "department__name", "-version")
    )
    return render(
        request,
        "assessments/publication/list.html",
        {
            "departments": departments,
            "years": signed,
            "publications": publications,
            "deadlines": publishing.publication_deadlines(departments),
            "prepare_form": PrepareForm(user=request.user),
            "accounts_form": FinalAccountsForm(user=request.user, prefix=ACCOUNTS),
        },
    )


@login_required
@require_POST
def prepare(request):
    form = PrepareForm(request.POST, user=request.user)
    if not form.is_valid():
        _errors(request, form)
        return redirect("assessments:publications")
    data = form.cleaned_data
    try:
        publication = publishing.create_publication(
            data["department"].pk, data["year"].pk, by=request.user, print_names=data["print_names"]
        )
    except AssessmentError as error:
        messages.error(request, str(error))
        return redirect("assessments:publications")
    messages.success(request, "已按默认顺序列出全部已签发的自评表，请核对顺序后提交公开审核。")
    return redirect(publication)


@login_required
@require_POST
def record_final_accounts(request):
    form = FinalAccountsForm(request.POST, user=request.user, prefix=ACCOUNTS)
    if not form.is_valid():
        _errors(request, form)
        return redirect("assessments:publications")
    data = form.cleaned_data
    try:
        accounts = publishing.record_final_accounts(
            data["department"].pk, data["year"].pk, data["approved_on"], by=request.user
        )
    except AssessmentError as error:
        messages.error(request, str(error))
    else:
        due = publishing.publication_due(accounts.approved_on)
        messages.success(request, f"已登记决算批复日期，应于 {due:%Y-%m-%d} 前公开。")
    return redirect("assessments:publications")


@login_required
@require_GET
def publication_detail(request, pk):
    publication = get_publication_for_user(request, pk)
    user = request.user
    return render(
        request,
        "assessments/publication/detail.html",
        {
            "publication": publication,
            "rows": public_site.rows_of(approvals.item_signatures(publication)),
            "events": publication.events.select_related("actor").order_by("created_at", "pk"),
            "can_edit": permissions.can_edit_publication(user, publication)[0],
            "can_submit": permissions.can_submit_publication(user, publication)[0],
            "approve": permissions.can_approve_publication(user, publication),
            "can_publish": permissions.can_publish(user, publication)[0],
            "can_correct": permissions.can_correct_publication(user, publication)[0],
            "print_names_form": PrintNamesForm(initial={"print_names": publication.print_names}),
            "return_form": ReturnPublicationForm(),
            "correction_form": CorrectionForm(),
        },
    )


def _step(request, pk, step, success, *, form_class=None):
    """Run one service step on the publication and go back to its page with a message."""
    publication = get_publication_for_user(request, pk)
    options = {}
    if form_class is not None:
        form = form_class(request.POST)
        if not form.is_valid():
            _errors(request, form)
            return redirect(publication)
        options = form.cleaned_data
    try:
        result = step(publication.pk, by=request.user, **options)
    except AssessmentError as error:
        messages.error(request, str(error))
        return redirect(publication)
    messages.success(request, success)
    return redirect(result)


@login_required
@require_POST
def move(request, pk):
    """Move a table up or down, or leave it out of the publication."""
    publication = get_publication_for_user(request, pk)
    order = list(publication.items.order_by("position").values_list("signature_id", flat=True))
    signature_id, _, direction = request.POST.get("move", "").partition(":")
    if not signature_id.isdigit() or int(signature_id) not in order:
        messages.error(request, "所选的表格不在这次公开中，请刷新页面后重试。")
        return redirect(publication)
    index = order.index(int(signature_id))
    if direction == "up" and index > 0:
        order[index - 1], order[index] = order[index], order[index - 1]
    elif direction == "down" and index < len(order) - 1:
        order[index + 1], order[index] = order[index], order[index + 1]
    elif direction == "remove":
        del order[index]
    try:
        publishing.reorder(publication.pk, order, by=request.user)
    except AssessmentError as error:
        messages.error(request, str(error))
    return redirect(publication)


@login_required
@require_POST
def set_print_names(request, pk):
    return _step(
        request,
        pk,
        publishing.set_print_names,
        "已修改公开设置。",
        form_class=PrintNamesForm,
    )


@login_required
@require_POST
def submit(request, pk):
    return _step(request, pk, publishing.submit, "已提交公开审核。")


@login_required
@require_POST
def approve(request, pk):
    return _step(request, pk, publishing.approve, "已批准公开（批准已签名）。")


@login_required
@require_POST
def return_publication(request, pk):
    return _step(
        request,
        pk,
        publishing.return_publication,
        "已退回，准备人可修改后再次提交。",
        form_class=ReturnPublicationForm,
    )


@login_required
@require_POST
def publish(request, pk):
    return _step(request, pk, publishing.publish, "已公开。公开页面（/gongkai/）已列出这次公开。")


@login_required
@require_POST
def correct(request, pk):
    return _step(
        request,
        pk,
        publishing.correct,
        "已建立更正版本：请核对后提交公开审核。",
        form_class=CorrectionForm,
    )


@login_required
@require_GET
def preview_table(request, pk, position):
    """A table as it will be published, before it is (the public page's markup)."""
    publication = get_publication_for_user(request, pk)
    item = (
        publication.items.filter(position=min(position, MAX_POSITION))
        .select_related("signature__key")
        .first()
    )
    if item is None or position > MAX_POSITION:
        raise Http404("没有这张表。")
    try:
        html = public_site.table_page(
            publication, item.signature, position, public_site.PreviewLinks()
        )
    except SignedCopyError as error:
        raise PermissionDenied(str(error)) from None
    return HttpResponse(html, content_type="text/html; charset=utf-8")


@login_required
@require_GET
def preview_pdf(request, pk):
    publication = get_publication_for_user(request, pk)
    try:
        content = paper.publication_pdf(publication)
    except SignedCopyError as error:
        raise PermissionDenied(str(error)) from None
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = "inline"
    return response
