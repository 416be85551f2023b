import datetime
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from assessments import deadlines, interchange, kinds, rules
from assessments.demo import (
    DEMO_BUREAU,
    DEMO_DECLARATIONS,
    DEMO_DEPARTMENT,
    DEMO_PASSWORD,
    DEMO_PEOPLE,
    DEMO_UNIT,
)
from assessments.models import (
    Assessment,
    Deadline,
    Filing,
    Membership,
    MonitoringRound,
    Notice,
    Organisation,
    ReportingYear,
)
from assessments.rules import monitoring as mon
from assessments.services import bureau, cycle, drafts, importing, monitoring, workflow

# Projects whose 2023 target table the demo fills in; the last one waits for review.
DEMO_TARGET_PROJECTS = (
    "征地养老慰问经费",
    "外区属地化管理人员服务费",
    "邮寄费",
    "政府购买辅助服务",
)
# The department's 2023 round of 运行监控 at 7月31日 over the approved ones.
DEMO_CUT_OFF = datetime.date(2023, 7, 31)
DEMO_MONITORING_DUE = datetime.date(2023, 8, 20)
DEMO_FILE = Path(__file__).resolve().parents[2] / "demo" / "demo-2022.json"


User = get_user_model()


class Command(BaseCommand):
    help = "载入演示数据：2022 年度的 11 张自评表和演示账号（仅限本地演示模式）。"

    def handle(self, *args, **options):
        if not settings.DEMO_MODE:
            raise CommandError("生产模式下不创建演示账号和演示数据（DJANGO_DEMO=0）。")
        with transaction.atomic():
            finance_bureau, _ = Organisation.objects.get_or_create(
                name=DEMO_BUREAU, defaults={"kind": Organisation.Kind.BUREAU}
            )
            department, _ = Organisation.objects.get_or_create(
                name=DEMO_DEPARTMENT,
                defaults={"kind": Organisation.Kind.DEPARTMENT, "parent": finance_bureau},
            )
            if department.parent_id is None:
                department.parent = finance_bureau
                department.save(update_fields=["parent"])
            unit, _ = Organisation.objects.get_or_create(
                name=DEMO_UNIT, defaults={"kind": Organisation.Kind.UNIT, "parent": department}
            )
            loaded = self.load_tables()
            year, _ = ReportingYear.objects.get_or_create(
                year=2023,
                defaults={"rule_set": "MOF2020", "deadline": datetime.date(2024, 3, 31)},
            )
            ReportingYear.objects.filter(year=2022).update(is_open=False)
            self.create_people({"bureau": finance_bureau, "department": department, "unit": unit})
            self.file_demo_year(department)
            self.set_deadlines(department, unit, year)
            self.load_target_tables()
            self.open_monitoring_round(department, year)
        self.stdout.write(
            f"演示数据：{Assessment.objects.self_assessments().count()} 张自评表"
            f"（本次新载入 {loaded} 张），"
            f"{Assessment.objects.target_tables().count()} 张绩效目标表。"
        )
        self.stdout.write(f"演示账号（密码均为 {DEMO_PASSWORD}）：")
        for person in DEMO_PEOPLE:
            self.stdout.write(f"  {person['username']:<10} {person['title']}")

    def file_demo_year(self, department):
        """The department files 2022 (every demo table of 2022 is signed), once."""
        year = ReportingYear.objects.get(year=2022)
        if Filing.objects.filter(department=department, year=year).exists():
            return
        filer = get_user_model().objects.get(username="juzhang")
        bureau.file_year(department.pk, year.pk, by=filer)

    def set_deadlines(self, department, unit, year):
        """The department's 2023 deadlines, long past in the demo; the unit has an exception
        for a year from loading, so that the demo tables can still be filled in."""
        if Deadline.objects.filter(year=year, organisation=department).exists():
            return
        chief = get_user_model().objects.get(username="juzhang")
        cycle.set_deadline(
            department,
            year,
            entry_due=datetime.date(2024, 3, 31),
            review_due=datetime.date(2024, 4, 30),
            by=chief,
        )
        cycle.grant_exception(
            unit,
            year,
            until=deadlines.end_of_day(timezone.localdate() + datetime.timedelta(days=365)),
            reason="演示：延期补填 2023 年度自评表",
            by=chief,
        )

    def load_tables(self):
        records, problems = interchange.parse_document(DEMO_FILE.read_text(encoding="utf-8"))
        if problems:
            raise CommandError("演示数据文件有误：\n" + "\n".join(problems))
        missing = [
            record
            for record in records
            if not Assessment.objects.filter(
                year__year=record["year"],
                project__unit__name=record["unit"],
                project__name=record["project"],
            ).exists()
        ]
        importing.import_records(missing, source=DEMO_FILE.name)
        return len(missing)

    def load_target_tables(self):
        """2023's target tables of a few projects, from their 2022 tables: approved (and
        signed) but one, which waits for review, so that the year's cycle can be shown."""
        preparer = User.objects.get(username="tianbao")
        reviewer = User.objects.get(username="shenhe")
        year = ReportingYear.objects.get(year=2023)
        for name in DEMO_TARGET_PROJECTS:
            source = (
                Assessment.objects.self_assessments()
                .with_tree()
                .filter(project__name=name, year__year=2022)
                .first()
            )
            if (
                source is None
                or Assessment.objects.target_tables()
                .filter(project=source.project, year=year)
                .exists()
            ):
                continue
            table = drafts.create_assessment(
                unit=source.project.unit,
                year=year,
                project=source.project,
                kind=kinds.targets.TargetTable.name,
                by=preparer,
            )
            budget = {
                f"{line}_{column}": getattr(source, f"{line}_{column}")
                for line in rules.FUND_LINES[1:]
                for column in ("initial_budget", "full_year_budget")
            }
            table = drafts.save_draft(
                table.pk,
                by=preparer,
                base_version=table.version,
                step="funds",
                fields={**budget, "money_unit": source.money_unit, "goal": source.goal},
            )
            table = drafts.save_draft(
                table.pk,
                by=preparer,
                base_version=table.version,
                step="declaration",
                cells=DEMO_DECLARATIONS.get(name, {}),
            )
            rows = [
                {"id": None, **{f: getattr(row, f) for f in drafts.ROW_FIELDS_TARGETS}}
                for row in source.indicators.all()
            ]
            drafts.save_draft(
                table.pk,
                by=preparer,
                base_version=table.version,
                step="targets",
                rows=rows,
                row_fields=drafts.ROW_FIELDS_TARGETS,
            )
            workflow.submit_assessment(table.pk, by=preparer)
            if name != DEMO_TARGET_PROJECTS[-1]:
                workflow.sign_off_assessment(table.pk, by=reviewer, opinion="同意。")

    def open_monitoring_round(self, department, year):
        """2023's round at 7月31日: one table approved (on schedule), one submitted (a row
        that may miss its target), one still a draft and far behind 序时进度."""
        if MonitoringRound.objects.filter(scope=department, year=year).exists():
            return
        chief = User.objects.get(username="juzhang")
        preparer = User.objects.get(username="tianbao")
        reviewer = User.objects.get(username="shenhe")
        opened = monitoring.open_round(
            department, year, cut_off=DEMO_CUT_OFF, due=DEMO_MONITORING_DUE, by=chief
        )
        # The demo's preparer reads of the round on the dashboard, not as a new notice.
        Notice.objects.filter(user=preparer, read_at__isnull=True).update(read_at=timezone.now())
        plans = {
            DEMO_TARGET_PROJECTS[0]: ("0.62", "确定能", "approve"),
            DEMO_TARGET_PROJECTS[1]: ("0.55", "有可能", "submit"),
            DEMO_TARGET_PROJECTS[2]: ("0.25", "完全不可能", ""),
        }
        for table in opened.tables:
            table = Assessment.objects.with_tree().get(pk=table.pk)
            share, likelihood, step = plans[table.project.name]
            budget = Decimal(table.cells.get(mon.FULL_YEAR_BUDGET) or "0")
            executed = (budget * Decimal(share)).quantize(Decimal("0.01"))
            cells = {
                mon.EXECUTED: format(executed, "f"),
                mon.FORECAST_EXECUTED: format(budget, "f"),
                mon.GOAL_PROGRESS: "截至 7月31日，各项工作按计划推进。",
            }
            for number, _ in enumerate(table.indicators.all(), start=1):
                first = number == 1
                cells[mon.row_key(number, "current")] = "部分完成" if first else "按进度完成"
                cells[mon.row_key(number, "forecast")] = "达到年度指标值"
                cells[mon.row_key(number, "likelihood")] = likelihood if first else "确定能"
            if likelihood != "确定能":
                cells[mon.row_key(1, "cause")] = "经费保障"
                cells[mon.row_key(1, "measure")] = "加快资金拨付，按月调度执行进度"
            if not step:
                # The draft is far behind and its preparer has not yet said why.
                cells.pop(mon.row_key(1, "cause"))
                cells.pop(mon.row_key(1, "measure"))
            drafts.save_draft(
                table.pk, by=preparer, base_version=table.version, step="funds", cells=cells
            )
            if step:
                workflow.submit_assessment(table.pk, by=preparer)
            if step == "approve":
                workflow.sign_off_assessment(table.pk, by=reviewer)

    def create_people(self, organisations):
        for person in DEMO_PEOPLE:
            user, created = User.objects.get_or_create(
                username=person["username"],
                defaults={
                    "first_name": person["name"],
                    "is_staff": person.get("admin", False),
                    "is_superuser": person.get("admin", False),
                },
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
            if person.get("organisation"):
                Membership.objects.get_or_create(
                    user=user,
                    organisation=organisations[person["organisation"]],
                    role=person["role"],
                )
