"""Insights: each statistic on synthetic series (trend vs noise, correlated vs independent, lagged link), the
finders on frames, and a re-run on a real database that updates rows instead of duplicating them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import psycopg

from twspulse.models.forecasting import Skipped
from twspulse.models.insights import (
    MIN_LINK_R,
    capacity_plans,
    pattern_trends,
    priority_for,
    resource_of,
    workload_links,
)
from twspulse.models.insights_job import refresh_insights
from twspulse.models.insights_stats import benjamini_hochberg, lagged_correlation, proportion_trend, trend_test
from twspulse.models.series import Series
from twspulse.settings import Settings

NOW = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)  # a Monday
WEEKS = 10


def _days(n: int) -> pd.DatetimeIndex:
    return pd.date_range(pd.Timestamp(NOW).tz_convert(None).normalize() - pd.Timedelta(days=n), periods=n, freq="D")


# --- statistics ----------------------------------------------------------------------------------------------
def test_rising_weekly_rate_is_a_trend_with_a_slope_interval_around_the_truth() -> None:
    rng = np.random.default_rng(1)
    rate = np.clip(0.04 * np.arange(10) + rng.normal(0, 0.02, 10), 0, 1)
    t = trend_test(rate)
    assert t.p_value < 0.01 and t.tau > 0.7
    assert t.slope_low < 0.04 < t.slope_high and t.slope_low > 0


def test_noise_is_rarely_a_trend() -> None:
    rng = np.random.default_rng(2)
    p = [trend_test(rng.poisson(2, 10) / 10).p_value for _ in range(200)]
    assert np.mean(np.array(p) < 0.05) <= 0.08  # the test's level, not more
    assert trend_test([0.2] * 8).p_value == 1.0  # a constant rate is no trend


def test_wandering_series_is_less_often_a_trend_with_the_autocorrelation_correction() -> None:
    rng = np.random.default_rng(12)
    plain = corrected = 0
    for _ in range(100):
        ar = np.zeros(84)
        for i in range(1, 84):
            ar[i] = 0.7 * ar[i - 1] + rng.normal(0, 2)
        plain += trend_test(ar).p_value < 0.01
        corrected += trend_test(ar, autocorrelated=True).p_value < 0.01
    # uncorrected, an AR(1) wanders into "trends" far beyond the 1 % level
    assert corrected <= 8 and plain >= 3 * corrected
    line = np.arange(84) * 0.3 + rng.normal(0, 1, 84)
    assert trend_test(line, autocorrelated=True).p_value < 1e-6  # a real trend keeps its significance


def test_rising_share_of_runs_is_a_proportion_trend_and_steady_or_bursty_shares_are_not() -> None:
    runs = np.full(8, 7.0)
    weeks = np.arange(8.0)
    rising = proportion_trend(np.array([0, 0, 1, 2, 3, 4, 5, 6.0]), runs, weeks)
    assert rising.p_value < 0.001 and rising.dispersion == 1.0
    rng = np.random.default_rng(7)
    steady = [proportion_trend(rng.binomial(7, 0.3, 8).astype(float), runs, weeks).p_value for _ in range(400)]
    assert np.mean(np.array(steady) < 0.01) < 0.03  # about its level: counts, not shares, are tested
    late_burst = np.array([0, 0, 0, 0, 0, 0, 7, 0.0])  # one bad week near the end
    burst = proportion_trend(late_burst, runs, weeks)
    plain = proportion_trend(late_burst, runs, weeks, dispersion=1.0)
    assert burst.dispersion > 3 and burst.p_value > 0.05 > plain.p_value  # the overdispersion is what saves it


def test_a_shared_weekly_rhythm_is_not_a_link_and_a_link_under_it_is_found() -> None:
    days = pd.date_range("2026-09-07", periods=56, freq="D")
    rng = np.random.default_rng(3)
    weekend = (days.day_of_week >= 5).astype(float)
    runtime = pd.Series(600 + 300 * weekend + rng.normal(0, 20, 56), index=days)  # longer at weekends
    cpu = pd.Series(40 + 15 * weekend + rng.normal(0, 1, 56), index=days)  # weekend batch: busier too
    unrelated = lagged_correlation(runtime, cpu, 3, 28)
    assert unrelated is not None and unrelated.r < MIN_LINK_R
    work = rng.normal(0, 1, 56)
    linked_cpu = pd.Series(40 + 15 * weekend + 4 * work + rng.normal(0, 1, 56), index=days)
    linked_runtime = pd.Series(600 + 300 * weekend + 60 * work, index=days)
    found = lagged_correlation(linked_runtime, linked_cpu, 3, 28)
    assert found is not None and found.lag == 0 and found.r > 0.8 and found.p_value < 0.001


def test_benjamini_hochberg_matches_the_textbook_example() -> None:
    q = benjamini_hochberg([0.01, 0.04, 0.03, 0.005])
    assert np.allclose(q, [0.02, 0.04, 0.04, 0.02])
    assert len(benjamini_hochberg([])) == 0


def _shared_daily(n: int, lag: int, seed: int) -> tuple[pd.Series, pd.Series, pd.Series]:
    """A workload w, a series that follows it ``lag`` days later, and an independent one; all trending."""
    rng = np.random.default_rng(seed)
    idx = _days(n + lag)
    w = rng.normal(0, 1, n + lag)
    trend = np.linspace(0, 8, n + lag)
    job = pd.Series(100 + 10 * (trend + w), index=idx)[:n]
    host = pd.Series(40 + 5 * (trend + np.roll(w, lag)) + rng.normal(0, 1.5, n + lag), index=idx)[lag:]
    other = pd.Series(40 + 5 * trend + rng.normal(0, 5, n + lag), index=idx)  # same trend, no shared moves
    return job, host, other


def test_lagged_link_is_found_at_its_lag_and_independent_trending_series_are_not_linked() -> None:
    job, host, other = _shared_daily(60, 2, seed=3)
    linked = lagged_correlation(job, host, max_lag=3, min_pairs=21)
    assert linked is not None and linked.lag == 2 and linked.r > 0.6 and linked.p_value < 1e-4
    assert np.corrcoef(job.to_numpy(), other.reindex(job.index).to_numpy())[0, 1] > 0.5  # raw: "correlated"
    independent = lagged_correlation(job, other, max_lag=3, min_pairs=21)
    assert independent is not None and independent.p_value > 0.05  # detrended: not
    assert lagged_correlation(job[:10], host, max_lag=3, min_pairs=21) is None  # too few days


def test_same_day_link_has_lag_zero() -> None:
    job, host, _ = _shared_daily(40, 0, seed=4)
    linked = lagged_correlation(job, host, max_lag=3, min_pairs=21)
    assert linked is not None and linked.lag == 0 and linked.r > 0.6
    opposite = lagged_correlation(job, -host, max_lag=3, min_pairs=21)  # more work, less load: not a link
    assert opposite is not None and opposite.p_value > 0.5


# --- finders on frames ---------------------------------------------------------------------------------------
def _runs_and_hits(
    rates: dict[str, list[float]], runs_per_week: int = 7, seed: int = 5
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Daily runs of one job per pattern-rate profile; a run hits the pattern with that week's probability."""
    rng = np.random.default_rng(seed)
    start = NOW - timedelta(weeks=WEEKS)
    runs, hits = [], []
    for job, weekly in rates.items():
        for k in range(len(weekly) * runs_per_week):
            t = start + timedelta(days=k * 7 / runs_per_week, hours=2)
            run_id = f"{job}-{k}"
            runs.append((t, job, "WS1", "succeeded", 100.0))
            if rng.random() < weekly[k // runs_per_week]:
                hits.append((t, job, "p-disk", run_id))
    return (
        pd.DataFrame(runs, columns=["time", "job_key", "workstation", "category", "duration_s"]),
        pd.DataFrame(hits, columns=["time", "job_key", "pattern_id", "run_id"]),
    )


def test_lines_of_one_growing_failure_are_one_insight_led_by_the_specific_line() -> None:
    runs, hits = _runs_and_hits({"WS1#/S.GROWING": [0.0, 0.0, 0.1, 0.15, 0.2, 0.3, 0.35, 0.45, 0.5, 0.6]})
    generic = hits.assign(pattern_id="p-exit")  # every failing run also prints its exit code
    templates = {
        "p-disk": "cp: error writing '<PATH>': No space left on device",
        "p-exit": "ERROR end, exit code <NUM>",
    }
    found, tested = pattern_trends(pd.concat([generic, hits]), runs, templates, NOW)
    assert tested == 2 and len(found) == 1
    assert found[0].metric == "p-disk"
    assert [p["pattern_id"] for p in found[0].evidence["same_runs_patterns"]] == ["p-exit"]
    other_job = hits.assign(job_key="WS1#/S.OTHER")  # the same runs' pattern on another job stays its own
    runs_other = runs.assign(job_key="WS1#/S.OTHER")
    found, _ = pattern_trends(pd.concat([hits, other_job]), pd.concat([runs, runs_other]), templates, NOW)
    assert len(found) == 2


def test_growing_pattern_is_a_trend_and_steady_or_one_bad_week_is_not() -> None:
    runs, hits = _runs_and_hits(
        {
            "WS1#/S.GROWING": [0.0, 0.0, 0.1, 0.15, 0.2, 0.3, 0.35, 0.45, 0.5, 0.6],
            "WS1#/S.STEADY": [0.3] * WEEKS,
            "WS1#/S.BAD_WEEK": [0.0] * (WEEKS - 1) + [1.0],
        }
    )
    found, tested = pattern_trends(hits, runs, {"p-disk": "write failed: No space left on device"}, NOW)
    assert tested == 2  # BAD_WEEK: its hits fall in one week, below the minimum evidence
    assert [i.subject for i in found] == ["WS1#/S.GROWING"]
    ins = found[0]
    assert ins.kind == "pattern_trend" and ins.significant and ins.priority in ("critical", "high")
    assert ins.prediction and ins.prediction["lower"] <= ins.prediction["value"] <= ins.prediction["upper"]
    assert ins.evidence["slope_ci_low"] > 0 and len(ins.evidence["series"]) == WEEKS
    assert ins.deadline is not None and ins.deadline <= NOW + timedelta(days=30)


def test_one_bad_day_is_not_a_trend_even_with_many_hits() -> None:
    runs, _ = _runs_and_hits({"WS1#/S.J": [0.0] * WEEKS}, runs_per_week=28)
    day = runs["time"].iloc[-1]
    hits = pd.DataFrame(
        [(day, "WS1#/S.J", "p", f"r{i}") for i in range(20)], columns=["time", "job_key", "pattern_id", "run_id"]
    )
    assert pattern_trends(hits, runs, {}, NOW) == ([], 0)


def test_links_only_the_job_that_moves_its_host_and_corrects_for_the_others() -> None:
    job, host, _ = _shared_daily(60, 1, seed=6)
    rng = np.random.default_rng(7)
    workload = {
        ("WS1#/S.LINKED", "runtime_median_s"): job,
        ("WS1#/S.OTHER", "runtime_median_s"): pd.Series(100 + rng.normal(0, 5, 60), index=_days(60)),
    }
    host_daily = {
        ("web01", "cpu.percent"): host,
        ("web01", "memory.percent"): pd.Series(60 + rng.normal(0, 2, 60), index=_days(60)),
    }
    links, tested = workload_links(
        workload, host_daily, {"WS1": "web01"}, {"WS1#/S.LINKED": "WS1", "WS1#/S.OTHER": "WS1"}
    )
    assert tested == 4
    assert [(i.subject, i.evidence["resource"], i.evidence["correlation"]["lag"]) for i in links] == [
        ("WS1#/S.LINKED", "cpu.percent", 1)
    ]
    assert links[0].evidence["workload_trend"]["sen_slope"] > 0


def _host_series(metric: str, start: float, per_day: float, days: int = 42, seed: int = 8) -> Series:
    rng = np.random.default_rng(seed)
    ds = pd.date_range(pd.Timestamp(NOW).tz_convert(None) - pd.Timedelta(days=days), periods=days * 24, freq="1h")
    y = (
        start
        + per_day * np.arange(len(ds)) / 24
        + 3 * np.sin(2 * np.pi * np.arange(len(ds)) / 24)
        + rng.normal(0, 1, len(ds))
    )
    kind = "host_disk" if metric.startswith("disk") else "host_cpu"
    return Series("web01/" + metric.replace(":", "/"), kind, "web01", metric, "1h", pd.DataFrame({"ds": ds, "y": y}))


def _linear_forecaster(s: Series, periods: int) -> pd.DataFrame | Skipped:
    """A stand-in for Prophet: the last day's mean plus the series' own slope, +-5 points."""
    y = s.frame["y"].to_numpy()
    slope = (y[-24:].mean() - y[:24].mean()) / (len(y) - 24)
    ds = pd.date_range(s.frame["ds"].iloc[-1] + pd.Timedelta(hours=1), periods=periods, freq="1h")
    yhat = y[-24:].mean() + slope * np.arange(1, periods + 1)
    return pd.DataFrame({"ds": ds, "yhat": yhat, "yhat_lower": yhat - 5, "yhat_upper": yhat + 5})


def test_capacity_plan_gives_crossing_drivers_and_deadline_or_says_no_trend() -> None:
    disk = _host_series("disk.used_percent:/data", 50, 0.5)  # 71 % now, 90 % in ~38 days
    cpu = _host_series("cpu.percent", 40, 0.0)
    runtime = pd.Series(100 * (1 + 0.01 * np.arange(42)), index=_days(42))
    workload = {("WS1#/S.BACKUP", "runtime_median_s"): runtime}
    plans = capacity_plans(
        [disk, cpu], workload, [], {"WS1": "web01"}, {"WS1#/S.BACKUP": "WS1"}, 90.0, NOW, _linear_forecaster
    )
    by_metric = {p.metric: p for p in plans}
    d = by_metric["disk.used_percent:/data"]
    assert d.significant and d.priority in ("high", "medium") and d.action and "/data" in d.action
    assert (
        d.prediction
        and d.prediction["crossing_earliest"] <= d.prediction["crossing_at"] <= d.prediction["crossing_latest"]
    )
    assert d.deadline is not None and NOW < d.deadline < NOW + timedelta(days=45)
    assert [x["job_key"] for x in d.evidence["drivers"]] == ["WS1#/S.BACKUP"]
    c = by_metric["cpu.percent"]
    assert not c.significant and "no trend" in c.summary and c.priority is None and c.deadline is None


def test_priorities_and_resource_words() -> None:
    assert [priority_for(d) for d in (3, 20, 45, 80, 200, None)] == ["critical", "high", "medium", "low", None, None]
    assert resource_of("write failed: No space left on device") == "disk.used_percent"
    assert resource_of("java.lang.OutOfMemoryError: Java heap space") == "memory.percent"
    assert resource_of("ORA-00942: table or view does not exist") is None


# --- the job on a real database ------------------------------------------------------------------------------
def _load(url: str, weeks: int) -> None:
    """Daily runs of BACKUP on WS1 (host web01) for ``weeks`` weeks with a growing "No space" pattern, and a
    filling /data on web01."""
    rng = np.random.default_rng(9)
    start = NOW - timedelta(weeks=weeks)
    cols = ("time, event_id, job_id, run_id, plan_id, job_name, job_stream, workstation, folder, status, "
            "internal_status, category, return_code, duration_s, observed_at, job_key")  # fmt: skip
    runs, hits = [], []
    for k in range(weeks * 7):
        t = start + timedelta(days=k, hours=2)
        failed = k % 7 < k // 7  # week w: w failed runs of 7
        runs.append((t, f"e{k}", f"j{k}", f"r{k}", "plan", "BACKUP", "S", "WS1", "/", "ERROR" if failed else "SUCC",
                     "ABEND" if failed else "SUCC", "failed" if failed else "succeeded", 12 if failed else 0,
                     600.0 + k, t, "WS1#/S.BACKUP"))  # fmt: skip
        if failed:
            hits.append((t, f"r{k}", f"j{k}", "S", "BACKUP", "WS1", "p-nospace", 3, "No space left on device"))
    metrics = [
        (NOW - timedelta(hours=h), "web01", "disk.used_percent", "/data", 80.0 - h * 0.02 + rng.normal(0, 0.2))
        for h in range(weeks * 7 * 24)
    ]
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        with cur.copy(f"COPY job_runs ({cols}) FROM STDIN") as copy:
            for row in runs:
                copy.write_row(row)
        with cur.copy("COPY host_metrics (time, host, metric, device, value) FROM STDIN") as copy:
            for row in metrics:
                copy.write_row(row)
        cur.executemany(
            "INSERT INTO job_run_patterns (time, run_id, job_id, job_stream, job_name, workstation, pattern_id, "
            "line_no, line) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            hits,
        )
        cur.execute(
            "INSERT INTO job_error_patterns (pattern_id, template, count) VALUES "
            "('p-nospace', 'write <*> failed: No space left on device', %s)",
            (len(hits),),
        )
        cur.execute(
            "INSERT INTO workstation_status (time, workstation, linked, running, active_states, node_name) "
            "VALUES (%s, 'WS1', true, true, '{}', 'web01.example.com')",
            (NOW,),
        )


def test_insights_rerun_updates_rows_and_alerts_without_duplicates(database_url: str) -> None:
    _load(database_url, weeks=7)
    settings = Settings(log_json=False)
    with psycopg.connect(database_url, autocommit=True) as conn:
        first = refresh_insights(conn, settings, since="50d", now=NOW, forecaster=_linear_forecaster)
        # Insights found long ago sit in compressed chunks (after 90 days): the re-run updates them there.
        conn.execute("CREATE TEMP TABLE found AS SELECT * FROM insights")  # a row cannot move between chunks
        conn.execute("UPDATE found SET time = time - interval '120 days'")
        conn.execute("DELETE FROM insights")
        conn.execute("INSERT INTO insights SELECT * FROM found")
        if conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'").fetchone():
            conn.execute("SELECT compress_chunk(c) FROM show_chunks('insights') c")
        rows1 = conn.execute("SELECT insight_id, time, kind, state FROM insights ORDER BY 1").fetchall()
        later = NOW + timedelta(hours=6)
        second = refresh_insights(conn, settings, since="50d", now=later, forecaster=_linear_forecaster)
        rows2 = conn.execute("SELECT insight_id, time, kind, state, updated_at FROM insights ORDER BY 1").fetchall()
        alerts = conn.execute(
            "SELECT kind, count(DISTINCT alert_id), max(count) FROM alerts GROUP BY kind ORDER BY kind"
        ).fetchall()
    kinds = {r[2] for r in rows1}
    assert {"pattern_trend", "capacity_plan"} <= kinds, first.insights
    assert [r[:4] for r in rows2] == rows1  # same ids, same first-found time, still active: updated, not added
    assert all(r[4] == later for r in rows2) and first.tested["pattern_trend"] == 1
    trend = next(i for i in second.insights if i.kind == "pattern_trend")
    assert trend.prediction and trend.prediction["resource_crossing"]["host"] == "web01"
    assert ("capacity_plan", 1, 2) in alerts and ("pattern_trend", 1, 2) in alerts


def test_insight_no_longer_found_is_cleared_and_its_alert_resolved(database_url: str) -> None:
    _load(database_url, weeks=7)
    settings = Settings(log_json=False)
    with psycopg.connect(database_url, autocommit=True) as conn:
        refresh_insights(conn, settings, since="50d", now=NOW, forecaster=_linear_forecaster)
        conn.execute("DELETE FROM job_run_patterns")  # the pattern's hits are gone: no trend any more
        refresh_insights(conn, settings, since="50d", now=NOW + timedelta(days=1), forecaster=_linear_forecaster)
        states = dict(conn.execute("SELECT kind, state FROM insights WHERE kind <> 'capacity_plan'").fetchall())
        latest = dict(
            conn.execute(
                "SELECT DISTINCT ON (alert_id) kind, state FROM alerts WHERE kind = 'pattern_trend' "
                "ORDER BY alert_id, time DESC"
            ).fetchall()
        )
    assert states == {"pattern_trend": "cleared"} and latest == {"pattern_trend": "resolved"}


def test_a_runtime_growing_by_factors_is_linked_on_its_log_scale() -> None:
    """A job +30 % a week whose every 20 % longer run loads its host: the link reads the runtime's logs."""
    n = 84
    rng = np.random.default_rng(11)
    log_runtime = np.log(60) + np.log(1.3) * np.arange(n) / 7 + rng.normal(0, 0.2, n)
    runtime = pd.Series(np.exp(log_runtime), index=_days(n))
    cpu = pd.Series(40 + 20 * (log_runtime - log_runtime.mean()) + rng.normal(0, 2, n), index=_days(n))
    links, _ = workload_links(
        {("WS1#/S.GROWING", "runtime_median_s"): runtime}, {("web01", "cpu.percent"): cpu}, {"WS1": "web01"},
        {"WS1#/S.GROWING": "WS1"},
    )  # fmt: skip
    assert [i.subject for i in links] == ["WS1#/S.GROWING"]
    on_seconds = lagged_correlation(runtime, cpu, 3, 28)
    assert on_seconds is not None
    assert links[0].evidence["correlation"]["r"] > on_seconds.r + 0.05  # the trend's residue blurs raw seconds
