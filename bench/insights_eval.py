"""Insights against injected ground truth: hits, misses and false insights per kind.

Run from the repository root:
    .venv/bin/python -m bench.insights_eval [--seeds 10] [--first-seed 100] [--weeks 12] [--forecaster prophet|linear]

Each seed builds twelve weeks of daily runs and hourly host samples with known truth, in the frames the
insights job loads from the database, and runs the job's finders on them (``models.insights_job.insights_of``):
- injected: error patterns whose share of runs grows (to 30, 50, 70 or 90 % of runs, from a start week drawn
  per seed); a job whose runtime and its host's CPU share day-to-day moves, the host following by 0-2 days;
  a /data disk filling towards the threshold (the job above drives it) with its true crossing date, and
  both hosts' CPU rising 0.7 points a week (below the threshold: a trend without a deadline);
- controls: patterns hit at a steady rate, hit in one bad burst, or falling; a job and a host that both grow
  but independently (correlated before detrending, not after); flat memory, wavy CPU (autocorrelated noise).
A hit is an injected truth found as a significant insight; a miss one not found; a false insight anything
significant that was not injected. For the disk, the true crossing date is checked against the predicted
interval. The statistics never see which series are controls.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd

from twspulse.models.forecasting import Skipped
from twspulse.models.insights import Forecaster, prophet_forecaster
from twspulse.models.insights_job import insights_of
from twspulse.models.insights_store import InsightInputs
from twspulse.models.series import Series

NOW = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)  # a Monday
THRESHOLD = 90.0
KINDS = ("pattern_trend", "workload_resource_link", "capacity_plan")


@dataclass
class Scenario:
    """One seed's frames and what was injected."""

    inputs: InsightInputs
    series: list[Series]
    truth: set[tuple[str, str, str]]  # (kind, subject, metric-ish key)
    disk_crossing: datetime
    notes: dict[str, str] = field(default_factory=dict)


def _days(weeks: int) -> pd.DatetimeIndex:
    end = pd.Timestamp(NOW).tz_convert(None).normalize()
    return pd.date_range(end - pd.Timedelta(weeks=weeks), end - pd.Timedelta(days=1), freq="D")


def _hourly(host: str, metric: str, daily: np.ndarray, days: pd.DatetimeIndex, rng: np.random.Generator) -> Series:
    ds = pd.date_range(days[0], periods=len(days) * 24, freq="1h")
    diurnal = 2 * np.sin(2 * np.pi * np.arange(len(ds)) / 24)
    y = np.clip(np.repeat(daily, 24) + diurnal + rng.normal(0, 1.0, len(ds)), 0, 100)
    kind = {"cpu.percent": "host_cpu", "memory.percent": "host_memory"}.get(metric.split(":")[0], "host_disk")
    key = f"{host}/{metric.replace(':', '/')}"
    return Series(key, kind, host, metric, "1h", pd.DataFrame({"ds": ds, "y": y}))


