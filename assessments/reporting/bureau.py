"""The finance bureau's report for one year: per department, filed on time or not, the filed
figures, 自评 against 复核; per table, self against 复核. Figures come from the filings'
manifests (what was filed) and the 复核 scores; the arithmetic is rules.review's."""

import io
from dataclasses import dataclass, field
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
from .followup import (
    ApplicationTotals,
    RectificationLine,
    report_applications,
    report_rectifications,
)

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
    review_grade: str = ""  # blank: not re-scored

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
    # As the filing's manifest keeps them (filings before coverage was kept have none).
    coverage: dict | None = None
    exemptions: list = field(default_factory=list)
    # 绩效信息公开 against the 20 days after the 决算 approval (services.publication).
    publication: str = "未登记决算批复日期"
    # The department's own table as filed (部门整体): its 总分 and 等级, beside the projects'
    # average; None where the filing holds none.
    overall_score: Decimal | None = None
    overall_grade: str = ""

    @property
    def coverage_label(self) -> str:
        """项目覆盖: projects assessed of projects budgeted, and the money they hold."""
        c = self.coverage
        if not c:
            return "—"
        return (
            f"有预算的项目 {c['projects']} 个，已自评 {c['assessed']} 个；"
            f"预算 {rules.format_amount(Decimal(c['budget_yuan']), grouped=True)} 元中已自评 "
            f"{rules.format_amount(Decimal(c['assessed_budget_yuan']), grouped=True)} 元"
        )

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
    rectifications: list[RectificationLine] = field(default_factory=list)
    applications: ApplicationTotals | None = None

    @property
    def overdue_count(self) -> int:
        return sum(1 for line in self.rectifications if line.overdue)

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
    rule_set = rules.get_rule_set(year.rule_set)
    published = {d.department.pk: d.label for d in publication_deadlines(departments, year=year)}
    lines, tables = [], []
    for department in departments:
        filing = filings.get(department.pk)
        publication = published.get(department.pk, DepartmentLine.publication)
        if filing is None:
            lines.append(DepartmentLine(department, None, None, None, publication=publication))
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
                    review_grade=(rules.grade_for(review.total_score, rule_set) if review else ""),
                )
            )
        lines.append(
            DepartmentLine(
                department,
                filing,
                filed_on_time(filing.filed_at, year.deadline),
                review_rules.department_figures(figures, grades=GRADES),
                coverage=filing.manifest.get("coverage"),
                exemptions=filing.manifest.get("exemptions", []),
                publication=publication,
                **overall_of(filing),
            )
        )
    return BureauReport(
        bureau,
        year,
        lines,
        tables,
        rectifications=report_rectifications(bureau, year),
        applications=report_applications(bureau, year),
    )


def overall_of(filing: Filing) -> dict:
    """The 总分 and 等级 of the department's own table in a filing, where it holds one."""
    own = filing.manifest.get("department_tables") or []
    if not own:
        return {}
    return {
        "overall_score": _manifest_decimal(own[0].get("total_score")),
        "overall_grade": own[0].get("grade") or "",
    }


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
    ("部门整体自评总分", 14),
    ("部门整体等级", 10),
]
TABLE_COLUMNS = [
    ("主管部门", 30),
    ("实施单位", 30),
    ("项目名称", 40),
    ("自评总分", 10),
    ("自评等级", 8),
    ("复核总分", 10),
    ("复核等级", 8),
    ("差值", 8),
    ("超出容许值", 10),
]

RECTIFICATION_COLUMNS = [
    ("实施单位", 30),
    ("项目名称", 40),
    ("发出单位", 24),
    ("整改事项", 50),
    ("整改期限", 12),
    ("状态", 10),
    ("逾期", 8),
]
APPLICATION_COLUMNS = [
    ("主管部门", 30),
    ("实施单位", 30),
    ("项目名称", 40),
    ("应用方式", 10),
    ("涉及金额（元）", 18),
    ("说明", 50),
]


