"""Bar charts drawn on the server as inline SVG: no JavaScript, no CDN, nothing for the
strict CSP to block (colours are SVG presentation attributes, not style attributes).

The chart repeats what the table beside it says, so it is an image with a title and a
description for screen readers; each bar also carries its own <title> (a tooltip) and its
value as text, so colour is never the only carrier of meaning.
"""

import unicodedata
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

# Bootstrap's primary, success, orange and danger: distinct for the common kinds of colour
# blindness when read together with the legend and the value labels.
COLOURS = ("#0d6efd", "#198754", "#fd7e14", "#dc3545", "#6f42c1", "#20c997")

FONT_SIZE = 13
BAR_HEIGHT = 18
BAR_GAP = 4
GROUP_GAP = 12
PLOT_WIDTH = 360
VALUE_WIDTH = 56
MAX_LABEL_WIDTH = 220


@dataclass(frozen=True)
class Series:
    name: str
    values: list  # numbers or None (no value: no bar, "—")
    unit: str = ""


def text_width(text: str, font_size: int = FONT_SIZE) -> int:
    """An estimate of the drawn width: a CJK character is about one em, Latin about half."""
    width = 0.0
    for ch in text:
        width += 1.0 if unicodedata.east_asian_width(ch) in ("W", "F") else 0.58
    return int(width * font_size) + 1


def _format(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def _truncate(text: str, width: int) -> str:
    if text_width(text) <= width:
        return text
    while text and text_width(text + "…") > width:
        text = text[:-1]
    return text + "…"


def bar_chart(
    *, chart_id: str, title: str, labels: list[str], series: list[Series], description: str = ""
) -> SafeString:
    """Horizontal bars, one group per label and one bar per series, each with its value.
    chart_id makes the ids of its <title> and <desc> unique on the page.

    Horizontal because the labels are Chinese names of states, counties and fields, which
    read badly when rotated under vertical bars.
    """
    title_id, desc_id = f"chart-{chart_id}-title", f"chart-{chart_id}-desc"
    label_width = min(MAX_LABEL_WIDTH, max([text_width(str(lb)) for lb in labels] or [0]) + 8)
    legend_height = (FONT_SIZE + 10) if len(series) > 1 else 0
    group_height = len(series) * (BAR_HEIGHT + BAR_GAP) - BAR_GAP
    numbers = [v for s in series for v in s.values if v is not None]
    top = max(numbers, default=0) or 1
    width = label_width + PLOT_WIDTH + VALUE_WIDTH
    height = legend_height + max(1, len(labels)) * (group_height + GROUP_GAP) + GROUP_GAP
    if not description:
        description = "；".join(
            f"{label}：" + "，".join(f"{s.name}{_format(s.values[i])}{s.unit}" for s in series)
            for i, label in enumerate(labels)
        )

    parts = [
        # Drawn at its natural size (the same type size in every chart), shrunk to fit a
        # narrow screen by Bootstrap's mw-100 / h-auto: no style attribute, which the CSP
        # would refuse.
        f'<svg xmlns="http://www.w3.org/2000/svg" class="stats-chart mw-100 h-auto" role="img" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'aria-labelledby="{title_id} {desc_id}" font-family="system-ui, \'Noto Sans CJK SC\', '
        f'sans-serif" font-size="{FONT_SIZE}">',
        f'<title id="{title_id}">{escape(title)}</title>',
        f'<desc id="{desc_id}">{escape(description)}</desc>',
    ]
    if len(series) > 1:
        x = label_width
        for n, s in enumerate(series):
            colour = COLOURS[n % len(COLOURS)]
            parts.append(
                f'<rect x="{x}" y="4" width="12" height="12" fill="{colour}"></rect>'
                f'<text x="{x + 16}" y="15" fill="#212529">{escape(s.name)}</text>'
            )
            x += 16 + text_width(s.name) + 16
    # A baseline so that a bar of zero still shows where it would start.
    parts.append(
        f'<line x1="{label_width}" y1="{legend_height}" x2="{label_width}" y2="{height}" '
        f'stroke="#adb5bd" stroke-width="1"></line>'
    )
    if not labels:
        parts.append(
            f'<text x="{label_width + 8}" y="{legend_height + GROUP_GAP + BAR_HEIGHT - 4}" '
            f'fill="#6c757d">{escape(_("无数据"))}</text>'
        )
    for i, label in enumerate(labels):
        y0 = legend_height + GROUP_GAP + i * (group_height + GROUP_GAP)
        label = str(label)
        parts.append(
            f'<text x="{label_width - 6}" y="{y0 + group_height / 2 + FONT_SIZE / 2 - 2:.1f}" '
            f'text-anchor="end" fill="#212529">{escape(_truncate(label, label_width - 8))}</text>'
        )
        for n, s in enumerate(series):
            value = s.values[i]
            y = y0 + n * (BAR_HEIGHT + BAR_GAP)
            bar = 0 if value is None else max(0.0, value / top * PLOT_WIDTH)
            colour = COLOURS[n % len(COLOURS)]
            tip = f"{label} {s.name}：{_format(value)}{s.unit}"
            parts.append(
                f"<g><title>{escape(tip)}</title>"
                f'<rect x="{label_width}" y="{y}" width="{bar:.1f}" height="{BAR_HEIGHT}" '
                f'fill="{colour}"></rect>'
                f'<text x="{label_width + bar + 4:.1f}" y="{y + BAR_HEIGHT - 4}" '
                f'fill="#212529">{escape(_format(value))}</text></g>'
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every interpolated text is escaped above
