"""The 复核表 on A4: the signed sheet (from its signature's snapshot alone, with its hash, QR
code and signature, rendered and signed once, then served byte for byte) or, before it is
signed, the 复核 as it stands, marked 未签发."""

import hashlib
import logging
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string

from .. import kinds
from ..kinds.review import ReviewSheet
from ..models import ReviewSignature, SampledTable
from ..trust import pdf_signature, review_signing
from ..trust.signing import SignatureState
from .pdf import render_document
from .printable import UNSIGNED, pdf_filename, qr_data_uri, verify_url

logger = logging.getLogger(__name__)

SHEET = kinds.signed(ReviewSheet.name)


class ReviewSheetError(Exception):
    """A signed 复核表 cannot be produced; the message is for the user."""


@dataclass
class ReviewPaper:
    sheet: dict[str, Any]  # the snapshot (trust.review_signing.sheet_of)
    signature: ReviewSignature | None = None

    @property
    def kind(self) -> kinds.TableKind:
        return SHEET

    @property
    def watermark(self) -> str:
        return "" if self.signature else UNSIGNED

    @property
    def verify_url(self) -> str:
        return verify_url(self.signature.content_hash) if self.signature else ""

    @property
    def qr(self) -> str:
        return qr_data_uri(self.verify_url) if self.signature else ""

    @property
    def hash_groups(self) -> str:
        digest = self.signature.content_hash if self.signature else ""
        return " ".join(digest[i : i + 8] for i in range(0, len(digest), 8))

    @property
    def filename(self) -> str:
        suffix = f"（{self.watermark}）" if self.watermark else ""
        return pdf_filename(
            self.sheet["year"], self.sheet["project"], suffix=suffix, kind=SHEET.file_words
        )


def paper_of(sampled: SampledTable) -> ReviewPaper:
    """The signed 复核表 while its signature stands, else the 复核 as it is now."""
    review = getattr(sampled, "review", None)
    signature = review.signatures.valid().select_related("key").first() if review else None
    if signature is not None:
        state, reason = review_signing.examine(signature)
        if state != SignatureState.VALID:
            raise ReviewSheetError(f"复核表的签名不能核验（{reason}），不能提供签发版。")
        return ReviewPaper(signature.snapshot, signature)
    return ReviewPaper(review_signing.unsigned_sheet(sampled))


def render_review_pdf(paper: ReviewPaper) -> bytes:
    html = render_to_string("assessments/pdf/review.html", {"paper": paper, "s": paper.sheet})
    return render_document(html).write_pdf()


def stored_review_pdf(signature: ReviewSignature) -> bytes:
    """The signed 复核表's PDF: rendered from the snapshot and signed once, then the stored
    file (rendered again, the same content, if the storage lost it)."""
    with transaction.atomic():
        locked = ReviewSignature.objects.select_for_update().get(pk=signature.pk)
        if locked.pdf and locked.pdf.storage.exists(str(locked.pdf.name)):
            with locked.pdf.open("rb") as handle:
                return handle.read()
        if locked.pdf:
            logger.warning("Signed review PDF %s is missing from the storage", locked.pdf.name)
        content = pdf_signature.sign_pdf(
            render_review_pdf(ReviewPaper(locked.snapshot, locked)), reason=SHEET.title
        )
        locked.pdf.save(
            f"{locked.pk}-{locked.content_hash[:12]}.pdf", ContentFile(content), save=False
        )
        ReviewSignature.objects.filter(pk=locked.pk).update(
            pdf=locked.pdf.name, pdf_sha256=hashlib.sha256(content).hexdigest()
        )
        return content


def review_pdf(sampled: SampledTable) -> tuple[bytes, str]:
    """(the PDF, its file name): the stored signed copy, or the unsigned sheet rendered now."""
    paper = paper_of(sampled)
    if paper.signature is not None:
        return stored_review_pdf(paper.signature), paper.filename
    return render_review_pdf(paper), paper.filename
