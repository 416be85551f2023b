"""A signed table read back from its signature alone: checked, parsed under its snapshot's
version, with the figures its copy prints. Paper, the 复核 and the books read signed tables
through here, never from the live rows."""

import datetime
import json
from dataclasses import replace
from typing import Any

from .. import interchange, kinds, rules
from ..models import (
    Assessment,
    Indicator,
    MonitoringRound,
    Organisation,
    Project,
    ReportingYear,
    Signature,
)
from ..rules.wording import sentence
from . import signing
from . import snapshot as signed_snapshot


class SignedCopyError(Exception):
    """A signed copy cannot be produced; the message is for the user."""


def check_signed_copy(signature: Signature) -> None:
    """Refuse a signature row that is not what was signed (or cannot be checked)."""
    state = signing.check_signature(signature)
    if state == signing.SignatureState.FORGED:
        if signing.content_hash(signature.snapshot) != signature.content_hash:
            raise SignedCopyError("签发内容与其摘要不符，不能生成签发版 PDF。")
        raise SignedCopyError(
            "签名无效：签发记录与签发内容不符，不能提供签发版。请联系管理员核查。"
        )
    if state == signing.SignatureState.UNCHECKED:
        raise SignedCopyError("服务器没有签名密钥文件，无法核验签名，暂不能提供签发版。")


def signed_content(signature: Signature) -> signed_snapshot.SignedContent:
    """The checked signature's snapshot, read under its version."""
    check_signed_copy(signature)
    try:
        return signed_snapshot.read(signature.snapshot)
    except signed_snapshot.SnapshotError as error:
        raise SignedCopyError(f"签发内容无法读取：{error}") from None


def assessment_from_record(record: signed_snapshot.Record) -> tuple[Assessment, list[Indicator]]:
    """A signed record as unsaved model instances, read back through the interchange checks."""
    document = {
        "format": interchange.FORMAT,
        "version": interchange.VERSION,
        "assessments": [{**record, "status": Assessment.Status.SIGNED_OFF}],
    }
    records, problems = interchange.parse_document(
        json.dumps(document, ensure_ascii=False), single_line_names=False
    )
    if problems:
        raise SignedCopyError("签发内容无法读取：" + sentence(*problems))
    parsed = records[0]
    fields, indicators = interchange.record_fields(parsed)
    if kinds.get(parsed["kind"]).of_department:
        owner: dict[str, Any] = {
            "organisation": Organisation(name=parsed["unit"], kind=Organisation.Kind.DEPARTMENT)
        }
    else:
        unit = Organisation(name=parsed["unit"], kind=Organisation.Kind.UNIT)
        owner = {"project": Project(name=parsed["project"], unit=unit)}
    assessment = Assessment(
        **owner,
        year=ReportingYear(year=parsed["year"], rule_set=parsed["rule_set"]),
        **fields,
    )
    if monitoring := parsed.get("monitoring"):
        # A monitoring table's round as signed: its 数据截至 and margin give 序时进度.
        assessment.monitoring_round = MonitoringRound(
            scope=Organisation(name=monitoring["scope"]),
            cut_off=datetime.date.fromisoformat(monitoring["cut_off"]),
            due=datetime.date.fromisoformat(monitoring["due"]),
            margin=monitoring["margin"],
        )
    return assessment, indicators


def assessment_from_snapshot(signature: Signature) -> tuple[Assessment, list[Indicator]]:
    """The signed version as unsaved model instances (refused unless the signature stands)."""
    return assessment_from_record(signed_content(signature).record)


def as_signed(
    evaluation: rules.Evaluation, content: signed_snapshot.SignedContent
) -> rules.Evaluation:
    """The evaluation with the figures the snapshot printed when it was signed (version 2 on);
    a snapshot of version 1 holds none: the rules' figures stand."""
    figures = content.figures
    if figures is None:
        return evaluation
    return replace(
        evaluation,
        execution_rate=figures.execution_rate,
        budget_score=figures.budget_score,
        indicator_score=figures.indicator_score,
        total_score=figures.total_score,
        grade=figures.grade,
    )


def signed_evaluation(signature: Signature) -> tuple[Assessment, list[Indicator], rules.Evaluation]:
    """The signed version and the figures its copy prints."""
    content = signed_content(signature)
    assessment, indicators = assessment_from_record(content.record)
    evaluation = assessment.evaluate(indicators)
    return assessment, indicators, as_signed(evaluation, content)
