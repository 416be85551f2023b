"""Signatures bound to content: a canonical snapshot, its SHA-256 and an SM2 signature.

The SM2 signature covers the snapshot (trust.snapshot: what a signature covers, by version)
and what places it: the table's id, the signer and the signing time, so that a signature row
cannot be moved to another table or backdated. A row without a key counts only when the
cut-over to keyed signing recorded it (LegacySignature): it is 旧版签发（仅摘要）, never plainly
valid.
"""

import difflib
import functools
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, cast

from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.utils import timezone

from ..kinds.address import CellAddress
from ..models import (
    Assessment,
    AssessmentEvent,
    Indicator,
    LegacySignature,
    Signature,
    SigningKey,
)
from ..prepared import Prepared
from ..rules import (
    FUND_COLUMN_LABELS,
    FUND_COLUMNS,
    FUND_LINE_LABELS,
    FUND_LINES,
    QUALITATIVE_GRADE_LABELS,
)
from . import keys
from . import snapshot as signed_snapshot

# A snapshot as JSON: a signature's (trust.snapshot), or a log entry's stored content.
Snapshot = dict[str, Any]


def canonical_snapshot(
    assessment: Assessment, indicators: Iterable[Indicator] | None = None
) -> Snapshot:
    """Every stored figure and text of the table (the status is not content): what the log
    keeps at a submission or return, and what a signature's content is compared with."""
    return signed_snapshot.record_of(assessment, None if indicators is None else list(indicators))


def signed_content(signature: Signature) -> Snapshot | None:
    """The stored content a signature covers, without what its version adds (computed figures,
    names); None when no version reads its snapshot."""
    try:
        return signed_snapshot.read(signature.snapshot).record
    except signed_snapshot.SnapshotError:
        return None


def matches_current(signature: Signature, current: Snapshot) -> bool:
    """Whether the table's current content is the content the signature covers."""
    content = signed_content(signature)
    return content is not None and content_hash(content) == content_hash(current)


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
    signed_at = timezone.now()
    snapshot = signed_snapshot.build(assessment, indicators, signed_by=by, signed_at=signed_at)
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
        version=signed_snapshot.CURRENT_VERSION,
    )


class SignatureState(StrEnum):
    VALID = "valid"
    # Stored before keys were introduced and recorded so by the cut-over (LegacySignature):
    # only its hash can be checked. Shown as 旧版签发（仅摘要）, never as plainly valid.
    HASH_ONLY = "hash_only"
    FORGED = "forged"
    UNCHECKED = "unchecked"  # the server has no key file


def is_legacy(signature: Signature) -> bool:
    """Whether the cut-over recorded this row, with this content hash, as signed before keys,
    and the row still comes before every keyed one (as the cut-over chose them): a row put on
    the list later, past the triggers, is not."""
    listed = LegacySignature.objects.filter(
        signature_id=signature.pk, content_hash=signature.content_hash
    ).exists()
    if not listed:
        return False
    first_keyed = (
        Signature.objects.filter(key__isnull=False)
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )
    return first_keyed is None or signature.pk < first_keyed


def examine(signature: Signature) -> tuple[SignatureState, str]:
    """The state of a signature row and, unless valid, why (for the operator)."""
    stored = signature.snapshot
    if not isinstance(stored, dict) or content_hash(stored) != signature.content_hash:
        return SignatureState.FORGED, "签发内容与记录的内容摘要不符"
    try:
        version = signed_snapshot.version_of(stored)
    except signed_snapshot.SnapshotError as error:
        return SignatureState.FORGED, str(error)
    if version != signature.version:
        return SignatureState.FORGED, "签发内容的版本与签发记录不符"
    if signature.key_id is None and not signature.value:
        if version == signed_snapshot.FIRST_VERSION and is_legacy(signature):
            return SignatureState.HASH_ONLY, "启用数字签名前签发，仅核对内容摘要"
        return SignatureState.FORGED, "没有 SM2 签名，也不是启用数字签名前的签发记录"
    try:
        trusted = keys.load_key_file().trusted
    except keys.SigningKeyMissing:
        return SignatureState.UNCHECKED, "服务器没有签名密钥文件，无法核验 SM2 签名"
    key = signature.key
    if key is None:
        return SignatureState.FORGED, "签名值没有对应的签名公钥"
    try:
        public_key = bytes.fromhex(key.public_key)
    except ValueError:
        return SignatureState.FORGED, "签名公钥无法读取"
    if public_key not in trusted or keys.fingerprint(public_key) != key.fingerprint:
        return SignatureState.FORGED, "签名公钥不是密钥文件信任的公钥"
    message = signed_message(
        assessment_id=signature.assessment_id,
        signed_by_id=signature.signed_by_id,
        signed_at=signature.signed_at,
        snapshot=stored,
    )
    if not keys.verify(message, signature.value, public_key):
        return SignatureState.FORGED, "SM2 签名无效"
    return SignatureState.VALID, ""


def check_signature(signature: Signature) -> SignatureState:
    """Whether the stored row is what was signed: its hash, its snapshot's version, and its
    SM2 signature by a key the key file trusts (or its place on the cut-over's list)."""
    return examine(signature)[0]


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


def _events(assessment_id: int) -> QuerySet[AssessmentEvent]:
    return AssessmentEvent.objects.filter(assessment_id=assessment_id).select_related("actor")


def _signatures(assessment_id: int) -> QuerySet[Signature]:
    return Signature.objects.filter(assessment_id=assessment_id).select_related(
        "signed_by", "voided_by", "key"
    )


# The log and the signatures of the table on its page, compiled once (prepared).
_EVENTS = Prepared(lambda assessment_id: _events(assessment_id).order_by("created_at", "pk"))
_SIGNATURES = Prepared(_signatures)


def history_of(assessment: Assessment, indicators: Iterable[Indicator] | None = None) -> History:
    # The table as it stands, read only where a signature or a return is compared with it.
    current = functools.cache(lambda: canonical_snapshot(assessment, indicators))
    events = _EVENTS(assessment.pk)
    signatures = _SIGNATURES(assessment.pk)
    for row in (*events, *signatures):
        row.assessment = assessment  # as read through the table
    valid = next((s for s in signatures if s.is_valid), None)
    voided = [s for s in signatures if not s.is_valid]
    history = History(
        events=events,
        signature=valid,
        signature_matches=valid is not None and matches_current(valid, current()),
        voided=voided,
        signature_state=check_signature(valid) if valid else None,
    )
    if valid:
        history.comparisons.append(
            ("与签发版本相比", valid, diff_snapshots(signed_content(valid), current()))
        )
    elif voided:
        history.comparisons.append(
            (
                "自上次签发以来的修改",
                voided[-1],
                diff_snapshots(signed_content(voided[-1]), current()),
            )
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
            ("自退回以来的修改", last_return, diff_snapshots(last_return.snapshot, current()))
        )
    return history
