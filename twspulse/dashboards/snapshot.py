"""Pictures of the Grafana dashboards without Grafana: each panel's SQL run as Grafana sends it, drawn by matplotlib.

For a machine with no Docker engine (no Grafana, no image renderer), so a person can look at what the
dashboards show on real data. Per dashboard: the variables take values from the data (All for multi-value
ones, else the first the variable's query offers, unless given), every panel's targets are expanded by
``dashboards.grafana_sql`` for the dashboard's default time range and run, and the results are drawn on
Grafana's 24-column grid from each panel's ``gridPos``: time series as lines or stacked bars (units,
thresholds, fixed colours, dashed forecasts, filled bands), stats as big numbers, tables as tables (long cells
cut), bar charts and bar gauges as bars, state timelines as coloured bands, text panels as text, rows as
headers. A panel whose SQL fails is drawn with its error and reported by name; the others still render.

This is a faithful-enough picture, not Grafana: no tooltips, no per-pixel layout parity.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # before pyplot: no display on servers and in tests

import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import psycopg  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402
from matplotlib.text import Text  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator  # noqa: E402

from twspulse.dashboards.files import DATASOURCE_UID  # noqa: E402
from twspulse.dashboards.grafana_sql import (  # noqa: E402
    MacroError,
    Variable,
    dashboard_range,
    datasource_min_interval,
    iter_panels,
    panel_interval,
    panel_queries,
    panel_range,
    variable_query,
)

# Grafana's dark theme and its classic palette (public/app/core/utils/colors.ts, the first ten), purple moved
# before red: red means "failed" on these dashboards, a fifth series should not look like it.
BACKGROUND = "#111217"
PANEL = "#181b1f"
BORDER = "#2c3235"
TEXT = "#ccccdc"
MUTED = "#8e8e9c"
GRID = "#2a2d33"
PALETTE = (
    "#73BF69", "#F2CC0C", "#8AB8FF", "#FF780A", "#B877D9", "#5794F2", "#F2495C", "#705DA0", "#37872D", "#FADE2A",
)  # fmt: skip
NAMED_COLOURS = {
    "green": "#73BF69", "red": "#F2495C", "orange": "#FF9830", "yellow": "#FADE2A", "blue": "#5794F2",
    "purple": "#B877D9", "dark-red": "#C4162A", "dark-green": "#37872D", "dark-orange": "#FA6400",
    "dark-yellow": "#E0B400", "dark-blue": "#1F60C4", "semi-dark-red": "#E02F44", "semi-dark-green": "#56A64B",
    "semi-dark-orange": "#FF780A", "light-red": "#FF7383", "light-green": "#96D98D", "transparent": "none",
    "text": TEXT,
}  # fmt: skip

# Grafana's grid: 24 columns, rows of 30 px with 8 px between panels.
WIDTH_PX = 1800
COLUMNS = 24
ROW_PX = 30
GAP_PX = 8
MARGIN_PX = 12
HEADER_PX = 64
DPI = 100
TITLE_PX = 26
CELL_MAX_CHARS = 60
CHAR_PX = 6.9  # mean width of a DejaVu Sans character (digits, lower case) at the table's 8.5 pt
TABLE_ROW_PX = 19


@dataclass
class Frame:
    """One target's result: column names and rows as the database returned them."""

    ref_id: str
    fmt: str
    columns: list[str]
    rows: list[tuple[Any, ...]]


@dataclass
class PanelResult:
    """What one panel showed: its frames, or the error that kept a target from running."""

    panel_id: int
    title: str
    type: str
    frames: list[Frame] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    interval: timedelta = timedelta(hours=1)  # its $__interval: the width of one time bucket

    @property
    def rows(self) -> int:
        """Rows over all its targets."""
        return sum(len(f.rows) for f in self.frames)


@dataclass
class DashboardSnapshot:
    """One rendered dashboard: the file, the range and variables used, and every panel's result."""

    uid: str
    title: str
    path: Path
    start: datetime
    end: datetime
    variables: dict[str, Variable]
    panels: list[PanelResult]
    texts: list[str] = field(default_factory=list)  # every text drawn in the picture

    @property
    def errors(self) -> dict[str, list[str]]:
        """Panel title -> its SQL errors (variables under ``$name``), only panels that failed."""
        return {p.title: p.errors for p in self.panels if p.errors}


def is_timescaledb(conn: psycopg.Connection[Any]) -> bool:
    """The data source's TimescaleDB option: on when the extension is installed (``time_bucket`` exists)."""
    return conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'").fetchone() is not None


def choose_variables(
    conn: psycopg.Connection[Any],
    dashboard: dict[str, Any],
    *,
    now: datetime,
    timescaledb: bool,
    ds_min: timedelta,
    given: dict[str, str] | None = None,
) -> tuple[dict[str, Variable], list[str]]:
    """Each variable's value in list order (a query may use earlier ones): given, All, or the first offered.

    Returns the values and the errors of variable queries that failed (those variables stay empty).
    """
    given = given or {}
    values: dict[str, Variable] = {}
    errors: list[str] = []
    for var in dashboard.get("templating", {}).get("list", []):
        name, kind = var["name"], var.get("type")
        multi = bool(var.get("multi") or var.get("includeAll"))
        if kind == "datasource":
            values[name] = Variable((DATASOURCE_UID,))
            continue
        if name in given:
            chosen = tuple(v.strip() for v in given[name].split(",")) if multi else (given[name],)
            values[name] = Variable(chosen, multi=multi)
            continue
        if kind == "query":
            q = variable_query(dashboard, var, values, now=now, timescaledb=timescaledb, ds_min=ds_min)
            try:
                offered = [str(r[0]) for r in conn.execute(q.sql.encode()).fetchall()]
            except psycopg.Error as exc:
                errors.append(f"${name}: {_first_line(exc)}")
                offered = []
        elif kind == "custom":
            offered = [v.strip() for v in str(var.get("query", "")).split(",") if v.strip()]
        else:  # constant, textbox, interval: the text they hold
            offered = [str(var.get("query", ""))]
        if multi:
            values[name] = Variable(tuple(offered), multi=True)
        else:
            values[name] = Variable(tuple(offered[:1]))
    return values, errors


