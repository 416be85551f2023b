"""Drafts: creating, copying and saving the wizard's steps."""

from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any, cast

from django.contrib.auth.models import User
from django.db import models, transaction
from django.utils import timezone

from .. import deadlines, kinds, permissions, rules
from ..kinds.base import CELLS
from ..models import Assessment, AssessmentEvent, Indicator, Organisation, Project, ReportingYear
from ..paper.official_table import PrintOptions
from ..rules import edits
from . import (
    AssessmentError,
    Changes,
    EditConflict,
    check,
    locked,
    log_event,
    log_in_place,
    refresh_computed,
)

# The self-assessment's steps, by name and title (each kind declares its own).
STEPS = kinds.self_assessment.STEPS
STEP_TITLES = dict(STEPS)


def steps_of(assessment: Assessment) -> tuple[tuple[str, str], ...]:
    return assessment.table_kind.steps


GOAL_LOCKED = (
    "年度总体目标（预期目标）来自已批准的绩效目标表，不能在自评表中直接修改；"
    "如需改变，请提出目标调整，经审核人批准后生效。"
)
TARGETS_LOCKED = (
    "年度指标值、分值和指标结构来自已批准的绩效目标表，不能在自评表中直接修改；"
    "如需改变，请提出目标调整，经审核人批准后生效。"
)


def _refuse_duplicate(project: Project, year: ReportingYear, kind: str) -> None:
    if kinds.get(kind).opened_in_rounds:
        label = kinds.get(kind).short_label
        raise AssessmentError(f"{label}随运行监控批次生成，不能单独新建或复制。")
    if Assessment.objects.filter(project=project, year=year, kind=kind).exists():
        label = kinds.get(kind).short_label
        raise AssessmentError(f"项目“{project.name}”已有 {year.year} 年度的{label}。")


def approved_targets(project: Project | None, year: ReportingYear, kind: str) -> Assessment | None:
    """The project's approved table of the year that a table of `kind` starts from (its
    target table), if its kind starts from one and there is one."""
    source = kinds.get(kind).starts_from
    if source is None or project is None:
        return None
    return (
        Assessment.objects.of_kind(source)
        .filter(project=project, year=year, status=Assessment.Status.SIGNED_OFF)
        .prefetch_related("indicators")
        .first()
    )


def _check_mid_year(year: ReportingYear, kind: str) -> None:
    """年中追加 is a target table of a project added once its year has begun."""
    if not kinds.get(kind).added_mid_year:
        raise AssessmentError("只有绩效目标表可以标为年中追加。")
    if timezone.localdate(deadlines.current_time()).year < year.year:
        raise AssessmentError(f"{year.year} 年度尚未开始，年初申报的目标不是年中追加。")


def _copied_rows(source: Assessment) -> list[Indicator]:
    return [
        Indicator(
            position=row.position,
            level1=row.level1,
            level2=row.level2,
            name=row.name,
            target=row.target,
            weight=row.weight,
            criteria=row.criteria,
        )
        for row in source.indicators.all()
    ]


def _store_new(
    assessment: Assessment,
    rows: list[Indicator],
    *,
    by: User,
    comment: str = "",
    action: str = AssessmentEvent.Action.CREATE,
) -> Assessment:
    refresh_computed(assessment, assessment.evaluate(indicators=rows))
    assessment.save()
    for row in rows:
        row.assessment = assessment
    Indicator.objects.bulk_create(rows)
    log_event(assessment, action, by=by, to_status=assessment.status, comment=comment)
    return assessment


def _from_targets(
    targets: Assessment, kind: str, *, by: User, issued: bool = False, **extra: Any
) -> Assessment:
    """The year's self-assessment from its approved target table: the budget, the goal and
    the tree with its targets and weights; the actuals start empty. `extra` are further
    fields of the new table (a monitoring table's round and cells)."""
    unit = targets.unit
    budget = {
        f"{line}_{column}": getattr(targets, f"{line}_{column}")
        for line in rules.FUND_LINES
        for column in ("initial_budget", "full_year_budget")
    }
    assessment = Assessment(
        project=targets.project,
        year=targets.year,
        kind=kind,
        targets_source=targets,
        approved_budget=targets.total_full_year_budget,
        department_name=cast(Organisation, unit.parent).name,  # units have a department
        money_unit=targets.money_unit,
        budget_weight=targets.budget_weight,
        goal=targets.goal,
        updated_by=None if issued else by,
        **budget,
        **extra,
    )
    action = AssessmentEvent.Action.ISSUE if issued else AssessmentEvent.Action.CREATE
    return _store_new(
        assessment, _copied_rows(targets), by=by, comment="按已批准的绩效目标表生成", action=action
    )


