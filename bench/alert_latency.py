"""Failure-to-notification latency, end to end: how long after the engine marks a run failed does a receiver
get its ``job_failed`` alert, and where does the time go.

Run: .venv/bin/python -m bench.alert_latency [--duration 330] [--jobs-per-day 50000] [--speed 10] [--seed 42]
     [--failure-rate 0.12] [--start-hour 0] [--warmup 0] [--drain 30]

What runs (all real, each as in production):
- the TWS simulator as an HTTP server (in this process, so its clock and plan are the ground truth): a plan of
  --jobs-per-day jobs per production day, its clock from --start-hour of a fixed production day, running
  --speed times faster than real time (a 330 s run covers 55 simulated minutes of the night batch window);
- local engines (Kafka broker, embedded TimescaleDB) as the other benchmarks start them;
- ``twspulse connect tws``, ``twspulse worker`` and ``twspulse notify`` as their own processes, with the
  default settings (poll interval, full-scan interval, request cap, batch sizes), except the addresses;
- a small HTTP receiver in this process that timestamps every POST: Alertmanager's ``/api/v2/alerts`` and a
  Slack-compatible webhook, both configured, so the notifier sends each alert to both (Alertmanager first).

Measured per run that failed in the window (the engine's end time, converted from simulated to wall-clock
time through the simulator's clock): when a poll saw it (``observed_at`` of its job event: the poll's start),
when the connector published it (the record's Kafka timestamp), when the worker stored its row
(``ingested_at``) and produced its alert (Kafka timestamp on ``alerts``), and when each receiver got the
alert. The root cause travels separately: joblog published -> annotation stored -> the alert's enriched
record on ``alerts`` -> a receiver (the notifier sends the first record of a firing alert that carries a root
cause once more, as a follow-up of the page: docs/alerts.md). All clocks are this machine's wall clock.
Failures are measured from the end of the connector's first poll (a full scan that catches up on anything
before it) plus --warmup, to --duration seconds after the connector started.

Starts its own engines unless TWSPULSE_KAFKA_BOOTSTRAP / TWSPULSE_DATABASE_URL are set (then give it empty ones:
topics, groups and the alerts table must be fresh). Logs of the three processes and a CSV of every failed
run's timestamps are kept in the printed work folder.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import psycopg
from confluent_kafka import OFFSET_BEGINNING, Consumer, ConsumerGroupState, KafkaException, TopicPartition
from confluent_kafka.admin import AdminClient

from twspulse.demo import stop_worker, worker_env
from twspulse.engines.stack import LocalStack
from twspulse.kafka_clients import KafkaSecurity, librdkafka_config
from twspulse.logs import configure_logging
from twspulse.settings import Settings, load_settings
from twspulse.simulator.clock import SimClock
from twspulse.simulator.config import SimConfig
from twspulse.simulator.plan import ABEND, FAIL
from twspulse.simulator.server import SimulatorServer
from twspulse.streams.job_event_consumer import job_events_group
from twspulse.topics import ALERTS, JOB_EVENTS, JOB_LOGS

DAY = datetime(2026, 11, 24, tzinfo=UTC)  # a fixed production day (a Tuesday): same plan, same failures, every run
GOAL_P95_S = 15.0
AM_PATH = "/api/v2/alerts"
HOOK_PATH = "/hook"


# --- pure parts (tests/bench/test_alert_latency.py) ------------------------------------------------------
def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) with linear interpolation between closest ranks (numpy's default)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    k = (len(ordered) - 1) * q / 100.0
    lo = math.floor(k)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


@dataclass(frozen=True)
class Summary:
    """Count, mean and percentiles of one stage's durations (seconds)."""

    n: int
    mean: float
    p50: float
    p95: float
    p99: float
    max: float


def summarize(values: Sequence[float]) -> Summary:
    """Summary of some durations; NaN figures when there are none."""
    if not values:
        return Summary(0, math.nan, math.nan, math.nan, math.nan, math.nan)
    return Summary(len(values), sum(values) / len(values), percentile(values, 50), percentile(values, 95),
                   percentile(values, 99), max(values))  # fmt: skip