def write_report_workbook(report: BureauReport, target) -> None:
    book = StreamedWorkbook(target)
    sheet = book.sheet("各部门", DEPARTMENT_COLUMNS, title=report.title)
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
                (line.overall_score, "points"),
                line.overall_grade,
            ]
        sheet.append(cells)
    sheet = book.sheet("各自评表", TABLE_COLUMNS, title=f"{report.title}：各自评表")
    for table in report.tables:
        sheet.append(
            [
                table.department,
                table.unit,
                table.project,
                (table.self_score, "points"),
                table.grade,
                (table.review_score, "points"),
                table.review_grade,
                (table.difference, "points"),
                ("是" if table.beyond_margin else "") if table.review_score is not None else "",
            ]
        )
    _write_coverage(book, report)
    sheet = book.sheet("整改", RECTIFICATION_COLUMNS, title=f"{report.title}：整改")
    for entry in report.rectifications:
        r = entry.rectification
        sheet.append(
            [
                r.unit.name,
                r.assessment.subject,
                r.issuer.name,
                r.what,
                r.due_date.isoformat(),
                r.get_status_display(),
                "已逾期" if entry.overdue else "",
            ]
        )
    sheet = book.sheet("结果应用", APPLICATION_COLUMNS, title=f"{report.title}：结果应用")
    for application in report.applications.applications if report.applications else []:
        sheet.append(
            [
                application.project.unit.parent.name if application.project.unit.parent else "",
                application.project.unit.name,
                application.project.name,
                application.get_decision_display(),
                (application.amount, "money"),
                application.note,
            ]
        )
    book.close()


# ---------------------------------------------------------------------------
# A filing's summary workbook (part of its package, services.filing)

FILING_COLUMNS = [
    ("实施单位", 30),
    ("项目名称", 40),
    ("全年预算数（元）", 18),
    ("全年执行数（元）", 18),
    ("执行率", 10),
    ("总分", 8),
    ("等级", 6),
    ("内容摘要（SHA-256）", 68),
]


def _manifest_decimal(value: str | None) -> Decimal | None:
    return None if value in (None, "") else Decimal(value)


def _manifest_percent(value: str | None) -> Decimal | None:
    rate = _manifest_decimal(value)
    return None if rate is None else rate / Decimal(100)


def filing_workbook(filing: Filing) -> bytes:
    """A filing's summary workbook: the filed tables and their sums, as the manifest holds
    them, so that later changes to the tables never reach it."""
    target = io.BytesIO()
    book = StreamedWorkbook(target)
    summary = filing.manifest["summary"]
    sheet = book.sheet("汇总")
    sheet.worksheet.set_column(0, 0, 24)
    sheet.worksheet.set_column(1, 1, 30)
    sheet.append([(f"{filing.department.name} {filing.year.year} 年度部门报送", "bold")])
    sheet.append()
    for label, value, style in [
        ("报送时间", timezone.localtime(filing.filed_at).replace(tzinfo=None), "datetime"),
        ("自评表张数", summary["count"], None),
        ("全年预算数合计（元）", _manifest_decimal(summary["budget_yuan"]), "money"),
        ("全年执行数合计（元）", _manifest_decimal(summary["executed_yuan"]), "money"),
        ("金额加权执行率", _manifest_percent(summary["execution_rate"]), "percent"),
        ("平均自评总分", _manifest_decimal(summary["average_score"]), "points"),
    ]:
        sheet.append([label, (value, style)])
    sheet.append()
    sheet.append([("等级", "bold"), ("张数", "bold")])
    for grade, count in summary["grades"].items():
        sheet.append([grade, count])
    sheet = book.sheet("各项目", FILING_COLUMNS)
    for row in filing.manifest["tables"]:
        sheet.append(
            [
                row["unit"],
                row["project"],
                (_manifest_decimal(row["budget_yuan"]), "money"),
                (_manifest_decimal(row["executed_yuan"]), "money"),
                (_manifest_percent(row["execution_rate"]), "percent"),
                (_manifest_decimal(row["total_score"]), "points"),
                row["grade"],
                row["content_hash"],
            ]
        )
    book.close()
    return target.getvalue()


COVERAGE_COLUMNS = [
    ("主管部门", 30),
    ("有预算的项目", 12),
    ("已自评项目", 12),
    ("全年预算数（元）", 18),
    ("已自评项目预算（元）", 18),
    ("实施单位", 30),
    ("免报项目", 40),
    ("免报理由", 60),
]


def _write_coverage(book: StreamedWorkbook, report: BureauReport) -> None:
    """报送范围: per filed department, its projects against its tables, then its exemptions."""
    sheet = book.sheet("报送范围", COVERAGE_COLUMNS, title=f"{report.title}：报送范围")
    for line in report.departments:
        c = line.coverage
        if not c:
            continue
        sheet.append(
            [
                line.department.name,
                c["projects"],
                c["assessed"],
                (Decimal(c["budget_yuan"]), "money"),
                (Decimal(c["assessed_budget_yuan"]), "money"),
            ]
        )
        for item in line.exemptions:
            sheet.append(
                [
                    line.department.name,
                    "",
                    "",
                    "",
                    "",
                    item["unit"],
                    item["project"],
                    item["reason"],
                ]
            )
