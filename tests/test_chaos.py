"""Chaos test of the integrity guarantee: every run the engine ran reaches job_runs once, whatever breaks.

A seeded simulator plays a compressed production day (24 simulated hours in about 75 real seconds, a poll
every 20 simulated minutes or so) with failures, automatic reruns and operator reruns asked seconds after
a failure, so many reruns start between two connector polls; it ends half an hour into the next production
day, past the plan turnover. Meanwhile the test SIGKILLs and restarts the worker, SIGKILLs and restarts
``twspulse connect tws`` (a real process, alone and together with the worker), stops and restarts the Kafka
broker on the same port and data (once with SIGTERM, once with SIGKILL) and arms engine faults (500s that
open the breaker, 429 with Retry-After, slow answers and timeouts, joblogs cut mid-body). The simulated
clock is kept on a leash (see ClockDriver), so an outage costs the plan time it would cost in production
however slowly this machine restarts things. Then the clock stops, the connector catches up (full scans
of the stopped plan) and the worker drains what was published.

Ground truth is the simulator's ``GET /sim/runs``: every run it started, reruns included, by run id. Each
must be in ``job_runs`` with its final status exactly once, no row may be stored twice, and no run may be
invented. The failure message lists every missing run (job, attempt, status, times, the next attempt,
whether the connector ever published it) and what was done (runs, reruns, faults served, each outage and
how long until a committed poll and a stored row), so it says which side lost what.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition

from tests.conftest import CACHE
from tests.helpers import WorkerProcess, wait_until
from twspulse.demo import stop_worker, worker_env
from twspulse.engines.kafka import LocalKafka, ensure_jars
from twspulse.simulator.config import SimConfig
from twspulse.simulator.server import SimulatorServer
from twspulse.topics import JOB_EVENTS, ensure_topics

SEED = 20261124
DAY = datetime(2026, 11, 24, tzinfo=UTC)
# 240 jobs a day, about one run in five fails and most failures are rerun by the plan itself
SIM = {"job_streams": 40, "failure_rate": 0.2, "rerun_rate": 0.7, "rerun_success_rate": 0.7}
SIM_SECONDS = (24 * 60 + 30) * 60  # the whole production day and half an hour of the next (plan turnover)
REAL_SECONDS = 75.0  # real seconds the simulated window is squeezed into (about 20 simulated minutes a poll)
LEASH_SIM_S = 60 * 60  # plan time the clock may run past the connector's last committed poll (see ClockDriver)
TICK_S = 0.05
# The connector's knobs scaled to the compressed clock: a poll a second (10 s in production), a full scan
# every ten polls, a breaker that half-opens after three polls; request timeout short enough to be hit.
CONNECTOR_SETTINGS = {
    "tws_poll_interval_s": "1",
    "tws_full_scan_interval_s": "10",
    "tws_breaker_reset_s": "3",
    "tws_timeout_s": "5",
    "topic_partitions": "2",
    "log_json": "true",
}
SETTLE_TIMEOUT_S = 150.0  # the worker may need a group session timeout (45 s) after its last SIGKILL
CONNECTOR_STUCK_S = 180.0  # no committed poll for this long (real seconds) fails the test instead of hanging


# --- processes ---------------------------------------------------------------------------------------


class ConnectorProcess:
    """``twspulse connect tws`` as a real process, logging JSON lines to its own file."""

    def __init__(self, bootstrap: str, database_url: str, tws_url: str, log_file: Path):
        env = worker_env(bootstrap, database_url, log_file.parent / "connector-data", tws_url=tws_url,
                         **CONNECTOR_SETTINGS)  # fmt: skip
        self.log_file = log_file
        self._out = log_file.open("wb")
        self._read = 0
        self._records: list[dict[str, Any]] = []
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "twspulse.cli", "connect", "tws"], env=env, stdout=self._out,
            stderr=subprocess.STDOUT,
        )  # fmt: skip

    def kill(self) -> None:
        """SIGKILL: no chance to finish the poll or abort its transaction."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self._out.close()

    def stop(self) -> None:
        """SIGTERM, as an orchestrator would."""
        stop_worker(self.proc)
        self._out.close()

    def records(self) -> list[dict[str, Any]]:
        """Its JSON log records so far (other lines, e.g. librdkafka's, are skipped); read incrementally."""
        with self.log_file.open("rb") as f:
            f.seek(self._read)
            chunk = f.read()
        complete = chunk[: chunk.rfind(b"\n") + 1]
        self._read += len(complete)
        for line in complete.splitlines():
            if line.startswith(b"{"):
                try:
                    self._records.append(json.loads(line))
                except json.JSONDecodeError:
                    continue
        return self._records

    def polls(self, since: float = 0.0) -> list[dict[str, Any]]:
        """Its committed polls (``tws.poll`` records) logged at or after the POSIX time ``since``."""
        return [r for r in self.records() if r.get("event") == "tws.poll" and _posix(r) >= since]

    def log(self) -> str:
        """The tail of its log, for messages."""
        return self.log_file.read_text(errors="replace")[-3000:]


