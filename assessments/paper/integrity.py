"""Re-checking every signature and every stored signed PDF, e.g. after a restore."""

import hashlib
from dataclasses import dataclass, field

from ..models import Assessment, Signature
from .signing import canonical_snapshot, content_hash


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
    mismatches: list[Mismatch] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.mismatches


def file_sha256(signature: Signature) -> str | None:
    """The stored file's SHA-256, or None when the storage no longer has it."""
    storage = signature.pdf.storage
    name = signature.pdf.name
    if not name or not storage.exists(name):
        return None
    digest = hashlib.sha256()
    with storage.open(name, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()


def check_signature(signature: Signature, report: IntegrityReport) -> None:
    """The snapshot against its hash, a standing signature against the table, the PDF file."""
    assessment = signature.assessment

    def mismatch(problem: str) -> None:
        report.mismatches.append(Mismatch(signature.pk, str(assessment), problem))

    report.signatures += 1
    if content_hash(signature.snapshot) != signature.content_hash:
        mismatch("签发内容与记录的内容摘要不符")
    standing = signature.voided_at is None and assessment.status == Assessment.Status.SIGNED_OFF
    if standing and content_hash(canonical_snapshot(assessment)) != signature.content_hash:
        mismatch("自评表当前内容与签发内容不符")
    if signature.pdf:
        report.pdfs += 1
        stored = file_sha256(signature)
        if stored is None:
            mismatch(f"签发版 PDF 文件缺失：{signature.pdf.name}")
        elif not signature.pdf_sha256:
            report.pdfs_without_hash += 1
        elif stored != signature.pdf_sha256:
            mismatch(f"签发版 PDF 与记录的文件摘要不符：{signature.pdf.name}")


def verify_signatures() -> IntegrityReport:
    report = IntegrityReport()
    signatures = Signature.objects.select_related(
        "assessment__project__unit", "assessment__year"
    ).prefetch_related("assessment__indicators")
    for signature in signatures.order_by("pk"):
        check_signature(signature, report)
    return report
