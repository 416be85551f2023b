"""The summary's long tables written out in Python: a department's summary lists hundreds of
projects and shortfalls, and a template loop over them was most of the page's time. Each row
reads as the template wrote it."""

import functools

from django import template
from django.utils.html import format_html

from ..models import Assessment
from .assessment_tags import amount_grouped, html_rows, localizer, percent, points

register = template.Library()

PROJECT_ROW = (
    '\n      <tr><td>{}</td><td class="wrap"><a href="{}">{}</a></td>'
    '<td class="num">{}</td><td class="num">{}</td><td class="num">{}</td>'
    '<td class="num">{}</td><td>{}</td><td class="text-nowrap">{}</td>'
    '<td class="no-print"><a href="{}">历年对比</a></td></tr>\n      '
)
SHORTFALL_ROW = (
    '\n      <tr><td><a href="{}">{}</a>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>'
    '<td class="num">{}</td><td class="num">{}</td><td class="{}">{}</td></tr>\n      '
)
FINDINGS_ROW = (
    '\n      <tr><td>{}</td><td class="wrap"><a href="{}#findings">{}</a></td>'
    '<td class="num">{}</td><td class="num">{}</td><td>{}</td>'
    '<td class="num {}">{}</td><td class="num">{}</td></tr>\n      '
)


@register.simple_tag
def project_rows(rows):
    """The rows of 各项目 (summary.ProjectRow)."""
    status_labels = _status_labels()
    localize = localizer()
    return html_rows(
        PROJECT_ROW,
        (
            (
                row.unit,
                row.url,
                row.project,
                amount_grouped(row.budget),
                amount_grouped(row.executed),
                percent(row.execution_rate),
                localize(row.total_score),
                row.grade,
                status_labels[row.status],
                row.years_url,
            )
            for row in rows
        ),
    )


@register.simple_tag
def shortfall_rows(shortfalls, show_unit):
    """The rows of 得分低于分值的指标 (summary.Shortfall); `show_unit` on a department's."""
    # A department has a few units and hundreds of shortfalls: each unit's line made once.
    unit_line = functools.cache(
        lambda unit: format_html('<div class="small text-muted">{}</div>', unit)
    )
    return html_rows(
        SHORTFALL_ROW,
        (
            (
                item.url,
                item.project,
                unit_line(item.unit) if show_unit else "",
                item.level2,
                item.name,
                item.target,
                item.actual,
                points(item.weight),
                points(item.score),
                "" if item.reason.strip() else "text-danger",
                item.reason or "（未填写原因）",
            )
            for item in shortfalls
        ),
    )


@register.simple_tag
def finding_rows(rows):
    """The rows of 有检查发现的自评表 (summary.ProjectRow)."""
    status_labels = _status_labels()
    localize = localizer()
    return html_rows(
        FINDINGS_ROW,
        (
            (
                row.unit,
                row.url,
                row.project,
                percent(row.execution_rate),
                localize(row.total_score),
                status_labels[row.status],
                "text-danger fw-semibold" if row.error_count else "",
                localize(row.error_count),
                localize(row.warning_count),
            )
            for row in rows
        ),
    )


def _status_labels():
    """ProjectRow.status_label of each status, translated once for the table."""
    return {status.value: str(status.label) for status in Assessment.Status}
