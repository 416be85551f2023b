"""Charts of the summary, drawn on the server as SVG so that they show and print without scripts.

Pure functions: plain values in, SVG markup out. Text is escaped; every bar carries a <title>
with its exact figure, which browsers show on hover.
"""

from dataclasses import dataclass
from decimal import Decimal
from html import escape

from django.utils.safestring import mark_safe

WIDTH = 760
LABEL_WIDTH = 230
VALUE_WIDTH = 70
ROW_HEIGHT = 18
BAR_HEIGHT = 12
TOP = 24
BOTTOM = 26
# Up to this many projects each gets a labelled row; beyond, thin unlabelled columns.
LABELLED_LIMIT = 40
COLUMNS_HEIGHT = 220
LABEL_CHARS = 16

GRADE_COLOURS = {"优": "#198754", "良": "#0d6efd", "中": "#fd7e14", "差": "#dc3545"}
NEUTRAL = "#6c757d"
GUIDE = "#adb5bd"


@dataclass(frozen=True)
class Bar:
    label: str
    value: Decimal | None
    text: str  # the figure as printed
    colour: str = NEUTRAL
    note: str = ""  # added to the hover title


def _number(value):
    return format(round(float(value), 2), "g")


def _short(label):
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


def _svg(height, title, body):
    return mark_safe(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" role="img" aria-label="{escape(title)}" class="chart" '
        f'font-size="11" preserveAspectRatio="xMinYMin meet">'
        f"<title>{escape(title)}</title>{body}</svg>"
    )


def _guides(guides, scale_x, top, bottom):
    """Reference lines with their labels, e.g. the grade floors or the 90% execution line."""
    parts = []
    for value, label in guides:
        x = scale_x(value)
        parts.append(
            f'<line x1="{_number(x)}" y1="{top - 4}" x2="{_number(x)}" y2="{bottom}" '
            f'stroke="{GUIDE}" stroke-dasharray="3 3"/>'
            f'<text x="{_number(x)}" y="{top - 8}" text-anchor="middle" fill="{NEUTRAL}">'
            f"{escape(label)}</text>"
        )
    return "".join(parts)


def bar_chart(bars, *, title, maximum, guides=(), unit=""):
    """One bar per item, highest first; labelled rows for a few items, columns for many."""
    bars = sorted(bars, key=lambda bar: (bar.value is None, -(bar.value or 0)))
    if not bars:
        return _svg(40, title, '<text x="10" y="24" fill="#6c757d">没有数据。</text>')
    if len(bars) > LABELLED_LIMIT:
        return _column_chart(bars, title=title, maximum=maximum, guides=guides, unit=unit)
    area = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    height = TOP + len(bars) * ROW_HEIGHT + BOTTOM

    def scale_x(value):
        return LABEL_WIDTH + area * min(float(value), float(maximum)) / float(maximum)

    parts = [_guides(guides, scale_x, TOP, height - BOTTOM + 4)]
    for index, bar in enumerate(bars):
        y = TOP + index * ROW_HEIGHT
        hover = escape(f"{bar.label}：{bar.text}{bar.note}")
        parts.append(
            f'<g><title>{hover}</title><text x="{LABEL_WIDTH - 6}" y="{y + BAR_HEIGHT - 2}" '
            f'text-anchor="end">{escape(_short(bar.label))}</text>'
        )
        if bar.value is not None:
            end = scale_x(max(bar.value, Decimal(0)))
            parts.append(
                f'<rect x="{LABEL_WIDTH}" y="{y}" width="{_number(end - LABEL_WIDTH)}" '
                f'height="{BAR_HEIGHT}" fill="{bar.colour}"/>'
            )
            if bar.value > maximum:
                # Beyond the axis: an arrow head says the bar is cut.
                parts.append(
                    f'<path d="M{_number(end)} {y} l6 {BAR_HEIGHT / 2} l-6 {BAR_HEIGHT / 2}z" '
                    f'fill="{bar.colour}"/>'
                )
        parts.append(
            f'<text x="{WIDTH - VALUE_WIDTH + 8}" y="{y + BAR_HEIGHT - 2}">'
            f"{escape(bar.text)}</text></g>"
        )
    parts.append(_axis(scale_x, maximum, height - BOTTOM + 4, unit))
    return _svg(height, title, "".join(parts))