def run_panels(
    conn: psycopg.Connection[Any],
    dashboard: dict[str, Any],
    variables: dict[str, Variable],
    *,
    now: datetime,
    timescaledb: bool,
    ds_min: timedelta,
) -> list[PanelResult]:
    """Every panel's targets run; a failing target is recorded on its panel and the others go on."""
    results = []
    for panel in iter_panels(dashboard):
        result = PanelResult(panel["id"], panel.get("title", ""), panel.get("type", ""))
        p_start, p_end = panel_range(panel, *dashboard_range(dashboard, now), now)
        result.interval = panel_interval(panel, p_start, p_end, ds_min)
        try:
            queries = panel_queries(dashboard, panel, variables, now=now, timescaledb=timescaledb, ds_min=ds_min)
        except MacroError as exc:
            result.errors.append(str(exc))
            queries = []
        for q in queries:
            if q.target and q.target.get("hide"):
                continue
            ref = q.target["refId"] if q.target else "A"
            try:
                cur = conn.execute(q.sql.encode())
            except psycopg.Error as exc:
                result.errors.append(f"{ref}: {_first_line(exc)}")
                continue
            result.frames.append(Frame(ref, q.fmt, [d.name for d in cur.description or []], cur.fetchall()))
        results.append(result)
    return results


def snapshot_dashboard(
    conn: psycopg.Connection[Any],
    dashboard: dict[str, Any],
    out: Path,
    *,
    now: datetime | None = None,
    given: dict[str, str] | None = None,
    time_range: tuple[str, str] | None = None,
) -> DashboardSnapshot:
    """Run one dashboard's queries on ``conn`` (autocommit, so one failure spoils nothing else) and draw it.

    ``time_range`` replaces the dashboard's default (``from``, ``to``: ``now-2d`` or ISO 8601 times);
    ``given`` sets variables by name.
    """
    now = now or datetime.now(UTC)
    if time_range is not None:  # the picker moved: everything below reads the dashboard's range from here
        dashboard = {**dashboard, "time": {"from": time_range[0], "to": time_range[1]}}
    ds_min = datasource_min_interval()
    timescaledb = is_timescaledb(conn)
    variables, var_errors = choose_variables(
        conn, dashboard, now=now, timescaledb=timescaledb, ds_min=ds_min, given=given
    )
    panels = run_panels(conn, dashboard, variables, now=now, timescaledb=timescaledb, ds_min=ds_min)
    start, end = dashboard_range(dashboard, now)
    snap = DashboardSnapshot(
        dashboard["uid"], dashboard.get("title", dashboard["uid"]), out, start, end, variables, panels
    )
    if var_errors:
        snap.panels.append(PanelResult(0, "variables", "variables", errors=var_errors))
    fig = draw_dashboard(dashboard, snap, now)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=DPI, facecolor=BACKGROUND)
    snap.texts = [t.get_text() for t in fig.findobj(Text)]
    plt.close(fig)
    return snap


def snapshot_dashboards(
    conn: psycopg.Connection[Any],
    dashboards: Iterable[dict[str, Any]],
    out_dir: Path,
    *,
    now: datetime | None = None,
    given: dict[str, dict[str, str]] | None = None,
    ranges: dict[str, tuple[str, str]] | None = None,
) -> list[DashboardSnapshot]:
    """One PNG per dashboard in ``out_dir``, named after its uid without the ``twspulse-`` prefix.

    ``given`` and ``ranges`` are by dashboard uid (see ``snapshot_dashboard``).
    """
    now = now or datetime.now(UTC)
    snaps = []
    for dash in dashboards:
        uid = dash["uid"]
        path = out_dir / f"{uid.removeprefix('twspulse-')}.png"
        given_here, range_here = (given or {}).get(uid), (ranges or {}).get(uid)
        snaps.append(snapshot_dashboard(conn, dash, path, now=now, given=given_here, time_range=range_here))
    return snaps


# --- drawing -------------------------------------------------------------------------------------------


def draw_dashboard(dashboard: dict[str, Any], snap: DashboardSnapshot, now: datetime) -> Figure:
    """The whole dashboard on one figure: header, then every panel at its grid position."""
    panels = list(iter_panels(dashboard))
    bottom = max((p["gridPos"]["y"] + p["gridPos"]["h"] for p in panels), default=1)
    height = HEADER_PX + bottom * (ROW_PX + GAP_PX) + MARGIN_PX
    fig = plt.figure(figsize=(WIDTH_PX / DPI, height / DPI), dpi=DPI, facecolor=BACKGROUND)
    canvas = _Canvas(fig, WIDTH_PX, height)
    _draw_header(canvas, snap)
    by_id = {p.panel_id: p for p in snap.panels}
    for panel in panels:
        box = _panel_box(panel["gridPos"])
        result = by_id[panel["id"]]
        start, end = panel_range(panel, snap.start, snap.end, now)
        _draw_panel(canvas, box, panel, result, start, end)
    return fig


@dataclass(frozen=True)
class _Box:
    """A rectangle in pixels from the top-left corner of the figure."""

    x: float
    y: float
    w: float
    h: float

    def inset(self, left: float = 0, top: float = 0, right: float = 0, bottom: float = 0) -> _Box:
        return _Box(self.x + left, self.y + top, max(1.0, self.w - left - right), max(1.0, self.h - top - bottom))