def build(seed: int, weeks: int) -> Scenario:
    """The frames of one seed: hosts h0 (linked job, filling disk), h1 (independent growth), h2 (wavy CPU)."""
    rng = np.random.default_rng(seed)
    days = _days(weeks)
    n = len(days)
    t = np.arange(n, dtype=float)
    runs: list[tuple[object, ...]] = []
    hits: list[tuple[object, ...]] = []
    truth: set[tuple[str, str, str]] = set()

    def job(key: str, ws: str, durations: np.ndarray, hit_prob: np.ndarray | None, pattern: str) -> None:
        for d, day in enumerate(days):
            at = (day + pd.Timedelta(hours=2)).tz_localize(UTC)
            failed = hit_prob is not None and rng.random() < hit_prob[d]
            runs.append((at, key, ws, "failed" if failed else "succeeded", float(durations[d])))
            if failed:
                hits.append((at, key, pattern, f"{key}-{d}"))

    def flat() -> np.ndarray:  # every job its own noise: copies of one series would be one test counted many times
        return 600 + rng.normal(0, 20, n)

    start = int(rng.integers(0, weeks // 3)) * 7  # growth starts in the first third
    for k, end_share in enumerate((0.3, 0.5, 0.7, 0.9)):
        ramp = np.clip((t - start) / max(1, n - 1 - start), 0, 1) * end_share
        job(f"WS2#/GROW.G{k}", "WS2", flat(), ramp, f"p-grow-{k}")
        truth.add(("pattern_trend", f"WS2#/GROW.G{k}", f"p-grow-{k}"))
    for k, share in enumerate((0.1, 0.3, 0.5)):
        job(f"WS2#/STEADY.S{k}", "WS2", flat(), np.full(n, share), f"p-steady-{k}")
    burst = np.zeros(n)
    burst[n - 10 : n - 7] = 1.0  # three bad days in one week
    job("WS2#/BURST.B", "WS2", flat(), burst, "p-burst")
    job("WS2#/FALL.F", "WS2", flat(), np.linspace(0.6, 0.0, n), "p-fall")

    # h0: a job whose workload moves the host's CPU `lag` days later; both grow; it also fills /data.
    lag = int(rng.integers(0, 3))
    w = rng.normal(0, 1, n + lag)
    runtime = 900 * (1 + 0.004 * t) + 60 * w[lag:]
    job("WS0#/BACKUP.FULL", "WS0", runtime, None, "")
    cpu0 = 35 + 0.1 * t + 6 * w[:n] + rng.normal(0, 1.0, n)
    truth.add(("workload_resource_link", "WS0#/BACKUP.FULL", "h0/cpu.percent"))
    truth.add(("capacity_plan", "h0", "disk.used_percent:/data"))
    truth |= {("capacity_plan", "h0", "cpu.percent"), ("capacity_plan", "h1", "cpu.percent")}  # +0.7 points a week
    disk_slope = float(rng.uniform(0.25, 0.45))  # points a day: crosses 90 % some 3-8 weeks after NOW
    ahead = float(rng.uniform(21, 56))  # days from the last sample to the true crossing
    disk0 = THRESHOLD - disk_slope * (n - 1 - t + ahead) + rng.normal(0, 0.3, n)
    crossing = (
        (days[-1] + pd.Timedelta(hours=12) + pd.Timedelta(days=ahead)).round("s").tz_localize(UTC).to_pydatetime()
    )
    # h1: a job and a CPU that both grow, independently.
    job("WS1#/REPORT.R", "WS1", 700 * (1 + 0.004 * t) + rng.normal(0, 40, n), None, "")
    cpu1 = 30 + 0.1 * t + rng.normal(0, 4, n)
    # h2: CPU that wanders (AR(1)) without a trend, no jobs.
    ar = np.zeros(n)
    for i in range(1, n):
        ar[i] = 0.7 * ar[i - 1] + rng.normal(0, 2)
    series = [
        _hourly("h0", "cpu.percent", cpu0, days, rng),
        _hourly("h0", "disk.used_percent:/data", disk0, days, rng),
        _hourly("h0", "memory.percent", 60 + rng.normal(0, 1, n), days, rng),
        _hourly("h1", "cpu.percent", cpu1, days, rng),
        _hourly("h1", "memory.percent", 55 + rng.normal(0, 1, n), days, rng),
        _hourly("h2", "cpu.percent", 40 + ar, days, rng),
    ]
    runs_df = pd.DataFrame(runs, columns=["time", "job_key", "workstation", "category", "duration_s"])
    inputs = InsightInputs(
        runs=runs_df,
        hits=pd.DataFrame(hits, columns=["time", "job_key", "pattern_id", "run_id"]),
        templates={f"p-grow-{k}": f"write <*> failed: No space left on device ({k})" for k in range(4)},
        host_of={"WS0": "h0", "WS1": "h1", "WS2": "h2"},
        workstation_of=dict(zip(runs_df["job_key"], runs_df["workstation"], strict=True)),
    )
    return Scenario(inputs, series, truth, crossing, {"lag": str(lag), "growth_start_day": str(start)})


def linear_forecaster(s: Series, periods: int) -> pd.DataFrame | Skipped:
    """A quick stand-in for Prophet (``--forecaster linear``): least squares line, +-2 residual sd."""
    y = s.frame["y"].to_numpy()
    x = np.arange(len(y), dtype=float)
    slope, icept = np.polyfit(x, y, 1)
    sd = float(np.std(y - (icept + slope * x)))
    xf = np.arange(len(y), len(y) + periods, dtype=float)
    ds = pd.date_range(s.frame["ds"].iloc[-1] + pd.Timedelta(hours=1), periods=periods, freq="1h")
    yhat = icept + slope * xf
    return pd.DataFrame({"ds": ds, "yhat": yhat, "yhat_lower": yhat - 2 * sd, "yhat_upper": yhat + 2 * sd})


def _key(kind: str, subject: str, metric: str, evidence: dict[str, object]) -> tuple[str, str, str]:
    if kind == "workload_resource_link":
        return kind, subject, f"{evidence['host']}/{evidence['resource']}"
    return kind, subject, metric


def evaluate(seeds: int, weeks: int, forecaster: Forecaster, first_seed: int = 0) -> None:
    """Print per-kind hits, misses and false insights over ``seeds`` scenarios, and the crossing check."""
    hits: Counter[str] = Counter()
    misses: Counter[str] = Counter()
    false: Counter[str] = Counter()
    lags_right = within = crossings = 0
    missed: list[str] = []
    falses: list[str] = []
    started = time.monotonic()
    for seed in range(first_seed, first_seed + seeds):
        sc = build(seed, weeks)
        found, _ = insights_of(sc.inputs, sc.series, THRESHOLD, NOW, forecaster)
        significant = {_key(i.kind, i.subject, i.metric, i.evidence): i for i in found if i.significant}
        for truth in sc.truth:
            (hits if truth in significant else misses)[truth[0]] += 1
            if truth not in significant:
                missed.append(f"seed {seed}: {truth}")
        for key, ins in significant.items():
            if key not in sc.truth:
                false[key[0]] += 1
                falses.append(f"seed {seed}: {key}: {ins.summary}")
            elif ins.kind == "workload_resource_link":
                lags_right += int(str(ins.evidence["correlation"]["lag"]) == sc.notes["lag"])  # type: ignore[index]
            elif ins.kind == "capacity_plan" and ins.prediction and ins.prediction.get("crossing_earliest"):
                crossings += 1
                lo = datetime.fromisoformat(ins.prediction["crossing_earliest"])
                hi_text = ins.prediction.get("crossing_latest")
                hi = datetime.fromisoformat(hi_text) if hi_text else NOW + timedelta(days=3650)
                within += int(lo - timedelta(days=3) <= sc.disk_crossing <= hi + timedelta(days=3))
    print(f"{seeds} seeds from {first_seed} x {weeks} weeks, {time.monotonic() - started:.1f}s")
    print(f"{'kind':<24} {'hits':>5} {'misses':>7} {'false':>6}")
    for kind in KINDS:
        print(f"{kind:<24} {hits[kind]:>5} {misses[kind]:>7} {false[kind]:>6}")
    print(f"links at the injected lag: {lags_right}/{hits['workload_resource_link']}")
    print(f"disk crossings with the true date inside the interval (+-3 days): {within}/{crossings}")
    for line in missed[:10]:
        print("  missed", line)
    for line in falses[:10]:
        print("  false ", line)


def main() -> None:
    """Command line entry point."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--first-seed", type=int, default=100, help="0-19 were used to choose the thresholds")
    ap.add_argument("--weeks", type=int, default=12)
    ap.add_argument("--forecaster", choices=("prophet", "linear"), default="prophet")
    args = ap.parse_args()
    fc: Forecaster = prophet_forecaster(48) if args.forecaster == "prophet" else linear_forecaster
    evaluate(args.seeds, args.weeks, fc, args.first_seed)


if __name__ == "__main__":
    main()
