"""PDF with WeasyPrint: one table.

WeasyPrint is heavy to import; only what renders imports this module. The stored signed
copies and the PDFs of many tables at once are paper.stored's; books are paper.book_pdf's.
"""

import logging
import mimetypes
import re
import ssl
import zlib
from dataclasses import dataclass, field
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, cast
from urllib.parse import unquote, urlsplit

import pydyf
from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import get_template
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from . import fonts
from .official_table import OfficialTable
from .printable import Printable, sheet_html

if TYPE_CHECKING:
    from weasyprint.document import Document

logger = logging.getLogger(__name__)

# ---------------------------------------------------------------------------
# Compression

# pydyf, which writes WeasyPrint's PDFs, deflates every stream at zlib's level 9 and offers
# no setting for it. At zlib's own default, level 6, a table's PDF is 0.4 % larger and takes
# a fifth less time to write (9 ms of about 45): level 9 searches much longer for little.
COMPRESSION_LEVEL = 6


class _Deflate:
    """What pydyf finds as its `zlib`: the same functions, streams at COMPRESSION_LEVEL."""

    compress = staticmethod(zlib.compress)

    @staticmethod
    def compressobj(level: int = COMPRESSION_LEVEL) -> "zlib._Compress":
        return zlib.compressobj(COMPRESSION_LEVEL)


pydyf.zlib = _Deflate

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


@cache
def paper_defaults() -> CSS:
    """The element defaults the paper templates rely on (paper/defaults.css)."""
    return CSS(filename=str(Path(__file__).with_name("defaults.css")), base_url=BASE_URL)


class PaperHTML(HTML):
    """One of the project's paper templates: its element defaults come from paper_defaults()
    instead of WeasyPrint's stylesheet for the whole of HTML (tests/test_paper_defaults.py
    keeps the two layouts box for box the same)."""

    def _ua_stylesheets(self, forms: bool = False) -> list[CSS]:
        return [paper_defaults()]


# The templates' indentation: blank text between tags costs parsing and layout time.
_BETWEEN_TAGS = re.compile(r">[ \t\r\n]+<")


def render_document(html: str, *, html_class: type[HTML] = PaperHTML) -> "Document":
    html = _BETWEEN_TAGS.sub("><", html)
    return html_class(string=html, base_url=BASE_URL, url_fetcher=StaticFilesURLFetcher()).render(
        font_config=font_config(), stylesheets=[official_stylesheet()]
    )


# Both weights of the print fonts, for warm_up().
WARM_UP_HTML = "<p>表<b>表</b></p>"


def warm_up() -> None:
    """Load what a process's first table would otherwise wait for: the stylesheets, the
    table's template, the print fonts and WeasyPrint's own first-use work."""
    get_template("assessments/pdf/table.html")
    render_document(WARM_UP_HTML).write_pdf()


@dataclass
class PageContent:
    """What a laid-out page holds: the indicator rows (indexes into the table's lines) and
    the closing parts (total, signatures, notes, signed)."""

    lines: list = field(default_factory=list)
    parts: set = field(default_factory=set)


def page_contents(document: "Document") -> list[PageContent]:
    pages = []
    for page in document.pages:
        content = PageContent()
        for box in page._page_box.descendants():
            element = getattr(box, "element", None)
            if element is None or not hasattr(element, "get"):
                continue
            line = element.get("data-line") if box.element_tag == "tr" else None
            if line is not None and int(line) not in content.lines:
                content.lines.append(int(line))
            if part := element.get("data-part"):
                content.parts.add(part)
        pages.append(content)
    return pages


def page_plan(pages: list[PageContent], table: OfficialTable) -> tuple[frozenset, int | None]:
    """Where the pages start in the indicator rows, and the row to break before, if any.

    A page that starts with a new row (not the rest of a row split over the break) starts
    its groups again. The 总分 row, the signature lines and (before any notes) the signed
    block stand on one page with at least one indicator row: when they do not, the break
    moves up one row.
    """
    starts = set()
    for previous, page in pairwise(pages):
        if page.lines and page.lines[0] not in previous.lines:
            starts.add(page.lines[0])
    closing = {"total"}
    if table.signatures is not None:
        closing.add("signatures")
    if not table.notes:
        closing.add("signed")
    total_page = next((page for page in pages if "total" in page.parts), None)
    present = set().union(*(page.parts for page in pages)) & closing
    kept = total_page is not None and total_page.lines and present <= total_page.parts
    if kept or not table.lines:
        return frozenset(starts), table.break_before
    last = len(table.lines) - 1
    break_before = max(last if table.break_before is None else table.break_before - 1, 0)
    # The row broken before starts the next page: its groups start again there at once,
    # rather than after one more layout that would only find the page starting with it.
    if break_before:
        starts = {start for start in starts if start < break_before} | {break_before}
    return frozenset(starts), break_before


# A table whose breaks move lays out again; after this many layouts the last one stands.
LAYOUTS = 4


def lay_out(item: Printable, *, first_page: int = 1) -> "Document":
    """The table's document, laid out again until its groups and closing rows suit the breaks."""
    table = item.table
    document = render_document(sheet_html(item, first_page=first_page))
    for _ in range(LAYOUTS - 1):
        starts, break_before = page_plan(page_contents(document), table)
        if starts == table.page_starts and break_before == table.break_before:
            break
        table.paginate(starts, break_before)
        document = render_document(sheet_html(item, first_page=first_page))
    return document


def render_pdf(item: Printable) -> bytes:
    return lay_out(item).write_pdf()
