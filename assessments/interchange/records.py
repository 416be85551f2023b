"""Writing the JSON interchange format of docs/interchange.md: a checked record as model
fields, a stored table as a record (the signed snapshot's content), and the export."""

import json

from django.db.models import F, Q

from .. import kinds, rules
from ..models import Assessment, Indicator
from .reading import FORMAT, VERSION

FUND_FIELDS = [f"{line}_{column}" for line in rules.FUND_LINES for column in rules.FUND_COLUMNS]


def record_fields(record):
    """A checked record as model field values and unsaved Indicator rows."""
    fields = {
        "status": record["status"],
        "department_name": record["department"],
        "money_unit": record["money_unit"],
        "budget_weight": record["budget_weight"],
        "goal": record["goal"],
        "outcome": record["outcome"],
        "print_options": record.get("print") or {},
        "kind": record.get("kind") or kinds.DEFAULT,
        "cells": record.get("cells") or {},
        "mid_year": record.get("mid_year") is True,
    }
    for line in rules.FUND_LINES:
        values = record["funds"][line]
        for column in rules.FUND_COLUMNS:
            fields[f"{line}_{column}"] = getattr(values, column)
    indicators = [
        Indicator(position=position, **row)
        for position, row in enumerate(record["indicators"], start=1)
    ]
    return fields, indicators


# ---------------------------------------------------------------------------
# Writing


def _string(value):
    """A stored decimal as the database holds it: always two decimals."""
    return None if value is None else format(value.quantize(rules.CENT), "f")


def _plain_number(value):
    return None if value is None else format(value.normalize(), "f")


def assessment_record(assessment, indicators=None):
    """Every stored figure and text of one assessment, in interchange form, without `computed`."""
    if indicators is None:
        indicators = list(assessment.indicators.all())
    record = {
        "year": assessment.year.year,
        # A department's own table has no project; its unit is the department itself.
        "project": "" if assessment.of_department else assessment.project.name,
        "department": assessment.department_name,
        "unit": assessment.unit.name,
        "rule_set": assessment.year.rule_set,
        "money_unit": assessment.money_unit,
        "status": assessment.status,
        "funds": {
            line: {
                column: _string(getattr(assessment, f"{line}_{column}"))
                for column in rules.FUND_COLUMNS
            }
            for line in rules.FUND_LINES
        },
        "budget_weight": _string(assessment.budget_weight),
        "goal": assessment.goal,
        "outcome": assessment.outcome,
        "indicators": [
            {
                "level1": row.level1,
                "level2": row.level2,
                "name": row.name,
                "target": row.target,
                "actual": row.actual,
                "grade": row.grade or None,
                "weight": _string(row.weight),
                "score": _string(row.score),
                "reason": row.reason,
            }
            for row in indicators
        ],
    }
    # A row's 评分细则 only where it has one: records signed before rows had it keep their hash.
    for written, row in zip(record["indicators"], indicators, strict=True):
        if row.criteria:
            written["criteria"] = row.criteria
    # Only a table whose print settings were chosen has the key: the snapshots signed before
    # tables had settings keep their content hash. The same holds for the keys of version 2:
    # a target table says so, a self-assessment names the approved targets it started from
    # and carries its approved adjustments; a table without them has no key.
    if assessment.print_options:
        record["print"] = dict(assessment.print_options)
    kind = assessment.table_kind
    # Only a kind with cells of its own has the key, so no record signed before has it; a
    # kind whose cells add to the official columns has it once a cell is filled, so that its
    # tables signed before it declared them keep their hash.
    cells = {
        cell.key: (assessment.cells or {}).get(cell.key, "")
        for cell in kind.table_cells(assessment)
    }
    if cells and (kind.cells_only or any(cells.values())):
        record["cells"] = cells
    if kind.named_in_record:
        record["kind"] = assessment.kind
    if assessment.mid_year:
        record["mid_year"] = True
    # Version 3: a monitoring table names its round.
    if assessment.monitoring_round_id:
        monitoring_round = assessment.monitoring_round
        record["monitoring"] = {
            "scope": monitoring_round.scope.name,
            "cut_off": monitoring_round.cut_off.isoformat(),
            "due": monitoring_round.due.isoformat(),
            "margin": _string(monitoring_round.margin),
        }
    if assessment.targets_source_id:
        record["targets"] = approved_targets_record(assessment)
    if assessment.pk and kind.starts_from is not None:
        adjustments = [a.as_record() for a in assessment.adjustments.approved()]
        if adjustments:
            record["adjustments"] = adjustments
    return record


def approved_targets_record(assessment):
    """Which approved target table a self-assessment started from: its content hash."""
    signature = assessment.targets_source.signatures.valid().first()
    record = {
        "approved": True,
        "content_hash": signature.content_hash if signature else None,
    }
    # The approved 全年预算数 only where the table's differs: unchanged tables keep their hash.
    approved = assessment.approved_budget
    if approved is not None and approved != assessment.total_full_year_budget:
        record["approved_budget"] = _string(approved)
    return record


def export_assessment(assessment):
    indicators = list(assessment.indicators.all())
    evaluation = assessment.evaluate(indicators)
    record = assessment_record(assessment, indicators)
    # A file says every table's kind, and of a self-assessment whether its targets were
    # approved (null: never approved); the signed snapshot leaves the defaults out.
    record.setdefault("kind", assessment.kind)
    if assessment.table_kind.starts_from is not None:
        record.setdefault("targets", None)
    for row, result in zip(record["indicators"], evaluation.indicators, strict=True):
        target, actual = result.target, result.actual
        row["computed"] = {
            "comparator": target.comparator if target else None,
            "target_value": _plain_number(target.number) if target else None,
            "actual_value": _plain_number(actual.number) if actual else None,
            "unit": (target.unit if target else "") or (actual.unit if actual else ""),
            "met": result.met,
            "suggested_score": _string(result.suggested_score),
        }
    record["computed"] = {
        "execution_rate": _string(evaluation.execution_rate),
        "budget_score": _string(evaluation.budget_score),
        "indicator_score": _string(evaluation.indicator_score),
        "total_score": _string(evaluation.total_score),
        "grade": evaluation.grade,
        "findings": [finding.as_dict() for finding in evaluation.findings],
    }
    return record


def export_queryset(year=None, unit=None):
    # A year's project tables, unit by unit, then the departments' own tables.
    queryset = Assessment.objects.with_tree().order_by(
        "year__year", F("organisation__name").asc(nulls_first=True), "project__unit__name", "pk"
    )
    if year is not None:
        queryset = queryset.filter(year__year=year)
    if unit:
        queryset = queryset.filter(Q(project__unit__name=unit) | Q(organisation__name=unit))
    return queryset


def dumps(assessments):
    document = {"format": FORMAT, "version": VERSION, "assessments": assessments}
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
