"""The form renderer: Django's, with the plainest widgets written out in Python.

A wizard step has dozens of inputs, and each one through Django's three nested widget
templates (text.html, input.html, attrs.html) costs more than the rest of the page. Inputs,
text areas and selects of plain options are written here exactly as those templates write
them (tests/test_form_rendering.py holds the two side by side); every other widget, and every
form, field and error list, still goes through its template.
"""

from django.forms.renderers import DjangoTemplates
from django.utils.formats import localize
from django.utils.safestring import SafeString, mark_safe

from ..escaping import escape, format_safe

# The widget templates that only include django/forms/widgets/input.html.
INPUT_TEMPLATES = frozenset(
    f"django/forms/widgets/{name}.html"
    for name in ("input", "text", "hidden", "number", "email", "password", "url", "search", "tel")
)
TEXTAREA_TEMPLATE = "django/forms/widgets/textarea.html"
SELECT_TEMPLATE = "django/forms/widgets/select.html"
OPTION_TEMPLATE = "django/forms/widgets/select_option.html"


class FormRenderer(DjangoTemplates):
    def render(self, template_name, context, request=None):
        if template_name in INPUT_TEMPLATES:
            return input_html(context["widget"])
        if template_name == TEXTAREA_TEMPLATE:
            return textarea_html(context["widget"])
        if template_name == SELECT_TEMPLATE and _plain_options(context["widget"]):
            return select_html(context["widget"])
        return super().render(template_name, context, request)


def attrs_html(attrs) -> SafeString:
    """django/forms/widgets/attrs.html: False leaves an attribute out, True writes it bare."""
    # Each name and value is escaped on its own.
    return mark_safe(
        "".join(
            f" {escape(name)}" if value is True else f' {escape(name)}="{escape(str(value))}"'
            for name, value in attrs.items()
            if value is not False
        )
    )


def input_html(widget):
    value = widget["value"]
    return format_safe(
        '<input type="{}" name="{}"{}{}>',
        widget["type"],
        widget["name"],
        format_safe(' value="{}"', str(value)) if value is not None else "",
        attrs_html(widget["attrs"]),
    )


def textarea_html(widget):
    return format_safe(
        '<textarea name="{}"{}>\n{}</textarea>',
        widget["name"],
        attrs_html(widget["attrs"]),
        widget["value"] or "",
    )


def _plain_options(widget):
    return all(
        option["template_name"] == OPTION_TEMPLATE
        for _, options, _ in widget["optgroups"]
        for option in options
    )


def select_html(widget):
    """django/forms/widgets/select.html, whose options are select_option.html."""
    parts: list[str] = []
    for group, options, _ in widget["optgroups"]:
        if group:
            parts.append(format_safe('\n  <optgroup label="{}">', localize(group)))
        parts.extend(
            format_safe(
                '\n  <option value="{}"{}>{}</option>\n',
                str(option["value"]),
                attrs_html(option["attrs"]),
                localize(option["label"]),
            )
            for option in options
        )
        if group:
            parts.append("\n  </optgroup>")
    return format_safe(
        '<select name="{}"{}>{}\n</select>',
        widget["name"],
        attrs_html(widget["attrs"]),
        mark_safe("".join(parts)),
    )