@dataclass
class _Canvas:
    fig: Figure
    width: float
    height: float

    def axes(self, box: _Box, **kwargs: Any) -> Axes:
        rect = (box.x / self.width, 1 - (box.y + box.h) / self.height, box.w / self.width, box.h / self.height)
        ax = self.fig.add_axes(rect, **kwargs)
        ax.set_facecolor(PANEL)
        return ax

    def blank(self, box: _Box) -> Axes:
        ax = self.axes(box)
        ax.set_axis_off()
        ax.set_xlim(0, box.w)
        ax.set_ylim(box.h, 0)  # pixel coordinates, y down
        return ax


def _panel_box(grid: dict[str, int]) -> _Box:
    col = (WIDTH_PX - 2 * MARGIN_PX + GAP_PX) / COLUMNS
    x = MARGIN_PX + grid["x"] * col
    y = HEADER_PX + grid["y"] * (ROW_PX + GAP_PX)
    return _Box(x, y, grid["w"] * col - GAP_PX, grid["h"] * (ROW_PX + GAP_PX) - GAP_PX)


def _draw_header(canvas: _Canvas, snap: DashboardSnapshot) -> None:
    ax = canvas.blank(_Box(0, 0, canvas.width, HEADER_PX))
    ax.set_facecolor(BACKGROUND)
    ax.set_axis_on()
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.text(MARGIN_PX, 22, snap.title, color="#ffffff", fontsize=15, fontweight="bold", va="center")
    shown = []
    for name, var in snap.variables.items():
        if name == "datasource":
            continue
        value = f"All ({len(var.values)})" if var.multi and len(var.values) > 1 else ", ".join(var.values) or "none"
        shown.append(f"${name} = {value}")
    stamp = f"{snap.start:%Y-%m-%d %H:%M} to {snap.end:%Y-%m-%d %H:%M} UTC"
    line = "   |   ".join([stamp, *shown]) if shown else stamp
    ax.text(MARGIN_PX, 48, line, color=MUTED, fontsize=9.5, va="center")
    ax.text(
        canvas.width - MARGIN_PX, 22, "rendered from the panels' SQL (twspulse/dashboards/snapshot.py), not by Grafana",
        color=MUTED, fontsize=8.5, va="center", ha="right",
    )  # fmt: skip


def _draw_panel(
    canvas: _Canvas, box: _Box, panel: dict[str, Any], result: PanelResult, start: datetime, end: datetime
) -> None:
    kind = panel.get("type", "")
    if kind == "row":
        ax = canvas.blank(box)
        ax.set_facecolor(BACKGROUND)
        ax.text(2, box.h / 2, panel.get("title", ""), color="#ffffff", fontsize=12, fontweight="bold", va="center")
        return
    frame = canvas.blank(box)
    frame.set_axis_on()
    frame.set_xticks([])
    frame.set_yticks([])
    for spine in frame.spines.values():
        spine.set_color(BORDER)
    title = panel.get("title", "")
    frame.text(8, TITLE_PX / 2 + 2, title, color=TEXT, fontsize=10, fontweight="bold", va="center")
    inner = box.inset(8, TITLE_PX, 8, 6)
    if result.errors:
        frame.text(
            box.w - 8, TITLE_PX / 2 + 2, "query error", color=NAMED_COLOURS["red"], fontsize=9, va="center", ha="right"
        )
        text = "\n".join(_shorten(e, int(inner.w / CHAR_PX)) for e in result.errors)
        frame.text(8, TITLE_PX + 10, text, color=NAMED_COLOURS["red"], fontsize=9, va="top")
        return
    if kind == "text":
        content = str(panel.get("options", {}).get("content", ""))
        plain = re.sub(r"<[^>]+>|[#*_`]", "", content)
        frame.text(8, TITLE_PX + 8, _wrap(plain, int(inner.w / CHAR_PX)), color=TEXT, fontsize=9, va="top")
        return
    if not any(f.rows for f in result.frames):
        frame.text(box.w / 2, box.h / 2, "No data", color=MUTED, fontsize=11, ha="center", va="center")
        return
    draw = {
        "timeseries": _draw_timeseries,
        "graph": _draw_timeseries,
        "stat": _draw_stat,
        "gauge": _draw_stat,
        "table": _draw_table,
        "barchart": _draw_barchart,
        "piechart": _draw_barchart,
        "bargauge": _draw_bargauge,
        "state-timeline": _draw_state_timeline,
    }.get(kind, _draw_table)
    draw(canvas, frame, inner, box, panel, result, start, end)


# --- values, units, colours ----------------------------------------------------------------------------


def colour(name: str | None, fallback: str = PALETTE[0]) -> str:
    """Grafana's named colours (``red``, ``semi-dark-green``) or a CSS colour as it is."""
    if not name:
        return fallback
    return NAMED_COLOURS.get(name, name)


def threshold_colour(value: Any, config: dict[str, Any], fallback: str = PALETTE[0]) -> str:
    """The colour of the highest threshold step ``value`` reaches (the base step has no value)."""
    steps = config.get("thresholds", {}).get("steps", [])
    number = _number(value)
    chosen = None
    for step in steps:
        if step.get("value") is None or (number is not None and number >= float(step["value"])):
            chosen = step.get("color")
    return colour(chosen, fallback)


def mapped(value: Any, config: dict[str, Any]) -> tuple[str | None, str | None]:
    """A value mapping's (text, colour) for ``value``, or (None, None)."""
    key = _text_key(value)
    for mapping in config.get("mappings", []):
        if mapping.get("type") == "value" and key in mapping.get("options", {}):
            hit = mapping["options"][key]
            return hit.get("text"), hit.get("color")
    return None, None


