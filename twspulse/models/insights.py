"""Insights from history: error patterns that grow, job workload that moves a host's resources, and the 90-day
capacity plan, each with its evidence, a prediction with an interval and a recommendation.

Pure functions over data frames (what :mod:`models.insights_store` loads from the database), so the same code
runs in the nightly job, the tests and ``bench/insights_eval.py``:
- :func:`pattern_trends`: per job and error pattern, the share of the job's runs that hit the pattern per week
  (event time), Mann-Kendall + Sen's slope, Benjamini-Hochberg over every pair tested, and a minimum-evidence
  rule (enough weeks observed, hits in several distinct weeks, enough hits) so one bad day is never a trend.
- :func:`workload_links`: per job (daily median runtime) and per workstation (runs per day) against the daily
  means of its host's resources: lagged correlation of the detrended series, corrected over every pair.
- :func:`capacity_plans`: per host resource, a trend test on the daily means; where there is a trend, the
  existing Prophet forecast 90 days ahead and its threshold crossing (with the interval), the jobs whose growth
  drives it, and a recommendation (priority, action, deadline). "No trend" is an insight too.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import numpy as np
import pandas as pd

from twspulse.models.forecasting import Crossing, ForecastConfig, Skipped, fit, predict, threshold_crossing
from twspulse.models.insights_stats import (
    ProportionTrend,
    Trend,
    benjamini_hochberg,
    lagged_correlation,
    proportion_trend,
    trend_test,
)
from twspulse.models.series import JOB_RUNTIME, Series, points_per_day

InsightKind = Literal["pattern_trend", "workload_resource_link", "capacity_plan"]
Priority = Literal["critical", "high", "medium", "low"]

ALPHA = 0.01  # false-discovery rate (BH) for pattern trends (and the level of a driver's runtime trend)
LINK_ALPHA = 0.01  # false-discovery rate (BH) for links, which also need r >= MIN_LINK_R (the same level)
# Pattern trends: the minimum evidence. Five observed weeks is the fewest in which Mann-Kendall can reach
# p < 0.05 at all; hits in three distinct weeks and five hits in total keep one bad day (or week) from
# looking like a trend however it falls.
MIN_WEEKS = 5
MIN_HIT_WEEKS = 3
MIN_HITS = 5
SAME_RUNS = 0.8  # Jaccard overlap of the runs two rising patterns hit above which they are one failure
HALF_OF_RUNS = 0.5  # a pattern's "outage": half of the job's runs hit it
# Links: at least three weeks of daily pairs, lags up to three days either way, and a correlation strong
# enough to matter (a tiny r can be significant over many days and still explain nothing).
MAX_LAG_DAYS = 3
MIN_LINK_DAYS = 28
MIN_LINK_R = 0.65
# Resources a workload loads while it runs. A disk's used space is a stock that grows with what was written
# over months, not with how busy a day was: a filling disk is tied to its jobs through the capacity plan's
# drivers and the patterns that name it, not by day-to-day correlation.
LOAD_RESOURCES = frozenset({"cpu.percent", "memory.percent"})
# Capacity: daily means of an hourly series are still autocorrelated, which makes Mann-Kendall too eager; a
# stricter level and a minimum change over the horizon keep a flat but wavy series "no trend".
HORIZON_DAYS = 90
CAPACITY_ALPHA = 0.01
MIN_CAPACITY_DAYS = 7
MIN_CHANGE_OVER_HORIZON = 3.0  # percentage points in 90 days: less is within a host's usual spread, nothing to plan
LEAD_DAYS = 7  # act this long before the earliest plausible crossing
PRIORITY_WITHIN = (("critical", 14), ("high", 30), ("medium", 60), ("low", HORIZON_DAYS))
DRIVERS = 3  # jobs named as the drivers of a capacity trend

# Error templates that name a resource: a growing one is tied to that resource's capacity plan on the job's host.
RESOURCE_WORDS = {
    "disk.used_percent": ("no space", "disk full", "enospc", "disk quota", "file system full", "filesystem full"),
    "memory.percent": ("out of memory", "outofmemory", "oom", "cannot allocate memory", "enomem"),
    "cpu.percent": ("cpu time limit", "cpu limit"),
}
_RESOURCE_ACTIONS = {
    "cpu.percent": "add CPU to {host} or move the growing jobs ({drivers}) to another workstation",
    "memory.percent": "add memory to {host} or spread the growing jobs ({drivers}) over other workstations",
    "disk.used_percent": "archive or extend {device} on {host}; the growth comes with {drivers}",
}

Forecaster = Callable[[Series, int], pd.DataFrame | Skipped]


@dataclass
class Insight:
    """One finding: what it is about, whether it passed its test, the evidence, what it predicts, what to do."""

    kind: InsightKind
    subject: str  # job_key, workstation or host
    metric: str  # pattern_id, "host_metric" or resource metric (cpu.percent, disk.used_percent:/data)
    significant: bool
    summary: str
    confidence: float | None = None  # 1 - p (q for corrected families)
    evidence: dict[str, Any] = field(default_factory=dict)
    prediction: dict[str, Any] | None = None
    priority: Priority | None = None
    action: str | None = None
    deadline: datetime | None = None

    @property
    def insight_id(self) -> str:
        """Stable across runs: the same finding about the same subject keeps its row."""
        key = f"{self.kind}|{self.subject}|{self.metric}"
        return hashlib.sha1(key.encode()).hexdigest()[:20]  # noqa: S324 - an id, not security


def _week_start(times: pd.Series) -> pd.Series:
    t = pd.to_datetime(times, utc=True).dt.tz_convert(None)
    return (t - pd.to_timedelta(t.dt.day_of_week, unit="D")).dt.normalize()


def _day(times: pd.Series) -> pd.Series:
    return pd.to_datetime(times, utc=True).dt.tz_convert(None).dt.normalize()


def _naive(now: datetime) -> pd.Timestamp:
    ts = pd.Timestamp(now)
    return ts.tz_convert(None) if ts.tzinfo else ts


def _aware(ts: pd.Timestamp | datetime) -> datetime:
    t = pd.Timestamp(ts)
    return (t.tz_localize(UTC) if t.tzinfo is None else t.tz_convert(UTC)).to_pydatetime()


def priority_for(days: float | None) -> Priority | None:
    """Priority from the days left until the event a recommendation prevents (None: beyond the horizon)."""
    if days is None:
        return None
    for name, within in PRIORITY_WITHIN:
        if days <= within:
            return name  # type: ignore[return-value]
    return None


def _series_evidence(index: pd.Index, values: np.ndarray | pd.Series, digits: int = 4) -> list[list[Any]]:
    return [[pd.Timestamp(t).strftime("%Y-%m-%d"), round(float(v), digits)] for t, v in zip(index, values, strict=True)]


# --- pattern trends ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _PatternTest:
    job_key: str
    pattern_id: str
    weeks: pd.DatetimeIndex
    hits: np.ndarray
    runs: np.ndarray
    trend: Trend
    run_ids: list[str]
    counts: ProportionTrend
    runs_hit: frozenset[str] = frozenset()


def pattern_trends(
    hits: pd.DataFrame, runs: pd.DataFrame, templates: Mapping[str, str], now: datetime
) -> tuple[list[Insight], int]:
    """Growing error patterns per job: (insights of the significant ones, number of pairs tested).

    ``hits``: ``time, job_key, pattern_id, run_id`` (a failed run that hit a pattern); ``runs``: ``time,
    job_key`` of every final run (the denominator: a job run twice as often fails twice as often).
    """
    if hits.empty or runs.empty:
        return [], 0
    hits = hits.assign(week=_week_start(hits["time"]), day=_day(hits["time"]))
    hits = hits.drop_duplicates(["job_key", "pattern_id", "run_id"])
    runs = runs.assign(week=_week_start(runs["time"]), day=_day(runs["time"]))
    runs_per_week = runs.groupby(["job_key", "week"]).size()
    runs_per_day = runs.groupby(["job_key", "day"]).size()
    tests: list[_PatternTest] = []
    for (job, pattern), g in hits.groupby(["job_key", "pattern_id"], sort=True):
        if len(g) < MIN_HITS or g["week"].nunique() < MIN_HIT_WEEKS or job not in runs_per_week.index:
            continue
        per_week = runs_per_week.loc[job]
        weeks = pd.DatetimeIndex(per_week.index)
        if len(weeks) < MIN_WEEKS:
            continue
        n_hits = g.groupby("week").size().reindex(weeks, fill_value=0).to_numpy(dtype=float)
        n_runs = per_week.to_numpy(dtype=float)
        rate = np.clip(n_hits / n_runs, 0.0, 1.0)
        x = ((weeks - weeks[0]) / pd.Timedelta(weeks=1)).to_numpy(dtype=float)
        recent = g.sort_values("time")["run_id"].astype(str).tolist()[-10:]
        # the test reads days (a ramp inside the weeks is evidence too), with the weeks' overdispersion
        weekly = proportion_trend(n_hits, n_runs, x)
        per_day = runs_per_day.loc[job]
        days = pd.DatetimeIndex(per_day.index)
        day_hits = g.groupby("day").size().reindex(days, fill_value=0).to_numpy(dtype=float)
        day_x = ((days - days[0]) / pd.Timedelta(days=1)).to_numpy(dtype=float)
        day_runs = per_day.to_numpy(dtype=float)
        counts = proportion_trend(day_hits, day_runs, day_x, weekly.dispersion)
        hit = frozenset(g["run_id"].astype(str))
        tests.append(
            _PatternTest(str(job), str(pattern), weeks, n_hits, n_runs, trend_test(rate, x), recent, counts, hit)
        )
    if not tests:
        return [], 0
    q = benjamini_hochberg([t.counts.p_value for t in tests])
    rising = [(t, float(qv)) for t, qv in zip(tests, q, strict=True) if qv < ALPHA and t.trend.slope > 0]
    out = []
    for group in _same_failure(rising, templates):
        (lead, q_lead), others = group[0], group[1:]
        insight = _pattern_insight(lead, q_lead, templates.get(lead.pattern_id, lead.pattern_id), now)
        if others:
            insight.evidence["same_runs_patterns"] = [
                {"pattern_id": t.pattern_id, "template": templates.get(t.pattern_id, t.pattern_id), "q_value": qv}
                for t, qv in others
            ]
        out.append(insight)
    return out, len(tests)


def _specificity(template: str) -> tuple[bool, int]:
    """How much a template says: it names a resource, then its literal words (``<...>`` masks say nothing)."""
    words = [w for w in template.split() if "<" not in w and any(c.isalpha() for c in w)]
    return resource_of(template) is not None, len(words)


def _same_failure(
    rising: list[tuple[_PatternTest, float]], templates: Mapping[str, str]
) -> list[list[tuple[_PatternTest, float]]]:
    """Rising patterns of one job that hit (nearly) the same runs, grouped: one failure prints several lines.

    Two patterns are one failure when their runs overlap by Jaccard >= SAME_RUNS (a generic "exit code N"
    line comes with every failure of the job, the specific "No space left on device" with the growing one).
    Each group leads with its most specific template; one insight per group.
    """
    groups: list[list[tuple[_PatternTest, float]]] = []
    order = sorted(rising, key=lambda tq: (tq[0].job_key, tuple(-v for v in _specificity(
        templates.get(tq[0].pattern_id, tq[0].pattern_id))), tq[1]))  # fmt: skip
    for t, qv in order:
        for group in groups:
            lead = group[0][0]
            union = len(lead.runs_hit | t.runs_hit)
            if lead.job_key == t.job_key and union and len(lead.runs_hit & t.runs_hit) / union >= SAME_RUNS:
                group.append((t, qv))
                break
        else:
            groups.append([(t, qv)])
    return groups


def _pattern_insight(t: _PatternTest, q: float, template: str, now: datetime) -> Insight:
    tr = t.trend
    x_now = (_naive(now) - t.weeks[0]) / pd.Timedelta(weeks=1)
    rate_now = float(np.clip(tr.at(x_now), 0, 1))
    in4 = [float(np.clip(tr.at(x_now + 4, s), 0, 1)) for s in (tr.slope, tr.slope_low, tr.slope_high)]

    def days_to_half(slope: float) -> float | None:
        if rate_now >= HALF_OF_RUNS:
            return 0.0
        return None if slope <= 0 else 7.0 * (HALF_OF_RUNS - rate_now) / slope

    central, latest, earliest = days_to_half(tr.slope), days_to_half(tr.slope_low), days_to_half(tr.slope_high)
    priority = priority_for(central) or "low"
    deadline = now + timedelta(days=min(central if central is not None else HORIZON_DAYS, HORIZON_DAYS))
    hits_total = int(t.hits.sum())
    summary = (
        f"'{template}' on {t.job_key} is rising: {hits_total} of {int(t.runs.sum())} runs in {len(t.weeks)} weeks, "
        f"+{tr.slope:.1%} of runs a week (95% CI {tr.slope_low:+.1%}..{tr.slope_high:+.1%})"
    )
    return Insight(
        kind="pattern_trend",
        subject=t.job_key,
        metric=t.pattern_id,
        significant=True,
        summary=summary,
        confidence=round(1 - q, 4),
        evidence={
            "template": template,
            "test": "cochran-armitage on the daily share of runs hitting the pattern (weekly overdispersion), "
            "BH-corrected; mann-kendall and sen's slope on the weekly share",
            "q_value": round(q, 6),
            **t.counts.as_evidence(),
            **tr.as_evidence(),
            "slope_unit": "share of runs per week",
            "series": [
                [w.strftime("%Y-%m-%d"), int(h), int(r)] for w, h, r in zip(t.weeks, t.hits, t.runs, strict=True)
            ],
            "series_columns": ["week", "runs_hitting", "runs"],
            "recent_runs": t.run_ids,
        },
        prediction={
            "what": "share of runs hitting the pattern in 4 weeks",
            "value": round(in4[0], 4),
            "lower": round(min(in4[1:]), 4),
            "upper": round(max(in4[1:]), 4),
            "half_of_runs_at": _iso_days(now, central),
            "half_of_runs_earliest": _iso_days(now, earliest),
            "half_of_runs_latest": _iso_days(now, latest),
        },
        priority=priority,
        action=f"fix the cause of '{template}' in {t.job_key} before it hits half of its runs",
        deadline=deadline,
    )


def _iso_days(now: datetime, days: float | None) -> str | None:
    return None if days is None or days > 10 * HORIZON_DAYS else (now + timedelta(days=days)).isoformat()


def resource_of(template: str) -> str | None:
    """The host resource an error template names (``No space left on device`` -> disk), if any."""
    text = template.lower()
    for metric, words in RESOURCE_WORDS.items():
        if any(w in text for w in words):
            return metric
    return None


# --- workload-resource links ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class _LinkTest:
    subject: str  # job_key or workstation
    workload: str  # runtime_median_s or runs_per_day
    host: str
    resource: str  # host metric (with device)
    x: pd.Series
    y: pd.Series
    corr: Any  # LaggedCorrelation


def daily_workload(runs: pd.DataFrame) -> dict[tuple[str, str], pd.Series]:
    """(job_key, "runtime_median_s") -> daily median runtime of successful runs; (workstation, "runs_per_day")."""
    out: dict[tuple[str, str], pd.Series] = {}
    if runs.empty:
        return out
    r = runs.assign(day=_day(runs["time"]))
    ok = r[(r["category"] == "succeeded") & r["duration_s"].notna()]
    for job, g in ok.groupby("job_key", sort=True):
        out[(str(job), "runtime_median_s")] = g.groupby("day")["duration_s"].median().astype(float)
    for ws, g in r.groupby("workstation", sort=True):
        out[(str(ws), "runs_per_day")] = g.groupby("day").size().astype(float)
    return out


def daily_means(series: Sequence[Series]) -> dict[tuple[str, str], pd.Series]:
    """(host, metric) -> daily mean of an hourly host resource series."""
    out = {}
    for s in series:
        if s.kind == JOB_RUNTIME or s.frame.empty:
            continue
        f = s.frame
        out[(s.subject, s.metric)] = f.groupby(pd.to_datetime(f["ds"]).dt.normalize())["y"].mean().astype(float)
    return out


def workload_links(
    workload: Mapping[tuple[str, str], pd.Series],
    host_daily: Mapping[tuple[str, str], pd.Series],
    host_of: Mapping[str, str],
    workstation_of: Mapping[str, str],
) -> tuple[list[Insight], int]:
    """Job runtimes and workstation run counts that move with their own host's resources.

    ``host_of``: workstation -> host; ``workstation_of``: job_key -> workstation. Every (workload, own-host
    resource) pair is one test, the best of its lags Bonferroni-adjusted; BH over all of them.
    """
    tests: list[_LinkTest] = []
    for (subject, what), x in workload.items():
        ws = subject if what == "runs_per_day" else workstation_of.get(subject)
        host = host_of.get(ws) if ws else None
        if host is None or len(x) < MIN_LINK_DAYS:
            continue
        for (h, resource), y in host_daily.items():
            if h != host or resource not in LOAD_RESOURCES:
                continue
            corr = lagged_correlation(_link_scale(what, x), y, MAX_LAG_DAYS, MIN_LINK_DAYS)
            if corr is not None:
                tests.append(_LinkTest(subject, what, host, resource, x, y, corr))
    if not tests:
        return [], 0
    q = benjamini_hochberg([t.corr.p_value for t in tests])
    keep = [(t, float(qv)) for t, qv in zip(tests, q, strict=True) if qv < LINK_ALPHA and t.corr.r >= MIN_LINK_R]
    out = [_link_insight(t, qv) for t, qv in keep]
    return out, len(tests)


def _scale_of(what: str) -> str:
    """How the link test reads a workload: a runtime on a log scale ("log"), a count as it is ("linear").

    Runtimes vary and grow by factors (a run 20 % longer, +30 % a week), so the rolling mean that detrends a
    link is taken of their logs; on raw seconds an exponential growth leaves a residue of trend that drowns
    the day-to-day co-movement.
    """
    return "log" if what == "runtime_median_s" else "linear"


def _link_scale(what: str, x: pd.Series) -> pd.Series:
    """The workload series as the link test reads it (:func:`_scale_of`)."""
    return np.log(x.where(x > 0)) if _scale_of(what) == "log" else x


def _weekly_trend(s: pd.Series) -> dict[str, Any] | None:
    if len(s) < 3:
        return None
    x = ((s.index - s.index[0]) / pd.Timedelta(days=7)).to_numpy(dtype=float)
    tr = trend_test(s.to_numpy(dtype=float), x)
    level = float(np.median(s.to_numpy()))
    return {**tr.as_evidence(), "slope_unit": "per week", "relative_slope": _ratio(tr.slope, level)}


def _ratio(a: float, b: float) -> float | None:
    return round(a / b, 4) if b and math.isfinite(a / b) else None


def _link_insight(t: _LinkTest, q: float) -> Insight:
    c = t.corr
    direction = "rises" if c.r > 0 else "falls"
    when = "the same day" if c.lag == 0 else (f"{c.lag} day(s) later" if c.lag > 0 else f"{-c.lag} day(s) earlier")
    label = "runtime of" if t.workload == "runtime_median_s" else "runs per day on"
    xt, yt = _weekly_trend(t.x), _weekly_trend(t.y)
    summary = (
        f"{t.resource} on {t.host} {direction} with the {label} {t.subject} ({when}; detrended r={c.r:.2f}, q={q:.3g})"
    )
    return Insight(
        kind="workload_resource_link",
        subject=t.subject,
        metric=f"{t.workload}~{t.host}/{t.resource}",
        significant=True,
        summary=summary,
        confidence=round(1 - q, 4),
        evidence={
            "workload": t.workload,
            "host": t.host,
            "resource": t.resource,
            "correlation": {
                **c.as_evidence(),
                "workload_scale": _scale_of(t.workload),
            },
            "q_value": round(q, 6),
            "workload_trend": xt,
            "resource_trend": yt,
            "series_workload": _series_evidence(t.x.index, t.x.to_numpy(), 2)[-HORIZON_DAYS:],
            "series_resource": _series_evidence(t.y.index, t.y.to_numpy(), 2)[-HORIZON_DAYS:],
        },
    )


# --- capacity plan -------------------------------------------------------------------------------------------
def prophet_forecaster(min_points: int) -> Forecaster:
    """The nightly training's Prophet forecast (clipped to 0..100 %), ``periods`` grid points ahead."""

    def run(series: Series, periods: int) -> pd.DataFrame | Skipped:
        fitted = fit(series.frame, series.freq, ForecastConfig(min_points=min_points, floor=0.0, cap=100.0))
        return fitted if isinstance(fitted, Skipped) else predict(fitted, periods)

    return run


