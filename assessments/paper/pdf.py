"""PDF with WeasyPrint: one table, the stored signed copy, and books.

A signed version is rendered once, right after the sign-off: later downloads serve the stored
file byte for byte. WeasyPrint is heavy to import; only what renders imports this module.
"""

import gc
import hashlib
import logging
import mimetypes
import re
import ssl
from collections.abc import Callable, Sequence
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, cast
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from ..models import Assessment, Signature
from . import fonts
from .books import BookEntry, front_html
from .printable import Printable, pdf_filename, printable, signed_printable

if TYPE_CHECKING:
    from weasyprint.document import Document

logger = logging.getLogger(__name__)

# Relative and /static/ addresses in the PDF templates resolve against this base; the
# fetcher maps them onto the project's static files and nothing else.
BASE_URL = "file:///"

# ---------------------------------------------------------------------------
# Fetching: the project's static files and data: URIs, nothing else


class StaticFilesURLFetcher(URLFetcher):
    """Lets WeasyPrint read the project's own static files and data: URIs only.

    Every text on the table is escaped, so no user text can become an address; this is the
    second wall: file://, http(s):// and any other address fetch nothing.
    """

    def __init__(self) -> None:
        # No address it allows goes over the network: a bare TLS context saves loading the
        # system's certificates on every render.
        super().__init__(
            allowed_protocols=("data",),
            allow_redirects=False,
            timeout=1,
            ssl_context=ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT),
        )

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        if url.startswith("data:"):
            return super().fetch(url, headers)
        path = static_file_for(url) or fonts.allowed_file(url)
        if path is None:
            logger.warning("PDF rendering refused to fetch %s", url[:200])
            raise ValueError(f"不允许读取的地址：{url[:200]}")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})


def _inside(path: str | Path, root: str | Path) -> bool:
    try:
        return Path(path).resolve().is_relative_to(Path(root).resolve())
    except (OSError, ValueError):
        return False


def static_file_for(url: str) -> Path | None:
    """The file a /static/ address names, if it is one of the project's static files."""
    parts = urlsplit(url)
    prefix = "/" + settings.STATIC_URL.strip("/") + "/"
    if parts.scheme != "file" or parts.netloc or parts.query or parts.fragment:
        return None
    if not parts.path.startswith(prefix):
        return None
    relative = unquote(parts.path[len(prefix) :])
    segments = relative.split("/")
    if not relative or "\\" in relative or "\x00" in relative:
        return None
    if any(segment in ("", ".", "..") for segment in segments):
        return None
    # Collected files first (production serves hashed names from STATIC_ROOT), then the
    # finders, which look only inside the static directories (development).
    collected = Path(settings.STATIC_ROOT) / relative
    if collected.is_file() and _inside(collected, settings.STATIC_ROOT):
        return collected
    found = finders.find(relative)
    if found and Path(found).is_file():
        return Path(found)
    return None


# ---------------------------------------------------------------------------
# What is printed


@cache
def font_config() -> FontConfiguration:
    """One font configuration for every render: fonts are looked up once per process."""
    return FontConfiguration()


# ---------------------------------------------------------------------------
# Rendering


STYLESHEET = "css/official-print.css"


@cache
def official_stylesheet() -> CSS:
    """The paper stylesheet with the print fonts, parsed once (selectors compile on parsing)."""
    # The project's own stylesheet: always among its static files.
    path = cast(Path, static_file_for(f"{BASE_URL}{settings.STATIC_URL.strip('/')}/{STYLESHEET}"))
    return CSS(
        string=fonts.font_face_rules() + path.read_text(encoding="utf-8"),
        base_url=BASE_URL,
        url_fetcher=StaticFilesURLFetcher(),
        font_config=font_config(),
    )


# The templates' indentation: blank text between tags costs parsing and layout time.
_BETWEEN_TAGS = re.compile(r">[ \t\r\n]+<")


def render_document(html: str) -> "Document":
    html = _BETWEEN_TAGS.sub("><", html)
    return HTML(string=html, base_url=BASE_URL, url_fetcher=StaticFilesURLFetcher()).render(
        font_config=font_config(), stylesheets=[official_stylesheet()]
    )


