"""The figures a department's own table is offered from its projects' tables of the year:
项目支出 budget and execution summed from the signed tables (with their count, the tables left
out named), the share of each grade and the money-weighted execution rate. The preparer takes
them into the table or types her own; a difference is shown beside the figures."""

from dataclasses import dataclass
from decimal import Decimal

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
    findings: list[rules.Finding]


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


def offer(table: Assessment) -> Offer | None:
    """What the department's project tables offer this table; None for a project's table."""
    if not table.of_department:
        return None
    grades = rules.get_rule_set(table.year.rule_set).grades
    sums = department_rules.project_sums(project_tables(table), grades)
    scale = Assessment.MoneyUnit(table.money_unit).in_yuan
    typed = table.fund(LINE)
    findings = department_rules.offer_findings(
        None if typed.full_year_budget is None else typed.full_year_budget * scale,
        None if typed.executed is None else typed.executed * scale,
        sums,
    )
    return Offer(sums, findings)


def take_offer(table_id: int, *, by: User) -> Assessment:
    """Put the signed project tables' sums into the 项目支出 line (in the table's unit)."""
    table = Assessment.objects.select_related("organisation", "year").get(pk=table_id)
    found = offer(table)
    if found is None:
        raise AssessmentError("只有部门整体的表从项目自评表取数。")
    scale = Assessment.MoneyUnit(table.money_unit).in_yuan
    sums = found.sums
    fields: dict[str, object] = {
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
        comment=f"项目支出取自 {sums.count} 张签发的项目自评表",
    )


def in_yuan_text(value: Decimal | None) -> str:
    return rules.format_amount(value, grouped=True) or "—"
