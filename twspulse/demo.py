"""``twspulse demo``: the whole pipeline on this machine, twelve weeks of history and one live simulated day.

1. history: 84 days of the simulator's past runs and of its hosts' samples (a filling disk, CPU spikes, a
   job whose runtime drifts) go into Kafka through the topic models, so the worker stores, enriches and
   scores them like live data and the models have something to learn;
2. live: simulator -> TWS + system connectors -> Kafka -> Faust worker (its own process) -> database,
   one simulated production day in ``seconds``; failed runs get their joblogs mined and annotated;
3. models: ``twspulse train`` (Prophet forecasts, backtests, capacity alerts, IsolationForest);
4. the weekly report (HTML) and a summary read back from the database.
Exit status 0 only if every stage produced what it should (see ``DemoChecks``).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import structlog

from twspulse.connectors import system
from twspulse.connectors.tws.poller import TwsPoller
from twspulse.connectors.tws.runner import run_tws_connector
from twspulse.demo_history import HistoryStats, publish_history
from twspulse.demo_notify import DemoNotifier, Received
from twspulse.engines.stack import LocalStack
from twspulse.kafka_clients import KafkaSecurity
from twspulse.producer import EventProducer
from twspulse.settings import Settings
from twspulse.simulator.config import SimConfig
from twspulse.simulator.insight_truth import InsightTruth
from twspulse.simulator.server import SimulatorServer
from twspulse.summary import Summary, read_summary

log = structlog.get_logger(__name__)


def worker_env(bootstrap: str, database_url: str, data_dir: Path, **settings: str) -> dict[str, str]:
    """Environment of a ``twspulse worker`` process: this one's, pointed at the given engines.

    ``settings`` are further settings by field name (``log_level="WARNING"`` -> ``TWSPULSE_LOG_LEVEL``).
    """
    env = dict(os.environ)
    env.update(
        TWSPULSE_KAFKA_BOOTSTRAP=bootstrap,
        TWSPULSE_DATABASE_URL=database_url,
        TWSPULSE_WORKER_WEB_PORT="0",
        TWSPULSE_DATA_DIR=str(data_dir),
    )
    env.update({f"TWSPULSE_{name.upper()}": value for name, value in settings.items()})
    return env


def start_worker(settings: Settings, bootstrap: str, database_url: str) -> subprocess.Popen[bytes]:
    """The stream worker as its own process, exactly as ``twspulse worker`` runs in production."""
    return subprocess.Popen(
        [sys.executable, "-m", "twspulse.cli", "worker"],
        # the worker's own start/stop chatter would bury the demo's output: warnings and errors only
        env=worker_env(
            bootstrap,
            database_url,
            settings.data_dir,
            log_level="WARNING",
            log_json=str(settings.log_json).lower(),
            model_dir=str(settings.model_dir),
        ),
    )


def stop_worker(proc: subprocess.Popen[bytes], timeout_s: float = 30.0) -> None:
    """SIGTERM lets Faust commit and leave the group; kill only if it hangs."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout_s)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


HISTORY_DAYS = 84  # twelve weeks of runs, the insights job's own window (bench/insights_eval.py --source simulator)
HOST_HISTORY_DAYS = 84  # and of host samples (the simulated filling disk stays above 0 % over them)
DEMO_MIN_POINTS = 14  # two weeks of a daily job: a forecast for jobs that ran on fewer days than the default 48


