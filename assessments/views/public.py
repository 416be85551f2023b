"""公开: the published publications, without login, limited per address like /verify/.

Only published publications are shown, and of each only what it publishes: the tables as
signed (their HTML pages, the PDF, the data file) and each table's /verify/ link. The same
pages are written as static files by `manage.py export_public` (paper.public_site).
"""

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from .. import throttle
from ..models import Publication
from ..paper import public_site
from ..paper import publication as paper
from ..signin import client_address
from ..trust import approvals


def _limited(request):
    if throttle.allow(
        "public-address", client_address(request) or "", settings.VERIFY_LIMIT_PER_ADDRESS
    ):
        return None
    return throttle.too_many_requests(request, retry_after=settings.VERIFY_LIMIT_PER_ADDRESS[1])


def _published(pk: str) -> Publication:
    return get_object_or_404(Publication.objects.published().for_listing(), pk=int(pk))


def _html(content: str) -> HttpResponse:
    return HttpResponse(content, content_type="text/html; charset=utf-8")


@require_GET
def index(request):
    if refused := _limited(request):
        return refused
    return _html(public_site.index_html(public_site.LiveLinks()))


@require_GET
def publication(request, pk):
    if refused := _limited(request):
        return refused
    return _html(public_site.publication_html(_published(pk), public_site.LiveLinks()))


@require_GET
def table(request, pk, position):
    if refused := _limited(request):
        return refused
    published = _published(pk)
    item = published.items.filter(position=int(position)).select_related("signature__key").first()
    if item is None:
        raise Http404("没有这张表")
    return _html(
        public_site.table_page(published, item.signature, position, public_site.LiveLinks())
    )


@require_GET
def pdf(request, pk):
    if refused := _limited(request):
        return refused
    published = _published(pk)
    stored = paper.stored_publication_pdf(published)
    return FileResponse(
        stored.open("rb"),
        content_type="application/pdf",
        filename=public_site.pdf_name(published),
    )


@require_GET
def data(request, pk):
    if refused := _limited(request):
        return refused
    published = _published(pk)
    response = HttpResponse(
        paper.data_file(approvals.item_signatures(published)),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = (
        f"attachment; filename*=UTF-8''{public_site.quoted_data_name(published)}"
    )
    return response