def format_value(value: Any, unit: str | None = None, decimals: int | None = None) -> str:
    """A value as Grafana would show it with the field's unit (the units these dashboards use)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S") if value.tzinfo else f"{value:%Y-%m-%d %H:%M:%S}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, timedelta):
        return format_value(value.total_seconds(), "s")
    number = _number(value)
    if number is None:
        if isinstance(value, list | tuple):
            return ", ".join(format_value(v) for v in value)
        return str(value)
    if unit in ("percent", "percentunit"):
        scaled = number * 100 if unit == "percentunit" else number
        text = _num(scaled, decimals) if decimals is not None else f"{scaled:.1f}".removesuffix(".0")
        return f"{text}%"
    if unit in ("s", "ms"):
        return _duration(number / 1000 if unit == "ms" else number)
    if unit == "ops":
        return f"{_short(number)} ops/s"
    if unit == "short":
        return _short(number)
    if unit and unit not in ("none", "string"):
        return f"{_num(number, decimals)} {unit}"
    return _num(number, decimals)


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float | Decimal):
        return float(value)
    return None


def _num(number: float, decimals: int | None = None) -> str:
    if decimals is not None:
        return f"{number:,.{decimals}f}"
    if float(number).is_integer():
        return f"{int(number):,}"
    if abs(number) >= 100:
        return f"{number:,.0f}"
    return f"{number:.2f}".rstrip("0").rstrip(".")


def _short(number: float) -> str:
    for size, suffix in ((1e9, " Bil"), (1e6, " Mil"), (1e3, " K")):
        if abs(number) >= size:
            return f"{number / size:.3g}{suffix}"
    return _num(number)


def _duration(seconds: float) -> str:
    for size, unit in ((86400 * 7, "week"), (86400, "day"), (3600, "hour"), (60, "min")):
        if abs(seconds) >= size:
            return f"{seconds / size:.3g} {unit}"
    return f"{seconds:.3g} s"


def _text_key(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    number = _number(value)
    if number is not None and number.is_integer():
        return str(int(number))
    return str(value)


def _field_config(panel: dict[str, Any], name: str) -> dict[str, Any]:
    """The panel's defaults with the overrides that match ``name`` (by name or regexp) applied."""
    fc = panel.get("fieldConfig", {})
    config: dict[str, Any] = {**fc.get("defaults", {}), "custom": dict(fc.get("defaults", {}).get("custom", {}))}
    for override in fc.get("overrides", []):
        matcher = override.get("matcher", {})
        option = str(matcher.get("options", ""))
        hit = (matcher.get("id") == "byName" and option == name) or (
            matcher.get("id") == "byRegexp" and re.fullmatch(option, name) is not None
        )
        if not hit:
            continue
        for prop in override.get("properties", []):
            key, value = prop["id"], prop.get("value")
            if key.startswith("custom."):
                config["custom"][key.removeprefix("custom.")] = value
            else:
                config[key] = value
    return config


def _shorten(text: str, limit: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: max(1, limit - 1)] + "…"


def _wrap(text: str, width: int) -> str:
    import textwrap

    return "\n".join(textwrap.fill(p, max(10, width)) for p in text.splitlines())


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


# --- time series ---------------------------------------------------------------------------------------


@dataclass
class _Series:
    name: str
    times: list[datetime]
    values: list[float | None]


def series_of(frame: Frame) -> list[_Series]:
    """A time-series frame as Grafana reads it: a ``metric`` column names the series, else each value column."""
    cols = frame.columns
    if "time" not in cols:
        return []
    t = cols.index("time")
    value_cols = [i for i, c in enumerate(cols) if c not in ("time", "metric") and _numeric_column(frame, i)]
    out: dict[str, _Series] = {}
    m = cols.index("metric") if "metric" in cols else None
    for row in frame.rows:
        for i in value_cols:
            if m is not None:
                name = str(row[m]) if len(value_cols) == 1 else f"{row[m]} {cols[i]}"
            else:
                name = cols[i]
            s = out.setdefault(name, _Series(name, [], []))
            s.times.append(_as_datetime(row[t]))
            s.values.append(_number(row[i]))
    return list(out.values())


def _numeric_column(frame: Frame, index: int) -> bool:
    values = [r[index] for r in frame.rows if r[index] is not None]
    return bool(values) and all(_number(v) is not None for v in values)


