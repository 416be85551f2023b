"""Tables read from interchange files: all of a file or nothing."""

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction

from .. import kinds, rules
from ..interchange import record_fields
from ..interchange.reading import in_round
from ..models import (
    Assessment,
    AssessmentEvent,
    Indicator,
    MonitoringRound,
    Organisation,
    Project,
    ReportingYear,
    Signature,
)
from ..trust import keys, signing
from . import AssessmentError, log_event, refresh_computed, sign, void_signatures


def store_assessment(
    record: dict[str, Any], *, replace: bool, by: User | None = None, source: str = ""
) -> Assessment:
    """Create or replace one assessment from a validated interchange record.

    The caller holds the transaction; organisations, the year and the project are created
    when they do not exist yet.
    """
    unit, year = _resolve_places(record)
    project = None
    if kinds.get(record["kind"]).of_department:
        owner: dict[str, Any] = {"organisation": unit}
        what = f"“{unit.name}”的{kinds.get(record['kind']).short_label}"
    else:
        project, _ = Project.objects.get_or_create(unit=unit, name=record["project"])
        owner = {"project": project}
        what = f"“{unit.name}”的项目“{project.name}”"
    existing = (
        Assessment.objects.select_for_update(of=("self",))
        .filter(year=year, kind=record["kind"], **owner)
        .filter(**in_round(record))
        .first()
    )
    if existing and not replace:
        raise AssessmentError(f"{year.year} 年度{what}已存在；如需覆盖请使用 --replace。")
    fields, indicators = record_fields(record)
    assessment = existing or Assessment(year=year, **owner)
    assessment.targets_source = _approved_source(project, year, record)
    assessment.monitoring_round = _monitoring_round(record, year, unit)
    from_status = existing.status if existing else ""
    for name, value in fields.items():
        setattr(assessment, name, value)
    assessment.approved_budget = _approved_budget(assessment, record)
    assessment.updated_by = by
    if existing:
        assessment.version += 1
        assessment.indicators.all().delete()
    refresh_computed(assessment, assessment.evaluate(indicators))
    assessment.save()
    for row in indicators:
        row.assessment = assessment
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


def _approved_source(
    project: Project | None, year: ReportingYear, record: dict[str, Any]
) -> Assessment | None:
    """A self-assessment whose file says its targets were approved is linked to the approved
    target table of its project and year, where this system holds one."""
    source = kinds.get(record["kind"]).starts_from
    if source is None or not record.get("targets"):
        return None
    if project is None or project.pk is None:
        return None
    return (
        Assessment.objects.of_kind(source)
        .filter(project=project, year=year, status=Assessment.Status.SIGNED_OFF)
        .first()
    )


def _monitoring_round(
    record: dict[str, Any], year: ReportingYear, unit: Organisation
) -> MonitoringRound | None:
    """A monitoring table's round as the file names it, opened here when it is not yet."""
    monitoring = record.get("monitoring")
    if not monitoring:
        return None
    scope = (
        unit.parent
        if unit.parent and unit.parent.name == monitoring["scope"]
        else Organisation.objects.get(name=monitoring["scope"])
    )
    found, _ = MonitoringRound.objects.get_or_create(
        year=year,
        scope=scope,
        cut_off=datetime.date.fromisoformat(monitoring["cut_off"]),
        defaults={
            "due": datetime.date.fromisoformat(monitoring["due"]),
            "margin": monitoring["margin"],
        },
    )
    return found


def _approved_budget(assessment: Assessment, record: dict[str, Any]) -> Decimal | None:
    """The approved 全年预算数 as the file says it: named where it differs from the table's,
    otherwise the table's own; none where the targets were not approved here."""
    if assessment.targets_source is None:
        return None
    return _approved_budget_in_file(record, assessment.total_full_year_budget)


def _approved_budget_in_file(record: dict[str, Any], budget: Decimal | None) -> Decimal | None:
    targets = record.get("targets")
    if not targets:
        return None
    stated = targets.get("approved_budget")
    return Decimal(stated) if stated is not None else budget


def _resolve_places(
    record: dict[str, Any], cache: dict[tuple[str, Any], Any] | None = None
) -> tuple[Organisation, ReportingYear]:
    """The record's unit and year, created when missing; `cache` spares repeated lookups."""
    cache = {} if cache is None else cache
    department = cache.get(("department", record["department"]))
    if department is None:
        department, _ = Organisation.objects.get_or_create(
            name=record["department"], defaults={"kind": Organisation.Kind.DEPARTMENT}
        )
        cache["department", record["department"]] = department
    unit = cache.get(("unit", record["unit"]))
    if kinds.get(record["kind"]).of_department:
        unit = department  # a department's own table: the department fills it
    if unit is None:
        unit = Organisation.objects.filter(name=record["unit"]).first()
        if unit is None:
            unit = Organisation.objects.create(
                name=record["unit"], kind=Organisation.Kind.UNIT, parent=department
            )
        cache["unit", record["unit"]] = unit
    year = cache.get(("year", record["year"]))
    if year is None:
        year, _ = ReportingYear.objects.get_or_create(
            year=record["year"], defaults={"rule_set": record["rule_set"]}
        )
        cache["year", record["year"]] = year
    return unit, year


@dataclass
class Staged:
    """One record read and scored outside the write transaction, ready to be stored."""

    record: dict[str, Any]
    fields: dict[str, Any]
    indicators: list[Indicator]
    evaluation: rules.Evaluation


