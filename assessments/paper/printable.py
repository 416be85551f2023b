"""A table ready for paper, whatever prints it: the official table, its watermark or signature.

Anything not signed off prints with a 草稿 / 未签发 watermark. A signed version prints from
its signature's snapshot, with the content hash and a QR code of the verification page: a
snapshot of version 2 or later holds the computed figures and the names it prints; one of
version 1 prints them as the rules compute them and as the log names them (trust.snapshot).
Nothing here needs the PDF engine: the print page, the workbook and the PDF share it.
"""

import re
from dataclasses import dataclass

import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from ..formats import chinese_date, display_name
from ..models import Assessment, Signature
from ..trust import snapshot as signed_snapshot
from ..trust.copies import as_signed, assessment_from_record, signed_content
from .official_table import OfficialTable, PrintOptions, build_official_table
from .remarks import remarks_of
from .signature_lines import Person, SignatureBlock, signature_block

DRAFT = "草稿"
UNSIGNED = "未签发"


@dataclass
class Printable:
    """One official table ready for paper: its cells, watermark and signature details."""

    table: OfficialTable
    watermark: str = ""  # blank: a signed version
    signature: Signature | None = None
    verify_url: str = ""
    qr: str = ""
    # The signed snapshot as read (a signed version): from version 2 on it names the signer.
    content: signed_snapshot.SignedContent | None = None

    @property
    def assessment(self) -> Assessment:
        return self.table.assessment

    @property
    def hash_groups(self) -> str:
        digest = self.signature.content_hash if self.signature else ""
        return " ".join(digest[i : i + 8] for i in range(0, len(digest), 8))

    @property
    def sheet_class(self) -> str:
        if not self.watermark:
            return "sheet-signed"
        return "sheet-draft" if self.watermark == DRAFT else "sheet-unsigned"

    @property
    def verify_home(self) -> str:
        return settings.SITE_URL.rstrip("/") + reverse("verify:form")

    @property
    def signer(self) -> str:
        if self.content is not None and self.content.printed is not None:
            reviewer = self.content.printed["reviewer"]
            return reviewer["name"] if reviewer else ""
        return display_name(self.signature.signed_by) if self.signature else ""

    @property
    def signed_on(self) -> str:
        return chinese_date(self.signature.signed_at) if self.signature else ""


def watermark_for(assessment: Assessment) -> str:
    if assessment.status in (Assessment.Status.DRAFT, Assessment.Status.RETURNED):
        return DRAFT
    return UNSIGNED


def verify_url(content_hash: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("verify:hash", args=[content_hash])


def qr_data_uri(url: str) -> str:
    """The QR code as a PNG of one pixel per module, which paper scales up without smoothing
    (image-rendering: pixelated): sharp squares, and far cheaper to lay out than a vector path
    of every module."""
    return segno.make(url, error="m").png_data_uri(scale=1, border=0)


def printed_block(signature: Signature, content: signed_snapshot.SignedContent) -> SignatureBlock:
    """填报人 and 审核人 as the snapshot names them; version 1 names none: the log's."""
    if content.printed is None:
        return signature_block(signature.assessment, signature)
    preparer, reviewer = content.printed["preparer"], content.printed["reviewer"]
    return SignatureBlock(
        Person(preparer["name"], preparer["date"]) if preparer else None,
        Person(reviewer["name"], reviewer["date"]) if reviewer else None,
    )


def signed_printable(signature: Signature) -> Printable:
    content = signed_content(signature)
    assessment, indicators = assessment_from_record(content.record)
    table = build_official_table(
        assessment,
        indicators,
        # A snapshot signed before tables kept their own settings has none: the defaults.
        options=PrintOptions.of(assessment.print_options),
        signatures=printed_block(signature, content),
        paper=True,
        remarks=remarks_of(content.record),
    )
    table.evaluation = as_signed(table.evaluation, content)
    url = verify_url(signature.content_hash)
    return Printable(table, "", signature, url, qr_data_uri(url), content)


def printable(assessment: Assessment, *, options: PrintOptions | None = None) -> Printable:
    """The signed version while the table is signed off, else the current data, watermarked."""
    signature = assessment.valid_signature()
    if signature is not None:
        return signed_printable(signature)
    options = options or PrintOptions.of(assessment.print_options)
    table = build_official_table(assessment, options=options, paper=True)
    return Printable(table, watermark_for(assessment))


def sheet_html(item: Printable, *, first_page: int = 1) -> str:
    """The HTML the layout gets for the table (paper.pdf lays it out)."""
    return render_to_string("assessments/pdf/table.html", {"item": item, "first_page": first_page})


_UNSAFE_IN_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def pdf_filename(
    year: int, name: str, *, suffix: str = "", kind: str = "绩效自评表", extension: str = "pdf"
) -> str:
    """`2022-宣传费-绩效自评表.pdf`: what the file is called on the user's disk."""
    clean = _UNSAFE_IN_NAME.sub("_", name).strip(" .") or "自评表"
    return f"{year}-{clean}-{kind}{suffix}.{extension}"


def book_filename(year: int, organisation: str) -> str:
    return pdf_filename(year, organisation, kind="绩效自评表合订本")


def table_filename(assessment: Assessment, *, suffix: str = "", extension: str = "pdf") -> str:
    """`2022-宣传费-绩效自评表.pdf`, `2023-培训-绩效目标表.pdf`: in the words of its kind."""
    return pdf_filename(
        assessment.year.year,
        assessment.owner_name,
        suffix=suffix,
        kind=assessment.table_kind.file_words,
        extension=extension,
    )


def filename_for(item: Printable, extension: str = "pdf") -> str:
    suffix = f"（{item.watermark}）" if item.watermark else ""
    return table_filename(item.assessment, suffix=suffix, extension=extension)