def _as_datetime(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromtimestamp(float(value), UTC)  # epoch seconds ($__timeEpoch, $__timeGroup on numbers)


def _unit_formatter(unit: str | None) -> FuncFormatter:
    return FuncFormatter(lambda v, _pos: format_value(v, unit, 0 if unit == "percent" else None))


def _style_axes(ax: Axes) -> None:
    ax.set_facecolor(PANEL)
    ax.tick_params(colors=MUTED, labelsize=8, length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.grid(True, color=GRID, linewidth=0.6)
    ax.set_axisbelow(True)


def _time_axis(ax: Axes, start: datetime, end: datetime) -> None:
    locator = mdates.AutoDateLocator(minticks=4, maxticks=9)
    ax.xaxis.set_major_locator(locator)
    formatter = mdates.ConciseDateFormatter(locator)
    formatter.offset_formats = [""] * 6  # the header says the range
    ax.xaxis.set_major_formatter(formatter)
    ax.set_xlim(mdates.date2num(start), mdates.date2num(end))


def _draw_timeseries(
    canvas: _Canvas, frame_ax: Axes, inner: _Box, box: _Box, panel: dict[str, Any], result: PanelResult,
    start: datetime, end: datetime,
) -> None:  # fmt: skip
    series = [s for f in result.frames for s in series_of(f)]
    if not series:
        frame_ax.text(box.w / 2, box.h / 2, "No data", color=MUTED, fontsize=11, ha="center", va="center")
        return
    legend = panel.get("options", {}).get("legend", {})
    show_legend = legend.get("showLegend", True)
    plot_box = inner.inset(52, 4, 4, 22)
    legend_box = None
    if show_legend and legend.get("placement") == "right":
        width = min(300.0, inner.w * 0.3)
        plot_box = plot_box.inset(right=width)
        legend_box = _Box(inner.x + inner.w - width + 6, inner.y, width - 6, inner.h)
    elif show_legend:
        per_row = max(1, int(inner.w // 190))
        rows = min(3, -(-len(series) // per_row))
        plot_box = plot_box.inset(bottom=rows * 16)
        legend_box = _Box(inner.x, inner.y + inner.h - rows * 16, inner.w, rows * 16)
    ax = canvas.axes(plot_box)
    _style_axes(ax)
    defaults = panel.get("fieldConfig", {}).get("defaults", {})
    unit = defaults.get("unit")
    handles: list[tuple[str, str, str]] = []  # name, colour, line style
    stacked_bottom: dict[float, float] = {}
    width_days = _bar_width(result.interval, start, end)
    by_name = {s.name: s for s in series}
    for i, s in enumerate(series):
        cfg = _field_config(panel, s.name)
        custom = cfg.get("custom", {})
        col = colour(cfg.get("color", {}).get("fixedColor"), PALETTE[i % len(PALETTE)])
        x = mdates.date2num(s.times)
        y = np.array([np.nan if v is None else v for v in s.values], dtype=float)
        draw_style = custom.get("drawStyle", "line")
        line_width = float(custom.get("lineWidth", 1) or 0)
        style = _line_style(custom.get("lineStyle"))
        if draw_style == "bars":
            stacked = custom.get("stacking", {}).get("mode", "none") != "none"
            base = np.array([stacked_bottom.get(v, 0.0) for v in x]) if stacked else np.zeros(len(x))
            heights = np.nan_to_num(y)
            alpha = max(0.35, float(custom.get("fillOpacity", 80)) / 100)
            ax.bar(x, heights, width=width_days, bottom=base, color=col, alpha=alpha, align="center", linewidth=0)
            if stacked:
                for xv, top in zip(x, base + heights, strict=True):
                    stacked_bottom[xv] = top
        elif draw_style == "points" or line_width == 0:
            size = float(custom.get("pointSize", 5))
            ax.scatter(x, y, s=size * 3, color=col, zorder=4, edgecolors="none")
        else:
            ax.plot(x, y, color=col, linewidth=max(1.0, line_width), linestyle=style, zorder=3)
            if custom.get("showPoints") == "always" or np.count_nonzero(~np.isnan(y)) < 3:  # a lone point shows
                ax.scatter(x, y, s=float(custom.get("pointSize", 5)) * 2, color=col, zorder=4)
        below = custom.get("fillBelowTo")
        if below and below in by_name:
            other = by_name[below]
            ox = mdates.date2num(other.times)
            oy = np.array([np.nan if v is None else v for v in other.values], dtype=float)
            if len(ox) > 1:
                alpha = float(custom.get("fillOpacity", 20)) / 100
                ax.fill_between(x, y, np.interp(x, ox, oy), color=col, alpha=max(0.12, alpha), linewidth=0)
        elif custom.get("fillOpacity") and draw_style == "line" and line_width > 0:
            ax.fill_between(x, y, 0, color=col, alpha=float(custom["fillOpacity"]) / 100, linewidth=0)
        if not (line_width == 0 and draw_style == "line" and below):
            handles.append((s.name, col, style if draw_style == "line" else "-"))
    _draw_thresholds(ax, defaults)
    if defaults.get("min") is not None or defaults.get("max") is not None:
        lo, hi = ax.get_ylim()
        ax.set_ylim(defaults.get("min", lo), defaults.get("max", hi))
    elif ax.get_ylim()[0] > 0 and all(min((v for v in s.values if v is not None), default=0) >= 0 for s in series):
        ax.set_ylim(bottom=0)
    ax.yaxis.set_major_formatter(_unit_formatter(unit))
    _time_axis(ax, start, end)
    if legend_box is not None:
        _draw_legend(canvas, legend_box, handles, column=legend.get("placement") == "right")


def _bar_width(interval: timedelta, start: datetime, end: datetime) -> float:
    """A bar's width in days: one time bucket (``$__interval``), at least a visible sliver of the axis."""
    bucket = interval.total_seconds() / 86400
    return max(bucket * 0.9, (end - start).total_seconds() / 86400 / 400)


def _line_style(style: dict[str, Any] | None) -> Any:
    if not style or style.get("fill") in (None, "solid"):
        return "-"
    if style.get("fill") == "dot":
        return (0, (1, 2.5))
    return (0, (5, 4))


def _draw_thresholds(ax: Axes, config: dict[str, Any]) -> None:
    mode = config.get("custom", {}).get("thresholdsStyle", {}).get("mode", "off")
    if mode == "off":
        return
    steps = [s for s in config.get("thresholds", {}).get("steps", []) if s.get("value") is not None]
    top = config.get("max")
    for i, step in enumerate(steps):
        col = colour(step.get("color"))
        ax.axhline(float(step["value"]), color=col, linewidth=1, linestyle=(0, (4, 3)), zorder=2)
        if "area" in mode:
            upper = float(steps[i + 1]["value"]) if i + 1 < len(steps) else (top if top is not None else None)
            if upper is not None:
                ax.axhspan(float(step["value"]), float(upper), color=col, alpha=0.07, linewidth=0)


def _draw_legend(canvas: _Canvas, box: _Box, handles: list[tuple[str, str, str]], *, column: bool) -> None:
    ax = canvas.blank(box)
    limit = int(box.h // 16) if column else max(1, int(box.w // 190)) * max(1, int(box.h // 16))
    shown = handles[:limit]
    for i, (name, col, style) in enumerate(shown):
        if column:
            x, y, width = 0.0, 8 + i * 16, box.w
        else:
            per_row = max(1, int(box.w // 190))
            x, y, width = (i % per_row) * 190.0, 8 + (i // per_row) * 16, 190.0
        ax.plot([x + 2, x + 18], [y, y], color=col, linewidth=2.5, linestyle=style)
        ax.text(x + 24, y, _shorten(name, int((width - 30) / 5.6)), color=TEXT, fontsize=8, va="center")
    if len(handles) > len(shown):
        ax.text(box.w - 4, box.h - 6, f"+{len(handles) - len(shown)} more", color=MUTED, fontsize=8, ha="right")


# --- stat, bar gauge, bar chart, state timeline --------------------------------------------------------


def stat_values(panel: dict[str, Any], result: PanelResult) -> list[tuple[str, Any]]:
    """The (label, value) pairs a stat or bar gauge shows, after its reduce options.

    ``values: true`` shows one value per row (labelled by the row's text columns); otherwise each numeric
    column reduced to its last non-null value (every column when ``fields`` is ``/.*/``).
    """
    reduce = panel.get("options", {}).get("reduceOptions", {})
    out: list[tuple[str, Any]] = []
    for frame in result.frames:
        numeric = [i for i in range(len(frame.columns)) if _numeric_column(frame, i) and frame.columns[i] != "time"]
        if reduce.get("values"):
            labels = [i for i in range(len(frame.columns)) if i not in numeric and frame.columns[i] != "time"]
            for row in frame.rows:
                label = " ".join(str(row[i]) for i in labels)
                for i in numeric:
                    name = label if len(numeric) == 1 else f"{label} {frame.columns[i]}".strip()
                    out.append((name or frame.columns[i], row[i]))
            continue
        every = reduce.get("fields") == "/.*/"
        columns = [i for i in range(len(frame.columns)) if frame.columns[i] != "time" and (every or i in numeric)]
        for i in columns:
            last = next((r[i] for r in reversed(frame.rows) if r[i] is not None), None)
            out.append((frame.columns[i], last))
    return out


def _draw_stat(
    canvas: _Canvas, frame_ax: Axes, inner: _Box, box: _Box, panel: dict[str, Any], result: PanelResult,
    start: datetime, end: datetime,
) -> None:  # fmt: skip
    values = stat_values(panel, result)
    background = panel.get("options", {}).get("colorMode", "value") == "background"
    n = max(1, len(values))
    cell_w = inner.w / n
    for i, (label, value) in enumerate(values):
        cfg = _field_config(panel, label)
        text, mapped_colour = mapped(value, cfg)
        shown = text or format_value(value, cfg.get("unit"), cfg.get("decimals"))
        col = colour(mapped_colour) if mapped_colour else threshold_colour(value, cfg)
        cell = _Box(inner.x + i * cell_w, inner.y, cell_w - 4, inner.h)
        ax = canvas.blank(cell)
        if background:
            ax.add_patch(Rectangle((0, 0), cell.w, cell.h, color=col, alpha=0.85))
        size = min(cell.h * 0.42, cell.w / max(3, len(shown)) * 1.55) * 72 / DPI
        ax.text(
            cell.w / 2, cell.h * (0.58 if n > 1 else 0.52), shown, ha="center", va="center", fontsize=max(9, size),
            fontweight="bold", color="#ffffff" if background else col,
        )  # fmt: skip
        if n > 1:
            ax.text(cell.w / 2, cell.h * 0.16, _shorten(label, int(cell.w / 6)), ha="center", va="center",
                    fontsize=8.5, color="#ffffff" if background else MUTED)  # fmt: skip


def _draw_bargauge(
    canvas: _Canvas, frame_ax: Axes, inner: _Box, box: _Box, panel: dict[str, Any], result: PanelResult,
    start: datetime, end: datetime,
) -> None:  # fmt: skip
    values = [(label, _number(v)) for label, v in stat_values(panel, result)]
    rows = max(1, min(len(values), int(inner.h // 18)))
    if rows < len(values):  # keep the last line for "+N more"
        rows = max(1, rows - 1)
    ax = canvas.blank(inner)
    row_h = min(inner.h / (rows + (1 if rows < len(values) else 0)), 40.0)
    label_w = min(inner.w * 0.4, max(len(label) for label, _ in values) * 6.4 + 8)
    value_w = 70.0
    for i, (label, number) in enumerate(values[:rows]):
        cfg = _field_config(panel, label)
        lo, hi = float(cfg.get("min", 0)), float(cfg.get("max", max((v or 0) for _, v in values) or 1))
        y = i * row_h
        ax.text(label_w - 8, y + row_h / 2, _shorten(label, int(label_w / 6.2)), color=TEXT, fontsize=8.5,
                ha="right", va="center")  # fmt: skip
        bar_w = inner.w - label_w - value_w
        ax.add_patch(Rectangle((label_w, y + 3), bar_w, row_h - 6, color=GRID))
        fraction = 0.0 if number is None else min(1.0, max(0.0, (number - lo) / (hi - lo or 1)))
        col = threshold_colour(number, cfg)
        ax.add_patch(Rectangle((label_w, y + 3), bar_w * fraction, row_h - 6, color=col))
        ax.text(inner.w - 4, y + row_h / 2, format_value(number, cfg.get("unit")), color=col, fontsize=9,
                fontweight="bold", ha="right", va="center")  # fmt: skip
    if len(values) > rows:
        ax.text(label_w, rows * row_h + row_h / 2, f"+{len(values) - rows} more", color=MUTED, fontsize=8, va="center")


def _draw_barchart(
    canvas: _Canvas, frame_ax: Axes, inner: _Box, box: _Box, panel: dict[str, Any], result: PanelResult,
    start: datetime, end: datetime,
) -> None:  # fmt: skip
    frame = next(f for f in result.frames if f.rows)
    numeric = [i for i in range(len(frame.columns)) if _numeric_column(frame, i)]
    labels_at = next((i for i in range(len(frame.columns)) if i not in numeric), None)
    labels = [str(r[labels_at]) if labels_at is not None else str(n) for n, r in enumerate(frame.rows)]
    horizontal = panel.get("options", {}).get("orientation") == "horizontal"
    label_px = min(inner.w * 0.45, max(len(label) for label in labels) * 6.4 + 10) if horizontal else 40
    ax = canvas.axes(inner.inset(label_px, 4, 10, 20 if horizontal else 40))
    _style_axes(ax)
    positions = np.arange(len(labels))
    width = 0.8 / max(1, len(numeric))
    for k, i in enumerate(numeric):
        cfg = _field_config(panel, frame.columns[i])
        col = colour(cfg.get("color", {}).get("fixedColor"), PALETTE[k % len(PALETTE)])
        vals = [_number(r[i]) or 0.0 for r in frame.rows]
        offset = positions + (k - (len(numeric) - 1) / 2) * width
        if horizontal:
            ax.barh(offset, vals, height=width, color=col)
            for yv, v in zip(offset, vals, strict=True):
                ax.text(v, yv, f" {format_value(v, cfg.get('unit'))}", color=TEXT, fontsize=8, va="center")
        else:
            ax.bar(offset, vals, width=width, color=col)
    whole = all(isinstance(r[i], int) for r in frame.rows for i in numeric)
    (ax.xaxis if horizontal else ax.yaxis).set_major_locator(MaxNLocator(integer=whole))
    if horizontal:
        ax.set_yticks(positions, [_shorten(label, int(label_px / 6.2)) for label in labels])
        ax.invert_yaxis()
        ax.grid(True, axis="x", color=GRID)
        ax.grid(False, axis="y")
        ax.margins(x=0.12)
    else:
        ax.set_xticks(positions, [_shorten(label, 16) for label in labels], rotation=30, ha="right")
    ax.tick_params(colors=TEXT, labelsize=8.5)


def _draw_state_timeline(
    canvas: _Canvas, frame_ax: Axes, inner: _Box, box: _Box, panel: dict[str, Any], result: PanelResult,
    start: datetime, end: datetime,
) -> None:  # fmt: skip
    series = [s for f in result.frames for s in series_of(f)]
    label_px = min(inner.w * 0.3, max(len(s.name) for s in series) * 6.4 + 12)
    ax = canvas.axes(inner.inset(label_px, 2, 4, 20))
    _style_axes(ax)
    ax.grid(False)
    end_num = mdates.date2num(end)
    for row, s in enumerate(series):
        x = list(mdates.date2num(s.times))
        for j, (x0, value) in enumerate(zip(x, s.values, strict=True)):
            x1 = x[j + 1] if j + 1 < len(x) else min(end_num, x0 + result.interval.total_seconds() / 86400)
            cfg = _field_config(panel, s.name)
            _, mapped_colour = mapped(value, cfg)
            col = colour(mapped_colour) if mapped_colour else threshold_colour(value, cfg)
            ax.broken_barh([(x0, x1 - x0)], (row - 0.42, 0.84), color=col, linewidth=0)
    ax.set_yticks(range(len(series)), [s.name for s in series])
    ax.set_ylim(len(series) - 0.5, -0.5)
    ax.tick_params(axis="y", colors=TEXT, labelsize=8.5)
    _time_axis(ax, start, end)


# --- table ---------------------------------------------------------------------------------------------


def table_cells(panel: dict[str, Any], frame: Frame) -> list[list[str]]:
    """Every cell as the table shows it (unit, value mapping text), before cutting to the column width."""
    configs = [_field_config(panel, c) for c in frame.columns]
    out = []
    for row in frame.rows:
        cells = []
        for value, cfg in zip(row, configs, strict=True):
            text, _ = mapped(value, cfg)
            cells.append(text or format_value(value, cfg.get("unit"), cfg.get("decimals")))
        out.append(cells)
    return out


def fit_widths(want: Sequence[float], total: float) -> list[float]:
    """Column widths summing to ``total``: narrow columns get what they want, the wide ones share the rest.

    Scaling every column alike would cut a four-letter column as much as a long message; this way only
    the columns wider than an equal share are cut (a table's long text columns, as in Grafana).
    """
    if sum(want) <= total:
        extra = (total - sum(want)) / len(want)
        return [w + extra for w in want]
    widths = list(want)
    pending = sorted(range(len(want)), key=lambda i: want[i])
    remaining = total
    while pending:
        share = remaining / len(pending)
        if want[pending[0]] <= share:
            remaining -= want[pending.pop(0)]
            continue
        for i in pending:
            widths[i] = share
        break
    return widths


def _cell_text(ax: Axes, x: float, y: float, width: float, text: str, **kwargs: Any) -> None:
    """Text cut to the cell: shortened by its estimated width, and clipped at the cell's edge all the same."""
    artist = ax.text(x + 6, y + TABLE_ROW_PX / 2, _shorten(text, int((width - 10) / CHAR_PX)), va="center", **kwargs)
    artist.set_clip_path(Rectangle((x, y), width - 4, TABLE_ROW_PX, transform=ax.transData))


def _draw_table(
    canvas: _Canvas, frame_ax: Axes, inner: _Box, box: _Box, panel: dict[str, Any], result: PanelResult,
    start: datetime, end: datetime,
) -> None:  # fmt: skip
    frame = next(f for f in result.frames if f.rows)
    cells = table_cells(panel, frame)
    configs = [_field_config(panel, c) for c in frame.columns]
    ax = canvas.blank(inner)
    visible = max(1, int((inner.h - TABLE_ROW_PX - 4) // TABLE_ROW_PX))
    more = len(cells) - visible
    if more > 0:
        visible = max(1, visible - 1)
        more = len(cells) - visible
    want = []
    for i, name in enumerate(frame.columns):
        fixed = configs[i].get("custom", {}).get("width")
        longest = max([len(name)] + [len(r[i]) for r in cells[:visible]])
        want.append(float(fixed) if fixed else min(CELL_MAX_CHARS, max(4, longest)) * CHAR_PX + 14)
    widths = fit_widths(want, inner.w)
    x = 0.0
    ax.add_patch(Rectangle((0, 0), inner.w, TABLE_ROW_PX, color="#22252b"))
    for i, name in enumerate(frame.columns):
        _cell_text(ax, x, 0, widths[i], name, color="#6e9fff", fontsize=8.5, fontweight="bold")
        x += widths[i]
    for r, row in enumerate(cells[:visible]):
        y = TABLE_ROW_PX * (r + 1)
        ax.plot([0, inner.w], [y, y], color=BORDER, linewidth=0.6)
        x = 0.0
        for i, text in enumerate(row):
            cell_kind = configs[i].get("custom", {}).get("cellOptions", {}).get("type", "auto")
            value = frame.rows[r][i]
            fg = TEXT
            if cell_kind in ("color-background", "color-text"):
                _, mapped_colour = mapped(value, configs[i])
                col = (
                    colour(mapped_colour)
                    if mapped_colour
                    else threshold_colour(value, configs[i], fallback="none")
                    if configs[i].get("thresholds") and _number(value) is not None
                    else None
                )
                if col and col != "none" and cell_kind == "color-background":
                    ax.add_patch(Rectangle((x, y), widths[i], TABLE_ROW_PX, color=col, alpha=0.75))
                    fg = "#ffffff"
                elif col and col != "none":
                    fg = col
            _cell_text(ax, x, y, widths[i], text, color=fg, fontsize=8.5)
            x += widths[i]
    if more > 0:
        y = TABLE_ROW_PX * (visible + 1)
        ax.text(6, y + TABLE_ROW_PX / 2, f"... {more} more rows", color=MUTED, fontsize=8.5, va="center")


# --- the weekly report, through a browser --------------------------------------------------------------


class BrowserError(RuntimeError):
    """Headless Chromium did not write the screenshot (its exit status and the end of its stderr)."""


def find_chromium() -> str | None:
    """The Chromium on PATH (``chromium`` or ``chromium-browser``), or None."""
    import shutil

    return shutil.which("chromium") or shutil.which("chromium-browser")


def browser_screenshot(chromium: str, page: Path, png: Path, *, width: int = 1440, height: int = 9000) -> Path:
    """Headless Chromium's picture of a local HTML page, a ``width`` x ``height`` window (as tests/dashboards does)."""
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory(prefix="twspulse-chromium-") as profile:
        done = subprocess.run(
            [
                chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                f"--user-data-dir={profile}", f"--screenshot={png}", f"--window-size={width},{height}",
                "--hide-scrollbars", page.resolve().as_uri(),
            ],
            capture_output=True, text=True, timeout=180, check=False,
        )  # fmt: skip
    if not png.exists():
        raise BrowserError(f"{chromium} wrote no screenshot (exit {done.returncode}): {done.stderr[-2000:]}")
    return png


def split_page(png: Path, names: Sequence[Path]) -> list[Path]:
    """Cut a tall page picture into ``len(names)`` parts at blank bands, dropping the blank bottom.

    The report is one long page; README-sized pictures read better. Cuts go in the middle of a band of blank
    rows (page background, at least 32 px: the space between sections), nearest to equal parts.
    """
    from PIL import Image

    img = Image.open(png).convert("RGB")
    pixels = np.asarray(img)
    background = pixels[-1, -1]
    blank = np.all(np.abs(pixels.astype(int) - background.astype(int)).max(axis=2) <= 3, axis=1)
    content = np.flatnonzero(~blank)
    bottom = int(content[-1]) + 1 + 24 if content.size else pixels.shape[0]
    bottom = min(bottom, pixels.shape[0])
    gaps = _blank_runs(blank[:bottom], min_length=32)  # between sections; a chart's white inside is shorter
    cuts = [0]
    for k in range(1, len(names)):
        target = bottom * k // len(names)
        later = [(start + end) // 2 for start, end in gaps if (start + end) // 2 > cuts[-1]]
        cuts.append(min(later, key=lambda mid: abs(mid - target)) if later else target)
    cuts.append(bottom)
    for name, (top, low) in zip(names, zip(cuts[:-1], cuts[1:], strict=True), strict=True):
        img.crop((0, top, img.width, low)).save(name, optimize=True)
    return list(names)


def _blank_runs(blank: np.ndarray, *, min_length: int) -> list[tuple[int, int]]:
    """(start, end) of every run of True at least ``min_length`` long."""
    runs, start = [], None
    for i, is_blank in enumerate([*blank.tolist(), False]):
        if is_blank and start is None:
            start = i
        elif not is_blank and start is not None:
            if i - start >= min_length:
                runs.append((start, i))
            start = None
    return runs
