"""The remarks printed under a table: targets never approved, a budget changed from the
approved one, approved adjustments.

They are read from the interchange record (the signed snapshot of a signed table, the
current content otherwise), so a signed table prints the remarks it was signed with.
"""

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from .. import kinds
from ..rules.wording import clause, sentence

# A change of the goal names it (“预期目标”) and says no more.
FIELD_NAMES = {"target": "年度指标值", "weight": "分值", "goal": ""}
MID_YEAR = "年中追加：本项目于年度中追加，其绩效目标按同样的程序审核批准。"
UNAPPROVED = "目标未经审批：本表的年度指标值和分值未经绩效目标表审批。"


def adjustment_note(item: Mapping[str, Any]) -> str:
    """目标调整：“…”年度指标值原为 X，调整为 Y，理由：…，于 日期 批准。"""
    parts = []
    for change in item.get("changes") or []:
        what = FIELD_NAMES.get(change.get("field"), change.get("field"))
        parts.append(
            f"“{change.get('name')}”{what}原为 {change.get('old') or '（空）'}，"
            f"调整为 {change.get('new') or '（空）'}"
        )
    decided = item.get("decided_at")
    when = datetime.fromisoformat(decided).strftime("%Y-%m-%d") if decided else ""
    reason = clause(item.get("reason")) or "（未填写）"
    return sentence(f"目标调整：{'；'.join(parts)}，理由：{reason}，于 {when} 批准")


def budget_note(record: Mapping[str, Any]) -> str | None:
    """全年预算数 that differs from the approved target table's, with both figures."""
    approved = (record.get("targets") or {}).get("approved_budget")
    if approved is None:
        return None
    total = ((record.get("funds") or {}).get("total") or {}).get("full_year_budget")
    unit = record.get("money_unit") or "元"
    stated = f"{_amount(total)} {unit}" if total is not None else "未填写"
    return sentence(
        f"全年预算数调整：已批准的绩效目标表为 {_amount(approved)} {unit}，本表为 {stated}"
    )


def _amount(text: str) -> str:
    return format(Decimal(text), ",f")


def remarks_of(record: Mapping[str, Any]) -> list[str]:
    """The remarks of one table's record, in print order."""
    kind = record.get("kind", kinds.DEFAULT)
    if not kinds.is_known(kind) or kinds.get(kind).starts_from is None:
        # Only a table that starts from approved targets says whether they were approved.
        return [MID_YEAR] if record.get("mid_year") else []
    remarks = [] if record.get("targets") else [UNAPPROVED]
    if note := budget_note(record):
        remarks.append(note)
    remarks += [adjustment_note(item) for item in record.get("adjustments") or []]
    return remarks
