"""A publication (绩效信息公开) on paper and on the web, from the signed snapshots only.

Three outputs, the same from the pages, `publish_year` and `export_public`:
- the PDF: a cover in the form departments use, then every table one after another, page
  numbered through. With the names printed, each table is its stored signed copy bound page
  for page (paper.binding, as a 合订本); without them, each is laid out again from its signed
  snapshot with the 填报人/审核人 line left off.
- an HTML page per table: real table markup (caption, th scope, headers), no scripts.
- the data file: the tables' interchange records as signed (docs/interchange.md).

Nothing is read from the tables as they are now, nor from comments, the log or 复核: only the
signatures the publication names. The approval is signed like a sign-off (trust.keys).
The PDF's cover is drawn (paper.front_matter); WeasyPrint is imported only to lay a table out
again, without the names.
"""

import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.contrib.staticfiles import finders
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.template.loader import render_to_string

from .. import interchange
from ..models import Assessment, Publication, Signature
from ..trust.approvals import item_signatures
from ..trust.copies import signed_content
from .printable import Printable, signed_printable

if TYPE_CHECKING:
    from .binding import PageNumberWords

TABLE_KIND = "项目支出绩效自评表"
# ---------------------------------------------------------------------------
# The tables as published


@dataclass
class PublishedTable:
    """One table as published: its place, its signature and the signed copy as printed."""

    position: int
    signature: Signature
    item: Printable

    @property
    def assessment(self) -> Assessment:
        return self.item.assessment

    @property
    def filename(self) -> str:
        return f"table-{self.position:02d}.html"

    @property
    def title(self) -> str:
        return f"{self.assessment.subject}"


@dataclass
class PrintableWithoutNames(Printable):
    """A signed copy printed without 填报人/审核人 and without the 签发人 beside the hash."""

    @property
    def signer(self) -> str:
        return ""

    @classmethod
    def of(cls, item: Printable) -> "PrintableWithoutNames":
        values = {f.name: getattr(item, f.name) for f in fields(item)}
        values["table"] = replace(item.table, signatures=None)
        return cls(**values)


def published_tables(signatures: Sequence[Signature], *, print_names: bool) -> list[PublishedTable]:
    """Each signed table read back from its snapshot (its hash and SM2 signature checked)."""
    tables = []
    for position, signature in enumerate(signatures, start=1):
        item = signed_printable(signature)
        if not print_names:
            item = PrintableWithoutNames.of(item)
        tables.append(PublishedTable(position, signature, item))
    return tables


def data_file(signatures: Sequence[Signature]) -> str:
    """The interchange records of the tables as signed, in order (docs/interchange.md)."""
    records = []
    for signature in signatures:
        record = printable_record(signature)
        records.append({**record, "status": Assessment.Status.SIGNED_OFF})
    return interchange.dumps(records)


def printable_record(signature: Signature) -> dict[str, Any]:
    return dict(signed_content(signature).record)


def table_html(
    table: PublishedTable,
    *,
    department: str,
    year: int,
    index_url: str,
    pdf_url: str,
    stylesheet: str,
) -> str:
    """One table as an accessible web page: no scripts, printable."""
    return render_to_string(
        "public/table.html",
        {
            "published": table,
            "table": table.item.table,
            "department": department,
            "year": year,
            "index_url": index_url,
            "pdf_url": pdf_url,
            "kind": TABLE_KIND,
            "stylesheet": stylesheet,
        },
    )


# ---------------------------------------------------------------------------
# The PDF


def cover_pdf(
    *, department: str, year: int, tables: int, note: str, words: "PageNumberWords"
) -> bytes:
    """The cover in the form departments use, then the sample of the page number
    (paper.binding)."""
    from . import drawing, front_matter
    from .front_matter import Line

    lines = [
        Line(department, 22, bold=True, spacing=0.08),
        Line(f"{year}年度", 18, above=10),
        Line(TABLE_KIND, 24, bold=True, spacing=0.2, above=6),
        Line(f"共 {tables} 张", 12, above=40),
        *([Line(note, 12, above=3)] if note else []),
    ]
    cover = front_matter.cover_page(lines, front_matter.TOP + 60 * front_matter.MM)
    return drawing.write_pdf(
        [cover, front_matter.sample_page(words)],
        title=f"{department} {year}年度{TABLE_KIND}",
        author=department,
        lang="zh-CN",
    )


