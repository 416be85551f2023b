"""The figures a department's own table is offered from its projects' tables of the year:
项目支出 budget and execution summed from the signed tables (with their count, the tables left
out named), the share of each grade and the money-weighted execution rate. The preparer takes
them into the table, or keeps her own figures with a reason; the table keeps the offer it
took (its cells), so that its checks, its paper and its signature hold it."""

from dataclasses import dataclass

from django.contrib.auth.models import User

from .. import kinds, rules
from ..models import Assessment, in_yuan
from ..rules import department as department_rules
from . import AssessmentError
from .drafts import save_draft

LINE = department_rules.PROJECT_LINE


@dataclass(frozen=True)
class Offer:
    sums: department_rules.ProjectSums
    # The offer the table keeps differs from what the project tables add up to now.
    stale: bool
    taken: bool
    reason: str


def project_tables(table: Assessment) -> list[department_rules.ProjectTable]:
    """The year's project self-assessments of the department's units, amounts in 元."""
    project_kinds = [k.name for k in kinds.all() if k.reported and not k.of_department]
    rows = (
        Assessment.objects.filter(
            kind__in=project_kinds, year=table.year, project__unit__parent=table.organisation
        )
        .annotate(
            initial_yuan=in_yuan("total_initial_budget"),
            budget_yuan=in_yuan("total_full_year_budget"),
            executed_yuan=in_yuan("total_executed"),
        )
        .select_related("project__unit")
        .order_by("project__unit__name", "project__name", "pk")
    )
    return [
        department_rules.ProjectTable(
            name=row.subject,
            signed=row.status == Assessment.Status.SIGNED_OFF,
            status_label=row.status_label,
            initial_budget=row.initial_yuan,
            full_year_budget=row.budget_yuan,
            executed=row.executed_yuan,
            grade=row.grade,
        )
        for row in rows
    ]


def current_sums(table: Assessment) -> department_rules.ProjectSums:
    grades = rules.get_rule_set(table.year.rule_set).grades
    return department_rules.project_sums(project_tables(table), grades)


def offer(table: Assessment) -> Offer | None:
    """What the department's project tables offer this table now; None for a project's."""
    if not table.of_department:
        return None
    sums = current_sums(table)
    kept = {key: (table.cells or {}).get(key, "") for key in department_rules.offer_cells(sums)}
    return Offer(
        sums=sums,
        stale=bool(kept[department_rules.OFFERED_COUNT])
        and kept != _stored(table, department_rules.offer_cells(sums)),
        taken=bool(kept[department_rules.OFFERED_COUNT]),
        reason=(table.cells or {}).get(department_rules.REASON, ""),
    )


def _stored(table: Assessment, cells: dict[str, str]) -> dict[str, str]:
    """The cells as the kind stores them (each read by its input type)."""
    kind = table.table_kind
    return {key: kind.cell(key).read(value) for key, value in cells.items()}


def take_offer(table_id: int, *, by: User, fill: bool = True, reason: str = "") -> Assessment:
    """Keep what the signed project tables add up to now; with `fill`, put the sums into the
    项目支出 line (in the table's unit), else keep the typed figures with `reason`."""
    table = Assessment.objects.select_related("organisation", "year").get(pk=table_id)
    if not table.of_department:
        raise AssessmentError("只有部门整体的表从项目自评表取数。")
    sums = current_sums(table)
    kind = table.table_kind
    try:
        cells = _stored(table, department_rules.offer_cells(sums))
        cells[department_rules.REASON] = kind.cell(department_rules.REASON).read(reason)
    except ValueError as error:
        raise AssessmentError(str(error)) from None
    fields: dict[str, object] = {}
    if fill:
        scale = Assessment.MoneyUnit(table.money_unit).in_yuan
        fields = {
            f"{LINE}_initial_budget": rules.round_half_up(sums.initial_budget / scale),
            f"{LINE}_full_year_budget": rules.round_half_up(sums.full_year_budget / scale),
            f"{LINE}_executed": rules.round_half_up(sums.executed / scale),
        }
        # The other lines as stored: the save sums the lines into 年度资金总额.
        for line in ("current", "other"):
            for column in rules.FUND_COLUMNS:
                fields[f"{line}_{column}"] = getattr(table, f"{line}_{column}")
    return save_draft(
        table.pk,
        by=by,
        base_version=table.version,
        step="funds",
        fields=fields,
        cells=cells,
        comment=f"项目支出与 {sums.count} 张签发的项目自评表核对",
    )
