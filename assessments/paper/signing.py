"""Signatures bound to content: a canonical snapshot, its SHA-256 and an SM2 signature.

The SM2 signature covers the snapshot and what places it: the table's id, the signer and the
signing time, so that a signature row cannot be moved to another table or backdated.
"""

import difflib
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, cast

from django.contrib.auth.models import User
from django.utils import timezone

from ..interchange import assessment_record
from ..kinds.address import CellAddress
from ..models import Assessment, AssessmentEvent, Indicator, Signature, SigningKey
from ..rules import QUALITATIVE_GRADE_LABELS
from . import keys

# The content a signature covers, as JSON: the interchange record without the status.
Snapshot = dict[str, Any]


def canonical_snapshot(
    assessment: Assessment, indicators: Iterable[Indicator] | None = None
) -> Snapshot:
    """Every stored figure and text that the signature covers (the status is not content)."""
    record = assessment_record(assessment, indicators)
    del record["status"]
    return record


def canonical_bytes(snapshot: Snapshot) -> bytes:
    return json.dumps(snapshot, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode(
        "utf-8"
    )


def content_hash(snapshot: Snapshot) -> str:
    return hashlib.sha256(canonical_bytes(snapshot)).hexdigest()


def signed_message(
    *, assessment_id: int, signed_by_id: int | None, signed_at: datetime, snapshot: Snapshot
) -> bytes:
    """The bytes the SM2 signature covers."""
    place = {
        "assessment": assessment_id,
        "content_hash": content_hash(snapshot),
        "signed_at": signed_at.astimezone(UTC).isoformat(),
        "signed_by": signed_by_id,
    }
    return b"jixiao-signature/1\n" + canonical_bytes(place) + b"\n" + canonical_bytes(snapshot)


def current_key() -> tuple[keys.KeyFile, SigningKey]:
    """The key file's key and its database row (registered on first use)."""
    key_file = keys.load_key_file()
    row, _ = SigningKey.objects.get_or_create(
        fingerprint=key_file.fingerprint,
        defaults={
            "algorithm": keys.ALGORITHM,
            "public_key": key_file.public_key.hex(),
            "certificate": key_file.pdf_cert_pem.decode("ascii"),
        },
    )
    return key_file, row


def record_signature(
    assessment: Assessment, *, by: User | None = None, comment: str = ""
) -> Signature:
    """Store the signature of the assessment as it is now; the caller holds the transaction.

    Raises keys.SigningKeyMissing when the server has no key file.
    """
    signature = unsaved_signature(assessment, by=by, comment=comment)
    signature.save()
    return signature


def unsaved_signature(
    assessment: Assessment,
    *,
    by: User | None = None,
    comment: str = "",
    indicators: Sequence[Indicator] | None = None,
) -> Signature:
    """The signature of the assessment as it is now, not yet stored (imports store many at
    once). Raises keys.SigningKeyMissing when the server has no key file."""
    key_file, key_row = current_key()
    snapshot = canonical_snapshot(assessment, indicators)
    signed_at = timezone.now()
    message = signed_message(
        assessment_id=assessment.pk,
        signed_by_id=by.pk if by else None,
        signed_at=signed_at,
        snapshot=snapshot,
    )
    return Signature(
        assessment=assessment,
        snapshot=snapshot,
        content_hash=content_hash(snapshot),
        signed_by=by,
        signed_at=signed_at,
        comment=comment,
        key=key_row,
        value=keys.sign(message, key_file),
    )


class SignatureState(StrEnum):
    VALID = "valid"
    HASH_ONLY = "hash_only"  # signed before keys were introduced: only the hash can be checked
    FORGED = "forged"
    UNCHECKED = "unchecked"  # the server has no key file


def check_signature(signature: Signature) -> SignatureState:
    """Whether the stored row is what was signed: its hash, and its SM2 signature by a key
    the key file trusts."""
    if not isinstance(signature.snapshot, dict):
        return SignatureState.FORGED
    if content_hash(signature.snapshot) != signature.content_hash:
        return SignatureState.FORGED
    if signature.key_id is None and not signature.value:
        return SignatureState.HASH_ONLY
    try:
        trusted = keys.load_key_file().trusted
    except keys.SigningKeyMissing:
        return SignatureState.UNCHECKED
    key = signature.key
    if key is None:
        return SignatureState.FORGED
    try:
        public_key = bytes.fromhex(key.public_key)
    except ValueError:
        return SignatureState.FORGED
    if public_key not in trusted or keys.fingerprint(public_key) != key.fingerprint:
        return SignatureState.FORGED
    message = signed_message(
        assessment_id=signature.assessment_id,
        signed_by_id=signature.signed_by_id,
        signed_at=signature.signed_at,
        snapshot=signature.snapshot,
    )
    if not keys.verify(message, signature.value, public_key):
        return SignatureState.FORGED
    return SignatureState.VALID


FIELD_LABELS = {
    "project": "项目名称",
    "department": "主管部门",
    "unit": "实施单位",
    "year": "年度",
    "rule_set": "规则集",
    "money_unit": "金额单位",
    "budget_weight": "预算执行分值",
    "goal": "预期目标",
    "outcome": "实际完成情况",
}
INDICATOR_LABELS = {
    "level1": "一级指标",
    "level2": "二级指标",
    "name": "三级指标",
    "target": "年度指标值",
    "actual": "实际完成值",
    "grade": "完成等级",
    "weight": "分值",
    "score": "得分",
    "reason": "偏差原因分析及改进措施",
}


def _header_cells(snapshot: Snapshot) -> dict[str, tuple[str, object]]:
    """(label, value) of the header and funds cells of a snapshot, keyed by where they are."""
    from ..rules import FUND_COLUMN_LABELS, FUND_COLUMNS, FUND_LINE_LABELS, FUND_LINES

    cells: dict[str, tuple[str, object]] = {}
    for key, label in FIELD_LABELS.items():
        cells[key] = (label, snapshot.get(key))
    for line in FUND_LINES:
        for column in FUND_COLUMNS:
            cells[f"funds.{line}.{column}"] = (
                f"{FUND_LINE_LABELS[line]} · {FUND_COLUMN_LABELS[column]}",
                (snapshot.get("funds") or {}).get(line, {}).get(column),
            )
    return cells


def _indicator_key(row: Mapping[str, Any]) -> tuple[object, object, object]:
    return (row.get("level1"), row.get("level2"), row.get("name"))


def _paired_rows(
    old_rows: Sequence[Mapping[str, Any]], new_rows: Sequence[Mapping[str, Any]]
) -> list[tuple[int | None, int | None]]:
    """(old index, new index) of the indicator rows, None where a row is only on one side.

    Rows pair up by 一级 · 二级 · 三级 name in order, so that an inserted or deleted row does
    not make every later row look changed; within a run of renamed rows they pair by position.
    """
    matcher = difflib.SequenceMatcher(
        a=[_indicator_key(row) for row in old_rows],
        b=[_indicator_key(row) for row in new_rows],
        autojunk=False,
    )
    pairs: list[tuple[int | None, int | None]] = []
    for _, old_start, old_end, new_start, new_end in matcher.get_opcodes():
        old_indexes = range(old_start, old_end)
        new_indexes = range(new_start, new_end)
        for offset in range(max(len(old_indexes), len(new_indexes))):
            pairs.append(
                (
                    old_indexes[offset] if offset < len(old_indexes) else None,
                    new_indexes[offset] if offset < len(new_indexes) else None,
                )
            )
    return pairs


def _value(value: object, key: str = "") -> object:
    """An empty text is no value: a new row's blank reason is no change. A grade reads as
    the words of the table (达成年度指标…)."""
    if value == "":
        return None
    if key == "grade" and isinstance(value, str):
        return QUALITATIVE_GRADE_LABELS.get(value, value)
    return value


def _row_label(old_index: int | None, new_index: int | None, name: str, label: str) -> str:
    named = f"“{name}”" if name else ""
    if new_index is None:  # a row is on at least one side
        return f"原第 {cast(int, old_index) + 1} 行指标{named}（已删除） · {label}"
    if old_index is None:
        return f"第 {new_index + 1} 行指标{named}（新增） · {label}"
    return f"第 {new_index + 1} 行指标{named} · {label}"


@dataclass
class CellChange:
    where: str
    label: str
    before: object
    after: object


def diff_snapshots(before: Snapshot | None, after: Snapshot | None) -> list[CellChange]:
    """Cell-by-cell differences between two snapshots, in the order of the printed table."""
    before, after = before or {}, after or {}
    changes: list[CellChange] = []
    old, new = _header_cells(before), _header_cells(after)
    for where, (label, before_value) in old.items():
        before_value, after_value = _value(before_value), _value(new[where][1])
        if before_value != after_value:
            changes.append(CellChange(where, label, before_value, after_value))
    old_rows, new_rows = before.get("indicators") or [], after.get("indicators") or []
    for old_index, new_index in _paired_rows(old_rows, new_rows):
        old_row = old_rows[old_index] if old_index is not None else {}
        new_row = new_rows[new_index] if new_index is not None else {}
        # A pair has at least one side.
        index = new_index if new_index is not None else cast(int, old_index)
        name = new_row.get("name") or old_row.get("name") or ""
        for key, label in INDICATOR_LABELS.items():
            before_value = _value(old_row.get(key), key)
            after_value = _value(new_row.get(key), key)
            if before_value != after_value:
                changes.append(
                    CellChange(
                        str(CellAddress.at("indicators", index, key)),
                        _row_label(old_index, new_index, name, label),
                        before_value,
                        after_value,
                    )
                )
    return changes


@dataclass
class History:
    """What the detail page tells of a table's past: its log, its signatures, and what changed
    since the last signing or return."""

    events: list[AssessmentEvent]
    signature: Signature | None
    signature_matches: bool
    voided: list[Signature]
    signature_state: SignatureState | None = None
    # (title, since, changes)
    comparisons: list[tuple[str, Signature | AssessmentEvent, list[CellChange]]] = field(
        default_factory=list
    )
    last_return: AssessmentEvent | None = None
    open_comments: int = 0


def history_of(assessment: Assessment, indicators: Iterable[Indicator] | None = None) -> History:
    current = canonical_snapshot(assessment, indicators)
    events = list(assessment.events.select_related("actor").order_by("created_at", "pk"))
    signatures = list(assessment.signatures.select_related("signed_by", "voided_by", "key"))
    valid = next((s for s in signatures if s.is_valid), None)
    voided = [s for s in signatures if not s.is_valid]
    history = History(
        events=events,
        signature=valid,
        signature_matches=valid is not None and valid.content_hash == content_hash(current),
        voided=voided,
        signature_state=check_signature(valid) if valid else None,
    )
    if valid:
        history.comparisons.append(
            ("与签发版本相比", valid, diff_snapshots(valid.snapshot, current))
        )
    elif voided:
        history.comparisons.append(
            ("自上次签发以来的修改", voided[-1], diff_snapshots(voided[-1].snapshot, current))
        )
    last_return = next(
        (e for e in reversed(events) if e.action == AssessmentEvent.Action.RETURN), None
    )
    history.last_return = last_return
    if last_return is not None:
        history.open_comments = last_return.comments.filter(
            parent__isnull=True, answered_at__isnull=True
        ).count()
    if last_return and assessment.status != Assessment.Status.SIGNED_OFF:
        history.comparisons.append(
            ("自退回以来的修改", last_return, diff_snapshots(last_return.snapshot, current))
        )
    return history
