"""Synthetic assessments for trying the application at scale: a city of departments and units,
recurring projects over several years, indicator trees of the year's rule set and figures that
behave like real ones (mostly met targets, a few misses with reasons, low execution now and
then, the odd slip that the checks report).

Every table is scored by rules.evaluate(), exactly as a typed-in table is, and stored with
bulk inserts in batches.
"""

import random
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, reset_queries, transaction

from . import rules
from .models import (
    Assessment,
    AssessmentEvent,
    Indicator,
    Organisation,
    Project,
    ReportingYear,
    Signature,
)
from .services import refresh_computed
from .trust.signing import unsaved_signature

DISTRICTS = [
    "东湖", "西山", "南河", "北岭", "青松", "金桥", "云溪", "石门", "龙泉", "白沙",
    "临江", "枫林", "望海", "长宁", "安平", "清河", "柳岸", "新桥", "梅岭", "凤鸣",
]  # fmt: skip
BUREAUS = [
    "教育局", "卫生健康委员会", "民政局", "人力资源和社会保障局", "财政局",
    "交通委员会", "生态环境局", "文化和旅游局", "农业农村委员会", "市场监督管理局",
    "司法局", "体育局", "住房和城乡建设管理委员会", "应急管理局", "水务局",
    "科学技术委员会", "商务委员会", "规划和自然资源局", "退役军人事务局", "医疗保障局",
]  # fmt: skip
UNIT_SUFFIXES = [
    "服务中心", "信息中心", "综合执法大队", "事务中心", "培训中心", "档案馆", "监测站",
    "管理所", "指导中心", "保障中心", "宣传教育中心", "后勤服务中心", "评估中心",
    "技术中心", "资料馆", "办公室", "发展研究中心", "协调中心", "咨询中心", "调度中心",
]  # fmt: skip
PROJECTS = [
    "信息系统运维", "办公设备购置", "宣传费", "外省市差旅费", "邮寄费", "专项培训经费",
    "政府购买辅助服务", "课题研究经费", "场地租赁费", "安全保障经费", "设备维护费",
    "档案数字化", "监测设备更新", "慰问经费", "志愿者补贴", "法律顾问服务", "印刷费",
    "车辆运行维护费", "专项会议经费", "数据采集服务", "应急物资储备", "公共服务热线",
    "网站及新媒体运营", "第三方评估服务", "节假日保障经费",
]  # fmt: skip
REASONS = [
    "受疫情影响，部分活动延期开展，明年将提前谋划、加快进度。",
    "服务对象数量较预期减少，下一年度将据实调整指标值。",
    "部分合同年底前未完成验收，资金将在下一年度支付。",
    "采购流程较长，项目启动晚于计划，已优化采购安排。",
    "指标值设定偏高，下一年度将结合历史数据合理设定。",
    "人员调整导致进度滞后，已明确专人负责。",
]
LOW_EXECUTION = [
    "受疫情影响，部分支出延至下一年度。",
    "政府采购节约资金，执行率低于预期。",
    "部分项目按进度结算，尾款将在下一年度支付。",
]


@dataclass(frozen=True)
class Template:
    """An indicator as units write it: name, how its target reads and how it is met."""

    name: str
    shape: str  # pct, count, zero, cost, text
    unit: str = ""


TEMPLATES = {
    "数量指标": [
        Template("服务人次", "count", "人次"),
        Template("培训场次", "count", "场"),
        Template("完成工作任务数", "count", "项"),
        Template("覆盖街镇数", "count", "个"),
        Template("工作完成率", "pct"),
    ],
    "质量指标": [
        Template("验收合格率", "pct"),
        Template("数据准确率", "pct"),
        Template("资料归档完整率", "pct"),
        Template("服务规范达标情况", "text"),
    ],
    "时效指标": [
        Template("完成及时率", "pct"),
        Template("按期完成情况", "text"),
        Template("问题响应及时性", "text"),
    ],
    "成本指标": [
        Template("人均服务成本", "cost", "元"),
        Template("成本控制情况", "text"),
    ],
    "经济成本指标": [Template("单位服务成本", "cost", "元")],
    "社会成本指标": [Template("对周边群众的不利影响", "text")],
    "生态环境成本指标": [Template("环境影响情况", "text")],
    "经济效益指标": [Template("资金使用合规率", "pct"), Template("节约财政资金", "text")],
    "社会效益指标": [
        Template("政策知晓率", "pct"),
        Template("服务覆盖率", "pct"),
        Template("社会影响力", "text"),
        Template("重大安全事故数", "zero", "起"),
    ],
    "生态效益指标": [Template("环境投诉数", "zero", "起")],
    "可持续影响指标": [
        Template("管理制度建立情况", "text"),
        Template("长效机制运行情况", "text"),
    ],
    "服务对象满意度指标": [
        Template("服务对象满意度", "pct"),
        Template("参与人员满意度", "pct"),
    ],
}
TEXT_TARGETS = ["建立健全", "及时", "有效提升", "规范", "12月底前完成"]
# Within each 一级: the 二级 to draw from and how often each is drawn.
LEVEL2_WEIGHTS = {
    "数量指标": 5,
    "质量指标": 4,
    "时效指标": 3,
    "成本指标": 1,
    "经济效益指标": 1,
    "社会效益指标": 5,
    "生态效益指标": 1,
    "可持续影响指标": 2,
    "服务对象满意度指标": 1,
    "经济成本指标": 3,
    "社会成本指标": 1,
    "生态环境成本指标": 1,
}
MISS_CHANCE = 0.08
FORGOTTEN_REASON_CHANCE = 0.03
CENT = rules.CENT


