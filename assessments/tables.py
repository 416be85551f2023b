import django_tables2 as tables
from django.utils.html import format_html

from . import rules
from .models import Assessment


class AmountColumn(tables.Column):
    attrs = {"td": {"class": "num"}, "th": {"class": "num"}}

    def render(self, value):
        return rules.format_amount(value, grouped=True)


class AssessmentTable(tables.Table):
    year = tables.Column("年度", accessor="year__year", order_by=("year__year", "project__name"))
    project = tables.Column("项目名称", accessor="project__name", linkify=True)
    unit = tables.Column("实施单位", accessor="project__unit__name")
    full_year_budget = AmountColumn("全年预算数", accessor="total_full_year_budget")
    executed = AmountColumn("全年执行数", accessor="total_executed")
    execution_rate = tables.Column("执行率", attrs={"td": {"class": "num"}, "th": {"class": "num"}})
    total_score = tables.Column("总分", attrs={"td": {"class": "num"}, "th": {"class": "num"}})
    grade = tables.Column("等级")
    status = tables.Column("状态")

    class Meta:
        model = Assessment
        fields = ()
        sequence = (
            "year",
            "project",
            "unit",
            "full_year_budget",
            "executed",
            "execution_rate",
            "total_score",
            "grade",
            "status",
        )
        attrs = {"class": "table table-hover table-figures mb-0 align-middle"}
        empty_text = "暂无可查看的自评表。"

    def render_execution_rate(self, value):
        return rules.format_percent(value)

    def render_total_score(self, value):
        return format(value, "f")

    def render_status(self, record):
        colour = {
            Assessment.Status.SIGNED_OFF: "success",
            Assessment.Status.RETURNED: "danger",
            Assessment.Status.SUBMITTED: "primary",
        }.get(record.status, "secondary")
        return format_html(
            '<span class="badge text-bg-{}">{}</span>', colour, record.get_status_display()
        )