def stage(record: dict[str, Any]) -> Staged:
    fields, indicators = record_fields(record)
    # An unsaved year carries the rule set; nothing here touches the database.
    year = ReportingYear(year=record["year"], rule_set=record["rule_set"])
    probe = Assessment(year=year, **fields)
    if monitoring := record.get("monitoring"):
        probe.monitoring_round = MonitoringRound(
            cut_off=datetime.date.fromisoformat(monitoring["cut_off"]), margin=monitoring["margin"]
        )
    probe.approved_budget = _approved_budget_in_file(record, probe.total_full_year_budget)
    return Staged(record, fields, indicators, probe.evaluate(indicators))


def import_records(
    records: Sequence[dict[str, Any]],
    *,
    replace: bool = False,
    by: User | None = None,
    source: str = "",
    progress: Callable[[int, int], object] | None = None,
) -> list[Assessment]:
    """Store every record or none: any refusal rolls the whole file back.

    The slow part, reading and scoring every record, runs first and holds no lock (progress
    counts it record by record); then one transaction writes everything with a few bulk
    inserts, so a file of a thousand tables holds the write lock for a second or two, not a
    minute, and pages and the worker wait no longer than the database's busy timeout.
    """
    staged: list[Staged] = []
    for index, record in enumerate(records):
        staged.append(stage(record))
        if progress:
            progress(index + 1, len(records) + 1)
    with transaction.atomic():
        stored = _switch(staged, replace=replace, by=by, source=source)
    if progress:
        progress(len(records) + 1, len(records) + 1)
    return stored


def _projects_of(
    staged: Sequence[Staged], places: dict[tuple[str, Any], Any]
) -> dict[tuple[str, str], Project]:
    """Every record's project by (unit, name): looked up together, the missing ones created."""
    for item in staged:
        _resolve_places(item.record, places)
    wanted = {
        (item.record["unit"], item.record["project"])
        for item in staged
        if not kinds.get(item.record["kind"]).of_department
    }
    units = {name: places["unit", name] for name, _ in wanted}
    found = {
        (project.unit.name, project.name): project
        for project in Project.objects.filter(unit__in=units.values()).select_related("unit")
        if (project.unit.name, project.name) in wanted
    }
    missing = [Project(unit=units[u], name=n) for u, n in sorted(wanted - set(found))]
    for project in Project.objects.bulk_create(missing):
        found[project.unit.name, project.name] = project
    return found


def _switch(
    staged: Sequence[Staged], *, replace: bool, by: User | None, source: str
) -> list[Assessment]:
    comment = f"从文件导入：{source}" if source else "从文件导入"
    stored: list[Assessment] = []
    new: list[tuple[Assessment, Staged]] = []
    deferred: list[tuple[int, int, dict[str, Any]]] = []
    places: dict[tuple[str, Any], Any] = {}
    projects = _projects_of(staged, places)
    taken = set(
        Assessment.objects.filter(project__in=projects.values()).values_list(
            "project_id", "year__year", "kind"
        )
    )
    departments = {item.record["department"] for item in staged}
    taken_by_departments = set(
        Assessment.objects.filter(organisation__name__in=departments).values_list(
            "organisation__name", "year__year", "kind"
        )
    )
    for index, item in enumerate(staged):
        record = item.record
        year = places["year", record["year"]]
        if kinds.get(record["kind"]).of_department:
            project = None
            owner: dict[str, Any] = {"organisation": places["department", record["department"]]}
            exists = (record["department"], year.year, record["kind"]) in taken_by_departments
        else:
            project = projects[record["unit"], record["project"]]
            owner = {"project": project}
            exists = (project.pk, year.year, record["kind"]) in taken
        if not exists and record.get("monitoring"):
            # A new monitoring table is stored with its round once the tables it starts from
            # (its approved targets) are stored, in the file's order.
            deferred.append((len(stored), index, record))
            continue
        if exists or record.get("monitoring"):
            try:
                stored.append(store_assessment(record, replace=replace, by=by, source=source))
            except AssessmentError as error:
                raise AssessmentError(f"assessments[{index}]：{error}") from None
            continue
        assessment = Assessment(
            **owner,
            year=year,
            updated_by=by,
            targets_source=_approved_source(project, year, record),
            **item.fields,
        )
        assessment.approved_budget = _approved_budget(assessment, record)
        refresh_computed(assessment, item.evaluation)
        new.append((assessment, item))
        stored.append(assessment)
    Assessment.objects.bulk_create([assessment for assessment, _ in new])
    rows = []
    signatures = []
    events = []
    for assessment, item in new:
        for row in item.indicators:
            row.assessment = assessment
            rows.append(row)
        signed = assessment.status == Assessment.Status.SIGNED_OFF
        if signed:
            try:
                signatures.append(
                    signing.unsaved_signature(
                        assessment, by=by, comment="从文件导入", indicators=item.indicators
                    )
                )
            except keys.SigningKeyMissing as error:
                raise AssessmentError(str(error)) from None
        events.append(
            AssessmentEvent(
                assessment=assessment,
                actor=by,
                action=AssessmentEvent.Action.SIGN_OFF if signed else AssessmentEvent.Action.IMPORT,
                to_status=assessment.status,
                comment=comment,
                changes={},
            )
        )
    Indicator.objects.bulk_create(rows, batch_size=500)
    Signature.objects.bulk_create(signatures, batch_size=500)
    AssessmentEvent.objects.bulk_create(events, batch_size=500)
    for place, index, record in deferred:
        try:
            stored.insert(place, store_assessment(record, replace=replace, by=by, source=source))
        except AssessmentError as error:
            raise AssessmentError(f"assessments[{index}]：{error}") from None
    return stored