def start_from_targets(targets: Assessment, kind: str, *, by: User, **extra: Any) -> Assessment:
    """A new table of `kind` from an approved target table, without the preparer's checks
    (a monitoring round begins its tables for the units). It is logged as issued (下发), not
    as created, and names no editor: whoever opened the round may still review it."""
    return _from_targets(targets, kind, by=by, issued=True, **extra)


@transaction.atomic
def create_assessment(
    *,
    unit: Organisation,
    year: ReportingYear,
    by: User,
    project: Project | None = None,
    project_name: str = "",
    kind: str = kinds.DEFAULT,
    mid_year: bool = False,
) -> Assessment:
    """A new draft for an existing project of the unit, or for a project created with it.

    A self-assessment of a project whose target table of the year is approved starts from
    that table; without one it starts empty and is marked 目标未经审批. A target table of a
    project added during the year is marked 年中追加 (`mid_year`) and approved the same way.
    """
    check(permissions.can_create_in(by, unit, year))
    if mid_year:
        _check_mid_year(year, kind)
    if kinds.get(kind).of_department:
        return _create_department_table(unit, year, kind, by=by)
    if not unit.is_unit:
        raise AssessmentError("项目的表由实施单位填报。")
    if project is None:
        project_name = project_name.strip()
        if not project_name:
            raise AssessmentError("请选择项目或填写新项目名称。")
        project, _ = Project.objects.get_or_create(unit=unit, name=project_name)
    elif project.unit_id != unit.pk:
        raise AssessmentError("只能为本单位的项目新建自评表。")
    _refuse_duplicate(project, year, kind)
    if targets := approved_targets(project, year, kind):
        return _from_targets(targets, kind, by=by)
    assessment = Assessment(
        project=project,
        year=year,
        kind=kind,
        department_name=cast(Organisation, unit.parent).name,  # units have a department
        budget_weight=rules.get_rule_set(year.rule_set).budget_weight,
        mid_year=mid_year,
        updated_by=by,
    )
    refresh_computed(assessment, assessment.evaluate(indicators=[]))
    assessment.save()
    log_event(assessment, AssessmentEvent.Action.CREATE, by=by, to_status=assessment.status)
    return assessment


def _create_department_table(
    department: Organisation, year: ReportingYear, kind: str, *, by: User
) -> Assessment:
    """A department's own table of the year (its kind belongs to a department)."""
    label = kinds.get(kind).short_label
    if not department.is_department:
        raise AssessmentError(f"{label}由主管部门本部门填报，不属于实施单位。")
    if Assessment.objects.filter(organisation=department, year=year, kind=kind).exists():
        raise AssessmentError(f"“{department.name}”已有 {year.year} 年度的{label}。")
    assessment = Assessment(
        organisation=department,
        year=year,
        kind=kind,
        department_name=department.name,
        budget_weight=rules.get_rule_set(year.rule_set).budget_weight,
        updated_by=by,
    )
    # The kind's own starting rows (the common management indicators of a department).
    rows = [
        Indicator(position=position, **cast(dict[str, Any], row))
        for position, row in enumerate(kinds.get(kind).initial_rows(), start=1)
    ]
    return _store_new(assessment, rows, by=by)