@dataclass(frozen=True)
class ClockMap:
    """Simulated instant -> wall-clock instant, from one reading of both clocks (the simulated one runs at
    ``speed`` simulated seconds per real second and is never advanced during the measurement)."""

    wall: float
    sim: float
    speed: float

    def wall_of(self, sim_t: float) -> float:
        """When (wall clock, POSIX seconds) the simulated clock shows ``sim_t``."""
        return self.wall + (sim_t - self.sim) / self.speed

    @classmethod
    def read(cls, clock: SimClock, tries: int = 5) -> ClockMap:
        """Both clocks read together; of a few readings, the tightest."""
        best: tuple[float, float, float] | None = None
        for _ in range(tries):
            before = time.time()
            sim = clock.timestamp()
            after = time.time()
            if best is None or after - before < best[0]:
                best = (after - before, (before + after) / 2, sim)
        assert best is not None
        return cls(best[1], best[2], clock.speed)


@dataclass(frozen=True)
class Receipt:
    """One alert change as a receiver got it."""

    receiver: str
    alert_id: str
    kind: str
    firing: bool
    root_cause: bool
    at: float  # wall clock, when the request's body was read
    run_id: str | None = None  # the run its evidence names (Alertmanager's evidence annotation; a webhook: None)


def parse_alertmanager(body: bytes, at: float) -> list[Receipt]:
    """Receipts of an Alertmanager ``POST /api/v2/alerts`` body (a list of postable alerts).

    A firing alert is sent with ``endsAt`` days ahead (notify_firing_hold_s), a resolved one with ``endsAt``
    = when it resolved, which is in the past: that tells the two apart. The evidence annotation is JSON cut at
    4,000 characters, so its run id is searched for, not parsed."""
    out = []
    for item in json.loads(body):
        labels, notes = item.get("labels", {}), item.get("annotations", {})
        ends = datetime.fromisoformat(item["endsAt"]).timestamp() if item.get("endsAt") else math.inf
        found = _EVIDENCE_RUN_ID.search(notes.get("evidence", ""))
        run_id = found.group(1) if found else None
        out.append(Receipt("alertmanager", labels.get("alert_id", "?"), labels.get("alertname", "?"),
                           ends > at + 86_400, bool(notes.get("root_cause")), at, run_id))  # fmt: skip
    return out


_EVIDENCE_RUN_ID = re.compile(r'"run_id": "([^"]+)"')
_WEBHOOK_HEAD = re.compile(r"^\[(?P<state>[A-Z]+)\] \S+ (?P<kind>\S+) on ")
_WEBHOOK_ALERT_ID = re.compile(r"\balert ([0-9a-f]{8,})\b")


def parse_webhook(body: bytes, at: float) -> Receipt | None:
    """The receipt of a Slack-compatible webhook message (``text`` + ``blocks``); None if it names no alert."""
    msg = json.loads(body)
    head = _WEBHOOK_HEAD.match(msg.get("text", ""))
    texts = [b.get("text", {}).get("text", "") for b in msg.get("blocks", []) if b.get("type") == "section"]
    texts += [e.get("text", "") for b in msg.get("blocks", []) if b.get("type") == "context" for e in b["elements"]]
    alert_id = next((m.group(1) for t in texts if (m := _WEBHOOK_ALERT_ID.search(t))), None)
    if head is None or alert_id is None:
        return None
    root_cause = any(t.startswith("Root cause:") for t in texts)
    return Receipt("webhook", alert_id, head["kind"], head["state"] == "FIRING", root_cause, at)


@dataclass
class RunTrace:
    """One failed run's way from the engine to the receivers (wall-clock POSIX seconds; None: not seen)."""

    run_id: str
    failed_at: float  # the engine marked it failed (its end time)
    observed_at: float | None = None  # start of the poll that saw it
    published_at: float | None = None  # its failed job event on tws.job.events (Kafka timestamp)
    joblog_at: float | None = None  # its joblog's last chunk on tws.job.logs
    row_at: float | None = None  # its job_runs row (ingested_at)
    alert_id: str | None = None
    alert_at: float | None = None  # first alerts record naming this run (opening or repeat)
    opened: bool = False  # that record opened the alert: a page is due
    annotated_at: float | None = None  # job_annotations.annotated_at
    root_cause_at: float | None = None  # the alert's record carrying this run's root cause (Kafka timestamp)
    alertmanager_at: float | None = None  # first firing receipt of the alert
    webhook_at: float | None = None
    root_cause_received_at: float | None = None  # first receipt carrying this run's root cause (Alertmanager)

    @property
    def received_at(self) -> float | None:
        """The first receipt at any receiver."""
        got = [t for t in (self.alertmanager_at, self.webhook_at) if t is not None]
        return min(got) if got else None