def _axis(scale_x, maximum, y, unit):
    parts = [
        f'<line x1="{LABEL_WIDTH}" y1="{y}" x2="{_number(scale_x(maximum))}" y2="{y}" '
        f'stroke="{NEUTRAL}"/>'
    ]
    for step in range(0, 5):
        value = Decimal(maximum) * step / 4
        x = scale_x(value)
        parts.append(
            f'<text x="{_number(x)}" y="{y + 14}" text-anchor="middle" fill="{NEUTRAL}">'
            f"{_number(value)}{escape(unit)}</text>"
        )
    return "".join(parts)


def _column_chart(bars, *, title, maximum, guides, unit):
    """Many items: thin columns left to right from highest to lowest, with a value axis."""
    left, right = 50, 56  # the right margin carries the reference lines' labels
    area_width = WIDTH - left - right
    top, bottom = TOP, COLUMNS_HEIGHT - BOTTOM
    step = area_width / len(bars)
    width = max(step * 0.8, 0.5)

    def scale_y(value):
        return bottom - (bottom - top) * min(float(value), float(maximum)) / float(maximum)

    parts = []
    for index, bar in enumerate(bars):
        if bar.value is None:
            continue
        y = scale_y(max(bar.value, Decimal(0)))
        parts.append(
            f'<rect x="{_number(left + index * step)}" y="{_number(y)}" width="{_number(width)}" '
            f'height="{_number(bottom - y)}" fill="{bar.colour}">'
            f"<title>{escape(f'{bar.label}：{bar.text}{bar.note}')}</title></rect>"
        )
    # Reference lines over the columns, labelled in the margin beside them.
    for value, label in guides:
        y = scale_y(value)
        parts.append(
            f'<line x1="{left}" y1="{_number(y)}" x2="{WIDTH - right + 2}" y2="{_number(y)}" '
            f'stroke="#212529" stroke-opacity=".55" stroke-dasharray="4 3"/>'
            f'<text x="{WIDTH - right + 6}" y="{_number(y + 4)}" fill="{NEUTRAL}">'
            f"{escape(label)}</text>"
        )
    for tick in range(0, 5):
        value = Decimal(maximum) * tick / 4
        y = scale_y(value)
        parts.append(
            f'<text x="{left - 6}" y="{_number(y + 4)}" text-anchor="end" fill="{NEUTRAL}">'
            f"{_number(value)}{escape(unit)}</text>"
        )
    parts.append(
        f'<line x1="{left}" y1="{bottom}" x2="{WIDTH - right}" y2="{bottom}" stroke="{NEUTRAL}"/>'
        f'<text x="{left}" y="{bottom + 16}" fill="{NEUTRAL}">'
        f"共 {len(bars)} 个项目，从高到低排列（悬停可见项目名称与数值）</text>"
    )
    return _svg(COLUMNS_HEIGHT, title, "".join(parts))


def count_chart(counts, *, title, colours=None):
    """Columns for a few categories (the grades), each with its count written above."""
    colours = colours or {}
    height = 200
    left, top, bottom = 40, 24, height - 30
    total = max((count for _, count in counts), default=0) or 1
    slot = (WIDTH - left - 20) / max(len(counts), 1)
    width = min(slot * 0.6, 120)
    parts = [
        f'<line x1="{left}" y1="{bottom}" x2="{WIDTH - 20}" y2="{bottom}" stroke="{NEUTRAL}"/>'
    ]
    for index, (label, count) in enumerate(counts):
        x = left + index * slot + (slot - width) / 2
        bar_height = (bottom - top) * count / total
        colour = colours.get(label, NEUTRAL)
        parts.append(
            f"<g><title>{escape(f'{label}：{count}')}</title>"
            f'<rect x="{_number(x)}" y="{_number(bottom - bar_height)}" width="{_number(width)}" '
            f'height="{_number(bar_height)}" fill="{colour}"/>'
            f'<text x="{_number(x + width / 2)}" y="{_number(bottom - bar_height - 5)}" '
            f'text-anchor="middle" font-weight="bold">{count}</text>'
            f'<text x="{_number(x + width / 2)}" y="{bottom + 18}" text-anchor="middle" '
            f'font-size="13">{escape(label)}</text></g>'
        )
    return _svg(height, title, "".join(parts))
