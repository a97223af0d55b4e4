"""Insights against injected ground truth: hits, misses and false insights per kind.

Run from the repository root:
    .venv/bin/python -m bench.insights_eval [--seeds 10] [--first-seed 555] [--weeks 12] [--forecaster prophet|linear]
    .venv/bin/python -m bench.insights_eval --source simulator [--seeds 50] [--first-seed 555] [--days 84]

Seeds already used (docs/insights.md): synthetic 0-99 and simulator 0-19, 42 and 100-149 chose the rules;
synthetic 300-399 and 400-499 and simulator 200-249, 500-504 (with Prophet) and 505-554 were reported fresh
(synthetic 200-249 was seen once by an early round). Seeds from 555 on are the next fresh ones for both sources.

``--source simulator`` reads the simulator's own history as the demo publishes it (``build_simulated``; its
truths in ``twspulse/simulator/insight_truth.py``; the controls are everything else the simulated world does).
The default, synthetic source: each seed builds twelve weeks of daily runs and hourly host samples with known
truth, in the frames the insights job loads from the database, and runs the job's finders on them
(``models.insights_job.insights_of``):
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

from twspulse.demo import HISTORY_DAYS, HOST_HISTORY_DAYS
from twspulse.demo_history import DRIFT_PER_WEEK, History
from twspulse.events import StatusCategory
from twspulse.job_keys import job_key
from twspulse.models.forecasting import Skipped
from twspulse.models.insights import Forecaster, prophet_forecaster
from twspulse.models.insights_job import insights_of
from twspulse.models.insights_store import InsightInputs
from twspulse.models.series import Series
from twspulse.simulator.catalog import build_workstations
from twspulse.simulator.config import SimConfig
from twspulse.simulator.failures import FAMILIES
from twspulse.simulator.host_metrics import SimulatedHosts
from twspulse.simulator.insight_truth import InsightTruth

NOW = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)  # a Monday
SIM_START = datetime(2026, 12, 7, tzinfo=UTC)  # the simulated live day (the history ends at its start)
THRESHOLD = 90.0
KINDS = ("pattern_trend", "workload_resource_link", "capacity_plan")
END_SHARES = (0.3, 0.5, 0.7, 0.9)  # the synthetic growing patterns' share of runs at the end


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
    for k, end_share in enumerate(END_SHARES):
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


def build_simulated(
    seed: int, days: int, host_days: int = HOST_HISTORY_DAYS
) -> tuple[InsightInputs, list[Series], InsightTruth, datetime]:
    """The frames of the simulator's own history (the demo's: `History` + `SimulatedHosts`) for one seed.

    Runs and failures come from the plan with the injected truths; a failed run's pattern is its failure
    family (what mining its joblog yields: every joblog of a family shares the family's marker line); host
    series are hourly means of samples every 30 minutes, as the database's hourly rollup gives them.
    """
    config = SimConfig(seed=seed, start=SIM_START)
    history = History(config, days, DRIFT_PER_WEEK)
    runs: list[tuple[object, ...]] = []
    hits: list[tuple[object, ...]] = []
    for batch in history.days():
        for run in batch:
            e = run.event
            if e.category not in (StatusCategory.SUCCEEDED, StatusCategory.FAILED):
                continue
            key = job_key(e)
            duration = (e.end_time - e.start_time).total_seconds() if e.end_time and e.start_time else None
            ws = (e.workstation or "").rsplit("/", 1)[-1]
            runs.append((e.status_time, key, ws, e.category.value, duration))
            if run.family is not None and e.category is StatusCategory.FAILED:
                hits.append((e.status_time, key, run.family, e.run_id))
    fleet = SimulatedHosts(config)
    history.couple(fleet)
    truth = history.truth(fleet)
    assert truth is not None
    start = SIM_START - timedelta(days=min(days, host_days))
    stamps = pd.date_range(start, SIM_START, freq="30min", inclusive="left")
    series: list[Series] = []
    for host in fleet.hosts:
        samples = [fleet.sample(host, ts.to_pydatetime()) for ts in stamps]
        values: dict[tuple[str, str], list[float]] = {
            ("cpu.percent", "host_cpu"): [],
            ("memory.percent", "host_memory"): [],
        }
        for m in samples:
            values[("cpu.percent", "host_cpu")].append(m.cpu_percent)
            values[("memory.percent", "host_memory")].append(m.memory_percent)
            for d in m.disks:
                values.setdefault((f"disk.used_percent:{d.mount}", "host_disk"), []).append(d.used_percent)
        for (metric, kind), ys in values.items():
            frame = pd.DataFrame({"ds": stamps.tz_convert(None), "y": ys}).resample("1h", on="ds").mean().reset_index()
            series.append(Series(f"{host}/{metric.replace(':', '/')}", kind, host, metric, "1h", frame))
    runs_df = pd.DataFrame(runs, columns=["time", "job_key", "workstation", "category", "duration_s"])
    workstations = {ws.name: ws.node_name for ws in build_workstations(config)}
    inputs = InsightInputs(
        runs=runs_df,
        hits=pd.DataFrame(hits, columns=["time", "job_key", "pattern_id", "run_id"]),
        templates={key: family.marker for key, family in FAMILIES.items()},
        host_of=workstations,
        workstation_of=dict(zip(runs_df["job_key"], runs_df["workstation"], strict=True)),
    )
    return inputs, series, truth, SIM_START


def evaluate_simulated(seeds: int, days: int, forecaster: Forecaster, first_seed: int, host_days: int) -> None:
    """Hits, misses and false insights of the insights job on the simulator's history, per kind."""
    hits: Counter[str] = Counter()
    misses: Counter[str] = Counter()
    false: Counter[str] = Counter()
    tested: Counter[str] = Counter()
    notes: list[str] = []
    started = time.monotonic()
    for seed in range(first_seed, first_seed + seeds):
        inputs, series, truth, now = build_simulated(seed, days, host_days)
        found, n_tested = insights_of(inputs, series, THRESHOLD, now, forecaster)
        tested.update(n_tested)
        significant = {truth.name_of(i.kind, i.subject, i.metric, i.evidence): i for i in found if i.significant}
        expected = set(truth.expected())
        for want in expected:
            (hits if want in significant else misses)[want[0]] += 1
            if want not in significant:
                notes.append(f"seed {seed}: missed {want}")
        for key, ins in significant.items():
            if key not in expected:
                false[key[0]] += 1
                notes.append(f"seed {seed}: false {key}: {ins.summary}")
    print(
        f"simulator history: {seeds} seeds from {first_seed} x {days} days of runs, {min(days, host_days)} of host "
        f"samples, {time.monotonic() - started:.1f}s"
    )
    print(f"{'kind':<24} {'hits':>5} {'misses':>7} {'false':>6} {'tests':>6}")
    for kind in KINDS:
        print(f"{kind:<24} {hits[kind]:>5} {misses[kind]:>7} {false[kind]:>6} {tested[kind]:>6}")
    for line in notes[:20]:
        print("  " + line)


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
    by_truth: Counter[str] = Counter()
    missed: list[str] = []
    falses: list[str] = []
    started = time.monotonic()
    for seed in range(first_seed, first_seed + seeds):
        sc = build(seed, weeks)
        found, _ = insights_of(sc.inputs, sc.series, THRESHOLD, NOW, forecaster)
        significant = {_key(i.kind, i.subject, i.metric, i.evidence): i for i in found if i.significant}
        for truth in sc.truth:
            (hits if truth in significant else misses)[truth[0]] += 1
            by_truth[truth[1] if truth[0] == "pattern_trend" else truth[0]] += int(truth in significant)
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
    print(
        "pattern trends found by end share: "
        + ", ".join(f"{share:.0%} {by_truth[f'WS2#/GROW.G{k}']}/{seeds}" for k, share in enumerate(END_SHARES))
    )
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
    ap.add_argument("--first-seed", type=int, default=555, help="seeds already used: see the module's docstring")
    ap.add_argument("--weeks", type=int, default=12)
    ap.add_argument("--forecaster", choices=("prophet", "linear"), default="prophet")
    ap.add_argument(
        "--source",
        choices=("synthetic", "simulator"),
        default="synthetic",
        help="synthetic frames (stress test), or the simulator's history as the demo publishes it",
    )
    ap.add_argument("--days", type=int, default=HISTORY_DAYS, help="history days of runs (--source simulator)")
    ap.add_argument("--host-days", type=int, default=HOST_HISTORY_DAYS, help="of host samples (--source simulator)")
    args = ap.parse_args()
    fc: Forecaster = prophet_forecaster(48) if args.forecaster == "prophet" else linear_forecaster
    if args.source == "simulator":
        evaluate_simulated(args.seeds, args.days, fc, args.first_seed, args.host_days)
    else:
        evaluate(args.seeds, args.weeks, fc, args.first_seed)


if __name__ == "__main__":
    main()
