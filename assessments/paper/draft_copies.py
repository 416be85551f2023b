"""Draft PDFs kept by what they print: a table downloaded or exported again unchanged is
served from the PDF laid out the first time, instead of being laid out again.

The key is the SHA-256 of everything the layout reads: the table's HTML as the layout first
gets it (its cells, watermark and print options), the paper stylesheet and element defaults,
the print fonts, the layout code and WeasyPrint's version. A change to any of them makes a
new key, so a kept PDF is never out of date; the ones no longer asked for age out, the
least recently used first, once there are more than KEEP.

The files are a cache in settings.DRAFT_PDF_CACHE_DIR (var/cache/draft-pdf), each written
aside and renamed into place: deleting the folder loses nothing. Signed tables never come
here: their stored signed copy is the one PDF they have (paper.stored).
"""

import hashlib
import logging
import os
import tempfile
from functools import cache
from importlib import metadata
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders

from . import fonts
from .printable import Printable, sheet_html

logger = logging.getLogger(__name__)

# About 100 KB each: a few hundred megabytes at most.
KEEP = 2000
STYLESHEET = "css/official-print.css"
# What lays a table out besides its HTML: its source changes the PDF for the same HTML.
LAYOUT_CODE = ("pdf.py", "official_table.py", "defaults.css")


def folder() -> Path:
    return Path(settings.DRAFT_PDF_CACHE_DIR)


@cache
def fingerprint() -> bytes:
    """What every draft PDF depends on besides its own HTML, read once a process."""
    digest = hashlib.sha256(metadata.version("weasyprint").encode())
    here = Path(__file__).parent
    stylesheet = finders.find(STYLESHEET)
    for path in [*(here / name for name in LAYOUT_CODE), Path(str(stylesheet))]:
        digest.update(path.read_bytes())
    for weight, path in sorted(fonts.available().items()):
        status = path.stat()
        digest.update(f"{weight}:{path}:{status.st_size}:{status.st_mtime_ns}".encode())
    return digest.digest()


def key(item: Printable) -> str:
    """The key of the PDF the layout would make of `item` now."""
    digest = hashlib.sha256(fingerprint())
    digest.update(sheet_html(item).encode())
    return digest.hexdigest()


def kept(name: str) -> bytes | None:
    """The PDF kept under this key, if there is one; it counts as just used."""
    path = folder() / f"{name}.pdf"
    try:
        content = path.read_bytes()
        os.utime(path)
    except FileNotFoundError:
        return None
    except OSError:
        logger.warning("草稿 PDF 缓存无法读取 %s", path, exc_info=True)
        return None
    return content


def keep(name: str, content: bytes) -> None:
    """Keep a laid-out draft under its key. A cache that cannot be written (a full disk, a
    read-only folder) is logged and left: the PDF was made, only the next one costs more."""
    target = folder() / f"{name}.pdf"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, partial = tempfile.mkstemp(dir=target.parent, suffix=".partial")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(content)
            os.replace(partial, target)
        finally:
            Path(partial).unlink(missing_ok=True)
        _age_out(target.parent)
    except OSError:
        logger.exception("草稿 PDF 未能存入缓存 %s", target.parent)


def _age_out(directory: Path) -> None:
    entries = [e for e in os.scandir(directory) if e.name.endswith(".pdf")]
    if len(entries) <= KEEP:
        return
    entries.sort(key=lambda entry: entry.stat().st_mtime_ns)
    for entry in entries[: len(entries) - KEEP]:
        Path(entry.path).unlink(missing_ok=True)
