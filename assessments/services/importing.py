"""Tables read from interchange files: all of a file or nothing."""

from collections.abc import Callable, Sequence
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction

from .. import rules
from ..interchange import record_fields
from ..models import Assessment, AssessmentEvent, Organisation, Project, ReportingYear
from . import AssessmentError, log_event, refresh_computed, sign, void_signatures


def store_assessment(
    record: dict[str, Any], *, replace: bool, by: User | None = None, source: str = ""
) -> Assessment:
    """Create or replace one assessment from a validated interchange record.

    The caller holds the transaction; organisations, the year and the project are created
    when they do not exist yet.
    """
    unit, year, project = _resolve_places(record)
    existing = (
        Assessment.objects.select_for_update(of=("self",))
        .filter(project=project, year=year)
        .first()
    )
    if existing and not replace:
        raise AssessmentError(
            f"{year.year} 年度“{unit.name}”的项目“{project.name}”已存在；如需覆盖请使用 --replace。"
        )
    fields, indicators = record_fields(record)
    assessment = existing or Assessment(project=project, year=year)
    from_status = existing.status if existing else ""
    for name, value in fields.items():
        setattr(assessment, name, value)
    assessment.updated_by = by
    if existing:
        assessment.version += 1
        assessment.indicators.all().delete()
    refresh_computed(assessment, rules.evaluate(assessment.rules_input(indicators)))
    assessment.save()
    for row in indicators:
        row.assessment = assessment
        row.set_parsed_values()
    assessment.indicators.model.objects.bulk_create(indicators)
    signed = assessment.status == Assessment.Status.SIGNED_OFF
    if existing:
        void_signatures(assessment, by=by, reason="导入文件覆盖了内容")
    if signed:
        sign(assessment, by=by, comment="从文件导入")
    log_event(
        assessment,
        AssessmentEvent.Action.SIGN_OFF if signed else AssessmentEvent.Action.IMPORT,
        by=by,
        from_status=from_status,
        to_status=assessment.status,
        comment=f"从文件导入：{source}" if source else "从文件导入",
    )
    return assessment


def _resolve_places(record: dict[str, Any]) -> tuple[Organisation, ReportingYear, Project]:
    department, _ = Organisation.objects.get_or_create(
        name=record["department"], defaults={"kind": Organisation.Kind.DEPARTMENT}
    )
    unit = Organisation.objects.filter(name=record["unit"]).first()
    if unit is None:
        unit = Organisation.objects.create(
            name=record["unit"], kind=Organisation.Kind.UNIT, parent=department
        )
    year, _ = ReportingYear.objects.get_or_create(
        year=record["year"], defaults={"rule_set": record["rule_set"]}
    )
    project, _ = Project.objects.get_or_create(unit=unit, name=record["project"])
    return unit, year, project


@transaction.atomic
def import_records(
    records: Sequence[dict[str, Any]],
    *,
    replace: bool = False,
    by: User | None = None,
    source: str = "",
    progress: Callable[[int, int], object] | None = None,
) -> list[Assessment]:
    """Store every record or none: any refusal rolls the whole file back."""
    stored: list[Assessment] = []
    for index, record in enumerate(records):
        try:
            stored.append(store_assessment(record, replace=replace, by=by, source=source))
        except AssessmentError as error:
            raise AssessmentError(f"assessments[{index}]：{error}") from None
        if progress:
            progress(index + 1, len(records))
    return stored
