from django import template
from django.utils import timezone
from django.utils.formats import localize
from django.utils.safestring import SafeString, mark_safe

from assessments import rules
from assessments.escaping import escape, format_safe
from assessments.kinds.address import AddressError, normalise, parse
from assessments.models import Assessment, AssessmentEvent, Organisation, memberships_of

register = template.Library()


def html_rows(row_format, rows) -> SafeString:
    """format_html_join("", row_format, rows) for long tables: the same escaping, without
    Django's lazy-text check on every value, which costs more than the rest of a row."""
    return mark_safe("".join(row_format.format(*map(escape, row)) for row in rows))


def localizer():
    """localize() for one long table, remembering each value's text: a table's counts and
    scores repeat, and each localize() costs about as much as the rest of a cell."""
    seen = {}

    def localized(value):
        key = (type(value), str(value))
        if key not in seen:
            seen[key] = localize(value)
        return seen[key]

    return localized


@register.filter
def amount(value):
    """Money as the official table prints it: two decimals; a blank cell stays blank."""
    return rules.format_amount(value)


@register.filter
def points(value):
    """A weight or score without trailing zeros: 15, 3.37, 8.5."""
    return "" if value == "" else rules.format_points(value)


@register.filter
def percent(value):
    return rules.format_percent(value)


def _location(parts):
    """A cell's address (kinds.address) from the template's pieces: 'funds.', line,
    '.executed'; in its one string form."""
    return normalise("".join(str(part) for part in parts))


@register.simple_tag
def finding_class(table, *parts):
    """CSS class marking a cell that a finding concerns (screens only: paper marks none)."""
    if table.paper:
        return ""
    severity = table.severity_at(_location(parts))
    return f"cell-{severity}" if severity else ""


# The screens' hooks on the official table: an id that a finding links to, and the data-target
# that comments and findings attach to. Paper has no use for them and prints faster without.


@register.simple_tag
def anchor(table, *parts):
    """` id=...` for the cell a finding at this location links to."""
    if table.paper:
        return ""
    return format_safe(' id="{}"', where_anchor(_location(parts)))


@register.simple_tag
def target(table, *parts):
    """` data-target=...` naming the cell for comments and findings."""
    if table.paper:
        return ""
    return format_safe(' data-target="{}"', _location(parts))


@register.simple_tag
def anchored(table, *parts):
    """Both, for a cell whose location is its own target."""
    return anchor(table, *parts) + target(table, *parts)


@register.filter
def where_anchor(where):
    """An id usable in HTML for a finding's location (the same for every form of it)."""
    try:
        return parse(where).html_id
    except AddressError:
        return "cell-" + "".join(c if c.isalnum() else "-" for c in where)


@register.filter
def person(user, fallback="系统"):
    """A person's name for the page: full name, else the login name, else the fallback."""
    if user is None:
        return fallback
    return user.get_full_name() or user.username


@register.filter
def status_label(value):
    return dict(Assessment.Status.choices).get(value, value or "—")


@register.filter
def amount_grouped(value):
    """Money on screens outside the official table: thousands grouped; blank shows a dash."""
    return rules.format_amount(value, grouped=True) or "—"


STATUS_COLOURS = {"signed_off": "success", "returned": "danger", "submitted": "primary"}


@register.filter
def status_badge(assessment):
    return format_safe(
        '<span class="badge text-bg-{}">{}</span>',
        STATUS_COLOURS.get(assessment.status, "secondary"),
        assessment.status_label,
    )


@register.filter
def in_bureau(user):
    """Whether the user belongs to a finance bureau (the navigation shows its desk)."""
    return user.is_superuser or any(
        m.organisation.kind == Organisation.Kind.BUREAU for m in memberships_of(user)
    )


@register.filter
def address_of(line, column):
    """The cell address of a column of a monitoring table's row (kinds.monitoring.SheetRow)."""
    return line.address(column)


@register.simple_tag
def history_items(events):
    """The detail page's log, one <li> an event, written out in Python: a table that has been
    saved for months has dozens of events, too many for a template loop."""
    # get_action_display(), each label translated once for the log.
    actions = {value: str(label) for value, label in AssessmentEvent.Action.choices}
    return html_rows(HISTORY_ITEM, (_history_item(event, actions) for event in events))


