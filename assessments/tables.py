import django_tables2 as tables
from django.core.paginator import Paginator

from .models import Assessment

NUMERIC = {"td": {"class": "num"}, "th": {"class": "num"}}
MAX_PER_PAGE = 200


class BoundedPaginator(Paginator):
    """Between 1 and 200 rows a page, whatever `per_page` the address asks for."""

    def __init__(self, object_list, per_page, *args, **kwargs):
        super().__init__(object_list, min(max(int(per_page), 1), MAX_PER_PAGE), *args, **kwargs)


class AssessmentTable(tables.Table):
    # Every ordering ends with the primary key, so that pages neither repeat nor skip rows
    # where values tie.
    year = tables.Column(
        "年度", accessor="year__year", order_by=("year__year", "project__name", "pk")
    )
    project = tables.Column("项目名称", accessor="project__name", order_by=("project__name", "pk"))
    unit = tables.Column(
        "实施单位", accessor="project__unit__name", order_by=("project__unit__name", "pk")
    )
    full_year_budget = tables.Column(
        "全年预算数",
        accessor="total_full_year_budget",
        attrs=NUMERIC,
        order_by=("total_full_year_budget", "pk"),
    )
    executed = tables.Column(
        "全年执行数", accessor="total_executed", attrs=NUMERIC, order_by=("total_executed", "pk")
    )
    execution_rate = tables.Column("执行率", attrs=NUMERIC, order_by=("execution_rate", "pk"))
    total_score = tables.Column("总分", attrs=NUMERIC, order_by=("total_score", "pk"))
    # The grade follows from the score, so sorting by grade sorts by score.
    grade = tables.Column("等级", order_by=("total_score", "pk"))
    status = tables.Column("状态", order_by=("status_order", "pk"))
    updated_at = tables.Column("更新时间", order_by=("updated_at", "pk"))
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
        # The rows are written by the template; the columns here name, sort and paginate.
        template_name = "assessments/_assessment_table.html"
        attrs = {"class": "table table-hover table-figures mb-0 align-middle"}
        # Latest changes first: what a reviewer looks for, and an index serves it.
        order_by = ("-updated_at",)
        empty_text = "暂无可查看的自评表。"
