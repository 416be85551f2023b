"""The summary (汇总) of a department or a unit for one year.

Totals, counts and averages are aggregated by the database in one query (conditional
aggregation); the rows listed on the page are the scope's own projects and the indicators
scored below their weight, each fetched in one query. Nothing loops over the whole table.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Q, Sum
from django.urls import reverse

from .. import rules
from ..coverage import Coverage, scope_of, year_coverage
from ..models import Assessment, Indicator, Organisation, in_yuan
from . import charts

GRADES = rules.default_rule_set().grades
# Tables entering the money-weighted execution rate: a budget to divide by and a spend.
RATED = Q(total_full_year_budget__gt=0, total_executed__isnull=False)
BUDGETED = Q(total_full_year_budget__gt=0)
PRODUCT = DecimalField(max_digits=rules.MAX_AMOUNT_DIGITS + 8, decimal_places=4)

EXECUTION_RATE_RULE = (
    "金额加权执行率 = Σ全年执行数 ÷ Σ全年预算数（均取各表“年度资金总额”行），"
    "只计全年预算数大于 0 且已填全年执行数的自评表；"
    "相当于各表执行率按其全年预算数加权平均，大项目的权重大。"
)
WEIGHTED_SCORE_RULE = (
    "金额加权平均总分 = Σ（总分 × 全年预算数）÷ Σ全年预算数，只计全年预算数大于 0 的自评表；"
    "简单平均总分 = Σ总分 ÷ 自评表张数，每张表权重相同。"
)


def url_maker(name):
    """reverse() for hundreds of rows: resolved once, then each primary key put in its place."""
    marker = 987654321
    head, tail = reverse(name, args=[marker]).split(str(marker))
    return lambda pk: f"{head}{pk}{tail}"


@dataclass(frozen=True)
class Scope:
    organisation_id: int
    name: str
    kind: str
    year: int

    @property
    def is_department(self):
        return self.kind == Organisation.Kind.DEPARTMENT

    @property
    def title(self):
        return f"{self.name} {self.year} 年度绩效自评汇总"


def scope_queryset(user, scope):
    """The assessments of the scope that the user may see."""
    queryset = Assessment.objects.self_assessments().visible_to(user).filter(year__year=scope.year)
    if scope.is_department:
        return queryset.filter(project__unit__parent_id=scope.organisation_id)
    return queryset.filter(project__unit_id=scope.organisation_id)


@dataclass
class Figures:
    """Totals and averages of a set of tables, from the sums the database returns."""

    count: int
    budget_total: Decimal | None
    executed_total: Decimal | None
    rated_count: int
    rated_budget: Decimal | None
    rated_executed: Decimal | None
    score_total: Decimal | None
    score_budget: Decimal | None
    weighted_score_total: Decimal | None

    @property
    def execution_rate(self):
        return rules.execution_rate(self.rated_budget, self.rated_executed)

    @property
    def average_score(self):
        return rules.average(self.score_total, self.count)

    @property
    def weighted_average_score(self):
        return rules.weighted_average(self.weighted_score_total, self.score_budget)

    @property
    def unrated_count(self):
        return self.count - self.rated_count


def _figure_aggregates():
    """Sums of money in 元: a table kept in 万元 counts ten thousand times its figures."""
    budget, executed = in_yuan("total_full_year_budget"), in_yuan("total_executed")
    return {
        "count": Count("pk"),
        "budget_total": Sum(budget),
        "executed_total": Sum(executed),
        "rated_count": Count("pk", filter=RATED),
        "rated_budget": Sum(budget, filter=RATED),
        "rated_executed": Sum(executed, filter=RATED),
        "score_total": Sum("total_score"),
        "score_budget": Sum(budget, filter=BUDGETED),
        "weighted_score_total": Sum(
            ExpressionWrapper(F("total_score") * budget, output_field=PRODUCT),
            filter=BUDGETED,
        ),
    }


def _figures(values):
    return Figures(**{name: values[name] for name in Figures.__dataclass_fields__})


@dataclass
class UnitLine:
    unit: str
    figures: Figures


@dataclass
class ProjectRow:
    pk: int
    project_id: int
    project: str
    unit: str
    budget: Decimal | None
    executed: Decimal | None
    execution_rate: Decimal | None
    total_score: Decimal
    grade: str
    status: str
    error_count: int
    warning_count: int
    url: str = ""
    years_url: str = ""

    @property
    def status_label(self):
        return str(Assessment.Status(self.status).label)

    @property
    def has_findings(self):
        return bool(self.error_count or self.warning_count)


@dataclass
class Shortfall:
    """An indicator scored below its weight, with the reason the table gives."""

    assessment_id: int
    project: str
    unit: str
    level1: str
    level2: str
    name: str
    target: str
    actual: str
    weight: Decimal
    score: Decimal
    reason: str
    url: str = ""

    @property
    def lost(self):
        return self.weight - self.score


# Below this many tables, one table holding most of the money is no surprise.
DOMINANT_MIN_TABLES = 3


@dataclass
class Summary:
    scope: Scope
    figures: Figures
    status_counts: list
    grade_counts: list
    error_tables: int
    warning_tables: int
    units: list
    rows: list
    shortfalls: list = field(default_factory=list)
    # The projects of the year and how many have a signed table (coverage.Coverage).
    coverage: Coverage | None = None

    execution_rate_rule = EXECUTION_RATE_RULE
    weighted_score_rule = WEIGHTED_SCORE_RULE

    @property
    def with_findings(self):
        return [row for row in self.rows if row.has_findings]

    @property
    def dominant(self):
        """Tables holding more than half of the scope's budget among several: one such table
        decides every money-weighted figure, and is often a slip (元 kept as 万元); as
        (row, share in percent)."""
        budgets = [row.budget for row in self.rows if row.budget]
        total = sum(budgets, Decimal(0))
        if len(budgets) < DOMINANT_MIN_TABLES or not total:
            return []
        return [
            (row, rules.round_half_up(row.budget * 100 / total, Decimal(1)))
            for row in self.rows
            if row.budget and row.budget * 2 > total
        ]

    def score_chart(self):
        return charts.bar_chart(
            [
                charts.Bar(
                    row.project,
                    row.total_score,
                    format(row.total_score, "f"),
                    charts.GRADE_COLOURS.get(row.grade, charts.NEUTRAL),
                    f"（{row.grade}）",
                )
                for row in self.rows
            ],
            title="各项目总分",
            maximum=Decimal(100),
            guides=[(Decimal(60), "中 60"), (Decimal(80), "良 80"), (Decimal(90), "优 90")],
        )

    def execution_chart(self):
        low = rules.RULE_SETS[rules.DEFAULT_RULE_SET].execution_low_percent
        return charts.bar_chart(
            [
                charts.Bar(
                    row.project,
                    row.execution_rate,
                    rules.format_percent(row.execution_rate),
                    charts.NEUTRAL
                    if row.execution_rate is None
                    else ("#dc3545" if row.execution_rate < low else "#0d6efd"),
                )
                for row in self.rows
            ],
            title="各项目执行率",
            maximum=Decimal(120),
            guides=[(low, f"{rules.format_points(low)}%"), (Decimal(100), "100%")],
            unit="%",
        )

    def grade_chart(self):
        return charts.count_chart(self.grade_counts, title="等级分布", colours=charts.GRADE_COLOURS)


def build_summary(user, scope):
    queryset = scope_queryset(user, scope)
    statuses = list(Assessment.Status)
    aggregates = _figure_aggregates()
    aggregates.update(
        {f"status_{status.value}": Count("pk", filter=Q(status=status)) for status in statuses}
    )
    aggregates.update(
        {f"grade_{index}": Count("pk", filter=Q(grade=grade)) for index, grade in enumerate(GRADES)}
    )
    aggregates["error_tables"] = Count("pk", filter=Q(error_count__gt=0))
    aggregates["warning_tables"] = Count("pk", filter=Q(warning_count__gt=0))
    values = queryset.aggregate(**aggregates)

    units = []
    if scope.is_department:
        per_unit = (
            queryset.values("project__unit_id", "project__unit__name")
            .annotate(**_figure_aggregates())
            .order_by("project__unit__name")
        )
        units = [UnitLine(line["project__unit__name"], _figures(line)) for line in per_unit]

    detail_url = url_maker("assessments:detail")
    years_url = url_maker("assessments:project_years")
    rows = [
        # django-stubs reads values_list beside annotate() as a different tuple.
        ProjectRow(*line, url=detail_url(line[0]), years_url=years_url(line[1]))  # type: ignore[misc]
        for line in queryset.order_by("project__unit__name", "project__name")
        .annotate(
            budget_yuan=in_yuan("total_full_year_budget"),
            executed_yuan=in_yuan("total_executed"),
        )
        .values_list(
            "pk",
            "project_id",
            "project__name",
            "project__unit__name",
            "budget_yuan",
            "executed_yuan",
            "execution_rate",
            "total_score",
            "grade",
            "status",
            "error_count",
            "warning_count",
        )
    ]
    shortfalls = [
        Shortfall(*line, url=detail_url(line[0]))  # type: ignore[arg-type]
        for line in Indicator.objects.filter(assessment__in=queryset, score__lt=F("weight"))
        .order_by("assessment__project__unit__name", "assessment__project__name", "position")
        .values_list(
            "assessment_id",
            "assessment__project__name",
            "assessment__project__unit__name",
            "level1",
            "level2",
            "name",
            "target",
            "actual",
            "weight",
            "score",
            "reason",
        )
    ]
    return Summary(
        scope=scope,
        figures=_figures(values),
        status_counts=[
            (status.value, str(status.label), values[f"status_{status.value}"])
            for status in statuses
        ],
        grade_counts=[(grade, values[f"grade_{index}"]) for index, grade in enumerate(GRADES)],
        error_tables=values["error_tables"],
        warning_tables=values["warning_tables"],
        units=units,
        rows=rows,
        shortfalls=shortfalls,
        coverage=_coverage(scope),
    )


def _coverage(scope):
    return year_coverage(scope.year, scope_of(scope.organisation_id, scope.kind))
