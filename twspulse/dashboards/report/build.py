"""Read the report's sections from the database and render the page."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import psycopg

from twspulse.dashboards.report import charts, queries
from twspulse.dashboards.report.render import Section, Table, render_html

_SINCE = re.compile(r"^\s*(\d+)\s*([mhdw])\s*$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


class BadSince(ValueError):
    """A look-back that is not a number and one of m, h, d, w (e.g. 7d)."""


def parse_since(text: str) -> timedelta:
    """``7d`` -> 7 days (units m, h, d, w)."""
    m = _SINCE.match(text)
    if not m or int(m.group(1)) == 0:
        raise BadSince(f"look-back {text!r}: expected a positive number and a unit of m, h, d, w (e.g. 7d)")
    return timedelta(**{_UNITS[m.group(2)]: int(m.group(1))})


def describe(window: timedelta) -> str:
    """``7 days``, ``12 hours``, ``90 minutes``: the look-back as people say it."""
    minutes = int(window.total_seconds() // 60)
    for unit, size in (("week", 10080), ("day", 1440), ("hour", 60), ("minute", 1)):
        if minutes % size == 0 and minutes >= size:
            n = minutes // size
            return f"{n} {unit}{'s' if n != 1 else ''}"
    return str(window)


def _rows(conn: psycopg.Connection[Any], sql: str, params: dict[str, Any]) -> tuple[list[str], list[tuple[Any, ...]]]:
    cur = conn.execute(sql, params)
    columns = [d.name for d in cur.description or []]
    return columns, cur.fetchall()


def split_series_key(series_key: str) -> tuple[str, str, str]:
    """``host/metric/device`` -> (host, metric, device); the device (a mount point) may hold slashes itself."""
    host, _, rest = series_key.partition("/")
    metric, _, device = rest.partition("/")
    return host, metric, device


def _without_repeated_error_line(cols: list[str], row: tuple[Any, ...]) -> tuple[Any, ...]:
    """The root cause without the error line it quotes: the line has its own column beside it."""
    cause, line = cols.index("root_cause"), cols.index("error_line")
    root, error = row[cause], row[line]
    if not root or not error or error.strip() not in root:
        return row
    short = root.replace(error.strip(), "").strip().rstrip(":").strip()
    return (*row[:cause], short or root, *row[cause + 1 :])


def _failures(conn: psycopg.Connection[Any], p: dict[str, Any]) -> Section:
    s = Section(
        "failures",
        "Top failing jobs and their root causes",
        "Jobs with the most failed runs in the period; cause, root cause and error line of each job's latest "
        "failure come from its root-cause annotation (job_annotations) and joblog.",
    )
    cols, rows = _rows(conn, queries.TOP_FAILING_JOBS, p)
    if rows:
        labels = [f"{r[1]}.{r[2]}" for r in rows]
        s.charts.append(
            (
                "failed runs per job",
                charts.data_uri(charts.bar_chart(labels, [r[3] for r in rows], "Failed runs per job", "failed runs")),
            )
        )
    s.tables.append(Table(cols, [_without_repeated_error_line(cols, r) for r in rows]))
    s.tables.append(Table(*_rows(conn, queries.ROOT_CAUSES, p)))
    return s


def _drift_fit(days: list[Any], values: list[float]) -> tuple[float, float, float, float]:
    """Theil-Sen slope of a daily series as % of its median per week, its 95 % interval, and Kendall's p.

    Robust to a few odd days (the median of pairwise slopes), unlike first-vs-last or least squares, so a
    job with one slow day is not ranked as drifting; Kendall's test says whether the trend is there at all.
    """
    from scipy import stats

    x = np.array([(d - days[0]).total_seconds() / 86400 for d in days])
    y = np.array(values, dtype=float)
    level = float(np.median(y)) or 1.0
    slope, _, low, high = stats.theilslopes(y, x, alpha=0.95)
    p_value = float(stats.kendalltau(x, y).pvalue)
    weekly = 100 * 7 / level
    return slope * weekly, low * weekly, high * weekly, p_value


def _drift(conn: psycopg.Connection[Any], p: dict[str, Any]) -> Section:
    s = Section(
        "drift",
        "Runtime drift",
        "Jobs whose daily median runtime (job_runtime_daily) trends most, by a robust slope: Theil-Sen, as % of "
        f"the job's median per week, with its 95 % interval and Kendall's p, over the report's window but at "
        f"least 28 days, for jobs with at least {queries.DRIFT_MIN_DAYS} daily medians and "
        f"{queries.DRIFT_MIN_RUNS} runs. Significant trends (p < 0.05) come first. avg/max ratio: how far runs "
        "strayed from what the runtime model expected (job_runs.duration_deviation = actual / expected).",
    )
    _, candidates = _rows(conn, queries.RUNTIME_DRIFT_CANDIDATES, p)
    fitted = []
    for job_stream, job_name, days, runs in candidates:
        job = {**p, "job_stream": job_stream, "job_name": job_name}
        _, daily = _rows(conn, queries.RUNTIME_DAILY, job)
        daily = [(d, float(v)) for d, v in daily if v is not None]
        if len(daily) < queries.DRIFT_MIN_DAYS:
            continue
        weekly, low, high, p_value = _drift_fit([d for d, _ in daily], [v for _, v in daily])
        _, dev = _rows(conn, queries.RUNTIME_DEVIATION, job)
        avg_ratio, max_ratio, above = dev[0] if dev else (None, None, 0)
        row = (
            job_stream, job_name, days, runs,
            round(daily[0][1]), round(daily[-1][1]),
            round(weekly, 1), f"{low:+.1f}..{high:+.1f}", round(p_value, 4),
            None if avg_ratio is None else round(float(avg_ratio), 2),
            None if max_ratio is None else round(float(max_ratio), 2), above or 0,
        )  # fmt: skip
        fitted.append((p_value >= 0.05, -abs(weekly), row, daily))
    fitted.sort(key=lambda f: (f[0], f[1]))
    cols = [
        "job_stream", "job_name", "days", "runs", "first_p50_s", "last_p50_s", "change_pct_per_week",
        "ci95_pct_per_week", "kendall_p", "avg_ratio", "max_ratio", "runs_above_p95",
    ]  # fmt: skip
    top = fitted[:10]
    s.tables.append(Table(cols, [f[2] for f in top]))
    series = {f"{f[2][0]}.{f[2][1]}": ([d for d, _ in f[3]], [v for _, v in f[3]]) for f in top[:5]}
    if series:
        s.charts.append(
            (
                "daily median runtime",
                charts.data_uri(charts.line_chart(series, "Daily median runtime of the most drifting jobs", "seconds")),
            )
        )
    return s


def _capacity(conn: psycopg.Connection[Any], p: dict[str, Any]) -> Section:
    s = Section(
        "capacity",
        "Hosts that will cross their thresholds",
        "Newest trained forecast per host resource (forecast_models): the first forecast point at or above the "
        "threshold, and the plausible window from the forecast interval (earliest: upper bound crosses; "
        "latest: lower bound crosses).",
    )
    _, rows = _rows(conn, queries.CAPACITY_CROSSINGS, p)
    now = datetime.now(UTC)
    table = Table(["host", "metric", "device", "threshold %", "crosses at", "earliest", "latest", "days left"], [])
    for series_key, _kind, _version, threshold, crossing_at, lower, upper, _trained in rows:
        host, metric, device = split_series_key(series_key)
        days = round((crossing_at - now).total_seconds() / 86400, 1)
        table.rows.append((host, metric, device, threshold, crossing_at, lower, upper, days))
    s.tables.append(table)
    for series_key, _kind, version, threshold, crossing_at, *_ in rows[:3]:
        host, metric, device = split_series_key(series_key)
        _, hist = _rows(conn, queries.HOST_HISTORY, {**p, "host": host, "metric": metric, "device": device})
        _, fc = _rows(conn, queries.FORECAST_POINTS, {"series_key": series_key, "model_version": version})
        png = charts.forecast_chart(
            ([h[0] for h in hist], [h[1] for h in hist]),
            ([f[0] for f in fc], [f[1] for f in fc], [f[2] for f in fc], [f[3] for f in fc]),
            threshold,
            crossing_at,
            f"{host} {metric} {device}".strip(),
        )
        s.charts.append((f"forecast of {series_key}", charts.data_uri(png)))
    return s


def _backtest(conn: psycopg.Connection[Any], p: dict[str, Any]) -> Section:
    s = Section(
        "backtest",
        "Forecast model quality (backtests)",
        "Rolling-origin backtest of the newest model per series (forecast_models): MAPE and sMAPE of the model "
        "against the sMAPE of a seasonal-naive baseline on the same folds. Lower is better; a model that does "
        "not beat its baseline adds nothing.",
    )
    s.tables.append(Table(*_rows(conn, queries.BACKTEST_BY_KIND, p)))
    cols, rows = _rows(conn, queries.BACKTEST_SERIES, p)
    points = [(r[1], r[4], r[5]) for r in rows if r[4] is not None and r[5] is not None]
    if points:
        s.charts.append(
            (
                "model vs baseline sMAPE",
                charts.data_uri(charts.backtest_chart(points, "Model vs baseline sMAPE per series")),
            )
        )
    s.tables.append(Table(cols, rows[:10]))
    if rows:
        s.note = "The series table lists the ten models that do worst against their baseline."
    return s


def _alerts(conn: psycopg.Connection[Any], p: dict[str, Any]) -> Section:
    s = Section(
        "alerts", "Open alerts", "Alerts whose newest event is firing (alerts is an event log), most severe first."
    )
    s.tables.append(Table(*_rows(conn, queries.OPEN_ALERTS, p)))
    return s


def _recommendations(conn: psycopg.Connection[Any], p: dict[str, Any]) -> Section:
    intro = (
        "What to do and by when, from the nightly insights (insights): host resources that cross their threshold "
        "within 90 days and the jobs driving them, growing error patterns; the soonest deadline first."
    )
    return Section("recommendations", "Recommendations", intro, [Table(*_rows(conn, queries.RECOMMENDATIONS, p))])


def build_report(database_url: str, since: timedelta, now: datetime | None = None) -> str:
    """The report's HTML for the last ``since`` (every section says "no data" when its tables are empty)."""
    now = now or datetime.now(UTC)
    p = {"since": since}
    with psycopg.connect(database_url, connect_timeout=10) as conn:
        conn.read_only = True
        totals = conn.execute(queries.TOTALS, p).fetchone() or (0, 0, 0)
        sections = [_recommendations(conn, p), _failures(conn, p), _drift(conn, p), _capacity(conn, p)]
        sections += [_backtest(conn, p), _alerts(conn, p)]
    succeeded, failed, jobs = (int(v or 0) for v in totals)
    finished = succeeded + failed
    kpis = [
        ("jobs run", f"{jobs:,}"),
        ("runs succeeded", f"{succeeded:,}"),
        ("runs failed", f"{failed:,}"),
        ("failure rate", f"{100 * failed / finished:.1f} %" if finished else "-"),
    ]
    meta = f"Last {describe(since)} up to {now:%Y-%m-%d %H:%M} UTC. Generated by twspulse report."
    return render_html("TWS Pulse report", meta, kpis, sections)