def _delta(later: float | None, earlier: float | None) -> float | None:
    return None if later is None or earlier is None else later - earlier


# (label, function of a trace); each row is summarized over the runs whose alert opened (a page was due)
STAGES: tuple[tuple[str, Callable[[RunTrace], float | None]], ...] = (
    ("engine failure -> poll start (wait for the next poll)", lambda r: _delta(r.observed_at, r.failed_at)),
    ("poll start -> published (plan read, joblogs, txn)", lambda r: _delta(r.published_at, r.observed_at)),
    ("published -> row stored (worker, ingested_at)", lambda r: _delta(r.row_at, r.published_at)),
    ("row stored -> alert produced (worker)", lambda r: _delta(r.alert_at, r.row_at)),
    ("alert produced -> Alertmanager receipt (notifier)", lambda r: _delta(r.alertmanager_at, r.alert_at)),
    ("Alertmanager receipt -> webhook receipt (notifier)", lambda r: _delta(r.webhook_at, r.alertmanager_at)),
    ("TOTAL engine failure -> first alert at a receiver", lambda r: _delta(r.received_at, r.failed_at)),
    ("TOTAL engine failure -> webhook receipt", lambda r: _delta(r.webhook_at, r.failed_at)),
)
ROOT_CAUSE_STAGES: tuple[tuple[str, Callable[[RunTrace], float | None]], ...] = (
    ("published -> joblog's last chunk published", lambda r: _delta(r.joblog_at, r.published_at)),
    ("joblog published -> annotation stored (worker)", lambda r: _delta(r.annotated_at, r.joblog_at)),
    ("annotation stored -> enriched alert produced", lambda r: _delta(r.root_cause_at, r.annotated_at)),
    ("engine failure -> root cause on the alerts topic", lambda r: _delta(r.root_cause_at, r.failed_at)),
    ("engine failure -> its root cause at Alertmanager", lambda r: _delta(r.root_cause_received_at, r.failed_at)),
)


def stage_summaries(
    traces: Iterable[RunTrace], stages: Sequence[tuple[str, Callable[[RunTrace], float | None]]] = STAGES
) -> list[tuple[str, Summary]]:
    """Each stage summarized over the traces where both its ends were seen."""
    traces = list(traces)
    return [(label, summarize([d for r in traces if (d := f(r)) is not None])) for label, f in stages]


def render(rows: Sequence[tuple[str, Summary]]) -> str:
    """The table: stage, n, mean, p50, p95, p99, max (seconds)."""
    width = max([len(label) for label, _ in rows] + [5])
    lines = [f"{'stage':<{width}}  {'n':>4}  {'mean':>6}  {'p50':>6}  {'p95':>6}  {'p99':>6}  {'max':>6}   (s)"]
    for label, s in rows:
        figures = "  ".join(f"{v:6.2f}" if not math.isnan(v) else f"{'-':>6}" for v in (s.mean, s.p50, s.p95,
                                                                                       s.p99, s.max))  # fmt: skip
        lines.append(f"{label:<{width}}  {s.n:>4}  {figures}")
    return "\n".join(lines)


def first_receipts(receipts: Iterable[Receipt]) -> dict[tuple[str, str], Receipt]:
    """(receiver, alert id) -> the first firing receipt of that alert at that receiver."""
    out: dict[tuple[str, str], Receipt] = {}
    for r in sorted(receipts, key=lambda r: r.at):
        if r.firing:
            out.setdefault((r.receiver, r.alert_id), r)
    return out


def attach_alerts(traces: dict[str, RunTrace], records: Iterable[tuple[float, dict[str, Any]]]) -> None:
    """Fill the alert fields of the traces from ``job_failed`` records of the alerts topic, in topic order:
    (Kafka timestamp, decoded Alert JSON)."""
    seen_alerts: set[str] = set()
    for ts, alert in records:
        if alert.get("kind") != "job_failed":
            continue
        alert_id, evidence = alert["alert_id"], alert.get("evidence") or {}
        opening = alert_id not in seen_alerts and alert.get("state") == "firing" and alert.get("count") == 1
        seen_alerts.add(alert_id)
        trace = traces.get(evidence.get("run_id", ""))
        if trace is None or alert.get("state") != "firing":
            continue
        if trace.alert_at is None:
            trace.alert_id, trace.alert_at, trace.opened = alert_id, ts, opening
        annotation = evidence.get("annotation")
        if trace.root_cause_at is None and isinstance(annotation, dict) and annotation.get("root_cause"):
            trace.root_cause_at = ts