def sheet_html(item: Printable, *, first_page: int = 1) -> str:
    return render_to_string("assessments/pdf/table.html", {"item": item, "first_page": first_page})


def render_pdf(item: Printable) -> bytes:
    return render_document(sheet_html(item)).write_pdf()


def store_signed_pdf(signature: Signature) -> FieldFile:
    """Render the signed version once and keep it in signature.pdf (Django's storage)."""
    item = signed_printable(signature)
    content = render_pdf(item)
    name = pdf_filename(
        item.assessment.year.year,
        item.assessment.project.name,
        suffix=f"-{signature.content_hash[:12]}",
    )
    signature.pdf.save(name, ContentFile(content), save=False)
    # The file's own hash, so a restore drill can tell a stored copy that was changed.
    signature.pdf_sha256 = hashlib.sha256(content).hexdigest()
    Signature.objects.filter(pk=signature.pk).update(
        pdf=signature.pdf.name, pdf_sha256=signature.pdf_sha256
    )
    return signature.pdf


def _is_stored(field: FieldFile) -> bool:
    # A field that holds a file has its name.
    return bool(field) and field.storage.exists(cast(str, field.name))


def stored_signed_pdf(signature: Signature) -> FieldFile:
    """The stored signed PDF, storing it first when an older signature has none yet.

    A file lost from the storage is rendered again from the signed snapshot (same content)
    rather than failing the download; the loss is logged.
    """
    if _is_stored(signature.pdf):
        return signature.pdf
    with transaction.atomic():
        locked = Signature.objects.select_for_update().get(pk=signature.pk)
        if not _is_stored(locked.pdf):
            if locked.pdf:
                logger.warning("Signed PDF %s is missing from the storage", locked.pdf.name)
            store_signed_pdf(locked)
        signature.pdf = locked.pdf
    return signature.pdf


def render_book(
    assessments: Sequence[Assessment],
    *,
    organisation: str,
    year: int,
    progress: Callable[[int, int], object] | None = None,
    generated_at: datetime | None = None,
) -> bytes:
    """One PDF: cover, contents, summary, then every table, each on its own pages.

    Each table is laid out as a document of its own (so progress can be reported table by
    table and each keeps its own watermark); the pages are then written as one PDF, which
    subsets the fonts once.
    """
    generated_at = generated_at or timezone.now()
    title = f"{year} 年度财政项目支出绩效自评表"
    entries = [BookEntry(printable(assessment)) for assessment in assessments]
    total = len(entries)

    def front(summary_page: int) -> "Document":
        return render_document(
            front_html(
                entries,
                title=title,
                organisation=organisation,
                year=year,
                generated_at=generated_at,
                summary_page=summary_page,
            )
        )

    # The contents page lists page numbers, which depend on how long the front matter is:
    # lay it out with provisional numbers first, then with the real ones.
    for entry in entries:
        entry.first_page = 9999
    provisional = front(9999)
    front_pages = len(provisional.pages)
    summary_page = next(
        number
        for number, page in enumerate(provisional.pages, start=1)
        if any(label == "汇总表" for _, label, _, _ in page.bookmarks)
    )
    documents: list[Document] = []
    page = front_pages + 1
    try:
        for done, entry in enumerate(entries, start=1):
            entry.first_page = page
            document = render_document(sheet_html(entry.item, first_page=page))
            documents.append(document)
            page += len(document.pages)
            # The laid-out pages are kept to the end: out of the garbage collector's sight,
            # they are not walked again by every collection while the next tables are laid
            # out (a quarter of a large book's time).
            gc.freeze()
            if progress:
                progress(done, total)
    finally:
        gc.unfreeze()
    front_document = front(summary_page)
    if len(front_document.pages) != front_pages:
        raise RuntimeError("目录页数在填入页码后发生变化。")
    pages = [*front_document.pages, *(p for document in documents for p in document.pages)]
    return front_document.copy(pages).write_pdf()
