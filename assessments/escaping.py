"""HTML written out in Python on long pages: the results of django.utils.html's
conditional_escape() and format_html(), without the lazy-text check wrapped around each of
their calls, which costs more than the escaping itself when a page makes thousands."""

import html

from django.utils.safestring import SafeString, mark_safe


def escape(value) -> str:
    """conditional_escape(): safe text as it is; anything else, a lazy text included, made a
    string and escaped."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


def format_safe(template: str, *args) -> SafeString:
    """format_html() with positional arguments."""
    return mark_safe(template.format(*map(escape, args)))