@transaction.atomic
def copy_assessment(source: Assessment, *, year: ReportingYear, by: User) -> Assessment:
    """Next year's draft of the same kind from this one: structure, goal, indicators,
    targets and weights, and the cells its kind marks `copied`. Funds, actuals, scores,
    grades, reasons and the outcome text start empty. A self-assessment whose target table
    of that year is approved starts from it.
    """
    unit = source.unit
    check(permissions.can_create_in(by, unit, year))
    if year.year <= source.year.year:
        raise AssessmentError("只能复制到以后的年度。")
    if source.project is None:
        # A department's own table: the department's next one, from this one's rows.
        if Assessment.objects.filter(organisation=unit, year=year, kind=source.kind).exists():
            raise AssessmentError(f"“{unit.name}”已有 {year.year} 年度的{source.kind_label}。")
        owner: dict[str, Any] = {"organisation": unit, "department_name": unit.name}
    else:
        _refuse_duplicate(source.project, year, source.kind)
        if targets := approved_targets(source.project, year, source.kind):
            return _from_targets(targets, source.kind, by=by)
        # Units have a department.
        owner = {"project": source.project, "department_name": cast(Organisation, unit.parent).name}
    assessment = Assessment(
        **owner,
        year=year,
        kind=source.kind,
        money_unit=source.money_unit,
        budget_weight=source.budget_weight,
        goal=source.goal,
        # The cells the kind carries over (a declaration's leader, period, texts).
        cells={
            cell.key: value
            for cell in source.table_kind.cells
            if cell.copied and (value := (source.cells or {}).get(cell.key))
        },
        updated_by=by,
    )
    return _store_new(
        assessment, _copied_rows(source), by=by, comment=f"复制自 {source.year.year} 年度"
    )


def _plain(value: object, name: str = "") -> object:
    """A value as the log keeps it: amounts as text, a grade in the words of the table."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if name == "grade" and isinstance(value, str) and value:
        return rules.QUALITATIVE_GRADE_LABELS.get(value, value)
    return value


ROW_FIELDS_TARGETS = ("level1", "level2", "name", "target", "weight", "criteria")
# A row posted without these keeps what it has (评分细则 is asked for by some rule sets only).
OPTIONAL_ROW_FIELDS = ("criteria",)
ROW_FIELDS_ACTUALS = ("actual", "grade", "score", "reason")


def _same(old: object, new: object) -> bool:
    """Unchanged, also where a text stored before texts were cleaned differs only in its
    line breaks: it stays as stored, so the signed content and the log do not change."""
    if old == new:
        return True
    return isinstance(old, str) and isinstance(new, str) and rules.clean_text(old) == new


@transaction.atomic
def save_draft(
    assessment_id: int,
    *,
    by: User,
    base_version: int,
    step: str,
    fields: Mapping[str, object] | None = None,
    rows: Sequence[Mapping[str, Any]] | None = None,
    row_fields: tuple[str, ...] = (),
    cells: Mapping[str, str] | None = None,
    resume_at: str | None = None,
    comment: str = "",
) -> Assessment:
    """Save one wizard step: all of it or nothing.

    `fields` are assessment fields; 年度资金总额 is not one of them: in each column where an
    amount of a line is saved, the save stores the sum of the lines (rules.edits).
    `rows` are indicator rows as dicts. With row_fields of the
    targets step, `rows` is the whole list in its new order (rows left out are removed, rows
    without an id are added); otherwise each dict updates the row with its id. `resume_at` is
    the step the preparer goes on to, where she comes back after a break. `comment` says
    where the values came from (an uploaded file) in the log; by default the step's title.
    """
    assessment = (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("project__unit", "organisation", "year", "updated_by")
        .get(pk=assessment_id)
    )
    allowed, reason = permissions.can_edit(by, assessment)
    if not allowed:
        raise AssessmentError(reason)
    if assessment.version != base_version:
        who = assessment.updated_by
        name = (who.get_full_name() or who.username) if who else "他人"
        when = timezone.localtime(assessment.updated_at).strftime("%Y-%m-%d %H:%M")
        raise EditConflict(
            f"保存失败：{name} 已于 {when} 修改了这张自评表，您看到的是修改前的内容。"
            "您的修改没有保存；请重新打开此步骤，核对后再填写。"
        )
    changes: Changes = {}
    fields = dict(fields or {})
    for name, value in fields.items():
        if name in edits.TOTAL_FIELDS:
            raise ValueError("年度资金总额 is derived by the save, never passed in")
        if name == "goal" and assessment.targets_locked and not _same(assessment.goal, value):
            raise AssessmentError(GOAL_LOCKED)
        _change(assessment, name, value, changes)
    lines = {line: assessment.fund(line) for line in rules.FUND_LINES}
    for name, value in edits.derived_totals(lines, list(fields)).items():
        _change(assessment, name, value, changes)
    if cells:
        _update_cells(assessment, cells, changes)
    indicators = list(assessment.indicators.all())
    if rows is not None:
        if row_fields == ROW_FIELDS_TARGETS and assessment.targets_locked:
            _refuse_target_changes(indicators, rows)
        elif row_fields == ROW_FIELDS_TARGETS:
            indicators = _replace_rows(assessment, indicators, rows, changes)
        else:
            _update_rows(indicators, rows, row_fields, changes)
    assessment.version += 1
    assessment.updated_by = by
    assessment.last_step = resume_at or step
    refresh_computed(assessment, assessment.evaluate(indicators))
    assessment.save()
    if changes:
        log_in_place(
            assessment,
            AssessmentEvent.Action.EDIT,
            by=by,
            comment=comment or assessment.table_kind.step_title(step),
            changes=changes,
        )
    return assessment


def _change(assessment: Assessment, name: str, value: object, changes: Changes) -> None:
    old = getattr(assessment, name)
    if not _same(old, value):
        changes[_field_label(name)] = [_plain(old), _plain(value)]
        setattr(assessment, name, value)


def _update_cells(assessment: Assessment, cells: Mapping[str, str], changes: Changes) -> None:
    """The values of the kind's declared cells (already read by their input types)."""
    kind, stored = assessment.table_kind, dict(assessment.cells or {})
    for key, value in cells.items():
        label = kind.cell(key).label  # a key the kind does not declare is a programming error
        if not _same(stored.get(key, ""), value):
            changes[label] = [stored.get(key, ""), value]
            stored[key] = value
    assessment.cells = stored


