"""The official table on paper: PDF with WeasyPrint, stored signed copies and books.

Anything not signed off prints with a 草稿 / 未签发 watermark. A signed version prints from
its signature's snapshot, with the content hash and a QR code of the verification page, and
is rendered once: later downloads serve the stored file byte for byte.
"""

import gc
import json
import logging
import mimetypes
import re
import ssl
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

import segno
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from . import fonts, interchange, rules, signing
from .models import Assessment, Organisation, Project, ReportingYear, Signature
from .presentation import (
    PrintOptions,
    build_official_table,
    chinese_date,
    convert_amount,
    display_name,
    signature_block,
)

logger = logging.getLogger(__name__)

# Relative and /static/ addresses in the PDF templates resolve against this base; the
# fetcher maps them onto the project's static files and nothing else.
BASE_URL = "file:///"

DRAFT = "草稿"
UNSIGNED = "未签发"


class SignedCopyError(Exception):
    """A signed copy cannot be produced; the message is for the user."""


# ---------------------------------------------------------------------------
# Fetching: the project's static files and data: URIs, nothing else


class StaticFilesURLFetcher(URLFetcher):
    """Lets WeasyPrint read the project's own static files and data: URIs only.

    Every text on the table is escaped, so no user text can become an address; this is the
    second wall: file://, http(s):// and any other address fetch nothing.
    """

    def __init__(self):
        # No address it allows goes over the network: a bare TLS context saves loading the
        # system's certificates on every render.
        super().__init__(
            allowed_protocols=("data",),
            allow_redirects=False,
            timeout=1,
            ssl_context=ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT),
        )

    def fetch(self, url, headers=None):
        if url.startswith("data:"):
            return super().fetch(url, headers)
        path = static_file_for(url) or fonts.allowed_file(url)
        if path is None:
            logger.warning("PDF rendering refused to fetch %s", url[:200])
            raise ValueError(f"不允许读取的地址：{url[:200]}")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})


def _inside(path, root):
    try:
        return Path(path).resolve().is_relative_to(Path(root).resolve())
    except (OSError, ValueError):
        return False


def static_file_for(url):
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
def font_config():
    """One font configuration for every render: fonts are looked up once per process."""
    return FontConfiguration()


@dataclass
class Printable:
    """One official table ready for paper: its cells, watermark and signature details."""

    table: object
    watermark: str = ""  # blank: a signed version
    signature: Signature | None = None
    verify_url: str = ""
    qr: str = ""

    @property
    def assessment(self):
        return self.table.assessment

    @property
    def hash_groups(self):
        digest = self.signature.content_hash if self.signature else ""
        return " ".join(digest[i : i + 8] for i in range(0, len(digest), 8))

    @property
    def sheet_class(self):
        if not self.watermark:
            return "sheet-signed"
        return "sheet-draft" if self.watermark == DRAFT else "sheet-unsigned"

    @property
    def verify_home(self):
        return settings.SITE_URL.rstrip("/") + reverse("verify:form")

    @property
    def signer(self):
        return display_name(self.signature.signed_by) if self.signature else ""

    @property
    def signed_on(self):
        return chinese_date(self.signature.signed_at) if self.signature else ""


def valid_signature(assessment):
    """The signature a signed copy comes from: only while the table is signed off."""
    if assessment.status != Assessment.Status.SIGNED_OFF:
        return None
    return assessment.signatures.filter(voided_at__isnull=True).select_related("signed_by").first()


def watermark_for(assessment):
    if assessment.status in (Assessment.Status.DRAFT, Assessment.Status.RETURNED):
        return DRAFT
    return UNSIGNED


def verify_url(content_hash):
    return settings.SITE_URL.rstrip("/") + reverse("verify:hash", args=[content_hash])


def qr_data_uri(url):
    return segno.make(url, error="m").svg_data_uri(scale=4, border=0)


def assessment_from_snapshot(signature):
    """The signed version as unsaved model instances, read back through the interchange checks."""
    snapshot = signature.snapshot
    if signing.content_hash(snapshot) != signature.content_hash:
        raise SignedCopyError("签发内容与其摘要不符，不能生成签发版 PDF。")
    document = {
        "format": interchange.FORMAT,
        "version": interchange.VERSION,
        "assessments": [{**snapshot, "status": Assessment.Status.SIGNED_OFF}],
    }
    records, problems = interchange.parse_document(json.dumps(document, ensure_ascii=False))
    if problems:
        raise SignedCopyError("签发内容无法读取：" + "；".join(problems))
    record = records[0]
    fields, indicators = interchange.record_fields(record)
    unit = Organisation(name=record["unit"], kind=Organisation.Kind.UNIT)
    assessment = Assessment(
        project=Project(name=record["project"], unit=unit),
        year=ReportingYear(year=record["year"], rule_set=record["rule_set"]),
        **fields,
    )
    return assessment, indicators


def signed_printable(signature):
    assessment, indicators = assessment_from_snapshot(signature)
    table = build_official_table(
        assessment,
        indicators,
        options=PrintOptions.defaults(),
        signatures=signature_block(signature.assessment, signature),
    )
    url = verify_url(signature.content_hash)
    return Printable(table, "", signature, url, qr_data_uri(url))