def attach_receipts(traces: Iterable[RunTrace], receipts: Iterable[Receipt]) -> None:
    """Fill each trace's receipt times from what the receivers got for its alert.

    The root cause counts as received for a run only from a receipt whose evidence names that run: after a
    repeat (a rerun failing again) the alert's evidence, and the root cause that follows, are the later run's."""
    receipts = list(receipts)
    first = first_receipts(receipts)
    with_cause: dict[str, float] = {}
    for r in sorted(receipts, key=lambda r: r.at):
        if r.firing and r.root_cause and r.run_id is not None:
            with_cause.setdefault(r.run_id, r.at)
    for t in traces:
        if t.alert_id is None or not t.opened:
            continue
        am, wh = first.get(("alertmanager", t.alert_id)), first.get(("webhook", t.alert_id))
        t.alertmanager_at = am.at if am else None
        t.webhook_at = wh.at if wh else None
        t.root_cause_received_at = with_cause.get(t.run_id)


@dataclass(frozen=True)
class Poll:
    """One committed poll of the connector, from its ``tws.poll`` log line."""

    ended: float
    full: bool
    requests: int
    joblogs: int
    events: int


def parse_polls(lines: Iterable[str]) -> list[Poll]:
    """The ``tws.poll`` lines of the connector's JSON log."""
    out = []
    for line in lines:
        if '"tws.poll"' not in line:
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError:
            continue
        if rec.get("event") != "tws.poll":
            continue
        ended = datetime.fromisoformat(rec["timestamp"]).timestamp()
        counts = (int(rec.get(k, 0)) for k in ("requests", "joblogs", "events"))
        out.append(Poll(ended, bool(rec.get("full_scans")), *counts))
    return out


def poll_durations(polls: Sequence[Poll], interval_s: float) -> list[tuple[Poll, float]]:
    """Each poll after the first with its duration: the loop sleeps ``interval_s`` after a poll ends, so a
    poll took (its end - the previous end - interval_s). The period is therefore interval + poll time."""
    return [(p, p.ended - prev.ended - interval_s) for prev, p in zip(polls, polls[1:], strict=False)]


# --- the receiver -------------------------------------------------------------------------------------------
class AlertReceiver:
    """An HTTP server on 127.0.0.1 that answers 200 to Alertmanager's and a webhook's POSTs and keeps a
    timestamped receipt of every alert in them."""

    def __init__(self) -> None:
        self.receipts: list[Receipt] = []
        self.unparsed = 0
        lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as Alertmanager serves the notifier's httpx client
            # headers and body leave in two writes: with Nagle on, the second waits for the client's delayed
            # ACK, adding ~40 ms to every POST (Alertmanager, in Go, has TCP_NODELAY on)
            disable_nagle_algorithm = True

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                at = time.time()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")
                try:
                    if self.path == AM_PATH:
                        got = parse_alertmanager(body, at)
                    elif self.path == HOOK_PATH:
                        got = [r] if (r := parse_webhook(body, at)) else []
                    else:
                        got = []
                except (ValueError, KeyError, TypeError):
                    got = []
                with lock:
                    owner.receipts.extend(got)
                    owner.unparsed += not got

            def log_message(self, format: str, *args: Any) -> None:
                pass  # one line per POST would bury the bench's output

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="alert-receiver", daemon=True)

    @property
    def base_url(self) -> str:
        """http://127.0.0.1:<port>"""
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> None:
        """Serve in a background thread."""
        self._thread.start()

    def stop(self) -> None:
        """Stop serving."""
        self._server.shutdown()
        self._server.server_close()

    def count(self) -> int:
        """Receipts so far."""
        return len(self.receipts)


