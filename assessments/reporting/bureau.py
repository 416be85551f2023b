"""The finance bureau's report for one year: per department, filed on time or not, the filed
figures, 自评 against 复核; per table, self against 复核. Figures come from the filings'
manifests (what was filed) and the 复核 scores; the arithmetic is rules.review's."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils import timezone

from .. import rules
from ..models import Filing, Organisation, ReportingYear, ReviewScore
from ..rules import review as review_rules
from ..services.bureau import figures_of
from ..services.publication import publication_deadlines
from . import charts
from .exports import StreamedWorkbook, _percent

GRADES = rules.default_rule_set().grades


@dataclass
class TableLine:
    department: str
    unit: str
    project: str
    assessment_id: int
    self_score: Decimal
    grade: str
    review_score: Decimal | None
    margin: Decimal | None

    @property
    def difference(self) -> Decimal | None:
        return None if self.review_score is None else self.self_score - self.review_score

    @property
    def beyond_margin(self) -> bool:
        return self.margin is not None and review_rules.exceeds_margin(
            self.self_score, self.review_score, self.margin
        )


@dataclass
class DepartmentLine:
    department: Organisation
    filing: Filing | None
    on_time: bool | None  # None: not filed, or the year has no deadline
    figures: review_rules.DepartmentFigures | None
    # 绩效信息公开 against the 20 days after the 决算 approval (services.publication).
    publication: str = "未登记决算批复日期"

    @property
    def filed_label(self) -> str:
        if self.filing is None:
            return "未报送"
        if self.on_time is None:
            return "已报送"
        return "按时报送" if self.on_time else "逾期报送"


@dataclass
class BureauReport:
    bureau: Organisation
    year: ReportingYear
    departments: list[DepartmentLine]
    tables: list[TableLine]

    @property
    def title(self) -> str:
        return f"{self.bureau.name} {self.year.year} 年度绩效自评抽查复核报告"

    def score_chart(self):
        bars = []
        for line in self.departments:
            if line.figures is None:
                continue
            for label, value, colour in [
                ("自评", line.figures.average_self_reviewed, "#0d6efd"),
                ("复核", line.figures.average_review, "#fd7e14"),
            ]:
                if value is not None:
                    bars.append(
                        charts.Bar(f"{line.department.name} {label}", value, str(value), colour)
                    )
        return charts.bar_chart(bars, title="抽查表的平均自评与复核总分", maximum=Decimal(100))

    def grade_chart(self):
        counts = {grade: 0 for grade in GRADES}
        for line in self.departments:
            if line.figures:
                for grade, count in line.figures.grade_counts:
                    counts[grade] += count
        return charts.count_chart(
            list(counts.items()), title="已报送自评表的等级分布", colours=charts.GRADE_COLOURS
        )


def filed_on_time(filed_at, deadline: date | None) -> bool | None:
    """Filed by the end of the deadline day in Asia/Shanghai (the site's time zone)."""
    if deadline is None:
        return None
    return timezone.localtime(filed_at).date() <= deadline


def latest_reviews(bureau: Organisation, year: ReportingYear) -> dict[int, ReviewScore]:
    """The latest 复核 of each signature the bureau sampled this year."""
    reviews = (
        ReviewScore.objects.filter(sampled__sample__bureau=bureau, sampled__sample__year=year)
        .select_related("sampled__sample")
        .order_by("updated_at", "pk")
    )
    return {review.sampled.signature_id: review for review in reviews}


def build_report(bureau: Organisation, year: ReportingYear) -> BureauReport:
    departments = list(
        Organisation.objects.filter(parent=bureau, kind=Organisation.Kind.DEPARTMENT).order_by(
            "name"
        )
    )
    filings = {
        f.department_id: f
        for f in Filing.objects.filter(
            department__in=departments, year=year, status=Filing.Status.FILED
        )
    }
    reviews = latest_reviews(bureau, year)
    published = {d.department.pk: d.label for d in publication_deadlines(departments, year=year)}
    lines, tables = [], []
    for department in departments:
        filing = filings.get(department.pk)
        publication = published.get(department.pk, DepartmentLine.publication)
        if filing is None:
            lines.append(DepartmentLine(department, None, None, None, publication))
            continue
        figures = []
        for row in filing.manifest.get("tables", []):
            review = reviews.get(row["signature"])
            margin = review.sampled.sample.margin if review else None
            figures.append(
                figures_of(
                    row,
                    review.total_score if review else None,
                    margin if margin is not None else Decimal("1.00"),
                )
            )
            tables.append(
                TableLine(
                    department=department.name,
                    unit=row["unit"],
                    project=row["project"],
                    assessment_id=row["assessment"],
                    self_score=figures[-1].self_score,
                    grade=figures[-1].grade,
                    review_score=figures[-1].review_score,
                    margin=margin,
                )
            )
        lines.append(
            DepartmentLine(
                department,
                filing,
                filed_on_time(filing.filed_at, year.deadline),
                review_rules.department_figures(figures, grades=GRADES),
                publication,
            )
        )
    return BureauReport(bureau, year, lines, tables)


DEPARTMENT_COLUMNS = [
    ("主管部门", 30),
    ("报送情况", 10),
    ("报送时间", 18),
    ("自评表张数", 10),
    ("全年预算数（元）", 18),
    ("全年执行数（元）", 18),
    ("金额加权执行率", 14),
    ("平均自评总分", 12),
    ("复核张数", 10),
    ("抽查表平均自评", 14),
    ("抽查表平均复核", 14),
    ("差值（自评−复核）", 16),
    ("自评偏高率", 12),
    *[(f"{grade}（张）", 8) for grade in GRADES],
]
TABLE_COLUMNS = [
    ("主管部门", 30),
    ("实施单位", 30),
    ("项目名称", 40),
    ("自评总分", 10),
    ("等级", 6),
    ("复核总分", 10),
    ("差值", 8),
    ("超出容许值", 10),
]


def write_report_workbook(report: BureauReport, target) -> None:
    book = StreamedWorkbook(target)
    sheet = book.sheet("各部门", DEPARTMENT_COLUMNS)
    for line in report.departments:
        f = line.figures
        filed_at = (
            timezone.localtime(line.filing.filed_at).replace(tzinfo=None) if line.filing else None
        )
        cells: list[object] = [line.department.name, line.filed_label, (filed_at, "datetime")]
        if f is not None:
            cells += [
                f.count,
                (f.budget, "money"),
                (f.executed, "money"),
                (_percent(f.execution_rate), "percent"),
                (f.average_self, "points"),
                f.reviewed_count,
                (f.average_self_reviewed, "points"),
                (f.average_review, "points"),
                (f.difference, "points"),
                (_percent(f.overrated_rate), "percent"),
                *[count for _, count in f.grade_counts],
            ]
        sheet.append(cells)
    sheet = book.sheet("各自评表", TABLE_COLUMNS)
    for table in report.tables:
        sheet.append(
            [
                table.department,
                table.unit,
                table.project,
                (table.self_score, "points"),
                table.grade,
                (table.review_score, "points"),
                (table.difference, "points"),
                ("是" if table.beyond_margin else "") if table.review_score is not None else "",
            ]
        )
    book.close()
