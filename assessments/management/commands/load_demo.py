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
from assessments.services import department as department_tables

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
# The department's own 2022 table: 基本支出 (年初预算数, 全年预算数, 全年执行数, 元), its goal,
# what it achieved, its management figures (实际完成值, 得分) and its 履职 rows.
DEMO_BASIC = (Decimal("86500000.00"), Decimal("88200000.00"), Decimal("87350000.00"))
DEMO_DEPARTMENT_GOAL = (
    "落实就业优先政策，城镇新增就业岗位不少于 3 万个；完善社会保障体系，"
    "按时足额发放各项社会保险待遇；加强劳动关系协调和劳动保障监察，维护劳动者合法权益。"
)
DEMO_DEPARTMENT_OUTCOME = (
    "全年新增就业岗位 3.2 万个，完成职业技能培训 1.8 万人次；各项社会保险待遇按时足额发放；"
    "劳动人事争议案件按期结案率 98%。项目支出取自 11 张签发的项目自评表合计；"
    "执行率未达 90%，主要因征地养老等项目资金按进度结转下年。"
)
DEMO_MANAGEMENT_ACTUALS = (
    ("财政供养人员控制率", "=96%", "2"),
    ("三公经费控制率", "=82%", "3"),
    ("预算完成率", "=98.6%", "3"),
    ("预算调整率", "=6.5%", "2"),
    ("结转结余率", "=1.4%", "2"),
    ("公用经费控制率", "=97%", "2"),
    ("政府采购执行率", "=96%", "2"),
    ("管理制度健全性", "健全", "3"),
    ("资金使用合规性", "合规", "3"),
    ("预决算信息公开性", "按规定公开", "3"),
    ("资产管理安全性", "安全", "3"),
    ("固定资产利用率", "=93%", "2"),
)
DEMO_DUTIES = (
    ("产出指标", "职责履行", "城镇新增就业岗位", ">=30000个", "=32000个", "10", "10"),
    ("产出指标", "职责履行", "职业技能培训人次", ">=15000人次", "=18000人次", "10", "10"),
    ("产出指标", "职责履行", "社会保险待遇按时发放率", "=100%", "=100%", "10", "10"),
    ("效果指标", "履职效益", "城镇登记失业率", "<=4.5%", "=4.2%", "15", "15"),
    ("效果指标", "满意度", "服务对象满意度", ">=90%", "=92%", "15", "14"),
)
DEMO_REASONS = {
    "服务对象满意度": "窗口高峰时段等候时间较长；2023 年增设自助终端并推行预约办理。",
}
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
            self.create_people({"bureau": finance_bureau, "department": department, "unit": unit})
            self.load_department_table(department)
            ReportingYear.objects.filter(year=2022).update(is_open=False)
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

    def load_department_table(self, department):
        """The department's own 2022 table (部门整体支出绩效自评表): 项目支出 from its eleven
        signed project tables, plausible 基本支出 and management figures, signed."""
        year = ReportingYear.objects.get(year=2022)
        kind = kinds.department.DepartmentSelfAssessment.name
        if Assessment.objects.filter(organisation=department, year=year, kind=kind).exists():
            return
        preparer = User.objects.get(username="bumen")
        table = drafts.create_assessment(unit=department, year=year, kind=kind, by=preparer)
        table = department_tables.take_offer(table.pk, by=preparer)
        table = drafts.save_draft(
            table.pk,
            by=preparer,
            base_version=table.version,
            step="funds",
            fields={
                **{f"carryover_{c}": getattr(table, f"carryover_{c}") for c in rules.FUND_COLUMNS},
                **{f"current_{c}": v for c, v in zip(rules.FUND_COLUMNS, DEMO_BASIC, strict=True)},
                **{f"other_{c}": None for c in rules.FUND_COLUMNS},
            },
        )
        table = drafts.save_draft(
            table.pk,
            by=preparer,
            base_version=table.version,
            step="goal",
            fields={"goal": DEMO_DEPARTMENT_GOAL},
        )
        rows = [
            {"id": row.pk, **{f: getattr(row, f) for f in drafts.ROW_FIELDS_TARGETS}}
            for row in table.indicators.all()
        ] + [
            {
                "id": None,
                "level1": l1,
                "level2": l2,
                "name": name,
                "target": target,
                "weight": Decimal(w),
            }
            for l1, l2, name, target, _, w, _ in DEMO_DUTIES
        ]
        table = drafts.save_draft(
            table.pk,
            by=preparer,
            base_version=table.version,
            step="targets",
            rows=rows,
            row_fields=drafts.ROW_FIELDS_TARGETS,
        )
        actuals = {name: (actual, score) for name, actual, score in DEMO_MANAGEMENT_ACTUALS}
        actuals.update({d[2]: (d[4], d[6]) for d in DEMO_DUTIES})
        drafts.save_draft(
            table.pk,
            by=preparer,
            base_version=table.version,
            step="actuals",
            fields={"outcome": DEMO_DEPARTMENT_OUTCOME},
            rows=[
                {
                    "id": row.pk,
                    "actual": actuals[row.name][0],
                    "score": Decimal(actuals[row.name][1]),
                    "reason": DEMO_REASONS.get(row.name, ""),
                }
                for row in table.indicators.all()
            ],
            row_fields=("actual", "score", "reason"),
        )
        workflow.submit_assessment(table.pk, by=preparer)
        workflow.sign_off_assessment(table.pk, by=User.objects.get(username="juzhang"))

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