# --- processes and engines ------------------------------------------------------------------------------------
def spawn(command: list[str], env: dict[str, str], log_file: Path) -> subprocess.Popen[bytes]:
    """``twspulse <command>`` as its own process, its output into ``log_file``."""
    with log_file.open("wb") as out:  # the child keeps its own descriptor
        return subprocess.Popen([sys.executable, "-m", "twspulse.cli", *command], env=env, stdout=out,
                                stderr=subprocess.STDOUT)  # fmt: skip


def wait_for_groups(
    bootstrap: str, security: KafkaSecurity, groups: Sequence[str], procs: dict[str, subprocess.Popen[bytes]],
    timeout_s: float = 180.0,
) -> float:  # fmt: skip
    """Wait until every consumer group is stable with partitions assigned (the worker and the notifier are
    reading); returns the seconds it took. Raises if a process exits or the time runs out."""
    admin = AdminClient(librdkafka_config(bootstrap, "bench-alert-latency-admin", security))
    started = time.monotonic()
    while True:
        waiting = []
        for group, future in admin.describe_consumer_groups(list(groups), request_timeout=10).items():
            try:
                d = future.result()
            except KafkaException:
                waiting.append(group)
                continue
            assigned = any(m.assignment and m.assignment.topic_partitions for m in d.members)
            if d.state != ConsumerGroupState.STABLE or not assigned:
                waiting.append(group)
        if not waiting:
            return time.monotonic() - started
        for name, proc in procs.items():
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited with status {proc.returncode} before its group was ready")
        if time.monotonic() - started > timeout_s:
            raise TimeoutError(f"consumer groups {waiting} not ready after {timeout_s:.0f} s")
        time.sleep(1.0)


def read_topic(
    bootstrap: str, security: KafkaSecurity, topic: str, wanted: Callable[[bytes], bool], timeout_s: float = 120.0
) -> list[tuple[float, bytes]]:
    """Every committed record of ``topic`` whose value ``wanted`` keeps: (Kafka timestamp in s, value), in
    partition order."""
    consumer = Consumer(
        librdkafka_config(bootstrap, "bench-alert-latency-reader", security)
        | {"group.id": "bench-alert-latency-reader", "enable.auto.commit": False, "isolation.level": "read_committed"}
    )
    try:
        meta = consumer.list_topics(topic, timeout=15).topics[topic]
        ends = {p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=15)[1] for p in meta.partitions}
        remaining = {p for p, end in ends.items() if end > 0}
        consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in remaining])
        out: list[tuple[float, bytes]] = []
        deadline = time.monotonic() + timeout_s
        while remaining:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{topic}: partitions {sorted(remaining)} not read to their end")
            for msg in consumer.consume(2000, 0.5):
                if msg.error() is not None:
                    continue
                value = msg.value() or b""
                if wanted(value):
                    out.append((msg.timestamp()[1] / 1000.0, value))
            # the last offsets may be transaction markers, never handed over: the position tells
            for tp in consumer.position([TopicPartition(topic, p) for p in remaining]):
                if tp.offset >= ends[tp.partition]:
                    remaining.discard(tp.partition)
        return out
    finally:
        consumer.close()


def _ts(value: str | None) -> float | None:
    return datetime.fromisoformat(value).timestamp() if value else None


def collect(
    traces: dict[str, RunTrace], bootstrap: str, security: KafkaSecurity, database_url: str
) -> dict[str, int]:  # fmt: skip
    """Fill the traces from the topics and the database; returns counts of what was read."""
    events = read_topic(bootstrap, security, JOB_EVENTS.name, lambda v: b'"failed"' in v)
    for ts, raw in events:
        e = json.loads(raw)
        t = traces.get(e.get("run_id") or "")
        if t is not None and e.get("category") == "failed" and t.published_at is None:
            t.published_at, t.observed_at = ts, _ts(e["observed_at"])
    logs = read_topic(bootstrap, security, JOB_LOGS.name, lambda v: True)
    for ts, raw in logs:
        c = json.loads(raw)
        t = traces.get(c["run_id"])
        if t is not None and c["chunk_index"] == c["chunk_count"] - 1 and t.joblog_at is None:
            t.joblog_at = ts
    alerts = read_topic(bootstrap, security, ALERTS.name, lambda v: True)
    attach_alerts(traces, ((ts, json.loads(raw)) for ts, raw in alerts))
    ids = list(traces)
    with psycopg.connect(database_url) as conn:
        for run_id, at in conn.execute(
            "SELECT run_id, min(ingested_at) FROM job_runs WHERE category = 'failed' AND run_id = ANY(%s) "
            "GROUP BY run_id", (ids,)
        ):  # fmt: skip
            traces[run_id].row_at = at.timestamp()
        for run_id, at in conn.execute("SELECT run_id, annotated_at FROM job_annotations WHERE run_id = ANY(%s)",
                                       (ids,)):  # fmt: skip
            traces[run_id].annotated_at = at.timestamp()
    return {"failed job events": len(events), "joblog chunks": len(logs), "alert records": len(alerts)}


