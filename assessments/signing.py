"""Signatures bound to content: a canonical snapshot of an assessment and its SHA-256."""

import hashlib
import json
from dataclasses import dataclass

from .interchange import assessment_record
from .models import Signature


def canonical_snapshot(assessment, indicators=None):
    """Every stored figure and text that the signature covers (the status is not content)."""
    record = assessment_record(assessment, indicators)
    del record["status"]
    return record


def canonical_bytes(snapshot):
    return json.dumps(snapshot, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode(
        "utf-8"
    )


def content_hash(snapshot):
    return hashlib.sha256(canonical_bytes(snapshot)).hexdigest()


def record_signature(assessment, *, by=None, comment=""):
    """Store the signature of the assessment as it is now; the caller holds the transaction."""
    snapshot = canonical_snapshot(assessment)
    return Signature.objects.create(
        assessment=assessment,
        snapshot=snapshot,
        content_hash=content_hash(snapshot),
        signed_by=by,
        comment=comment,
    )


@dataclass
class SignatureCheck:
    signature: Signature | None
    current_hash: str

    @property
    def matches(self):
        return self.signature is not None and self.signature.content_hash == self.current_hash


def check_signature(assessment):
    """The valid signature of the assessment, and whether the stored content still matches it."""
    signature = assessment.signatures.filter(voided_at__isnull=True).first()
    return SignatureCheck(signature, content_hash(canonical_snapshot(assessment)))
