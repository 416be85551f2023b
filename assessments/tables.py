import django_tables2 as tables
from django.utils.html import format_html

from . import rules
from .models import Assessment

NUMERIC = {"td": {"class": "num"}, "th": {"class": "num"}}


class AmountColumn(tables.Column):
    attrs = NUMERIC

    def render(self, value):
        return rules.format_amount(value, grouped=True)


class AssessmentTable(tables.Table):
    # Every ordering ends with the primary key, so that pages neither repeat nor skip rows
    # where values tie.
    year = tables.Column(
        "年度", accessor="year__year", order_by=("year__year", "project__name", "pk")
    )
    project = tables.Column(
        "项目名称", accessor="project__name", linkify=True, order_by=("project__name", "pk")
    )
    unit = tables.Column(
        "实施单位", accessor="project__unit__name", order_by=("project__unit__name", "pk")
    )
    full_year_budget = AmountColumn(
        "全年预算数", accessor="total_full_year_budget", order_by=("total_full_year_budget", "pk")
    )
    executed = AmountColumn(
        "全年执行数", accessor="total_executed", order_by=("total_executed", "pk")
    )
    execution_rate = tables.Column("执行率", attrs=NUMERIC, order_by=("execution_rate", "pk"))
    total_score = tables.Column("总分", attrs=NUMERIC, order_by=("total_score", "pk"))
    # The grade follows from the score, so sorting by grade sorts by score.
    grade = tables.Column("等级", order_by=("total_score", "pk"))
    status = tables.Column("状态", order_by=("status_order", "pk"))
    updated_at = tables.DateTimeColumn(
        verbose_name="更新时间", format="Y-m-d H:i", order_by=("updated_at", "pk")
    )
    findings = tables.Column(
        "检查发现", accessor="finding_count", attrs=NUMERIC, order_by=("finding_count", "pk")
    )

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
            "updated_at",
            "findings",
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

    def render_findings(self, record):
        parts = []
        if record.error_count:
            parts.append(
                format_html('<span class="badge text-bg-danger">错误 {}</span>', record.error_count)
            )
        if record.warning_count:
            parts.append(
                format_html(
                    '<span class="badge text-bg-warning">提示 {}</span>', record.warning_count
                )
            )
        return format_html(" ".join(["{}"] * len(parts)), *parts) if parts else "0"