def failed_runs(sim: SimulatorServer, clock: ClockMap) -> dict[str, RunTrace]:
    """Every run of the retained plans that has ended in error by now, with when the engine marked it failed."""
    book = sim.simulation.plans
    now = sim.simulation.now()
    out: dict[str, RunTrace] = {}
    for day in range(max(0, book.day_at(now) - book.config.retained_plans + 1), book.day_at(now) + 1):
        for job in book.plan(day).jobs:
            for run in job.runs:
                if run.final_status in (ABEND, FAIL) and run.end <= now and run.id not in out:
                    out[run.id] = RunTrace(run.id, clock.wall_of(run.end))
    return out


# --- the run ----------------------------------------------------------------------------------------------------
def print_settings(args: argparse.Namespace, settings: Settings) -> None:
    """What this run uses: the simulator's knobs and the pipeline's (default) settings."""
    sim_start = DAY + timedelta(hours=args.start_hour)
    print("settings:")
    print(f"  simulator: {args.jobs_per_day:,} jobs/day (plan of {DAY:%Y-%m-%d}), seed {args.seed}, failure rate "
          f"{args.failure_rate:g}, clock from {sim_start:%H:%M} at x{args.speed:g} "
          f"(wall-clock rate {args.jobs_per_day * args.speed:,.0f} jobs/day equivalent); "
          f"{args.duration:g} s measured = {args.duration * args.speed / 60:.0f} simulated minutes")  # fmt: skip
    print(f"  window: failures from the end of the connector's first poll (+{args.warmup:g} s) to {args.duration:g} s "
          f"after it started; then {args.drain:g} s of drain")  # fmt: skip
    print(f"  connector: poll interval {settings.tws_poll_interval_s:g} s, full scan every "
          f"{settings.tws_full_scan_interval_s:g} s, <= {settings.tws_max_requests_per_s:g} requests/s, "
          f"page size {settings.tws_page_size}")  # fmt: skip
    annotator = f"LLM {settings.llm_url}" if settings.llm_url else "offline rules"
    print(f"  worker: job-event batches of {settings.worker_job_event_batch} or {settings.worker_batch_seconds:g} s, "
          f"rows batch {settings.worker_batch_size}; annotator: {annotator}")  # fmt: skip
    print("  notifier: Alertmanager API v2 then a Slack-compatible webhook, both on a local receiver")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--duration",
        type=float,
        default=330.0,
        help="seconds of measured run (default 330: holds one periodic full scan, every 300 s)",
    )
    ap.add_argument("--jobs-per-day", type=int, default=50_000, help="jobs in the simulated plan per production day")
    ap.add_argument("--speed", type=float, default=10.0, help="simulated seconds per real second (> 0)")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--failure-rate", type=float, default=SimConfig.failure_rate)
    ap.add_argument(
        "--start-hour",
        type=float,
        default=0.0,
        help="simulated hour of the production day the clock starts at (> 0: the first poll catches "
        "up on the hours before; set --warmup)",
    )
    ap.add_argument("--warmup", type=float, default=0.0, help="seconds after the first poll not measured")
    ap.add_argument(
        "--drain",
        type=float,
        default=30.0,
        help="seconds the pipeline keeps running after the window for its last failures",
    )
    ap.add_argument("--keep", action="store_true", help="keep the engines' data in the work folder")
    args = ap.parse_args()
    if args.speed <= 0:
        ap.error("--speed must be > 0 (a frozen clock marks nothing failed)")
    configure_logging("WARNING", json=False)
    workdir = Path(tempfile.mkdtemp(prefix="bench-alert-latency-"))
    settings = load_settings(data_dir=workdir, log_json=False)
    print_settings(args, settings)
    sys.stdout.flush()
    security = KafkaSecurity.from_settings(settings)
    t0 = time.monotonic()
    stack = LocalStack(settings, workdir)
    ep = stack.start()
    receiver = AlertReceiver()
    receiver.start()
    procs: dict[str, subprocess.Popen[bytes]] = {}
    sim: SimulatorServer | None = None
    try:

        def env(**extra: str) -> dict[str, str]:
            return worker_env(ep.kafka_bootstrap, ep.database_url, workdir, log_json="true", **extra)

        procs["worker"] = spawn(["worker"], env(log_level="WARNING", model_dir=str(workdir / "models")),
                                workdir / "worker.log")  # fmt: skip
        procs["notifier"] = spawn(["notify"], env(log_level="INFO",
                                                  notify_alertmanager_url=receiver.base_url,
                                                  notify_webhook_urls=receiver.base_url + HOOK_PATH),
                                  workdir / "notifier.log")  # fmt: skip
        groups = [settings.worker_id, job_events_group(settings.worker_id), settings.notify_group]
        ready_s = wait_for_groups(ep.kafka_bootstrap, security, groups, procs)
        print(f"engines up, worker and notifier reading after {time.monotonic() - t0:.0f} s "
              f"(groups stable {ready_s:.0f} s after start)", flush=True)  # fmt: skip

        config = SimConfig(seed=args.seed, start=DAY, speed=args.speed, total_jobs=args.jobs_per_day,
                           failure_rate=args.failure_rate)  # fmt: skip
        sim = SimulatorServer(config, user=settings.tws_user, password=settings.tws_password.get_secret_value())
        sim.clock.advance(args.start_hour * 3600)
        sim.start()
        clock = ClockMap.read(sim.clock)
        procs["connector"] = spawn(["connect", "tws"], env(log_level="INFO", tws_url=sim.base_url),
                                   workdir / "connector.log")  # fmt: skip
        started = time.time()
        end = started + args.duration
        while (now := time.time()) < end + args.drain:
            time.sleep(min(30.0, end + args.drain - now))
            for name, proc in procs.items():
                if proc.poll() is not None:
                    raise RuntimeError(f"{name} exited with status {proc.returncode} (see {workdir}/{name}.log)")
            print(
                f"  +{time.time() - started:4.0f} s  sim {sim.clock.now():%H:%M}  receipts {receiver.count()}",
                flush=True,
            )
        stop_worker(procs.pop("connector"))
        quiet_since, last = time.monotonic(), receiver.count()
        deadline = time.monotonic() + 30
        while time.monotonic() - quiet_since < 5 and time.monotonic() < deadline:  # let the last alerts through
            time.sleep(0.5)
            if receiver.count() != last:
                quiet_since, last = time.monotonic(), receiver.count()
        for name in ("notifier", "worker"):
            stop_worker(procs.pop(name))
        polls = parse_polls((workdir / "connector.log").read_text(errors="replace").splitlines())
        # steady state: from the end of the first poll (a full scan, and the catch-up of anything before it)
        window = ((polls[0].ended if polls else started) + args.warmup, end)
        print(f"connector: first poll (full scan, {polls[0].requests if polls else '?'} requests) committed "
              f"{window[0] - args.warmup - started:.1f} s after start; measured failures from then + "
              f"{args.warmup:g} s to {args.duration:g} s")  # fmt: skip
        traces = failed_runs(sim, clock)
        measured = {k: t for k, t in traces.items() if window[0] <= t.failed_at <= window[1]}
        read = collect(measured, ep.kafka_bootstrap, security, ep.database_url)
        attach_receipts(measured.values(), receiver.receipts)
        report(settings, measured, receiver, read, polls, workdir, args.speed)
    finally:
        for proc in procs.values():
            stop_worker(proc)
        if sim is not None:
            sim.stop()
        receiver.stop()
        stack.stop()
        if not args.keep:
            for sub in ("kafka", "postgres", "faust", "models"):
                shutil.rmtree(workdir / sub, ignore_errors=True)