def _refuse_target_changes(indicators: list[Indicator], rows: Sequence[Mapping[str, Any]]) -> None:
    """Targets that came from an approved target table change only by an adjustment."""
    posted = {data.get("id"): data for data in rows}
    if len(posted) != len(rows) or set(posted) != {row.pk for row in indicators}:
        raise AssessmentError(TARGETS_LOCKED)
    for row in indicators:
        fields = [n for n in ROW_FIELDS_TARGETS if n in posted[row.pk]]
        if not all(_same(getattr(row, n), posted[row.pk][n]) for n in fields):
            raise AssessmentError(TARGETS_LOCKED)


def _field_label(name: str) -> str:
    """The Chinese name of an assessment field, as the log shows it."""
    line, _, column = name.partition("_")
    if line in rules.FUND_LINE_LABELS and column in rules.FUND_COLUMN_LABELS:
        return f"{rules.FUND_LINE_LABELS[line]} · {rules.FUND_COLUMN_LABELS[column]}"
    return str(cast(models.Field, Assessment._meta.get_field(name)).verbose_name)


def _row_label(row: Indicator, name: str | None = None) -> str:
    label = f"指标“{row.name}”"
    if name:
        label += f" · {cast(models.Field, Indicator._meta.get_field(name)).verbose_name}"
    return label


def _replace_rows(
    assessment: Assessment,
    indicators: list[Indicator],
    rows: Sequence[Mapping[str, Any]],
    changes: Changes,
) -> list[Indicator]:
    existing = {row.pk: row for row in indicators}
    kept: list[Indicator] = []
    added: list[Indicator] = []
    for data in rows:
        row_id = data.get("id")
        if row_id:
            row = existing.pop(row_id, None)
            if row is None:
                raise EditConflict("保存失败：有指标行已被他人删除。请重新打开此步骤。")
            kept.append(row)
        else:
            row = Indicator(assessment=assessment)
            added.append(row)
        for name in ROW_FIELDS_TARGETS:
            if name in OPTIONAL_ROW_FIELDS and name not in data:
                continue
            old, new = getattr(row, name), data[name]
            if row.pk and _same(old, new):
                continue
            if row.pk:
                changes[_row_label(row, name)] = [_plain(old, name), _plain(new, name)]
            setattr(row, name, new)
    for row in existing.values():
        changes[_row_label(row)] = ["（删除）", None]
    for row in added:
        changes[_row_label(row)] = [None, "（新增）"]
    Indicator.objects.filter(pk__in=list(existing)).delete()
    ordered = [row for row in _in_new_order(rows, kept, added)]
    # Positions are unique per assessment: move the kept rows out of the way first.
    for row in kept:
        row.position += POSITION_OFFSET
    Indicator.objects.bulk_update(kept, ["position"])
    for position, row in enumerate(ordered, start=1):
        row.position = position
    Indicator.objects.bulk_update(kept, [*ROW_FIELDS_TARGETS, "position"])
    Indicator.objects.bulk_create(added)
    return ordered