HISTORY_ITEM = """
        <li class="list-group-item small">
          <strong>{}</strong>
          {}
          · {} · {}
          {}
          {}
        </li>
        """


def _history_item(event, actions):
    moved = ""
    if event.from_status != event.to_status and event.to_status:
        moved = format_safe(
            '<span class="text-muted">（{} → {}）</span>',
            status_label(event.from_status),
            status_label(event.to_status),
        )
    return (
        actions.get(event.action, event.action),
        moved,
        person(event.actor, "系统"),
        timezone.localtime(event.created_at).strftime("%Y-%m-%d %H:%M"),
        format_safe("<div>{}</div>", event.comment) if event.comment else "",
        html_rows(
            '<div class="text-muted">{}：{} → {}</div>',
            ((key, _side(pair, 0), _side(pair, 1)) for key, pair in event.changes.items()),
        ),
    )


def _side(pair, index):
    """One side of a logged change [before, after], as the page shows it."""
    try:
        value = pair[index]
    except (TypeError, IndexError, KeyError):
        return ""
    return "（空）" if value is None else localize(value)


@register.simple_tag
def indicator_rows(table):
    """The official table's indicator rows (paper.official_table.IndicatorLine), written out
    in Python exactly as a template loop wrote them: a dozen tags a row, on every screen and
    paper copy of a table, cost more than the rest of the table."""
    return mark_safe(
        "".join(_indicator_row(table, number, line) for number, line in enumerate(table.lines))
    )


def _indicator_row(table, number, line):
    rowspans = "\n        ".join(
        (
            f'<td rowspan="{localize(line.block_rowspan)}" class="block-span"></td>'
            if line.block_rowspan
            else "",
            _label_cell(line.level1_rowspan, line.level1_label),
            _label_cell(line.level2_rowspan, line.level2_label),
        )
    )
    classes = ("empty-level2" if line.is_empty_level2 else "") + (
        " break-before" if line.break_before else ""
    )
    if line.is_empty_level2:
        actuals = table.has_actuals
        empty = (
            '<td class="text"></td><td class="center"></td>'
            + ('<td class="center"></td>' if actuals else "")
            + '<td class="center"></td>'
            + ('<td class="center"></td><td class="text"></td>' if actuals else "")
        )
        return (
            f'\n      <tr data-line="{localize(number)}" class="{classes}">\n        {rowspans}'
            f"\n        \n        {empty}\n        \n      </tr>\n      "
        )
    where, pk = line.where, line.indicator.pk

    def cell(css, column, text):
        return (
            f'<td class="{css} {finding_class(table, where, column)}"'
            f"{target(table, 'indicators.', pk, column)}>{escape(text)}</td>"
        )

    name = f"见注{localize(line.name_note)}" if line.name_note else line.indicator.name
    cells = [
        f'<td class="text {finding_class(table, where, ".name")}"'
        f"{target(table, 'indicators.', pk)}>{escape(localize(name))}</td>",
        cell("center", ".target", localize(line.target)),
        cell("center", ".actual", localize(line.actual)) if table.has_actuals else "",
        f'<td class="center"{target(table, "indicators.", pk, ".weight")}>'
        f"{escape(points(line.indicator.weight))}</td>",
    ]
    if table.has_actuals:
        reason = f"见注{localize(line.note)}" if line.note else line.indicator.reason
        cells.append(
            cell("center", ".score", points(line.indicator.score))
            + "\n        "
            + cell("text", ".reason", localize(reason))
        )
    else:
        cells.append("")
    return (
        f'\n      <tr data-line="{localize(number)}"{anchor(table, where)} class="{classes}">'
        f"\n        {rowspans}\n        \n        "
        + "\n        ".join(cells)
        + "\n        \n      </tr>\n      "
    )


def _label_cell(rowspan, parts):
    if not rowspan:
        return ""
    text = "<br>".join(escape(localize(part)) for part in parts)
    return f'<td rowspan="{localize(rowspan)}" class="center">{text}</td>'