def wait_for_rows(database_url: str, job_runs: int, job_logs: int, timeout_s: float, annotations: int = 0) -> bool:
    """Wait until the worker has written at least the given row counts."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with psycopg.connect(database_url) as conn:
            (runs,) = conn.execute("SELECT count(*) FROM job_runs").fetchone() or (0,)
            (logs,) = conn.execute("SELECT count(DISTINCT run_id) FROM job_logs").fetchone() or (0,)
            (notes,) = conn.execute("SELECT count(*) FROM job_annotations").fetchone() or (0,)
        if runs >= job_runs and logs >= job_logs and notes >= annotations:
            return True
        time.sleep(1)
    return False


def run_demo(settings: Settings, seconds: float = 120.0, seed: int = 42, sim_hours: float = 24.0) -> int:
    """Run the scenario and print the summary; returns the process exit status."""
    from twspulse.dashboards.report.build import build_report
    from twspulse.models.training import alert_publisher, run_training

    workdir = settings.data_dir / "demo"
    shutil.rmtree(workdir, ignore_errors=True)
    # everything of this run under its own folder: a model trained by an earlier demo must not score this one
    settings = settings.model_copy(update={"data_dir": workdir, "model_dir": workdir / "models"})
    stack = LocalStack(settings, workdir)
    started = time.monotonic()
    endpoints = stack.start()
    day = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=1)
    config = SimConfig(seed=seed, start=day, speed=sim_hours * 3600 / seconds)
    # PLAINTEXT unless TWSPULSE_KAFKA_BOOTSTRAP names a secured one
    security = KafkaSecurity.from_settings(settings.kafka)
    history_producer = EventProducer(endpoints.kafka_bootstrap, client_id="twspulse-history", security=security)
    history = publish_history(
        history_producer, config, HISTORY_DAYS, host_until=datetime.now(UTC), host_days=HOST_HISTORY_DAYS
    )
    log.info("demo.history", events=history.events, samples=history.samples, seconds=round(history.elapsed_s, 1))
    sim = SimulatorServer(config, user=settings.tws_user, password=settings.tws_password.get_secret_value())
    sim.start()
    tws_settings = settings.model_copy(update={"tws_url": sim.base_url, "tws_poll_interval_s": 1.0})
    worker = start_worker(settings, endpoints.kafka_bootstrap, endpoints.database_url)
    notifier = DemoNotifier(settings, endpoints.kafka_bootstrap)  # alerts -> a local webhook (+ configured ones)
    stop_system = threading.Event()
    host_producer = EventProducer(endpoints.kafka_bootstrap, client_id="twspulse-system", security=security)
    sys_thread = threading.Thread(
        target=system.run, args=(host_producer, 2.0, stop_system), kwargs={"host": "demo-host"}, daemon=True
    )
    sys_thread.start()
    try:
        poller = asyncio.run(_poll_for(tws_settings, endpoints.kafka_bootstrap, seconds))
        stop_system.set()
        sys_thread.join(10)
        delivered = poller.producer.stats.delivered
        log.info("demo.published", topics=delivered, sim_time=sim.clock.now().isoformat())
        # the history's joblogs too: the insights read the patterns mined from them (a worker behind on them
        # loses the trend's latest hits), and their annotations are written after their patterns
        joblogs = history.injected_failures + poller.totals.joblogs
        caught_up = wait_for_rows(
            endpoints.database_url, history.events + poller.totals.events, joblogs, timeout_s=120, annotations=joblogs
        )
        if not caught_up:
            log.error("demo.worker_behind", hint="the worker did not write every published event in time")
        stop_worker(worker)
        model_settings = settings.model_copy(update={"forecast_min_points": DEMO_MIN_POINTS})
        training = run_training(
            endpoints.database_url, model_settings, publish=alert_publisher(endpoints.kafka_bootstrap, security)
        )
        report = workdir / "report.html"
        report.write_text(build_report(endpoints.database_url, timedelta(days=7)))
        summary = read_summary(endpoints.database_url, endpoints.kafka_bootstrap, live_since=day, security=security)
        notified = notifier.settle()
        print(summary.render())
        print(notified.render())
        print(_story(history, summary))
        print(f"weekly report: {report}")
        print(
            "dashboards: twspulse/dashboards/grafana/*.json (provisioned by compose; "
            "`twspulse dashboards push` elsewhere)"
        )
        m = training.metrics
        print(f"models: {training.series_trained} series trained, {training.series_skipped} skipped, "
              f"{training.duration_s:.0f}s; backtest median sMAPE {m.get('median_smape')} vs seasonal-naive "
              f"{m.get('median_baseline_smape')} (Prophet better on {m.get('beats_baseline')}/"
              f"{m.get('backtested')} series)")  # fmt: skip
        print(_drift_story(endpoints.database_url, history))
        insights_text, insight_problems = _insights_story(endpoints.database_url, history.insight_truth)
        print(insights_text)
        print(f"demo took {time.monotonic() - started:.0f}s (simulated {sim_hours:.0f}h live after {HISTORY_DAYS} days "
              "of history)")  # fmt: skip
        problems = demo_problems(summary, caught_up, notified) + insight_problems
        for problem in problems:
            log.error("demo.incomplete", problem=problem)
        return 0 if not problems else 1
    finally:  # every client of Kafka and the database first, the engines last
        stop_system.set()
        sys_thread.join(15)  # the system connector flushes its producer on the way out
        notifier.stop()
        stop_worker(worker)
        sim.stop()
        stack.stop()


def demo_problems(summary: Summary, caught_up: bool, notified: Received | None = None) -> list[str]:
    """What the demo must show; empty when everything is there."""
    problems = []
    if not (summary.data_flowed and caught_up):
        problems.append("rows did not reach job_runs, job_logs and host_metrics in time")
    if not summary.forecasts_trained:
        problems.append("no forecast was trained")
    if not summary.crossings:
        problems.append("no capacity crossing was forecast")
    if not summary.anomalies_flagged:
        problems.append("no anomaly was flagged")
    if not summary.alerts_by_kind.get("job_failed"):
        problems.append("no job_failed alert")
    if notified is not None and summary.alerts_by_kind.get("job_failed"):
        if not notified.by_state_kind.get(("firing", "job_failed")):
            problems.append("no job_failed alert reached the demo webhook through the notifier")
    unannotated = [f for f in summary.failures if f.root_cause is None]
    if unannotated:
        problems.append(f"{len(unannotated)} failed runs of the live day have no annotation")
    return problems


def _drift_story(database_url: str, history: HistoryStats) -> str:
    """The drifting job: its first and last week in the history, and where its runtime forecast is heading."""
    if history.drifting_job is None:
        return "drift: switched off"
    with psycopg.connect(database_url) as conn:
        weeks = conn.execute(
            """SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_s)
                        FILTER (WHERE time < %s + interval '7 days'),
                      percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_s)
                        FILTER (WHERE time >= %s - interval '7 days')
                 FROM job_runs WHERE job_key = %s AND category = 'succeeded'""",
            (history.start, history.host_until, history.drifting_job),
        ).fetchone()  # fmt: skip
        ahead = conn.execute(
            """SELECT f.yhat FROM forecasts f JOIN (
                   SELECT model_version FROM forecast_models WHERE series_key = %s AND status = 'trained'
                    ORDER BY trained_at DESC LIMIT 1) m USING (model_version)
                ORDER BY f.time DESC LIMIT 1""",
            (history.drifting_job,),
        ).fetchone()
    first, last = weeks if weeks else (None, None)
    told = f"{history.drifting_job}: median runtime {first or 0:.0f}s in the first week, {last or 0:.0f}s in the last"
    return told + (f"; forecast at the horizon {ahead[0]:.0f}s" if ahead else "; no runtime forecast")


def _insights_story(database_url: str, truth: InsightTruth | None, top: int = 3) -> tuple[str, list[str]]:
    """What `twspulse train`'s insights step found: each injected truth found or not, the significant insights
    nothing injected (false ones), counts by kind, and the recommendations due first; and the demo's problems
    (an injected insight missed, an insight nothing injected)."""
    lines: list[str] = []
    problems: list[str] = []
    with psycopg.connect(database_url) as conn:
        kinds = conn.execute(
            "SELECT kind, count(*) FROM insights WHERE state = 'active' AND significant GROUP BY 1 ORDER BY 1"
        ).fetchall()
        due = conn.execute(
            "SELECT priority, action, deadline FROM insights WHERE state = 'active' AND significant"
            " AND action IS NOT NULL ORDER BY deadline NULLS LAST, priority LIMIT %s",
            (top,),
        ).fetchall()
        rows = conn.execute(
            "SELECT kind, subject, metric, evidence, summary FROM insights WHERE state = 'active' AND significant"
        ).fetchall()
    if truth is not None:
        named = [(truth.name_of(kind, subject, metric, evidence or {}), summary)
                 for kind, subject, metric, evidence, summary in rows]  # fmt: skip
        expected = truth.expected()
        said = {e: next((summary for name, summary in named if name == e), None) for e in expected}
        others = sum(name not in said for name, _ in named)
        lines.append(f"insights injected: {sum(v is not None for v in said.values())}/{len(expected)} found, "
                     f"{others} significant insight(s) nothing injected (the controls: every other job, pattern "
                     "and host)")  # fmt: skip
        for e, summary in said.items():
            lines.append(f"  {'found ' if summary else 'MISSED'} {' '.join(e)}" + (f": {summary}" if summary else ""))
        problems += [f"injected insight not found: {' '.join(e)}" for e, summary in said.items() if summary is None]
        if others:
            problems.append(f"{others} significant insight(s) that nothing injected")
    if not kinds:
        lines.append("insights: none significant (no trend, link or capacity crossing passed its test)")
        return "\n".join(lines), problems
    lines.append("insights: " + ", ".join(f"{kind} {n}" for kind, n in kinds))
    lines += [f"  [{p}] {action}" + (f" (before {d:%Y-%m-%d})" if d else "") for p, action, d in due]
    return "\n".join(lines), problems


def _story(history: HistoryStats, summary: Summary) -> str:
    """What was injected into the history, next to what the models found."""
    found = next((c for c in summary.crossings if history.growing_host in c[0] and history.growing_mount in c[0]), None)
    lines = [
        f"injected: /data on {history.growing_host} fills up, reaching {history.threshold:.0f}% on "
        f"{history.expected_crossing:%Y-%m-%d}; {history.cpu_spikes} CPU spikes; "
        f"{history.drifting_job} drifts +{history.drift_per_week:.0%}/week",
        "found:    " + (
            f"{found[0]} reaches {history.threshold:.0f}% on {found[1]:%Y-%m-%d} "
            f"(80% interval {found[2]:%Y-%m-%d}..{found[3]:%Y-%m-%d})" if found and found[1] and found[2] and found[3]
            else "no crossing forecast for the filling disk"
        ),
    ]  # fmt: skip
    return "\n".join(lines)


async def _poll_for(settings: Settings, bootstrap: str, seconds: float) -> TwsPoller:
    stop = asyncio.Event()
    asyncio.get_running_loop().call_later(seconds, stop.set)
    return await run_tws_connector(settings, bootstrap, stop)
