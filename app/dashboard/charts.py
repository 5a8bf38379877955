"""Horizontal bar charts as SVG, drawn on the server for the dashboard.

Written by hand rather than with a chart library: the figures are plain bar charts, a few
dozen bars at most, and the libraries worth having draw in the browser with JavaScript. The
chart is an image with a title and a description (role="img", aria-labelledby) beside a
table holding the same numbers, so nobody depends on seeing it.

Every bar carries its own label and its number as text, so neither colour nor length alone
says anything; a second or third series is also hatched. Colours are SVG attributes, not CSS
(WeasyPrint and other renderers ignore stylesheet classes inside SVG; the level colours are
those of the default theme, at least 4.9:1 on white). Text, bar outlines and the axis use
currentColor, so in forced-colors mode (Windows high contrast) they take the system's text
colour and stay legible on its background, whatever happens to the fills."""

from __future__ import annotations

from collections.abc import Callable

from markupsafe import Markup, escape

from app.dashboard.figures import Figure

WIDTH = 420
LABEL_WIDTH = 160  # the column of labels on the left
BAR_SPACE = 190  # the longest bar; its number follows it
BAR_HEIGHT = 18
LINE = 26  # from one bar to the next
HEADING = 24  # a group's name above its bars
GAP = 10  # between groups
FONT_SIZE = 14
LABEL_CHARS = 21
HEADING_CHARS = 52

# Fill and pattern per style of series. Hatching is drawn in white over the colour.
FILLS = {
    "plain": "#1f4e79",
    "overdue": "#a6192e",
    "low": "#2f7d62",
    "medium": "#8a6d00",
    "high": "#a6192e",
}
HATCHED = {"overdue": "diagonal", "medium": "diagonal", "high": "cross"}


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _text(x: float, y: float, content: str, *, weight: str = "", cls: str = "") -> str:
    """A text; its size and colour come from the chart's group (SVG attributes inherit)."""
    extra = f' font-weight="{weight}"' if weight else ""
    extra += f' class="{cls}"' if cls else ""
    return f'<text x="{x:g}" y="{y:g}"{extra}>{escape(content)}</text>'


def _patterns(chart_id: str, styles: set[str]) -> str:
    out = []
    for style in sorted(styles):
        kind = HATCHED.get(style)
        if kind is None:
            continue
        lines = '<path d="M0 0 L0 8" stroke="#ffffff" stroke-width="2.5"/>'
        if kind == "cross":
            lines += '<path d="M0 4 L8 4" stroke="#ffffff" stroke-width="2"/>'
        out.append(
            f'<pattern id="{chart_id}-{style}" width="8" height="8" '
            f'patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
            f'<rect width="8" height="8" fill="{FILLS[style]}"/>{lines}</pattern>'
        )
    return f"<defs>{''.join(out)}</defs>" if out else ""


def _fill(chart_id: str, style: str) -> str:
    if style in HATCHED:
        return f"url(#{chart_id}-{style})"
    return FILLS.get(style, FILLS["plain"])


def description(figure: Figure, number: Callable[[float], str]) -> str:
    """The chart's numbers in one sentence per row, for its <desc>."""
    parts = []
    for row in figure.rows:
        if len(figure.series) == 1:
            parts.append(f"{row.label}: {number(row.values[0])}")
        else:
            values = ", ".join(
                f"{name} {number(v)}" for name, v in zip(figure.series, row.values, strict=True)
            )
            parts.append(f"{row.label}: {values}")
    unit = f" ({figure.unit})" if figure.unit else ""
    return "; ".join(parts) + unit + "."


def bar_chart(figure: Figure, *, chart_id: str, number: Callable[[float], str]) -> Markup:
    """The figure as a horizontal bar chart: one bar per row, or with several series a group
    per row (its name above, a labelled bar per series)."""
    grouped = len(figure.series) > 1
    styles = figure.styles or ("plain",) * len(figure.series)
    top = max((v for row in figure.rows for v in row.values), default=0) or 1
    body: list[str] = []
    y = 4.0
    for row in figure.rows:
        if grouped:
            body.append(_text(0, y + 16, _short(row.label, HEADING_CHARS), weight="bold"))
            y += HEADING
        bars = zip(figure.series, row.values, styles, strict=True)
        for name, value, style in bars:
            label = name if grouped else row.label
            width = round(BAR_SPACE * value / top, 1)
            body.append(_text(12 if grouped else 0, y + 14, _short(label, LABEL_CHARS)))
            if width > 0:
                body.append(
                    f'<rect x="{LABEL_WIDTH}" y="{y:g}" width="{width:g}" height="{BAR_HEIGHT}" '
                    f'fill="{_fill(chart_id, style)}" stroke="currentColor" stroke-width="1"/>'
                )
            body.append(
                _text(
                    LABEL_WIDTH + width + 6,
                    y + 14,
                    number(value),
                    weight="bold",
                    cls="chart-value",
                )
            )
            y += LINE
        if grouped:
            y += GAP
    height = round(y + 4)
    axis = f'<path d="M{LABEL_WIDTH - 0.5} 0 V{height}" stroke="currentColor" stroke-width="1"/>'
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="dashboard-chart" '
        f'width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-labelledby="{title_id} {desc_id}" focusable="false">'
        f'<title id="{title_id}">{escape(figure.title)}</title>'
        f'<desc id="{desc_id}">{escape(description(figure, number))}</desc>'
        f"{_patterns(chart_id, set(styles))}"
        f'<g font-size="{FONT_SIZE}" fill="currentColor">{axis}{"".join(body)}</g></svg>'
    )
    return Markup(svg)  # noqa: S704 (every text in it is escaped above)