def printable(assessment, *, options=None):
    """The signed version while the table is signed off, else the current data, watermarked."""
    signature = valid_signature(assessment)
    if signature is not None:
        return signed_printable(signature)
    return Printable(build_official_table(assessment, options=options), watermark_for(assessment))


# ---------------------------------------------------------------------------
# Rendering


STYLESHEET = "css/official-print.css"


@cache
def official_stylesheet():
    """The paper stylesheet with the print fonts, parsed once (selectors compile on parsing)."""
    path = static_file_for(f"{BASE_URL}{settings.STATIC_URL.strip('/')}/{STYLESHEET}")
    return CSS(
        string=fonts.font_face_rules() + path.read_text(encoding="utf-8"),
        base_url=BASE_URL,
        url_fetcher=StaticFilesURLFetcher(),
        font_config=font_config(),
    )


# The templates' indentation: blank text between tags costs parsing and layout time.
_BETWEEN_TAGS = re.compile(r">[ \t\r\n]+<")


def render_document(html):
    html = _BETWEEN_TAGS.sub("><", html)
    return HTML(string=html, base_url=BASE_URL, url_fetcher=StaticFilesURLFetcher()).render(
        font_config=font_config(), stylesheets=[official_stylesheet()]
    )


def sheet_html(item, *, first_page=1):
    return render_to_string("assessments/pdf/table.html", {"item": item, "first_page": first_page})


def render_pdf(item):
    return render_document(sheet_html(item)).write_pdf()


_UNSAFE_IN_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def pdf_filename(year, name, *, suffix="", kind="绩效自评表", extension="pdf"):
    """`2022-宣传费-绩效自评表.pdf`: what the file is called on the user's disk."""
    clean = _UNSAFE_IN_NAME.sub("_", name).strip(" .") or "自评表"
    return f"{year}-{clean}-{kind}{suffix}.{extension}"


def book_filename(year, organisation):
    return pdf_filename(year, organisation, kind="绩效自评表合订本")


def filename_for(item, extension="pdf"):
    a = item.assessment
    suffix = f"（{item.watermark}）" if item.watermark else ""
    return pdf_filename(a.year.year, a.project.name, suffix=suffix, extension=extension)


def store_signed_pdf(signature):
    """Render the signed version once and keep it in signature.pdf (Django's storage)."""
    item = signed_printable(signature)
    content = render_pdf(item)
    name = pdf_filename(
        item.assessment.year.year,
        item.assessment.project.name,
        suffix=f"-{signature.content_hash[:12]}",
    )
    signature.pdf.save(name, ContentFile(content), save=False)
    Signature.objects.filter(pk=signature.pk).update(pdf=signature.pdf.name)
    return signature.pdf


def _is_stored(field):
    return bool(field) and field.storage.exists(field.name)


def stored_signed_pdf(signature):
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


# ---------------------------------------------------------------------------
# Books (合订本)


@dataclass
class BookEntry:
    item: Printable
    first_page: int = 0

    @property
    def assessment(self):
        return self.item.assessment

    @property
    def evaluation(self):
        return self.item.table.evaluation

    @property
    def status_label(self):
        return "已签发" if not self.item.watermark else self.item.watermark


@dataclass
class BookSummary:
    budget: Decimal
    executed: Decimal
    execution_rate: Decimal | None
    grade_counts: list


def book_summary(entries):
    """Totals in 元 (tables in 万元 are converted), money-weighted rate and counts by grade."""
    budget = executed = Decimal("0")
    for entry in entries:
        a = entry.assessment
        budget += convert_amount(a.total_full_year_budget or Decimal("0"), a.money_unit, "元")
        executed += convert_amount(a.total_executed or Decimal("0"), a.money_unit, "元")
    grades = [grade for _, grade in rules.get_rule_set(rules.DEFAULT_RULE_SET).grade_floors]
    grades.append(rules.get_rule_set(rules.DEFAULT_RULE_SET).lowest_grade)
    counts = [(grade, sum(1 for e in entries if e.evaluation.grade == grade)) for grade in grades]
    return BookSummary(budget, executed, rules.execution_rate(budget, executed), counts)


def front_html(entries, *, title, organisation, year, generated_at, summary_page):
    return render_to_string(
        "assessments/pdf/book_front.html",
        {
            "entries": entries,
            "summary_page": summary_page,
            "title": title,
            "organisation": organisation,
            "year": year,
            "generated_on": chinese_date(generated_at),
            "summary": book_summary(entries),
            "mixed_units": len({e.assessment.money_unit for e in entries}) > 1,
        },
    )


def render_book(assessments, *, organisation, year, progress=None, generated_at=None):
    """One PDF: cover, contents, summary, then every table, each on its own pages.

    Each table is laid out as a document of its own (so progress can be reported table by
    table and each keeps its own watermark); the pages are then written as one PDF, which
    subsets the fonts once.
    """
    generated_at = generated_at or timezone.now()
    title = f"{year} 年度财政项目支出绩效自评表"
    entries = [BookEntry(printable(assessment)) for assessment in assessments]
    total = len(entries)

    def front(summary_page):
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
    documents = []
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
