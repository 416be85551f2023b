"""What a signature covers: the signed snapshot of a table, in numbered versions.

The snapshot is JSON: its SHA-256 is the content hash printed on the signed copy, and the SM2
signature covers it (trust.signing). Each signature row stores the version its snapshot was
built under (`Signature.version`), and a snapshot of version 2 or later also names its version
inside, so that the hash covers it. A signature keeps verifying under its own version: the
readers below read every version ever signed.

Version 1 (every signature until snapshots were versioned): the table's interchange record
(`interchange.assessment_record`) without its status: every stored figure and text, and the
print settings, kind, approved targets and adjustments where the table has them. A copy
signed under it prints the computed figures as the rules compute them and the 填报人 of the
log.

Version 2: the record of version 1, and beside it `snapshot_version` (2) and `printed`: the
computed figures the copy prints (执行率, 预算执行得分, 指标得分, 总分, 等级) as they were at
signing, and the names and dates printed under the table (填报人, 审核人). A copy signed under
it prints from the snapshot alone: a later change of the rules or of a person's name does not
change it.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, TypedDict

from django.contrib.auth.models import User

from .. import rules
from ..formats import chinese_date, display_name
from ..interchange import assessment_record
from ..models import Assessment, AssessmentEvent, Indicator

FIRST_VERSION = 1
CURRENT_VERSION = 2
VERSION_KEY = "snapshot_version"
PRINTED_KEY = "printed"

# A snapshot as stored (Signature.snapshot): JSON, keys sorted when hashed.
Snapshot = dict[str, Any]
# The table's stored content in interchange form (without status): version 1's whole snapshot.
Record = dict[str, Any]


class PrintedPerson(TypedDict):
    name: str
    date: str  # as printed: 2023年3月1日


class Printed(TypedDict):
    """What a copy prints that the record does not hold: computed figures and names."""

    execution_rate: str | None  # in per cent, e.g. "94.48"; None when nothing was budgeted
    budget_score: str
    indicator_score: str
    total_score: str
    grade: str  # "" for a target table
    preparer: PrintedPerson | None
    reviewer: PrintedPerson | None


PRINTED_FIGURES = ("execution_rate", "budget_score", "indicator_score", "total_score", "grade")


class SnapshotError(ValueError):
    """A snapshot that no version reads; the message is for the user."""


@dataclass(frozen=True)
class SignedContent:
    """A snapshot read under its version."""

    version: int
    record: Record
    printed: Printed | None  # None: version 1, whose copy computes figures and reads the log

    @property
    def figures(self) -> "SignedFigures | None":
        """The printed figures as values; None for version 1 (the rules compute them)."""
        printed = self.printed
        if printed is None:
            return None
        rate = printed["execution_rate"]
        return SignedFigures(
            execution_rate=None if rate is None else Decimal(rate),
            budget_score=Decimal(printed["budget_score"]),
            indicator_score=Decimal(printed["indicator_score"]),
            total_score=Decimal(printed["total_score"]),
            grade=printed["grade"],
        )


@dataclass(frozen=True)
class SignedFigures:
    """The computed figures a copy of version 2 or later prints, as they were at signing."""

    execution_rate: Decimal | None
    budget_score: Decimal
    indicator_score: Decimal
    total_score: Decimal
    grade: str


def _text(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


def record_of(assessment: Assessment, indicators: Sequence[Indicator] | None = None) -> Record:
    """Every stored figure and text of the table, as every version of the snapshot holds it."""
    record = assessment_record(assessment, indicators)
    del record["status"]
    return record


def preparer_of(assessment: Assessment, signed_at: datetime) -> PrintedPerson | None:
    """The 填报人: who last submitted the table before it was signed, and when."""
    submission = (
        AssessmentEvent.objects.filter(
            assessment_id=assessment.pk,
            action=AssessmentEvent.Action.SUBMIT,
            created_at__lte=signed_at,
        )
        .select_related("actor")
        .order_by("-created_at", "-pk")
        .first()
    )
    if submission is None or submission.actor is None:
        return None
    return {"name": display_name(submission.actor), "date": chinese_date(submission.created_at)}


def printed_of(
    assessment: Assessment,
    indicators: Sequence[Indicator],
    *,
    signed_by: User | None,
    signed_at: datetime,
) -> Printed:
    evaluation = rules.evaluate(assessment.rules_input(list(indicators)))
    reviewer: PrintedPerson | None = None
    if signed_by is not None:
        reviewer = {"name": display_name(signed_by), "date": chinese_date(signed_at)}
    return {
        "execution_rate": _text(evaluation.execution_rate),
        "budget_score": format(evaluation.budget_score, "f"),
        "indicator_score": format(evaluation.indicator_score, "f"),
        "total_score": format(evaluation.total_score, "f"),
        "grade": evaluation.grade,
        "preparer": preparer_of(assessment, signed_at) if assessment.pk else None,
        "reviewer": reviewer,
    }


def build(
    assessment: Assessment,
    indicators: Sequence[Indicator] | None = None,
    *,
    signed_by: User | None,
    signed_at: datetime,
) -> Snapshot:
    """The snapshot of the current version: what a signature taken now covers."""
    if indicators is None:
        indicators = list(assessment.indicators.all())
    record = record_of(assessment, indicators)
    printed = printed_of(assessment, indicators, signed_by=signed_by, signed_at=signed_at)
    return {**record, VERSION_KEY: CURRENT_VERSION, PRINTED_KEY: printed}


def version_of(snapshot: object) -> int:
    """The version a stored snapshot was built under (no version key: version 1)."""
    if not isinstance(snapshot, Mapping):
        raise SnapshotError("签发内容不是一个对象。")
    version = snapshot.get(VERSION_KEY, FIRST_VERSION)
    if type(version) is not int or version not in READERS:
        raise SnapshotError(f"签发内容的版本无法识别：{version!r}。")
    return version


def read(snapshot: object) -> SignedContent:
    """A stored snapshot read under its own version."""
    version = version_of(snapshot)
    assert isinstance(snapshot, Mapping)  # version_of refuses anything else
    return READERS[version](snapshot)


def _read_version_1(snapshot: Mapping[str, Any]) -> SignedContent:
    if PRINTED_KEY in snapshot:
        raise SnapshotError("第 1 版签发内容不含打印数字。")
    return SignedContent(FIRST_VERSION, dict(snapshot), None)


def _person(value: object, label: str) -> PrintedPerson | None:
    if value is None:
        return None
    if (
        not isinstance(value, Mapping)
        or set(value) != {"name", "date"}
        or not all(isinstance(value[key], str) for key in ("name", "date"))
    ):
        raise SnapshotError(f"签发内容中的{label}无法读取。")
    return {"name": value["name"], "date": value["date"]}


def _number(value: object, name: str) -> str:
    if isinstance(value, str):
        try:
            if Decimal(value).is_finite():
                return value
        except ArithmeticError:
            pass
    raise SnapshotError(f"签发内容中的打印数字 {name} 无法读取。")


def _read_version_2(snapshot: Mapping[str, Any]) -> SignedContent:
    printed = snapshot.get(PRINTED_KEY)
    expected = {*PRINTED_FIGURES, "preparer", "reviewer"}
    if not isinstance(printed, Mapping) or set(printed) != expected:
        raise SnapshotError("第 2 版签发内容缺少打印数字和签名栏。")
    rate, grade = printed["execution_rate"], printed["grade"]
    if not isinstance(grade, str):
        raise SnapshotError("签发内容中的打印数字 grade 无法读取。")
    record = {k: v for k, v in snapshot.items() if k not in (VERSION_KEY, PRINTED_KEY)}
    return SignedContent(
        2,
        record,
        {
            "execution_rate": None if rate is None else _number(rate, "execution_rate"),
            "budget_score": _number(printed["budget_score"], "budget_score"),
            "indicator_score": _number(printed["indicator_score"], "indicator_score"),
            "total_score": _number(printed["total_score"], "total_score"),
            "grade": grade,
            "preparer": _person(printed["preparer"], "填报人"),
            "reviewer": _person(printed["reviewer"], "审核人"),
        },
    )


READERS: dict[int, Callable[[Mapping[str, Any]], SignedContent]] = {
    FIRST_VERSION: _read_version_1,
    2: _read_version_2,
}
