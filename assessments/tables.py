import django_tables2 as tables
from django.core.paginator import Paginator
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from .escaping import format_safe
from .models import Assessment
from .reporting.summary import url_maker
from .templatetags.assessment_tags import (
    amount_grouped,
    html_rows,
    localizer,
    percent,
    status_badge,
)

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
    # Sorted by order_status() and order_findings(): the expressions they sort on are
    # written into the query only when the list is sorted on them.
    status = tables.Column("状态")
    updated_at = tables.Column("更新时间", order_by=("updated_at", "pk"))
    findings = tables.Column("检查发现", attrs=NUMERIC)

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
        # The rows are written by rows_html(); the columns here name, sort and paginate.
        template_name = "assessments/_assessment_table.html"
        attrs = {"class": "table table-hover table-figures mb-0 align-middle"}
        # Latest changes first: what a reviewer looks for, and an index serves it.
        order_by = ("-updated_at",)
        empty_text = "暂无可查看的自评表。"

    def order_status(self, queryset, is_descending):
        return queryset.by_status(is_descending), True

    def order_findings(self, queryset, is_descending):
        return queryset.by_findings(is_descending), True

    def rows_html(self) -> SafeString:
        """The page's rows, written out in Python: fifty rows through the template engine
        would cost most of the page's time."""
        records = [row.record for row in self.paginated_rows]
        if not records:
            if not self.empty_text:
                return SafeString()
            return format_safe(
                '<tr><td colspan="{}">{}</td></tr>', len(self.columns), self.empty_text
            )
        detail = url_maker("assessments:detail")
        localize = localizer()
        return html_rows(ROW, (_row_cells(a, detail, localize) for a in records))


WAN_YUAN = mark_safe(' <small class="text-body-secondary">万元</small>')
UNAPPROVED = mark_safe(
    ' <span class="badge text-bg-warning fw-normal" '
    'title="年度指标值和分值没有经过绩效目标表的审批">目标未经审批</span>'
)
ROW = (
    '\n<tr>\n  <td>{}</td>\n  <td class="wrap"><a href="{}">{}</a></td>\n'
    '  <td class="wrap">{}</td>\n  <td class="num">{}{}</td>\n{}'
    '  <td>{}{}</td>\n  <td class="when">{}</td>\n  <td class="num">{}{}{}</td>\n</tr>\n'
)


def when_html(moment) -> SafeString:
    """A date and its time, which break onto two lines between them where space is short."""
    return format_safe(
        '<span class="text-nowrap">{}</span> <span class="text-nowrap">{}</span>',
        moment.strftime("%Y-%m-%d"),
        moment.strftime("%H:%M"),
    )


def _row_cells(a, detail, localize):
    """What ROW fills in for one assessment; `detail` makes the detail page's address
    (url_maker), `localize` is the table's localizer()."""
    unit = WAN_YUAN if a.kept_in_wan_yuan else ""
    actuals = ""
    # A list of target tables has no such columns (AssessmentListView.ACTUALS_COLUMNS).
    if a.table_kind.has_actuals:
        actuals = format_safe(
            '  <td class="num">{}{}</td>\n  <td class="num">{}</td>\n'
            '  <td class="num">{}</td>\n  <td>{}</td>\n',
            amount_grouped(a.total_executed),
            unit,
            percent(a.execution_rate),
            localize(a.total_score),
            a.grade,
        )
    errors = warnings = ""
    if a.error_count:
        errors = format_safe(
            '<span class="badge text-bg-danger">错误 {}</span>', localize(a.error_count)
        )
    if a.warning_count:
        warnings = format_safe(
            ' <span class="badge text-bg-warning">提示 {}</span>', localize(a.warning_count)
        )
    return (
        localize(a.year.year),
        detail(a.pk),
        a.subject,
        a.unit.name,
        amount_grouped(a.total_full_year_budget),
        unit,
        actuals,
        status_badge(a),
        UNAPPROVED if a.targets_unapproved else "",
        when_html(timezone.localtime(a.updated_at)),
        errors,
        warnings,
        "" if a.error_count or a.warning_count else "0",
    )