def report(
    settings: Settings, traces: dict[str, RunTrace], receiver: AlertReceiver, read: dict[str, int],
    polls: list[Poll], workdir: Path, speed: float,
) -> None:  # fmt: skip
    """Print counts, the stage tables and the connector's poll figures; write the traces as CSV."""
    runs = list(traces.values())
    paged = [t for t in runs if t.opened]
    repeats = [t for t in runs if t.alert_at is not None and not t.opened]
    no_alert = [t for t in runs if t.alert_at is None]
    unpublished = [t for t in runs if t.published_at is None]
    receipts = receiver.receipts
    by_kind: dict[str, int] = {}
    for r in receipts:
        key = f"{r.receiver} {r.kind} {'firing' if r.firing else 'resolved'}"
        by_kind[key] = by_kind.get(key, 0) + 1
    print()
    print(f"failed runs in the window: {len(runs)} (ABEND/FAIL end times from the simulator's plan)")
    print(f"  published by the connector: {len(runs) - len(unpublished)}; job_failed alert opened (a page is due): "
          f"{len(paged)}; repeat of an alert already open (count+1, no page by design): {len(repeats)}; "
          f"no alert record: {len(no_alert)}")  # fmt: skip
    for name, attr in (("Alertmanager", "alertmanager_at"), ("webhook", "webhook_at")):
        got = sum(1 for t in paged if getattr(t, attr) is not None)
        print(f"  {name}: {got} of {len(paged)} pages received, {len(paged) - got} missing")
    kinds = ", ".join(f"{k} {v}" for k, v in sorted(by_kind.items()))
    unparsed = f"; {receiver.unparsed} requests not understood" if receiver.unparsed else ""
    print(f"  receipts (all alerts, whole run): {len(receipts)} - {kinds}{unparsed}")
    annotated = sum(1 for t in paged if t.annotated_at is not None)
    enriched = sum(1 for t in paged if t.root_cause_at is not None)
    cause_received = sum(1 for t in paged if t.root_cause_received_at is not None)
    lost = sum(1 for t in paged if t.root_cause_at is None and t.annotated_at is not None
               and t.alert_at is not None and t.annotated_at <= t.alert_at)  # fmt: skip
    print(f"  root cause: annotated {annotated} of {len(paged)}; alert enriched on the topic {enriched}; "
          f"a receiver got the root cause for {cause_received}; annotation stored before its alert opened and "
          f"never added to it: {lost}")  # fmt: skip
    print(f"  read back: {', '.join(f'{v:,} {k}' for k, v in read.items())}")
    print()
    print("first alert (the page), over the runs whose alert opened:")
    rows = stage_summaries(paged)
    print(render(rows))
    print()
    print("root cause, over the same runs (the notifier sends an alert's first record with a root cause once more):")
    print(render(stage_summaries(paged, ROOT_CAUSE_STAGES)))
    total = dict(rows)["TOTAL engine failure -> first alert at a receiver"]
    verdict = "met" if total.p95 < GOAL_P95_S else "NOT met"
    print(f"\ngoal p95 < {GOAL_P95_S:g} s from failure to first alert: {verdict} (p95 {total.p95:.2f} s, n={total.n})")
    if speed != 1:
        print(f"  at x{speed:g} the pipeline gets {speed:g} times the wall-clock event and failure rate of the plan "
              "(more joblogs per poll); --speed 1 measures the plan's own rate")  # fmt: skip
    timed = poll_durations(polls, settings.tws_poll_interval_s)
    for label, sel in (("incremental", False), ("full scan", True)):
        d = [s for p, s in timed if p.full == sel]
        if d:
            s = summarize(d)
            print(f"connector {label:<11} polls {s.n:>3}: duration p50 {s.p50:.2f} s, p95 {s.p95:.2f} s, "
                  f"max {s.max:.2f} s")  # fmt: skip
    if polls[1:]:
        later = polls[1:]
        print(f"connector per poll (after the first): {sum(p.joblogs for p in later) / len(later):.1f} joblogs, "
              f"{sum(p.requests for p in later) / len(later):.1f} requests, "
              f"{sum(p.events for p in later) / len(later):.0f} events on average; "
              f"first poll {polls[0].requests} requests, {polls[0].events:,} events")  # fmt: skip
    out = workdir / "traces.csv"
    names = [f.name for f in fields(RunTrace)]
    with out.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(names)
        for t in sorted(runs, key=lambda t: t.failed_at):
            w.writerow([getattr(t, n) for n in names])
    print(f"per-run timestamps: {out}; logs: {workdir}/{{connector,worker,notifier}}.log")


if __name__ == "__main__":
    main()
