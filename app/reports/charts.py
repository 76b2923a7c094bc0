"""Bar charts drawn on the server as inline SVG: no scripts, no fonts, no style attributes.

The page's Content-Security-Policy forbids inline styles, so the SVG uses presentation
attributes only (fill=, font-size=). The table next to each chart is its full text alternative.
"""

from __future__ import annotations

from markupsafe import Markup, escape

from app.reports.model import BarChart

WIDTH, LABEL_W, VALUE_W, BAR_H, GAP, TOP = 640, 170, 70, 18, 6, 8
BAR_FILL, TARGET_STROKE, TEXT_FILL = "#1d5fa8", "#b3261e", "#1b1b1b"


def bar_width(chart: BarChart, value: float) -> float:
    """Length of a bar in the chart's drawing units (shared by the SVG and the PDF)."""
    span = WIDTH - LABEL_W - VALUE_W
    return 0.0 if chart.maximum <= 0 else max(0.0, min(1.0, value / chart.maximum)) * span


def _number(value: float, unit: str) -> str:
    return f"{value:.1f}{unit}" if unit == "%" else f"{value:g}{unit}"


def chart_svg(chart: BarChart, chart_id: str) -> Markup:
    """The chart as an accessible inline SVG element."""
    height = TOP * 2 + len(chart.bars) * (BAR_H + GAP) + (14 if chart.target is not None else 0)
    desc = "; ".join(f"{b.label}: {_number(b.value, chart.unit)}" for b in chart.bars)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="100%" '
        f'viewBox="0 0 {WIDTH} {height}" aria-labelledby="{chart_id}-t {chart_id}-d" '
        f'class="chart" font-family="sans-serif" font-size="12">',
        f'<title id="{chart_id}-t">{escape(chart.title)}</title>',
        f'<desc id="{chart_id}-d">{escape(desc)}</desc>',
    ]
    for i, bar in enumerate(chart.bars):
        y = TOP + i * (BAR_H + GAP)
        w = bar_width(chart, bar.value)
        parts.append(
            f'<text x="{LABEL_W - 6}" y="{y + BAR_H - 5}" text-anchor="end" '
            f'fill="{TEXT_FILL}">{escape(bar.label)}</text>'
            f'<rect x="{LABEL_W}" y="{y}" width="{w:.1f}" height="{BAR_H}" fill="{BAR_FILL}"/>'
            f'<text x="{LABEL_W + w + 4:.1f}" y="{y + BAR_H - 5}" fill="{TEXT_FILL}">'
            f"{escape(_number(bar.value, chart.unit))}</text>"
        )
    if chart.target is not None:
        x = LABEL_W + bar_width(chart, chart.target)
        bottom = TOP + len(chart.bars) * (BAR_H + GAP)
        parts.append(
            f'<line x1="{x:.1f}" y1="{TOP - 4}" x2="{x:.1f}" y2="{bottom}" '
            f'stroke="{TARGET_STROKE}" stroke-width="2" stroke-dasharray="4 3"/>'
            f'<text x="{x:.1f}" y="{bottom + 12}" text-anchor="middle" '
            f'fill="{TARGET_STROKE}">{escape(chart.target_label)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every interpolated text is escaped above)
