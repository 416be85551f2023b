"""Re-checking every signature and every stored signed PDF, e.g. after a restore or nightly.

Each row is checked as the pages check it (trust.signing.examine): its snapshot against its
hash and version, its SM2 signature by a key the key file trusts, or, for a row without a
key, its place on the list the cut-over recorded (reported apart: only its hash was checked).
A standing signature is compared with the table's current content. Each stored PDF is
compared with its recorded SHA-256 and its PAdES signature validated against the key file's
certificate (and those of the rotated keys the key file still trusts). The 复核表's
signatures (trust.review_signing) are checked alike, a standing one against the 复核's scores.
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

from ..models import Assessment, ReviewSignature, Signature, SigningKey
from . import keys, pdf_signature, review_signing
from .signing import SignatureState, canonical_snapshot, examine, matches_current

# A table's signature, or a 复核表's (trust.review_signing): both keep a signed PDF.
Signed = Signature | ReviewSignature


@dataclass
class Mismatch:
    signature_id: int
    assessment: str
    problem: str

    def __str__(self) -> str:
        return f"签发记录 {self.signature_id}（{self.assessment}）：{self.problem}"


@dataclass
class IntegrityReport:
    signatures: int = 0
    pdfs: int = 0
    pdfs_without_hash: int = 0
    hash_only: int = 0  # signed before keys (the cut-over's list): only the hash was checked
    unchecked_signatures: int = 0  # keyed rows, while the server has no key file
    unchecked_pdfs: int = 0  # stored PDFs whose PAdES signature could not be validated
    mismatches: list[Mismatch] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Nothing differs and nothing was left unchecked."""
        return not self.mismatches and not self.unchecked_signatures and not self.unchecked_pdfs


def file_content(signature: Signed) -> bytes | None:
    """The stored file, or None when the storage no longer has it."""
    storage = signature.pdf.storage
    name = signature.pdf.name
    if not name or not storage.exists(name):
        return None
    with storage.open(name, "rb") as handle:
        return handle.read()


def file_sha256(signature: Signed) -> str | None:
    """The stored file's SHA-256, or None when the storage no longer has it."""
    content = file_content(signature)
    return None if content is None else hashlib.sha256(content).hexdigest()


def trusted_pdf_certificates() -> bytes | None:
    """The certificates a stored PDF's signature may chain to: the key file's, and those
    registered with the rotated keys the key file still trusts; None without a key file."""
    try:
        key_file = keys.load_key_file()
    except keys.SigningKeyMissing:
        return None
    certificates = [key_file.pdf_cert_pem]
    for row in SigningKey.objects.exclude(certificate=""):
        try:
            public_key = bytes.fromhex(row.public_key)
        except ValueError:
            continue
        if public_key in key_file.trusted and keys.fingerprint(public_key) == row.fingerprint:
            certificates.append(row.certificate.encode("ascii"))
    return b"".join(certificates)


def pades_problem(content: bytes, certificates: bytes) -> str:
    """Why the file's PAdES signature does not stand, or "" when it does."""
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    try:
        status = pdf_signature.validate_pdf(content, certificates)
    except (ValueError, PdfError) as error:
        return f"签发版 PDF 的签名无法读取（{error}）"
    if not status.intact:
        return "签发版 PDF 签名后被改动过"
    if not status.trusted:
        return "签发版 PDF 不是由本系统的证书签名"
    if not status.bottom_line:
        return "签发版 PDF 的签名无效"
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        return "签发版 PDF 在签名之后追加了内容"
    return ""


def check_signature(
    signature: Signature, report: IntegrityReport, certificates: bytes | None
) -> None:
    """The row as signed, a standing signature against the table, the PDF file."""
    assessment = signature.assessment

    def mismatch(problem: str) -> None:
        report.mismatches.append(Mismatch(signature.pk, str(assessment), problem))

    report.signatures += 1
    state, reason = examine(signature)
    if state == SignatureState.FORGED:
        mismatch(f"签名无效：{reason}")
    elif state == SignatureState.HASH_ONLY:
        report.hash_only += 1
    elif state == SignatureState.UNCHECKED:
        report.unchecked_signatures += 1
    standing = signature.voided_at is None and assessment.status == Assessment.Status.SIGNED_OFF
    if standing and not matches_current(signature, canonical_snapshot(assessment)):
        mismatch("自评表当前内容与签发内容不符")
    check_pdf(signature, report, certificates, mismatch)


def check_pdf(
    signature: Signed,
    report: IntegrityReport,
    certificates: bytes | None,
    mismatch: Callable[[str], None],
) -> None:
    """The stored PDF against its recorded SHA-256 and its PAdES signature."""
    if signature.pdf:
        report.pdfs += 1
        content = file_content(signature)
        if content is None:
            mismatch(f"签发版 PDF 文件缺失：{signature.pdf.name}")
            return
        if not signature.pdf_sha256:
            report.pdfs_without_hash += 1
        elif hashlib.sha256(content).hexdigest() != signature.pdf_sha256:
            mismatch(f"签发版 PDF 与记录的文件摘要不符：{signature.pdf.name}")
            return
        if certificates is None:
            report.unchecked_pdfs += 1
        elif problem := pades_problem(content, certificates):
            mismatch(f"{problem}：{signature.pdf.name}")


def check_review_signature(
    signature: ReviewSignature, report: IntegrityReport, certificates: bytes | None
) -> None:
    """A 复核表's signature as signed, a standing one against the 复核's scores, its PDF."""
    snapshot = signature.snapshot if isinstance(signature.snapshot, dict) else {}
    label = f"{review_signing.SHEET.label} · {snapshot.get('project', '')}"

    def mismatch(problem: str) -> None:
        report.mismatches.append(Mismatch(signature.pk, label, problem))

    report.signatures += 1
    state, reason = review_signing.examine(signature)
    if state == SignatureState.FORGED:
        mismatch(f"签名无效：{reason}")
    elif state == SignatureState.UNCHECKED:
        report.unchecked_signatures += 1
    elif signature.voided_at is None and not review_signing.matches_current(signature):
        mismatch("复核当前的得分与签发内容不符")
    check_pdf(signature, report, certificates, mismatch)


def verify_signatures() -> IntegrityReport:
    report = IntegrityReport()
    certificates = trusted_pdf_certificates()
    signatures = Signature.objects.select_related(
        "assessment__project__unit", "assessment__year", "key"
    ).prefetch_related("assessment__indicators")
    for signature in signatures.order_by("pk"):
        check_signature(signature, report, certificates)
    reviews = ReviewSignature.objects.select_related(
        "key", "review__sampled__sample__bureau", "review__sampled__sample__year"
    )
    for review in reviews.order_by("pk"):
        check_review_signature(review, report, certificates)
    return report
