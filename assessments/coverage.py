"""Which projects a year should assess, and how many of them (and how much of their money)
have a signed self-assessment: the department's filing, the bureau's report and 汇总 read it.

A project belongs to the year when it has a table of that year (a target table states its
budget, a self-assessment its 全年预算数) or had a self-assessment the year before (a
continuing project, as the dashboard's 待填报 lists it). Its budget is the self-assessment's
全年预算数 in 元, else the target table's; a continuing project without either has no known
budget yet. Five queries whatever the number of projects.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal

from django.utils import timezone

from . import rules
from .models import Assessment, FilingExemption, Organisation, Project, in_yuan


@dataclass
class ProjectCoverage:
    project_id: int
    project: str
    unit: str
    budget_yuan: Decimal | None
    table_id: int | None = None
    status: str = ""
    exemption: FilingExemption | None = None

    @property
    def signed(self) -> bool:
        return self.status == Assessment.Status.SIGNED_OFF

    @property
    def missing(self) -> bool:
        """No self-assessment and no exemption: the filing waits for it."""
        return self.table_id is None and self.exemption is None

    @property
    def status_label(self) -> str:
        if self.table_id is None:
            return "免报" if self.exemption else "没有自评表"
        return str(Assessment.Status(self.status).label)


def _sum(values: Iterable[Decimal | None]) -> Decimal:
    return sum((value for value in values if value is not None), Decimal(0))


@dataclass
class Coverage:
    year: int
    rows: list[ProjectCoverage] = field(default_factory=list)

    @property
    def projects(self) -> int:
        return len(self.rows)

    @property
    def assessed(self) -> list[ProjectCoverage]:
        return [row for row in self.rows if row.signed]

    @property
    def missing(self) -> list[ProjectCoverage]:
        return [row for row in self.rows if row.missing]

    @property
    def exempted(self) -> list[ProjectCoverage]:
        return [row for row in self.rows if row.table_id is None and row.exemption is not None]

    @property
    def budget_yuan(self) -> Decimal:
        return _sum(row.budget_yuan for row in self.rows)

    @property
    def assessed_budget_yuan(self) -> Decimal:
        return _sum(row.budget_yuan for row in self.assessed)

    @property
    def unknown_budgets(self) -> int:
        return sum(1 for row in self.rows if row.budget_yuan is None)

    @property
    def budget_share(self) -> Decimal | None:
        """The share of the budgeted money held by projects assessed, in per cent, cut (not
        rounded) to two places: a share short of the whole never reads 100.00%."""
        if not self.budget_yuan:
            return None
        share = self.assessed_budget_yuan * 100 / self.budget_yuan
        return share.quantize(rules.CENT, rounding=ROUND_DOWN)

    def as_manifest(self) -> dict:
        """What a filing keeps of it: the counts, the money and every exemption."""
        return {
            "coverage": {
                "projects": self.projects,
                "assessed": len(self.assessed),
                "budget_yuan": str(rules.round_half_up(self.budget_yuan)),
                "assessed_budget_yuan": str(rules.round_half_up(self.assessed_budget_yuan)),
                "unknown_budgets": self.unknown_budgets,
            },
            "exemptions": [
                {
                    "project": row.project,
                    "unit": row.unit,
                    "budget_yuan": (
                        None
                        if row.budget_yuan is None
                        else str(rules.round_half_up(row.budget_yuan))
                    ),
                    "reason": row.exemption.reason,
                    "recorded_by": row.exemption.recorded_by.get_full_name()
                    or row.exemption.recorded_by.username,
                    "recorded_at": timezone.localtime(row.exemption.recorded_at).isoformat(),
                }
                for row in self.exempted
                if row.exemption is not None
            ],
        }


def scope_of(organisation_id: int, kind: str) -> dict[str, int]:
    """The lookup of a department's projects (through its units) or a unit's."""
    if kind == Organisation.Kind.UNIT:
        return {"unit_id": organisation_id}
    return {"unit__parent_id": organisation_id}


def year_coverage(year: int, scope: dict[str, int]) -> Coverage:
    """Every project of the scope (scope_of) that belongs to the year, with its
    self-assessment, in five queries."""
    in_scope = {f"project__{key}": value for key, value in scope.items()}
    tables = {
        row["project_id"]: row
        for row in Assessment.objects.self_assessments()
        .filter(year__year=year, **in_scope)
        .annotate(budget_yuan=in_yuan("total_full_year_budget"))
        .values("project_id", "pk", "status", "budget_yuan")
    }
    planned = dict(
        Assessment.objects.target_tables()
        .filter(year__year=year, **in_scope)
        .annotate(budget_yuan=in_yuan("total_full_year_budget"))
        .values_list("project_id", "budget_yuan")
    )
    continuing = set(
        Assessment.objects.self_assessments()
        .filter(year__year=year - 1, **in_scope)
        .values_list("project_id", flat=True)
    )
    ids = set(tables) | set(planned) | continuing
    # The scope's projects and exemptions, those of the year kept here: a department's year
    # names hundreds of projects, each a parameter of its own in an IN list.
    exemptions = {
        e.project_id: e
        for e in FilingExemption.objects.filter(year__year=year, **in_scope).select_related(
            "recorded_by"
        )
    }
    rows = []
    for pk, name, unit in (
        Project.objects.filter(**scope)
        .order_by("unit__name", "name")
        .values_list("pk", "name", "unit__name")
    ):
        if pk not in ids:
            continue
        table = tables.get(pk)
        budget = table["budget_yuan"] if table else planned.get(pk)
        rows.append(
            ProjectCoverage(
                project_id=pk,
                project=name,
                unit=unit,
                budget_yuan=budget,
                table_id=table["pk"] if table else None,
                status=table["status"] if table else "",
                exemption=exemptions.get(pk),
            )
        )
    return Coverage(year, rows)