def render_publication_pdf(
    tables: Sequence[PublishedTable], *, department: str, year: int, print_names: bool, note: str
) -> bytes:
    """The cover, then every table's pages, page-numbered through (第 N 页 共 M 页)."""
    from . import binding, stored
    from .binding import PageNumberWords

    contents = []
    for table in tables:
        if print_names:
            with stored.stored_signed_pdf(table.signature).open("rb") as stored_file:
                contents.append(stored_file.read())
        else:
            # WeasyPrint loads only when a table is laid out again: the pages that import
            # this module, and a publication of stored copies, start without it.
            from . import pdf

            contents.append(pdf.render_pdf(table.item))
    titles = [f"{t.position} {t.assessment.subject}" for t in tables]
    with binding.opened(contents) as sources:
        total = 1 + sum(len(source.pages) for source in sources)
        words = PageNumberWords(f"第 {{}} 页　共 {total} 页")
        front = cover_pdf(
            department=department, year=year, tables=len(tables), note=note, words=words
        )
        return binding.bind_numbered(front, 1, sources, titles, words)


def correction_note(publication: Publication) -> str:
    replaced = publication.replaces
    if replaced is None:
        return ""
    return f"本版为第 {publication.version} 版，更正第 {replaced.version} 版"


def publication_pdf(publication: Publication) -> bytes:
    tables = published_tables(item_signatures(publication), print_names=publication.print_names)
    return render_publication_pdf(
        tables,
        department=publication.department.name,
        year=publication.year.year,
        print_names=publication.print_names,
        note=correction_note(publication),
    )


def stored_name(publication: Publication) -> str:
    return f"{publication.pk}-v{publication.version}-{publication.content_hash[:12]}.pdf"


def stored_publication_pdf(publication: Publication) -> FieldFile:
    """The published PDF, rendered and stored once (the first request or the worker)."""
    if publication.pdf and publication.pdf.storage.exists(str(publication.pdf.name)):
        return publication.pdf
    content = publication_pdf(publication)
    with transaction.atomic():
        locked = Publication.objects.select_for_update().get(pk=publication.pk)
        if not (locked.pdf and locked.pdf.storage.exists(str(locked.pdf.name))):
            locked.pdf.save(stored_name(locked), ContentFile(content), save=False)
            locked.save(update_fields=["pdf"])
        publication.pdf = locked.pdf
    return publication.pdf


# ---------------------------------------------------------------------------
# Files on disk: `publish_year` and `export_public`

_UNSAFE_IN_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\s]+')


def basename(department: str, year: int, version: int | None = None) -> str:
    clean = _UNSAFE_IN_NAME.sub("_", department).strip("._") or "department"
    suffix = f"-v{version}" if version else ""
    return f"{year}-{clean}-{TABLE_KIND}{suffix}"


# The public pages' stylesheet: a static file, copied beside the pages written to disk.
STYLESHEET = "css/public.css"
STYLESHEET_FILE = "public.css"


def copy_stylesheet(target: Path) -> None:
    source = finders.find(STYLESHEET)
    if source is None:
        raise FileNotFoundError(STYLESHEET)
    shutil.copyfile(str(source), target)


@dataclass
class Outputs:
    pdf: Path
    data: Path
    tables: list[Path]


def write_outputs(
    directory: Path,
    signatures: Sequence[Signature],
    *,
    department: str,
    year: int,
    print_names: bool,
    note: str = "",
    version: int | None = None,
    pdf_content: bytes | None = None,
) -> Outputs:
    """The PDF, the data file and one HTML page per table, into `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    name = basename(department, year, version)
    tables = published_tables(signatures, print_names=print_names)
    pdf_path = directory / f"{name}.pdf"
    if pdf_content is None:
        pdf_content = render_publication_pdf(
            tables, department=department, year=year, print_names=print_names, note=note
        )
    pdf_path.write_bytes(pdf_content)
    data_path = directory / f"{name}.json"
    data_path.write_text(data_file(signatures), encoding="utf-8")
    pages = []
    for table in tables:
        page = directory / table.filename
        page.write_text(
            table_html(
                table,
                department=department,
                year=year,
                index_url="",
                pdf_url=pdf_path.name,
                stylesheet=STYLESHEET_FILE,
            ),
            encoding="utf-8",
        )
        pages.append(page)
    copy_stylesheet(directory / STYLESHEET_FILE)
    return Outputs(pdf_path, data_path, pages)