@dataclass
class Plan:
    """How many departments, units and projects a city needs for `count` tables."""

    count: int
    years: list
    units_per_department: int = 20
    projects_per_unit: int = 20

    @property
    def projects(self):
        return -(-self.count // len(self.years))

    @property
    def units(self):
        return -(-self.projects // self.projects_per_unit)

    @property
    def departments(self):
        return -(-self.units // self.units_per_department)


def _split(total, parts, rng):
    """`total` points as `parts` whole numbers of at least 2 each."""
    cuts = sorted(rng.sample(range(1, total // 2), parts - 1)) if parts > 1 else []
    sizes = [b - a for a, b in zip([0, *cuts], [*cuts, total // 2], strict=True)]
    # Doubled so every part is at least 2; an odd total gives its last point to the first part.
    sizes = [size * 2 for size in sizes]
    sizes[0] += total - sum(sizes)
    return sizes


def _money(value):
    return Decimal(value).quantize(CENT)


class Generator:
    def __init__(self, seed=2022):
        self.rng = random.Random(seed)

    # -- one indicator ------------------------------------------------------

    def indicator(self, template, weight, year, rule_set):
        rng = self.rng
        missed = rng.random() < MISS_CHANCE
        grade = ""
        reason = ""
        if template.shape == "pct":
            goal = rng.choice([85, 90, 95, 98, 100])
            comparator = "=" if goal == 100 else ">="
            target = f"{comparator}{goal}%"
            if missed:
                actual = f"={goal - rng.randint(2, 15)}%"
            else:
                actual = f"={rng.randint(goal, 100)}%" if goal < 100 else "=100%"
        elif template.shape == "count":
            goal = rng.choice([4, 6, 10, 12, 20, 50, 100, 200, 500, 1200, 3000])
            target = f">={goal}{template.unit}"
            if missed:
                actual = f"={max(1, int(goal * rng.uniform(0.6, 0.95)))}{template.unit}"
            else:
                ratio = rng.uniform(1.0, 1.45) if rng.random() < 0.3 else 1.0
                actual = f"={int(goal * ratio)}{template.unit}"
        elif template.shape == "zero":
            target = f"=0{template.unit}"
            actual = f"={rng.randint(1, 3)}{template.unit}" if missed else f"=0{template.unit}"
        elif template.shape == "cost":
            goal = rng.choice([50, 80, 120, 200, 500, 1500])
            target = f"<={goal}{template.unit}"
            spent = goal * rng.uniform(1.05, 1.4) if missed else goal * rng.uniform(0.8, 1.0)
            actual = f"={int(spent)}{template.unit}"
        else:
            text = rng.choice(TEXT_TARGETS)
            target = f"{year}年{text}" if text.startswith("12月") else text
            if missed:
                grade = rules.GRADE_PARTIAL
                actual = "部分完成"
            else:
                grade = rules.GRADE_ACHIEVED
                actual = target
        suggested = rules.suggested_indicator_score(
            rules.parse_value(target), rules.parse_value(actual), weight, grade or None, rule_set
        )
        score = suggested if suggested is not None else weight
        if score < weight and rng.random() >= FORGOTTEN_REASON_CHANCE:
            reason = rng.choice(REASONS)
        return Indicator(
            name=template.name,
            target=target,
            actual=actual,
            grade=grade,
            weight=weight,
            score=score,
            reason=reason,
        )

    # -- the tree -------------------------------------------------------------

    def tree(self, year, rule_set):
        """Indicator rows of the rule set's taxonomy: 产出 50, 效益 30, 满意度 10."""
        rng = self.rng
        rows = []
        for level1s, weight in rule_set.level1_split:
            level2s = [
                (level1, level2)
                for level1 in level1s
                for level2 in rule_set.level2_choices(level1)
                if level2 in TEMPLATES
            ]
            parts = {50: rng.randint(3, 6), 30: rng.randint(2, 4)}.get(
                int(weight), rng.randint(1, 2)
            )
            chosen: list[tuple[str, str, Template]] = []
            for _ in range(parts):
                level1, level2 = rng.choices(
                    level2s, weights=[LEVEL2_WEIGHTS[l2] for _, l2 in level2s]
                )[0]
                used = {row[2].name for row in chosen if row[1] == level2}
                free = [t for t in TEMPLATES[level2] if t.name not in used]
                if free:
                    chosen.append((level1, level2, rng.choice(free)))
            weights = _split(int(weight), len(chosen), rng)
            # Keep 一级 and 二级 together, as the printed table merges their cells.
            order = {level2: index for index, (_, level2) in enumerate(level2s)}
            chosen.sort(key=lambda row: order[row[1]])
            for (level1, level2, template), points in zip(chosen, weights, strict=True):
                row = self.indicator(template, Decimal(points), year, rule_set)
                row.level1, row.level2 = level1, level2
                rows.append(row)
        for position, row in enumerate(rows, start=1):
            row.position = position
        return rows

    # -- the funds --------------------------------------------------------------

    def funds(self, base):
        """The four fund lines: full-year budget near the project's size, a realistic spend."""
        rng = self.rng
        full = _money(round(base * rng.uniform(0.9, 1.1), -2))
        initial = _money(round(full * Decimal(str(rng.uniform(0.9, 1.15))), -2))
        draw = rng.random()
        if draw < 0.4:
            share = Decimal(1)
        elif draw < 0.43:
            share = Decimal(str(round(rng.uniform(1.0, 1.05), 4)))
        else:
            share = Decimal(str(round(min(rng.betavariate(9, 1), 1.0), 4)))
        executed = _money(full * share)
        values = {
            "total": (initial, full, executed),
            "current": (initial, full, executed),
            "carryover": (Decimal(0), Decimal(0), Decimal(0)),
            "other": (Decimal(0), Decimal(0), Decimal(0)),
        }
        if rng.random() < 0.15:
            part = Decimal(str(round(rng.uniform(0.05, 0.3), 2)))
            carried = tuple(_money(value * part) for value in values["total"])
            values["carryover"] = carried
            values["current"] = tuple(
                total - carry for total, carry in zip(values["total"], carried, strict=True)
            )
        if rng.random() < 0.05:
            # Sub-lines of the spend left blank, as some published tables do.
            for line in ("current", "carryover", "other"):
                values[line] = (*values[line][:2], None)
        return values

    def outcome(self, funds):
        _, full, executed = funds["total"]
        rate = rules.execution_rate(full, executed)
        assert rate is not None  # every generated table has a budget
        written = rate
        if self.rng.random() < 0.02:
            written = rate - CENT  # a slip the RATE_TEXT_MISMATCH check reports
        text = f"年度目标基本完成，执行率{written}%。"
        if rate < Decimal(90):
            text += self.rng.choice(LOW_EXECUTION)
        return text

    def status(self, year, latest):
        draw = self.rng.random()
        if year < latest:
            return Assessment.Status.SIGNED_OFF if draw < 0.95 else Assessment.Status.SUBMITTED
        if draw < 0.3:
            return Assessment.Status.DRAFT
        if draw < 0.55:
            return Assessment.Status.SUBMITTED
        if draw < 0.65:
            return Assessment.Status.RETURNED
        return Assessment.Status.SIGNED_OFF

    def assessment(self, project, department, year, base, latest):
        rule_set = rules.get_rule_set(year.rule_set)
        funds = self.funds(base)
        indicators = self.tree(year.year, rule_set)
        assessment = Assessment(
            project=project,
            year=year,
            status=self.status(year.year, latest),
            department_name=department.name,
            budget_weight=rule_set.budget_weight,
            goal=f"保障{project.name}工作有序开展，按计划完成年度各项任务，服务对象满意。",
            outcome=self.outcome(funds),
        )
        for line, values in funds.items():
            for column, value in zip(rules.FUND_COLUMNS, values, strict=True):
                setattr(assessment, f"{line}_{column}", value)
        refresh_computed(assessment, assessment.evaluate(indicators))
        if assessment.error_count and assessment.status in (
            Assessment.Status.SUBMITTED,
            Assessment.Status.SIGNED_OFF,
        ):
            # Errors block submission and sign-off: such a table is still with its unit.
            assessment.status = self.rng.choice(
                [Assessment.Status.DRAFT, Assessment.Status.RETURNED]
            )
        return assessment, indicators


def organisation_names(prefix, count):
    """Department names: a district and a bureau, unique for up to 400 departments per prefix."""
    names = []
    for index in range(count):
        district = DISTRICTS[(index // len(BUREAUS)) % len(DISTRICTS)]
        round_number = index // (len(BUREAUS) * len(DISTRICTS))
        suffix = f"{round_number + 1}" if round_number else ""
        names.append(f"{prefix}{district}{suffix}区{BUREAUS[index % len(BUREAUS)]}")
    return names


def project_name(index):
    name = PROJECTS[index % len(PROJECTS)]
    return name if index < len(PROJECTS) else f"{name}（{index // len(PROJECTS) + 1}期）"


def create_places(city_plan, prefix):
    """Departments, units and projects, in bulk; returns the projects with their units."""
    departments = Organisation.objects.bulk_create(
        [
            Organisation(name=name, kind=Organisation.Kind.DEPARTMENT)
            for name in organisation_names(prefix, city_plan.departments)
        ]
    )
    units = Organisation.objects.bulk_create(
        [
            Organisation(
                name=f"{department.name}{UNIT_SUFFIXES[index % len(UNIT_SUFFIXES)]}"
                + (f"{index // len(UNIT_SUFFIXES) + 1}" if index >= len(UNIT_SUFFIXES) else ""),
                kind=Organisation.Kind.UNIT,
                parent=department,
            )
            for department in departments
            for index in range(city_plan.units_per_department)
        ][: city_plan.units]
    )
    return Project.objects.bulk_create(
        [
            Project(unit=unit, name=project_name(index))
            for unit in units
            for index in range(city_plan.projects_per_unit)
        ][: city_plan.projects],
        batch_size=2000,
    )


def generate(count, *, years, prefix="模拟", seed=2022, batch_size=1000, progress=None):
    """Create `count` assessments over `years`; returns the number created."""
    generator = Generator(seed)
    with transaction.atomic():
        reporting_years = [
            ReportingYear.objects.get_or_create(
                year=year, defaults={"rule_set": rules.DEFAULT_RULE_SET, "is_open": False}
            )[0]
            for year in sorted(years)
        ]
        projects = create_places(Plan(count, years), prefix)
    latest = max(years)
    batch: list[tuple[Assessment, list[Indicator]]] = []
    created = 0
    # Project after project, year after year: every project recurs over the years.
    for project in projects:
        base = 10 ** generator.rng.uniform(4, 7.5)
        for year in reporting_years:
            if created + len(batch) == count:
                break
            batch.append(generator.assessment(project, project.unit.parent, year, base, latest))
            if len(batch) == batch_size:
                created += _store(batch)
                batch = []
                if progress:
                    progress(created, count)
    if batch:
        created += _store(batch)
        if progress:
            progress(created, count)
    if connection.vendor == "postgresql":
        # After a bulk load: planner statistics, and the visibility map that lets counts use
        # index-only scans, before autovacuum gets round to them.
        # VACUUM cannot run inside a transaction (a caller's atomic block, a test): there the
        # statistics alone are refreshed.
        command = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
        with connection.cursor() as cursor:
            for model in (Assessment, Indicator, Project, Organisation):
                cursor.execute(f'{command} "{model._meta.db_table}"')
    return created


@transaction.atomic
def _store(batch):
    assessments = Assessment.objects.bulk_create([assessment for assessment, _ in batch])
    rows = []
    events = []
    signatures = []
    for assessment, indicators in batch:
        for row in indicators:
            row.assessment = assessment
            rows.append(row)
        signed = assessment.status == Assessment.Status.SIGNED_OFF
        events.append(
            AssessmentEvent(
                assessment=assessment,
                action=AssessmentEvent.Action.SIGN_OFF if signed else AssessmentEvent.Action.CREATE,
                to_status=assessment.status,
                comment="模拟数据",
            )
        )
        if signed:
            signatures.append(
                unsaved_signature(assessment, comment="模拟数据", indicators=indicators)
            )
    Indicator.objects.bulk_create(rows, batch_size=5000)
    AssessmentEvent.objects.bulk_create(events)
    Signature.objects.bulk_create(signatures)
    # With DEBUG on, Django keeps the text of recent queries; these are megabytes each.
    reset_queries()
    return len(assessments)
