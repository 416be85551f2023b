"""A publication (绩效信息公开) on paper and on the web, from the signed snapshots only.

Three outputs, the same from the pages, `publish_year` and `export_public`:
- the PDF: a cover in the form departments use, then every table one after another, page
  numbered through. With the names printed, each table is its stored signed copy bound page
  for page (paper.binding, as a 合订本); without them, each is laid out again from its signed
  snapshot with the 填报人/审核人 line left off.
- an HTML page per table: real table markup (caption, th scope, headers), no scripts.
- the data file: the tables' interchange records as signed (docs/interchange.md).

Nothing is read from the tables as they are now, nor from comments, the log or 复核: only the
signatures the publication names. The approval is signed like a sign-off (paper.keys).
WeasyPrint is imported only by the function that renders the PDF.
"""

import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.contrib.staticfiles import finders
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.template.loader import render_to_string

from .. import interchange
from ..models import Assessment, Publication, Signature, SigningKey
from . import keys, signing
from .printable import Printable, signed_content, signed_printable

TABLE_KIND = "项目支出绩效自评表"
APPROVAL_PREFIX = b"jixiao-publication-approval/1\n"


# ---------------------------------------------------------------------------
# The approval's signature


def approved_content(
    publication: Publication,
    signatures: Sequence[Signature],
    *,
    approved_by_id: int,
    approved_at: datetime,
) -> dict[str, Any]:
    """What the approver signs: which signed tables, in which order, and how they print."""
    return {
        "publication": publication.pk,
        "department": publication.department.name,
        "year": publication.year.year,
        "version": publication.version,
        "replaces": publication.replaces_id,
        "print_names": publication.print_names,
        "tables": [{"signature": s.pk, "content_hash": s.content_hash} for s in signatures],
        "approved_by": approved_by_id,
        "approved_at": approved_at.astimezone(UTC).isoformat(),
    }


def approval_message(content: dict[str, Any]) -> bytes:
    return APPROVAL_PREFIX + signing.canonical_bytes(content)


def sign_approval(content: dict[str, Any]) -> tuple[str, SigningKey, str]:
    """(content hash, key row, SM2 signature) of an approval; raises keys.SigningKeyMissing."""
    key_file, key_row = signing.current_key()
    return signing.content_hash(content), key_row, keys.sign(approval_message(content), key_file)


def check_approval(publication: Publication) -> tuple[bool, str]:
    """Whether the stored approval is what was approved, by a key the key file trusts."""
    if publication.decided_by_id is None or publication.decided_at is None:
        return False, "尚未批准"
    content = approved_content(
        publication,
        item_signatures(publication),
        approved_by_id=publication.decided_by_id,
        approved_at=publication.decided_at,
    )
    if signing.content_hash(content) != publication.content_hash:
        return False, "公开的内容与批准时的内容不符"
    key = publication.key
    if key is None or not publication.value:
        return False, "批准没有签名"
    try:
        trusted = keys.load_key_file().trusted
    except keys.SigningKeyMissing:
        return False, "服务器没有签名密钥文件，无法核验批准的签名"
    public_key = bytes.fromhex(key.public_key)
    if public_key not in trusted:
        return False, "批准的签名公钥不是密钥文件信任的公钥"
    if not keys.verify(approval_message(content), publication.value, public_key):
        return False, "批准的 SM2 签名无效"
    return True, ""


# ---------------------------------------------------------------------------
# The tables as published


def item_signatures(publication: Publication) -> list[Signature]:
    """The signatures the publication names, in its order."""
    items = publication.items.select_related("signature__key").order_by("position")
    return [item.signature for item in items]


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
        return f"{self.assessment.project.name}"


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


def cover_html(*, department: str, year: int, tables: int, pages: int, note: str) -> str:
    return render_to_string(
        "assessments/publication/pdf_front.html",
        {
            "department": department,
            "year": year,
            "kind": TABLE_KIND,
            "tables": tables,
            "stamp_pages": range(pages),
            "note": note,
        },
    )


def render_publication_pdf(
    tables: Sequence[PublishedTable], *, department: str, year: int, print_names: bool, note: str
) -> bytes:
    """The cover, then every table's pages, page-numbered through (第 N 页 共 M 页)."""
    from . import binding, pdf

    contents = []
    for table in tables:
        if print_names:
            with pdf.stored_signed_pdf(table.signature).open("rb") as stored:
                contents.append(stored.read())
        else:
            contents.append(pdf.render_pdf(table.item))
    pages = sum(binding.page_count(content) for content in contents)
    front = pdf.render_document(
        cover_html(department=department, year=year, tables=len(tables), pages=pages, note=note)
    ).write_pdf()
    titles = [f"{t.position} {t.assessment.project.name}" for t in tables]
    return binding.bind(front, 1, contents, titles)


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
