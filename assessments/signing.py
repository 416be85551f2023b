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


def _flatten(snapshot):
    """(label, value) for every cell of a snapshot, in the order of the printed table."""
    from .rules import FUND_COLUMN_LABELS, FUND_COLUMNS, FUND_LINE_LABELS, FUND_LINES

    cells = {}
    for key, label in FIELD_LABELS.items():
        cells[key] = (label, snapshot.get(key))
    for line in FUND_LINES:
        for column in FUND_COLUMNS:
            cells[f"funds.{line}.{column}"] = (
                f"{FUND_LINE_LABELS[line]} · {FUND_COLUMN_LABELS[column]}",
                (snapshot.get("funds") or {}).get(line, {}).get(column),
            )
    for index, row in enumerate(snapshot.get("indicators") or []):
        for key, label in INDICATOR_LABELS.items():
            cells[f"indicators[{index}].{key}"] = (
                f"第 {index + 1} 行指标 · {label}",
                row.get(key),
            )
    return cells


@dataclass
class CellChange:
    where: str
    label: str
    before: object
    after: object


def diff_snapshots(before, after):
    """Cell-by-cell differences between two snapshots (rows compared by their position)."""
    old, new = _flatten(before or {}), _flatten(after or {})
    changes = []
    for where in list(old) + [key for key in new if key not in old]:
        label = (new.get(where) or old.get(where))[0]
        before_value = old.get(where, (label, None))[1]
        after_value = new.get(where, (label, None))[1]
        if before_value != after_value:
            changes.append(CellChange(where, label, before_value, after_value))
    return changes
