"""The bureau's 复核表 signed like a table: a snapshot of the sheet, its SHA-256, an SM2
signature by the key file's key; checked the same way (trust.signing.examine's rules).

The snapshot (version 1 of the sheet) is what the 复核表 prints: the reviewed table (its
project, unit, kind and the content hash of the signature reviewed), the sample's bureau,
year and margin, each row's self score beside its 复核 score and reason, 自评总分 and 等级
beside 复核总分 and 复核等级, the 复核意见 and the reviewer's name and date. It names its
kind (`kinds.review`), so /verify/ calls it a 复核表. The signature places it: the 复核's id,
the signer and the time, so it cannot be moved to another 复核 or backdated.
"""

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone

from .. import kinds, rules
from ..formats import chinese_date, display_name
from ..kinds.review import ReviewSheet
from ..models import ReviewScore, ReviewSignature, SampledTable
from . import keys, signing
from .copies import signed_evaluation
from .signing import SignatureState

VERSION = 1
VERSION_KEY = "sheet_version"
MESSAGE_PREFIX = b"jixiao-review-signature/1\n"
SHEET = kinds.signed(ReviewSheet.name)

Snapshot = dict[str, Any]


def _text(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


def unsigned_sheet(sampled: SampledTable) -> Snapshot:
    """The 复核表 as it stands, before it is signed (its 复核 scores blank until saved)."""
    review = ReviewScore.objects.filter(sampled=sampled).first()
    return sheet_of(sampled, review, signed_by=None, signed_at=timezone.now())


def sheet_of(
    sampled: SampledTable,
    review: ReviewScore | None,
    *,
    signed_by: User | None,
    signed_at: datetime,
) -> Snapshot:
    """The 复核表 as it is now: what a signature taken now covers (also the unsigned copy)."""
    sample = sampled.sample
    reviewed = sampled.signature
    table, _, evaluation = signed_evaluation(reviewed)
    by_position = {row.position: row for row in review.indicators.all()} if review else {}
    rows: list[dict[str, Any]] = [
        {
            "position": 0,
            "level1": "预算执行",
            "level2": "",
            "name": "预算执行率",
            "target": "",
            "actual": rules.format_percent(evaluation.execution_rate),
            "weight": _text(table.budget_weight),
            "self_score": _text(evaluation.budget_score),
            "review_score": _text(review.budget_score) if review else None,
            "remark": review.budget_remark if review else "",
        }
    ]
    for position, row in enumerate(reviewed.snapshot.get("indicators", []), start=1):
        mine = by_position.get(position)
        rows.append(
            {
                "position": position,
                "level1": row.get("level1", ""),
                "level2": row.get("level2", ""),
                "name": row.get("name", ""),
                "target": row.get("target", ""),
                "actual": row.get("actual", ""),
                "weight": row.get("weight"),
                "self_score": row.get("score"),
                "review_score": _text(mine.score) if mine else None,
                "remark": mine.remark if mine else "",
            }
        )
    for row in rows:
        self_score, review_score = row["self_score"], row["review_score"]
        row["changed"] = (
            self_score is not None
            and review_score is not None
            and Decimal(str(self_score)) != Decimal(str(review_score))
        )
    rule_set = rules.get_rule_set(sample.year.rule_set)
    return {
        "kind": SHEET.name,
        VERSION_KEY: VERSION,
        "bureau": sample.bureau.name,
        "year": sample.year.year,
        "sample": sample.pk,
        "margin": _text(sample.margin),
        "project": table.subject,
        "unit": table.unit.name,
        "department": table.department_name,
        "reviewed": {
            "assessment": sampled.assessment_id,
            "signature": reviewed.pk,
            "content_hash": reviewed.content_hash,
            "kind": reviewed.snapshot.get("kind", kinds.DEFAULT),
        },
        "rows": rows,
        "self_total": _text(evaluation.total_score),
        "self_grade": evaluation.grade,
        "review_total": _text(review.total_score) if review else None,
        "review_grade": rules.grade_for(review.total_score, rule_set) if review else "",
        "remark": review.remark if review else "",
        "reviewer": None
        if signed_by is None
        else {"name": display_name(signed_by), "date": chinese_date(signed_at)},
    }


def signed_message(
    *, review_id: int, signed_by_id: int, signed_at: datetime, snapshot: Snapshot
) -> bytes:
    """The bytes the SM2 signature of a 复核表 covers."""
    place = {
        "review": review_id,
        "content_hash": signing.content_hash(snapshot),
        "signed_at": signed_at.astimezone(UTC).isoformat(),
        "signed_by": signed_by_id,
    }
    return (
        MESSAGE_PREFIX + signing.canonical_bytes(place) + b"\n" + signing.canonical_bytes(snapshot)
    )


def sign(review: ReviewScore, *, by: User) -> ReviewSignature:
    """Store the signature of the 复核 as it is now; the caller holds the transaction.
    Raises keys.SigningKeyMissing when the server has no key file."""
    key_file, key_row = signing.current_key()
    signed_at = timezone.now()
    snapshot = sheet_of(review.sampled, review, signed_by=by, signed_at=signed_at)
    message = signed_message(
        review_id=review.pk, signed_by_id=by.pk, signed_at=signed_at, snapshot=snapshot
    )
    return ReviewSignature.objects.create(
        review=review,
        snapshot=snapshot,
        content_hash=signing.content_hash(snapshot),
        signed_by=by,
        signed_at=signed_at,
        key=key_row,
        value=keys.sign(message, key_file),
        version=VERSION,
    )


def examine(signature: ReviewSignature) -> tuple[SignatureState, str]:
    """The state of a 复核表's signature and, unless valid, why (for the operator)."""
    stored = signature.snapshot
    if not isinstance(stored, Mapping) or signing.content_hash(dict(stored)) != (
        signature.content_hash
    ):
        return SignatureState.FORGED, "签发内容与记录的内容摘要不符"
    if stored.get(VERSION_KEY) != signature.version or signature.version != VERSION:
        return SignatureState.FORGED, "签发内容的版本与签发记录不符"
    if stored.get("kind") != SHEET.name:
        return SignatureState.FORGED, "签发内容不是复核表"
    try:
        trusted = keys.load_key_file().trusted
    except keys.SigningKeyMissing:
        return SignatureState.UNCHECKED, "服务器没有签名密钥文件，无法核验 SM2 签名"
    try:
        public_key = bytes.fromhex(signature.key.public_key)
    except ValueError:
        return SignatureState.FORGED, "签名公钥无法读取"
    if public_key not in trusted or keys.fingerprint(public_key) != signature.key.fingerprint:
        return SignatureState.FORGED, "签名公钥不是密钥文件信任的公钥"
    message = signed_message(
        review_id=signature.review_id,
        signed_by_id=signature.signed_by_id,
        signed_at=signature.signed_at,
        snapshot=dict(stored),
    )
    if not keys.verify(message, signature.value, public_key):
        return SignatureState.FORGED, "SM2 签名无效"
    return SignatureState.VALID, ""


def check_signature(signature: ReviewSignature) -> SignatureState:
    return examine(signature)[0]


def matches_current(signature: ReviewSignature) -> bool:
    """Whether the 复核 still holds what was signed (the reviewer's name and date aside)."""
    review = signature.review
    now = sheet_of(review.sampled, review, signed_by=None, signed_at=signature.signed_at)
    signed = {**signature.snapshot, "reviewer": None}
    return signing.content_hash(now) == signing.content_hash(signed)