def capacity_plans(
    series: Sequence[Series],
    workload: Mapping[tuple[str, str], pd.Series],
    links: Sequence[Insight],
    host_of: Mapping[str, str],
    workstation_of: Mapping[str, str],
    threshold: float,
    now: datetime,
    forecaster: Forecaster,
) -> list[Insight]:
    """One capacity-plan insight per host resource series: "no trend", or the crossing and what to do."""
    out = []
    jobs_on: dict[str, list[str]] = {}
    for job, ws in workstation_of.items():
        if ws in host_of:
            jobs_on.setdefault(host_of[ws], []).append(job)
    for s in series:
        if s.kind == JOB_RUNTIME or s.frame.empty:
            continue
        daily = s.frame.groupby(pd.to_datetime(s.frame["ds"]).dt.normalize())["y"].mean()
        if len(daily) < MIN_CAPACITY_DAYS:
            continue
        x = ((daily.index - daily.index[0]) / pd.Timedelta(days=1)).to_numpy(dtype=float)
        tr = trend_test(daily.to_numpy(dtype=float), x, autocorrelated=True)
        x_h = (_naive(now) - daily.index[0]) / pd.Timedelta(days=1) + HORIZON_DAYS
        level = [float(np.clip(tr.at(x_h, sl), 0, 100)) for sl in (tr.slope, tr.slope_low, tr.slope_high)]
        evidence: dict[str, Any] = {
            "test": "mann-kendall on daily means",
            **tr.as_evidence(),
            "slope_unit": "percentage points per day",
            "last_value": round(float(daily.iloc[-1]), 3),
            "threshold": threshold,
            "horizon_days": HORIZON_DAYS,
            "series": _series_evidence(daily.index, daily.to_numpy(), 3)[-HORIZON_DAYS:],
        }
        prediction: dict[str, Any] = {
            "what": f"{s.metric} in {HORIZON_DAYS} days (Sen's line)",
            "value": round(level[0], 2),
            "lower": round(min(level[1:]), 2),
            "upper": round(max(level[1:]), 2),
        }
        rising = tr.p_value < CAPACITY_ALPHA and tr.slope > 0 and tr.slope * HORIZON_DAYS >= MIN_CHANGE_OVER_HORIZON
        if not rising:
            out.append(
                Insight(
                    kind="capacity_plan",
                    subject=s.subject,
                    metric=s.metric,
                    significant=False,
                    summary=f"{s.label}: no trend (Sen slope {tr.slope * 7:+.2f} points a week, p={tr.p_value:.2g}); "
                    f"about {level[0]:.0f}% in {HORIZON_DAYS} days",
                    confidence=round(1 - tr.p_value, 4),
                    evidence=evidence,
                    prediction=prediction,
                )  # fmt: skip
            )
            continue
        drivers = _drivers(jobs_on.get(s.subject, []), workload, links, s)
        evidence["drivers"] = drivers
        periods = max(1, math.ceil(HORIZON_DAYS * points_per_day(s.freq)))
        fc = forecaster(s, periods)
        crossing = threshold_crossing(fc, threshold) if not isinstance(fc, Skipped) else None
        if isinstance(fc, Skipped):
            evidence["forecast_skipped"] = fc.reason
        out.append(_capacity_insight(s, tr, crossing, drivers, evidence, prediction, now))
    return out


