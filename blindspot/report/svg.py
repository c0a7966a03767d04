"""Small server-side SVG charts for the report: line with band and markers, stacked bars, sparkline, timeline."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from html import escape

from markupsafe import Markup

WIDTH, HEIGHT = 760, 220
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 46, 12, 30, 26
LEGEND_Y = 4  # the legend sits above the plot area, so lines near the maximum never cross it
LABEL_CHAR_WIDTH = 5.6  # about this many px per character at the labels' 10 px font
TIMELINE_LABELS = 150  # room for "expelled or denied entry" left of the timeline
SPARK_WIDTH, SPARK_HEIGHT = 190, 52
PALETTE = ["#1f5aa6", "#c2571a", "#2e8540", "#7a4fa3", "#a3842e", "#5a6b7b", "#8c4a6b"]


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[float | None]
    color: str = PALETTE[0]
    dashed: bool = False


@dataclass(frozen=True)
class Frame:
    """The plot area mapping of one chart: days on x, values on y."""

    days: Sequence[date]
    y_max: float
    width: int = WIDTH
    height: int = HEIGHT
    pad_left: int = PAD_LEFT

    def x(self, index: int) -> float:
        span = max(len(self.days) - 1, 1)
        return self.pad_left + index * (self.width - self.pad_left - PAD_RIGHT) / span

    def y(self, value: float) -> float:
        inner = self.height - PAD_TOP - PAD_BOTTOM
        return (
            self.height - PAD_BOTTOM - (value / self.y_max) * inner
            if self.y_max
            else self.height - PAD_BOTTOM
        )

    def bar_width(self) -> float:
        return max((self.width - PAD_LEFT - PAD_RIGHT) / max(len(self.days), 1) - 1, 1)


def nice_max(values: Sequence[float | None]) -> float:
    """A round upper bound just above the largest value, so axes read easily."""
    top = max((v for v in values if v is not None), default=0.0)
    if top <= 0:
        return 1.0
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 500, 1000, 2000, 5000, 10000):
        if top <= step * 4:
            return float(-(-top // step) * step)
    return float(top)


def plot_xy(frame: Frame, index: int, value: float) -> tuple[float, float]:
    """Where a value sits in the plot area of a chart with axes."""
    return frame.x(index), frame.y(value)


def polyline_points(
    frame: Frame,
    values: Sequence[float | None],
    xy: Callable[[Frame, int, float], tuple[float, float]] = plot_xy,
) -> list[str]:
    """One 'x,y' string per run of non-null values (a null breaks the line instead of drawing 0); `xy`
    places a point (plot_xy inside the axes, compact_xy edge to edge for a sparkline)."""
    runs: list[list[str]] = [[]]
    for i, v in enumerate(values):
        if v is None:
            runs.append([])
        else:
            x, y = xy(frame, i, v)
            runs[-1].append(f"{x:.1f},{y:.1f}")
    return [" ".join(run) for run in runs if run]


def axes(frame: Frame, y_label: str) -> list[str]:
    """Y gridlines at 0, half and max, and the first, middle and last day on x."""
    parts = []
    for value in (0.0, frame.y_max / 2, frame.y_max):
        y = frame.y(value)
        parts.append(
            f'<line class="grid" x1="{PAD_LEFT}" x2="{frame.width - PAD_RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text class="tick" x="{PAD_LEFT - 4}" y="{y + 4:.1f}" text-anchor="end">{value:g}</text>'
        )
    if frame.days:
        parts.extend(day_ticks(frame))
    parts.append(
        f'<text class="axis-label" x="4" y="{LEGEND_Y + 9}">{escape(y_label)}</text>'
    )  # beside the legend
    return parts


def day_ticks(frame: Frame) -> list[str]:
    """The first, middle and last day under the x axis, the ends anchored inward so they are not cut."""
    last = len(frame.days) - 1
    anchors = {0: "start", last // 2: "middle", last: "end"}
    return [
        f'<text class="tick" x="{frame.x(i):.1f}" y="{frame.height - 8}" text-anchor="{anchor}">'
        f"{frame.days[i].isoformat()}</text>"
        for i, anchor in sorted(anchors.items())
    ]


def legend(series: Sequence[Series], frame: Frame) -> str:
    items = []
    x = PAD_LEFT + 40  # after the y-axis label
    for s in series:
        items.append(
            f'<rect x="{x}" y="{LEGEND_Y}" width="10" height="10" fill="{s.color}"/>'
            f'<text class="legend" x="{x + 14}" y="{LEGEND_Y + 9}">{escape(s.label)}</text>'
        )
        x += 26 + 5.4 * len(s.label)  # about 5.4 px per character at the legend's 10 px font
    return "".join(items)


def svg(frame: Frame, body: list[str], title: str) -> Markup:
    return Markup(
        f'<svg class="chart" viewBox="0 0 {frame.width} {frame.height}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>{"".join(body)}</svg>'
    )


def line_chart(
    days: Sequence[date],
    series: Sequence[Series],
    title: str,
    y_label: str = "",
    band: tuple[Sequence[float | None], Sequence[float | None]] | None = None,
    markers: Sequence[tuple[date, str, str]] = (),
    y_max: float | None = None,
) -> Markup:
    """Lines over days, with an optional shaded band (low, high) and vertical markers (day, label, color)."""
    everything = [v for s in series for v in s.values] + (list(band[1]) if band else [])
    frame = Frame(days, y_max if y_max is not None else nice_max(everything))
    body = axes(frame, y_label)
    if band:
        body.append(band_path(frame, band[0], band[1]))
    body.extend(marker_lines(frame, markers))
    for s in series:
        dash = ' stroke-dasharray="4 3"' if s.dashed else ""
        for points in polyline_points(frame, s.values):
            body.append(
                f'<polyline class="series" fill="none" stroke="{s.color}" stroke-width="1.8"{dash} '
                f'points="{points}"/>'
            )
    body.append(legend(series, frame))
    return svg(frame, body, title)


def band_path(frame: Frame, low: Sequence[float | None], high: Sequence[float | None]) -> str:
    """A filled polygon between low and high over the days where both are known."""
    upper = [(i, h) for i, h in enumerate(high) if h is not None and low[i] is not None]
    if not upper:
        return ""
    top = [f"{frame.x(i):.1f},{frame.y(h):.1f}" for i, h in upper]
    bottom = [f"{frame.x(i):.1f},{frame.y(low[i]):.1f}" for i, _ in reversed(upper)]
    return f'<polygon class="band" fill="#9db7d9" fill-opacity="0.35" points="{" ".join(top + bottom)}"/>'


def marker_lines(frame: Frame, markers: Sequence[tuple[date, str, str]]) -> list[str]:
    index = {d: i for i, d in enumerate(frame.days)}
    parts = []
    for n, (day, label, color) in enumerate(markers):
        if day not in index:
            continue
        x = frame.x(index[day])
        label_y = PAD_TOP + 10 + 12 * (n % 4)  # stagger labels: alerts often open on neighbouring days
        parts.append(
            f'<line class="marker" x1="{x:.1f}" x2="{x:.1f}" y1="{PAD_TOP}" y2="{frame.height - PAD_BOTTOM}" '
            f'stroke="{color}" stroke-width="1.5" stroke-dasharray="3 2"><title>{escape(label)}</title></line>'
            + marker_label(frame, x, label_y, label, color)
        )
    return parts


def marker_label(frame: Frame, x: float, y: float, label: str, color: str) -> str:
    """A marker's label right of its line, or left of it when it would run past the plot's right edge."""
    fits = x + 3 + LABEL_CHAR_WIDTH * len(label) <= frame.width - PAD_RIGHT
    anchor = f'x="{x + 3:.1f}"' if fits else f'x="{x - 3:.1f}" text-anchor="end"'
    return f'<text class="marker-label" {anchor} y="{y}" fill="{color}">{escape(label)}</text>'


def stacked_bars(days: Sequence[date], series: Sequence[Series], title: str, y_label: str = "") -> Markup:
    """Bars per day, the series stacked bottom to top (inside, outside, undated stories)."""
    totals = [sum(s.values[i] or 0 for s in series) for i in range(len(days))]
    frame = Frame(days, nice_max(totals))
    body = axes(frame, y_label)
    width = frame.bar_width()
    for i in range(len(days)):
        base = 0.0
        for s in series:
            value = s.values[i] or 0
            if value > 0:
                top, bottom = frame.y(base + value), frame.y(base)
                body.append(
                    f'<rect class="bar" x="{frame.x(i) - width / 2:.1f}" y="{top:.1f}" width="{width:.1f}" '
                    f'height="{bottom - top:.1f}" fill="{s.color}"/>'
                )
            base += value
    body.append(legend(series, frame))
    return svg(frame, body, title)


def timeline(days: Sequence[date], events: Sequence[tuple[date, str, float]], title: str) -> Markup:
    """Access incidents as circles on a day axis, one row per kind, the area by weight."""
    kinds = sorted({kind for _, kind, _ in events})
    height = max(70, PAD_TOP + PAD_BOTTOM + 22 * max(len(kinds), 1))
    frame = Frame(days, 1.0, height=height, pad_left=TIMELINE_LABELS)
    index = {d: i for i, d in enumerate(days)}
    body = day_ticks(frame) if days else []
    for row, kind in enumerate(kinds):
        y = PAD_TOP + 12 + row * 22
        body.append(
            f'<text class="tick" x="{frame.pad_left - 4}" y="{y + 4}" text-anchor="end">{escape(kind)}</text>'
        )
        body.append(
            f'<line class="grid" x1="{frame.pad_left}" x2="{frame.width - PAD_RIGHT}" y1="{y}" y2="{y}"/>'
        )
        for day, event_kind, weight in events:
            if event_kind == kind and day in index:
                r = 3 + min(weight, 10) ** 0.5 * 2
                body.append(
                    f'<circle class="incident" cx="{frame.x(index[day]):.1f}" cy="{y}" r="{r:.1f}" '
                    f'fill="#b23b3b" fill-opacity="0.7"><title>{day} {escape(kind)}: {weight:g}</title></circle>'
                )
    if not kinds:
        body.append(
            f'<text class="empty" x="{PAD_LEFT}" y="{PAD_TOP + 16}">no access incidents recorded</text>'
        )
    return svg(frame, body, title)


def hbars(rows: Sequence[tuple[str, float]], title: str, unit: str = "%") -> Markup:
    """Horizontal bars of shares (frame shares), largest first."""
    height = max(60, PAD_TOP + 8 + 24 * max(len(rows), 1))
    frame = Frame([], 1.0, height=height)
    top = max((v for _, v in rows), default=0) or 1
    body = []
    label_width = 220
    for i, (label, value) in enumerate(rows):
        y = PAD_TOP + i * 24
        length = (WIDTH - label_width - 80) * value / top
        body.append(
            f'<text class="tick" x="{label_width - 6}" y="{y + 13}" text-anchor="end">{escape(label)}</text>'
            f'<rect class="bar" x="{label_width}" y="{y}" width="{length:.1f}" height="16" fill="{PALETTE[3]}"/>'
            f'<text class="tick" x="{label_width + length + 4:.1f}" y="{y + 13}">{value:.1f}{escape(unit)}</text>'
        )
    if not rows:
        body.append(f'<text class="empty" x="{PAD_LEFT}" y="{PAD_TOP + 16}">no denial frames found</text>')
    return svg(frame, body, title)


def sparkline(
    weeks: Sequence[date],
    values: Sequence[float | None],
    title: str,
    in_progress: float | None = None,
    y_max: float = 100.0,
    width: int = SPARK_WIDTH,
    height: int = SPARK_HEIGHT,
) -> Markup:
    """A small line of a weekly series on a fixed scale (0 to y_max, labelled on the right) with its first
    and last week under it; the last point is filled, a week in progress is a hollow point after it."""
    plot = Frame(list(weeks) + ([date.max] if in_progress is not None else []), y_max, width=width - 26,
                 height=height - 18)  # fmt: skip
    body = [
        '<g transform="translate(0 6)">',
        *[
            f'<line class="grid" x1="2" x2="{plot.width - 2}" y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text class="tick" x="{plot.width + 2}" y="{y + 3:.1f}">{v:g}</text>'
            for v, y in ((y_max, compact_xy(plot, 0, y_max)[1]), (0.0, compact_xy(plot, 0, 0.0)[1]))
        ],
    ]
    for points in polyline_points(plot, values, compact_xy):
        body.append(f'<polyline fill="none" stroke="{PALETTE[0]}" stroke-width="1.5" points="{points}"/>')
    known = [(i, v) for i, v in enumerate(values) if v is not None]
    if known:
        i, v = known[-1]
        x, y = compact_xy(plot, i, v)
        body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{PALETTE[1]}"/>')
    if in_progress is not None:
        x, y = compact_xy(plot, len(values), in_progress)
        body.append(
            f'<circle class="in-progress" cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="none" stroke="{PALETTE[5]}">'
            f"<title>week in progress: {in_progress:.1f} (not ranked)</title></circle>"
        )
    body.append("</g>")
    if weeks:
        body.append(
            f'<text class="tick" x="2" y="{height - 1}">{short_date(weeks[0])}</text>'
            f'<text class="tick" x="{plot.width - 2}" y="{height - 1}" text-anchor="end">'
            f"{short_date(weeks[-1])}</text>"
        )
    return svg(Frame([], y_max, width=width, height=height), body, title)


def short_date(day: date) -> str:
    """'16 Nov 26': short enough for under a sparkline, with the year."""
    return f"{day.day} {day:%b %y}"


def compact_xy(frame: Frame, index: int, value: float) -> tuple[float, float]:
    """Where a value sits in a sparkline: edge to edge, 2 pixels in, no axes."""
    span = max(len(frame.days) - 1, 1)
    x = 2 + index * (frame.width - 4) / span
    y = frame.height - 2 - (value / frame.y_max) * (frame.height - 4)
    return x, y
