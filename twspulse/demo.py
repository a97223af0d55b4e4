"""``twspulse demo``: the whole pipeline on this machine, one simulated day in about two minutes.

simulator -> TWS + system connectors -> Kafka -> Faust worker (its own process) -> database, then a
summary read back from the database. Exit status 0 only if rows reached all three tables.
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

from connectors import system
from connectors.producer import EventProducer
from connectors.tws.poller import TwsPoller
from connectors.tws.runner import run_tws_connector
from simulator.config import SimConfig
from simulator.server import SimulatorServer
from twspulse.engines.stack import LocalStack
from twspulse.settings import Settings
from twspulse.summary import read_summary

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
            bootstrap, database_url, settings.data_dir, log_level="WARNING", log_json=str(settings.log_json).lower()
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


def wait_for_rows(database_url: str, job_runs: int, job_logs: int, timeout_s: float) -> bool:
    """Wait until the worker has written at least the given row counts."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with psycopg.connect(database_url) as conn:
            (runs,) = conn.execute("SELECT count(*) FROM job_runs").fetchone() or (0,)
            (logs,) = conn.execute("SELECT count(DISTINCT run_id) FROM job_logs").fetchone() or (0,)
        if runs >= job_runs and logs >= job_logs:
            return True
        time.sleep(1)
    return False


def run_demo(settings: Settings, seconds: float = 120.0, seed: int = 42, sim_hours: float = 24.0) -> int:
    """Run the scenario and print the summary; returns the process exit status."""
    workdir = settings.data_dir / "demo"
    shutil.rmtree(workdir, ignore_errors=True)
    stack = LocalStack(settings, workdir)
    started = time.monotonic()
    endpoints = stack.start()
    day = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=1)
    sim = SimulatorServer(
        SimConfig(seed=seed, start=day, speed=sim_hours * 3600 / seconds),
        user=settings.tws_user,
        password=settings.tws_password.get_secret_value(),
    )
    sim.start()
    tws_settings = settings.model_copy(update={"tws_url": sim.base_url, "tws_poll_interval_s": 1.0})
    worker = start_worker(settings, endpoints.kafka_bootstrap, endpoints.database_url)
    stop_system = threading.Event()
    host_producer = EventProducer(endpoints.kafka_bootstrap, client_id="twspulse-system")
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
        caught_up = wait_for_rows(endpoints.database_url, poller.totals.events, poller.totals.joblogs, timeout_s=90)
        if not caught_up:
            log.error("demo.worker_behind", hint="the worker did not write every published event in time")
        summary = read_summary(endpoints.database_url, endpoints.kafka_bootstrap)
        stop_worker(worker)
        print(summary.render())
        print(f"demo took {time.monotonic() - started:.0f}s (simulated {sim_hours:.0f}h)")
        return 0 if summary.data_flowed and caught_up else 1
    finally:
        stop_system.set()
        stop_worker(worker)
        sim.stop()
        stack.stop()


async def _poll_for(settings: Settings, bootstrap: str, seconds: float) -> TwsPoller:
    stop = asyncio.Event()
    asyncio.get_running_loop().call_later(seconds, stop.set)
    return await run_tws_connector(settings, bootstrap, stop)