POSITION_OFFSET = 10_000


def _in_new_order(
    rows: Sequence[Mapping[str, Any]], kept: list[Indicator], added: list[Indicator]
) -> Iterator[Indicator]:
    kept_iter, added_iter = iter(kept), iter(added)
    for data in rows:
        yield next(kept_iter) if data.get("id") else next(added_iter)


def _update_rows(
    indicators: list[Indicator],
    rows: Sequence[Mapping[str, Any]],
    row_fields: tuple[str, ...],
    changes: Changes,
) -> None:
    by_id = {row.pk: row for row in indicators}
    changed: list[Indicator] = []
    fields: set[str] = set()
    for data in rows:
        row = by_id.get(data["id"])
        if row is None:
            raise EditConflict("保存失败：指标行已被他人修改或删除。请重新打开此步骤。")
        edited = [name for name in row_fields if not _same(getattr(row, name), data[name])]
        for name in edited:
            changes[_row_label(row, name)] = [
                _plain(getattr(row, name), name),
                _plain(data[name], name),
            ]
            setattr(row, name, data[name])
        if edited:
            changed.append(row)
            fields.update(edited)
    # Only the rows and columns typed into: a save of one text writes no indicator row.
    if changed:
        Indicator.objects.bulk_update(changed, [name for name in row_fields if name in fields])


PRINT_LABELS = {
    "show_empty_level2": "列出未使用的二级指标",
    "money_unit": "打印金额单位",
    "signature_block": "打印签字栏",
}


@transaction.atomic
def set_print_options(assessment_id: int, *, by: User, options: PrintOptions) -> Assessment:
    """Keep the print settings (a PrintOptions) as the table's own, before it is signed."""
    assessment = locked(assessment_id)
    check(permissions.can_edit(by, assessment))
    chosen = options.as_dict()
    before = assessment.print_options or {}
    changes = {
        PRINT_LABELS[key]: [before.get(key), value]
        for key, value in chosen.items()
        if before.get(key) != value
    }
    if not changes:
        return assessment
    assessment.print_options = chosen
    assessment.version += 1
    assessment.updated_by = by
    assessment.save(update_fields=["print_options", "version", "updated_by", "updated_at"])
    log_in_place(
        assessment, AssessmentEvent.Action.EDIT, by=by, comment="打印设置", changes=changes
    )
    return assessment


def log_label(assessment: Assessment, key: str, rows: Mapping[int, Indicator]) -> str:
    """How a save's log names the cell of an open cell's key (fillable: funds.<line>.<column>,
    outcome, indicators.<id>.<field>, cells.<name>); "" for a row no longer there."""
    parts = key.split(".")
    if parts[0] == "funds":
        return _field_label(f"{parts[1]}_{parts[2]}")
    if parts[0] == "indicators":
        row = rows.get(int(parts[1]))
        return _row_label(row, parts[2]) if row else ""
    if parts[0] == CELLS:
        return assessment.table_kind.cell(parts[1]).label
    return _field_label(key)


def last_changed_by(assessment: Assessment, labels: set[str]) -> dict[str, User | None]:
    """Who made the latest logged change of each cell named by its log label (one query, read
    newest first until every label is found); a label never changed is left out."""
    found: dict[str, User | None] = {}
    events = (
        assessment.events.filter(
            action__in=(AssessmentEvent.Action.EDIT, AssessmentEvent.Action.IMPORT)
        )
        .exclude(changes={})
        .select_related("actor")
        .order_by("-created_at", "-pk")
    )
    for event in events.iterator(chunk_size=200):
        for label in labels.intersection(event.changes or {}).difference(found):
            found[label] = event.actor
        if len(found) == len(labels):
            break
    return found