def _drivers(
    jobs: Sequence[str], workload: Mapping[tuple[str, str], pd.Series], links: Sequence[Insight], s: Series
) -> list[dict[str, Any]]:
    """Jobs on the host whose runtime rises significantly, linked ones first, fastest relative growth first."""
    ev = [i for i in links if i.evidence.get("host") == s.subject and i.evidence.get("resource") == s.metric]
    linked = {i.subject for i in ev}
    found = []
    for job in jobs:
        x = workload.get((job, "runtime_median_s"))
        if x is None or len(x) < MIN_WEEKS:
            continue
        tr = _weekly_trend(x)
        if tr is None or tr["p_value"] >= ALPHA or tr["sen_slope"] <= 0:
            continue
        found.append({"job_key": job, "linked": job in linked, **{k: tr[k] for k in ("sen_slope", "relative_slope")}})
    found.sort(key=lambda d: (not d["linked"], -(d["relative_slope"] or 0.0)))
    return found[:DRIVERS]


def _capacity_insight(
    s: Series,
    tr: Trend,
    crossing: Crossing | None,
    drivers: list[dict[str, Any]],
    evidence: dict[str, Any],
    prediction: dict[str, Any],
    now: datetime,
) -> Insight:
    names = ", ".join(d["job_key"] for d in drivers) or "no single job"
    device = s.metric.split(":", 1)[1] if ":" in s.metric else ""
    base_metric = s.metric.split(":", 1)[0]
    trend_text = f"+{tr.slope * 7:.2f} points a week (95% CI {tr.slope_low * 7:+.2f}..{tr.slope_high * 7:+.2f})"
    if crossing is None or (crossing.at is None and crossing.earliest is None):
        prediction.update({"crossing_at": None})
        return Insight(
            kind="capacity_plan", subject=s.subject, metric=s.metric, significant=True,
            summary=f"{s.label} rises {trend_text} but stays below {evidence['threshold']:g}% for {HORIZON_DAYS} days",
            confidence=round(1 - tr.p_value, 4), evidence=evidence, prediction=prediction, priority="low",
            action=f"watch {s.label}", deadline=None,
        )  # fmt: skip
    prediction.update(
        {
            "what": f"{s.metric} reaches {crossing.threshold:g}%",
            "crossing_at": _iso_or_none(crossing.at),
            "crossing_earliest": _iso_or_none(crossing.earliest),
            "crossing_latest": _iso_or_none(crossing.latest),
            "interval": "80% forecast interval",
        }
    )
    first = crossing.earliest or crossing.at
    assert first is not None  # checked above
    days_left = (_aware(first) - now).total_seconds() / 86400
    deadline = max(now, _aware(first) - timedelta(days=LEAD_DAYS))
    action = _RESOURCE_ACTIONS.get(base_metric, "add capacity for {host}").format(
        host=s.subject, device=device or "the disk", drivers=names
    )
    return Insight(
        kind="capacity_plan",
        subject=s.subject,
        metric=s.metric,
        significant=True,
        summary=f"{crossing.describe(s.label)}; rising {trend_text}; driven by {names}",
        confidence=round(1 - tr.p_value, 4),
        evidence=evidence,
        prediction=prediction,
        priority=priority_for(days_left) or "low",
        action=action,
        deadline=deadline,
    )