def _posix(record: dict[str, Any]) -> float:
    stamp = record.get("timestamp")
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp() if isinstance(stamp, str) else 0.0


def restart_broker(broker: LocalKafka, hard: bool, timeout_s: float = 120.0) -> None:
    """Stop the broker (SIGTERM, or SIGKILL when ``hard``) and start it again on the same port, config and data.

    ``LocalKafka.start`` formats fresh storage; this starts ``kafka.Kafka`` on the ``server.properties`` it
    wrote, so topics, offsets, transactions and consumer groups come back as a restarted broker keeps them.
    """
    assert broker.process is not None
    if hard:
        os.killpg(broker.process.pid, signal.SIGKILL)
        broker.process.wait(30)
    else:
        broker.stop()
    with (broker.workdir / "kafka.stdout").open("ab") as out:
        broker.process = subprocess.Popen(
            broker._java(ensure_jars(broker.cache_dir), "kafka.Kafka", str(broker.workdir / "server.properties")),
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    broker._wait_ready(timeout_s)


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[LocalKafka]:
    """A fresh single-node broker the test may restart, with every TWS Pulse topic created."""
    kafka = LocalKafka(tmp_path / "kafka", CACHE, heap="384m")
    kafka.start()
    ensure_topics(kafka.bootstrap, partitions=2)
    yield kafka
    kafka.stop()


# --- the chaos ---------------------------------------------------------------------------------------


class ClockDriver(threading.Thread):
    """Moves the frozen simulator clock forward at a steady pace up to ``SIM_SECONDS``, then stops it.

    The clock is on a leash: it never runs more than ``LEASH_SIM_S`` ahead of the connector's last committed
    poll. Compressed time would otherwise turn each real second the connector is away (a restart, a broker
    outage, a breaker's backoff) into twenty minutes of plan; on the leash an outage costs at most an hour
    of plan, about what one costs in production, however slow this machine is.
    """

    def __init__(self, sim: SimulatorServer):
        super().__init__(name="chaos-clock", daemon=True)
        self._sim = sim
        self._end = DAY.timestamp() + SIM_SECONDS
        self._speed = SIM_SECONDS / REAL_SECONDS
        self._halt = threading.Event()
        self._cap = sim.clock.timestamp() + LEASH_SIM_S  # simulated instant not to pass for now
        self.held_s = 0.0  # real seconds the clock stood still, waiting for a committed poll
        self._held_since: float | None = None

    def run(self) -> None:
        """Advance every tick until the end of the window (or ``halt``)."""
        last = time.monotonic()
        while not self._halt.wait(TICK_S):
            now = time.monotonic()
            elapsed, last = now - last, now
            step = min(elapsed * self._speed, min(self._end, self._cap) - self._sim.clock.timestamp())
            if step > 0:
                self._sim.clock.advance(step)
                self._held_since = None
            elif self._cap < self._end:
                self.held_s += elapsed
                self._held_since = self._held_since or now
            if self._sim.clock.timestamp() >= self._end:
                return

    def poll_committed(self) -> None:
        """The connector committed a poll now: the clock may run ``LEASH_SIM_S`` past this instant."""
        self._cap = self._sim.clock.timestamp() + LEASH_SIM_S

    def held_for(self) -> float:
        """Real seconds the clock has been waiting for a committed poll without a break (0 when running)."""
        return time.monotonic() - self._held_since if self._held_since else 0.0

    def halt(self) -> None:
        """Stop the clock where it is (the test is failing)."""
        self._halt.set()


@dataclass
class Outage:
    """One thing taken down on purpose, and how long until each side of the pipeline was back."""

    what: str
    sim_at: str
    down_at: float  # POSIX
    up_at: float = 0.0  # process restarted / broker ready
    polled_at: float | None = None  # the connector's first committed poll after up_at
    stored_at: float | None = None  # the first job_runs row stored after up_at (the worker consumes again)

    def describe(self) -> str:
        """One line: what, when, how long down, how long until a committed poll and a stored row."""

        def after(t: float | None) -> str:
            return f"{t - self.down_at:.1f}s" if t else "never"

        return (f"{self.what} at sim {self.sim_at}: down {self.up_at - self.down_at:.1f}s, next committed poll "
                f"after {after(self.polled_at)}, rows stored again after {after(self.stored_at)}")  # fmt: skip


@dataclass
class Chaos:
    """The running scenario: simulator, broker, database, the current connector and worker, what was done."""

    sim: SimulatorServer
    broker: LocalKafka
    database_url: str
    workdir: Path
    clock: ClockDriver
    connectors: list[ConnectorProcess] = field(default_factory=list)
    workers: list[WorkerProcess] = field(default_factory=list)
    outages: list[Outage] = field(default_factory=list)
    faults_armed: Counter[str] = field(default_factory=Counter)
    faults_left: dict[str, int] = field(default_factory=dict)
    operator_reruns: list[str] = field(default_factory=list)
    unexpected_exits: list[str] = field(default_factory=list)
    applied: list[str] = field(default_factory=list)  # "HH:MM name" of each action, when it was done
    _polls_seen: int = 0  # committed polls of the current connector already noted

    @property
    def connector(self) -> ConnectorProcess:
        """The connector process now running."""
        return self.connectors[-1]

    @property
    def worker(self) -> WorkerProcess:
        """The worker process now running."""
        return self.workers[-1]

    def sim_time(self) -> str:
        """Simulated now, as offset from the production day's start."""
        seconds = int(self.sim.clock.timestamp() - DAY.timestamp())
        return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"

    def start_connector(self) -> None:
        """Start a new connector process."""
        self._polls_seen = 0
        log_file = self.workdir / f"connector-{len(self.connectors)}.log"
        self.connectors.append(ConnectorProcess(self.broker.bootstrap, self.database_url, self.sim.base_url, log_file))

    def start_worker(self) -> None:
        """Start a new worker process."""
        log_file = self.workdir / f"worker-{len(self.workers)}.log"
        self.workers.append(WorkerProcess(self.broker.bootstrap, self.database_url, log_file))

    def supervise(self) -> None:
        """Restart a connector or worker that exited on its own, as `restart: unless-stopped` would.

        Also lets the clock run on when the connector committed a poll, and notes outages it ended; fails
        when the connector has committed nothing for ``CONNECTOR_STUCK_S`` (the clock would wait forever).
        """
        if self.clock.held_for() > CONNECTOR_STUCK_S:
            raise AssertionError(f"the connector committed no poll for {CONNECTOR_STUCK_S}s (sim {self.sim_time()}, "
                                 f"actions done: {self.applied}):\n{self.connector.log()}")  # fmt: skip
        polls = self.connector.polls()
        if len(polls) > self._polls_seen:
            self._polls_seen = len(polls)
            self.clock.poll_committed()
            for outage in self.outages:
                if outage.polled_at is None and outage.up_at:
                    outage.polled_at = next((_posix(p) for p in polls if _posix(p) > outage.up_at), None)
        if self.connector.proc.poll() is not None:
            self.unexpected_exits.append(f"connector exited {self.connector.proc.returncode} at sim {self.sim_time()}")
            self.connector.kill()
            self.start_connector()
        if self.worker.proc.poll() is not None:
            self.unexpected_exits.append(f"worker exited {self.worker.proc.returncode} at sim {self.sim_time()}")
            self.worker.stop()
            self.start_worker()

    # actions of the schedule
    def _outage(self, what: str) -> Outage:
        outage = Outage(what, self.sim_time(), time.time())
        self.outages.append(outage)
        return outage

    def kill_worker(self) -> None:
        """SIGKILL the worker (maybe mid-batch) and start a new one; the connector keeps publishing."""
        outage = self._outage("worker SIGKILL")
        self.worker.proc.kill()
        self.worker.stop()
        self.start_worker()
        outage.up_at = time.time()

    def kill_connector(self) -> None:
        """SIGKILL the connector (maybe mid-transaction) and start a new one."""
        outage = self._outage("connector SIGKILL")
        self.connector.kill()
        self.start_connector()
        outage.up_at = time.time()

    def kill_both(self) -> None:
        """SIGKILL connector and worker at once."""
        outage = self._outage("connector+worker SIGKILL")
        self.connector.kill()
        self.worker.proc.kill()
        self.worker.stop()
        self.start_worker()
        self.start_connector()
        outage.up_at = time.time()

    def bounce_broker(self, hard: bool) -> None:
        """Stop the broker (SIGTERM, or SIGKILL when hard) and bring it back with its data."""
        outage = self._outage(f"broker {'SIGKILL' if hard else 'stop'}")
        restart_broker(self.broker, hard)
        outage.up_at = time.time()

    def arm(self, **faults: Any) -> None:
        """Arm engine faults through the simulator's fault API."""
        httpx.post(f"{self.sim.root_url}/sim/faults", json=faults, timeout=30).raise_for_status()
        for kind, value in faults.items():
            if kind in ("error_500", "error_429", "truncate_joblog", "delay_count"):
                self.faults_armed[kind] += int(value)

    def rerun_latest_failures(self, how_many: int) -> None:
        """As an operator would: rerun the jobs that failed most recently, seconds after they failed.

        Through the simulator's control endpoint, which does what the API's rerun action does but is not
        served the armed faults (those are for the connector).
        """
        runs = httpx.get(f"{self.sim.root_url}/sim/runs", timeout=30).json()["runs"]
        failed = [r for r in runs if r["internalStatus"] in ("ABEND", "FAIL") and r["lastInRerunChain"]]
        failed.sort(key=lambda r: (r["endTime"], r["runId"]), reverse=True)
        for run in failed[:how_many]:
            answer = httpx.post(f"{self.sim.root_url}/sim/runs/{run['runId']}/rerun", timeout=30)
            answer.raise_for_status()
            self.operator_reruns.append(answer.json()["id"])


Action = Callable[[Chaos], None]
# (simulated time since the day's start, what, action): most runs are in the night window (00-08h); the
# last kill of the worker is early, so its consumer group has long settled when the day ends
SCHEDULE: list[tuple[timedelta, str, Action]] = [
    (timedelta(minutes=30), "500 x3", lambda c: c.arm(error_500=3)),
    (timedelta(hours=1, minutes=30), "operator reruns", lambda c: c.rerun_latest_failures(4)),
    (timedelta(hours=2), "kill worker", Chaos.kill_worker),
    (
        timedelta(hours=3),
        "429 x4, slow x3",
        lambda c: c.arm(error_429=4, retry_after="1", delay_seconds=2, delay_count=3),
    ),
    (timedelta(hours=4), "kill connector", Chaos.kill_connector),
    (timedelta(hours=5), "operator reruns", lambda c: c.rerun_latest_failures(4)),
    (timedelta(hours=6), "stop broker", lambda c: c.bounce_broker(hard=False)),
    (timedelta(hours=7, minutes=30), "truncated joblogs x3", lambda c: c.arm(truncate_joblog=3)),
    (timedelta(hours=9), "operator reruns", lambda c: c.rerun_latest_failures(4)),
    (timedelta(hours=10), "kill connector and worker", Chaos.kill_both),
    (timedelta(hours=11, minutes=30), "500 x6 (breaker opens)", lambda c: c.arm(error_500=6)),
    (timedelta(hours=13), "kill broker", lambda c: c.bounce_broker(hard=True)),
    (timedelta(hours=15), "timeouts x2", lambda c: c.arm(delay_seconds=7, delay_count=2)),
    (timedelta(hours=16), "operator reruns", lambda c: c.rerun_latest_failures(4)),
    (timedelta(hours=19), "operator reruns", lambda c: c.rerun_latest_failures(4)),
    (timedelta(hours=19, minutes=30), "truncated joblogs x2", lambda c: c.arm(truncate_joblog=2)),
    (timedelta(hours=21, minutes=30), "operator reruns", lambda c: c.rerun_latest_failures(4)),
    (timedelta(hours=23, minutes=40), "operator reruns", lambda c: c.rerun_latest_failures(4)),
]


# --- reading back ------------------------------------------------------------------------------------


def published_events(bootstrap: str) -> dict[str, dict[str, Any]]:
    """event id -> event, of every committed record of tws.job.events (what the connector published)."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "chaos-audit", "enable.auto.commit": False,
                         "isolation.level": "read_committed"})  # fmt: skip
    found: dict[str, dict[str, Any]] = {}
    try:
        parts = list(consumer.list_topics(JOB_EVENTS.name, timeout=30).topics[JOB_EVENTS.name].partitions)
        ends = {p: consumer.get_watermark_offsets(TopicPartition(JOB_EVENTS.name, p), timeout=30)[1] for p in parts}
        consumer.assign([TopicPartition(JOB_EVENTS.name, p, OFFSET_BEGINNING) for p in parts])
        done = {p for p, end in ends.items() if end == 0}
        deadline = time.monotonic() + 60
        while len(done) < len(parts) and time.monotonic() < deadline:
            msg = consumer.poll(0.5)
            if msg is None:  # read_committed stops short of the high watermark at transaction markers
                for tp in consumer.position([TopicPartition(JOB_EVENTS.name, p) for p in parts]):
                    if tp.offset >= ends[tp.partition]:
                        done.add(tp.partition)
                continue
            value = msg.value()
            if msg.error() is None and value:
                event = json.loads(value)
                found[event["event_id"]] = event
            if (msg.offset() or 0) + 1 >= ends[msg.partition() or 0]:
                done.add(msg.partition() or 0)
    finally:
        consumer.close()
    return found


def stored_rows(database_url: str) -> list[dict[str, Any]]:
    """Every job_runs row (the columns the audit needs)."""
    with psycopg.connect(database_url) as conn, conn.cursor(row_factory=psycopg.rows.dict_row) as cur:
        cur.execute("SELECT event_id, job_id, run_id, internal_status, return_code, time, ingested_at FROM job_runs")
        return cur.fetchall()


def _sim_clock(iso: str | None) -> str:
    """An engine instant as the offset from the day's start (the schedule's unit)."""
    if not iso:
        return "-"
    seconds = int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() - DAY.timestamp())
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


@dataclass
class Audit:
    """The ground truth against the table, with everything a failure message needs."""

    problems: list[str]
    numbers: list[str]


def audit(truth: list[dict[str, Any]], rows: list[dict[str, Any]], published: dict[str, dict[str, Any]],
          operator_reruns: set[str]) -> Audit:  # fmt: skip
    """Every simulated run once with its final status; no duplicate row; nothing invented."""
    by_run: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        if row["run_id"]:
            by_run[row["run_id"]].append(row)
    published_runs: dict[str, set[str]] = defaultdict(set)
    for event in published.values():
        if event.get("run_id"):
            published_runs[event["run_id"]].add(event["internal_status"])
    runs_of_job: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for run in truth:
        runs_of_job[run["jobId"]].append(run)
    for chain in runs_of_job.values():
        chain.sort(key=lambda r: r["attempt"])
    known = {run["runId"] for run in truth}
    problems: list[str] = []
    missing: list[str] = []
    kinds: Counter[str] = Counter()
    for run in truth:
        final = run["internalStatus"]
        mine = by_run.get(run["runId"], [])
        with_final = [r for r in mine if r["internal_status"] == final]
        if not with_final:
            later = [r for r in runs_of_job[run["jobId"]] if r["attempt"] > run["attempt"]]
            kind = ("first attempt replaced by a rerun" if run["attempt"] == 1 and later
                    else "rerun replaced by a rerun" if later
                    else "operator rerun" if run["runId"] in operator_reruns
                    else "rerun" if run["rerun"] else "only attempt")  # fmt: skip
            if not later and not run.get("inCurrentPlan", True):
                kind += " whose job stream left the plan at the turnover"
            kinds[kind] += 1
            nxt = f", next attempt started {_sim_clock(later[0]['startTime'])}" if later else ""
            stored = ",".join(sorted(r["internal_status"] for r in mine)) or "nothing"
            sent = ",".join(sorted(published_runs.get(run["runId"], ()))) or "nothing"
            missing.append(
                f"  {run['runId']} {run['jobKey']} attempt {run['attempt']}{' (rerun)' if run['rerun'] else ''} "
                f"final {final} rc={run['returnCode']} submitted {_sim_clock(run['submittedTime'])} "
                f"started {_sim_clock(run['startTime'])} ended {_sim_clock(run['endTime'])}{nxt}; "
                f"published: {sent}; stored: {stored} [{kind}]"
            )
        elif len(with_final) > 1:
            problems.append(f"run {run['runId']} ({run['jobKey']}) has its final status {final} "
                            f"{len(with_final)} times: {[str(r['time']) for r in with_final]}")  # fmt: skip
        else:
            rc = with_final[0]["return_code"]
            if run["returnCode"] is not None and rc != run["returnCode"]:
                problems.append(f"run {run['runId']} ({run['jobKey']}) stored rc={rc}, engine says {run['returnCode']}")
        contradicting = {r["internal_status"] for r in mine} & {"SUCC", "ABEND", "FAIL"} - {final}
        if contradicting and final in ("SUCC", "ABEND", "FAIL"):
            problems.append(f"run {run['runId']} ({run['jobKey']}) ended {final} but job_runs also says "
                            f"{sorted(contradicting)}")  # fmt: skip
    if missing:
        problems.insert(0, f"{len(missing)} of {len(truth)} runs are not in job_runs with their final status "
                           f"({dict(kinds)}):\n" + "\n".join(missing))  # fmt: skip
    per_status = Counter((r["run_id"], r["internal_status"]) for r in rows if r["run_id"])
    doubled = sorted((key, n) for key, n in per_status.items() if n > 1)
    if doubled:
        problems.append(f"{len(doubled)} (run, status) pairs stored more than once: {doubled[:20]}")
    events = Counter(r["event_id"] for r in rows)
    dup_events = {e: n for e, n in events.items() if n > 1}
    if dup_events:
        problems.append(f"{len(dup_events)} event ids stored more than once (waiting statuses included): "
                        f"{sorted(dup_events.items())[:20]}")  # fmt: skip
    invented = sorted(set(by_run) - known)
    if invented:
        problems.append(f"{len(invented)} run ids in job_runs the engine never ran: {invented[:20]}")
    lost_by_worker = sorted(set(published) - {r["event_id"] for r in rows})
    if lost_by_worker:
        problems.append(f"{len(lost_by_worker)} published events never stored (worker side): {lost_by_worker[:20]}")
    reruns = [r for r in truth if r["rerun"]]
    numbers = [
        f"runs {len(truth)} ({sum(not r['rerun'] for r in truth)} first attempts, {len(reruns)} reruns of which "
        f"{len(operator_reruns & known)} operator reruns; "
        f"{sum(not r['lastInRerunChain'] for r in truth)} attempts replaced by a rerun); "
        f"finals {dict(Counter(r['internalStatus'] for r in truth))}",
        f"published {len(published)} events ({len(published_runs)} runs); job_runs {len(rows)} rows "
        f"({len(by_run)} runs); missing runs by kind {dict(kinds) or 'none'}",
    ]
    return Audit(problems, numbers)


# --- the test ----------------------------------------------------------------------------------------


def test_chaos_day_stores_every_run_once_with_its_final_status(
    broker: LocalKafka, database_url: str, tmp_path: Path
) -> None:
    sim = SimulatorServer(SimConfig(seed=SEED, start=DAY, speed=0, **SIM))  # type: ignore[arg-type]
    sim.start()
    clock = ClockDriver(sim)
    chaos = Chaos(sim, broker, database_url, tmp_path, clock)
    began = time.monotonic()
    try:
        chaos.start_worker()
        chaos.start_connector()
        _wait_for_connector(chaos, lambda: chaos.connector.polls(), "the connector's first poll")
        wait_until(lambda: "job_events.assigned" in chaos.worker.log(), timeout_s=120,
                   what="the worker's job-event partitions", worker=chaos.worker)  # fmt: skip
        clock.start()
        for at, name, action in SCHEDULE:
            target = DAY.timestamp() + at.total_seconds()
            while sim.clock.timestamp() < target:
                chaos.supervise()
                time.sleep(0.1)
            action(chaos)
            chaos.applied.append(f"{chaos.sim_time()} {name}")
        while clock.is_alive():
            chaos.supervise()
            time.sleep(0.2)
        day_done = time.monotonic()

        # settle: faults off, then full scans of the stopped plan, then the worker drains what was published
        chaos.faults_left = httpx.get(f"{sim.root_url}/sim/faults", timeout=30).json()["armed"]
        httpx.delete(f"{sim.root_url}/sim/faults", timeout=30).raise_for_status()
        stopped = time.time()

        def caught_up() -> bool:
            chaos.supervise()
            polls = [p for c in chaos.connectors for p in c.polls(since=stopped)]
            return len(polls) >= 2 and any(p.get("full_scans") for p in polls)

        _wait_for_connector(chaos, caught_up, "two polls and a full scan after the clock stopped")
        published = published_events(broker.bootstrap)

        def drained() -> bool:
            chaos.supervise()
            return set(published) <= {r["event_id"] for r in stored_rows(database_url)}

        try:
            wait_until(drained, timeout_s=SETTLE_TIMEOUT_S, interval_s=1.0)
        except AssertionError:
            pass  # reported below with the events the worker did not store
        truth_answer = httpx.get(f"{sim.root_url}/sim/runs", timeout=60).json()
        rows = stored_rows(database_url)
        settled = time.monotonic()
    finally:
        clock.halt()
        for c in chaos.connectors:
            c.stop()
        for w in chaos.workers:
            w.stop()
        sim.stop()

    report = audit(truth_answer["runs"], rows, published, set(chaos.operator_reruns))
    _note_worker_recoveries(chaos, rows)
    all_polls = [p for c in chaos.connectors for p in c.polls()]
    failed_polls = sum(1 for c in chaos.connectors for r in c.records() if r.get("event") == "tws.poll.failed")
    consumed = {k: n - int(chaos.faults_left.get(k, 0)) for k, n in chaos.faults_armed.items()}
    summary = "\n".join([
        f"chaos day: seed {SEED}, {SIM_SECONDS / 3600:.1f} simulated hours in {day_done - began:.0f}s real "
        f"({clock.held_s:.0f}s of them with the clock held for the connector to commit a poll; settled "
        f"{settled - day_done:.0f}s after), simulated until {truth_answer['simTime']}",
        *report.numbers,
        f"connector: {len(chaos.connectors)} processes, {len(all_polls)} committed polls "
        f"(about {SIM_SECONDS / 60 / max(1, len(all_polls)):.0f} simulated minutes apart), {failed_polls} failed polls",
        f"faults armed {dict(chaos.faults_armed)}, served {consumed}",
        f"actions (sim time done): {'; '.join(chaos.applied)}",
        "outages:", *(f"  {o.describe()}" for o in chaos.outages),
        f"unexpected exits: {chaos.unexpected_exits or 'none'}",
    ])  # fmt: skip
    print(summary)
    (tmp_path / "chaos-summary.txt").write_text(summary + "\n\n" + "\n\n".join(report.problems))
    assert not report.problems, summary + "\n\n" + "\n\n".join(report.problems)


def _wait_for_connector(chaos: Chaos, predicate: Callable[[], object], what: str) -> None:
    """wait_until, with the connector's log in the failure message."""
    try:
        wait_until(predicate, timeout_s=120, what=what)
    except AssertionError as exc:
        raise AssertionError(f"{exc}\nconnector log:\n{chaos.connector.log()}") from None


def _note_worker_recoveries(chaos: Chaos, rows: list[dict[str, Any]]) -> None:
    """When the worker stored rows again after each outage (from the rows' ingestion times)."""
    stored = sorted(r["ingested_at"].timestamp() for r in rows)
    for outage in chaos.outages:
        outage.stored_at = next((t for t in stored if t > outage.up_at), None)