def _iso_or_none(value: datetime | None) -> str | None:
    return None if value is None else _aware(value).isoformat()


def tie_patterns_to_capacity(
    trends: Sequence[Insight], plans: Sequence[Insight], host_of: Mapping[str, str], workstation_of: Mapping[str, str]
) -> None:
    """A growing pattern that names a resource (disk full) gets its host's crossing as its prediction's outage,
    and the earlier of the two deadlines ("disk space errors rising: the disk fills in about 14 days")."""
    by_host = {(p.subject, p.metric.split(":", 1)[0]): p for p in plans if p.significant and p.deadline is not None}
    for t in trends:
        resource = resource_of(str(t.evidence.get("template", "")))
        ws = workstation_of.get(t.subject)
        host = host_of.get(ws) if ws else None
        plan = by_host.get((host, resource)) if host and resource else None
        if plan is None or plan.prediction is None or t.prediction is None:
            continue
        t.prediction["resource_crossing"] = {
            "insight_id": plan.insight_id,
            "host": plan.subject,
            "metric": plan.metric,
            **{k: plan.prediction.get(k) for k in ("crossing_at", "crossing_earliest", "crossing_latest")},
        }
        if plan.deadline is not None and (t.deadline is None or plan.deadline < t.deadline):
            t.deadline, t.priority = plan.deadline, plan.priority
        t.summary += f"; {plan.metric} on {plan.subject} crosses around {plan.prediction.get('crossing_at')}"
