"""Helpers shared by tests: a worker process, waiting for a condition, scalar queries."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import psycopg

from twspulse.demo import stop_worker, worker_env


class WorkerProcess:
    """``twspulse worker`` as a real separate process, as it runs in production."""

    def __init__(self, bootstrap: str, database_url: str, log_file: Path):
        env = worker_env(
            bootstrap, database_url, log_file.parent / "worker-data", worker_batch_seconds="0.3", log_json="false"
        )
        self.log_file = log_file
        self._out = log_file.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "twspulse.cli", "worker"],
            env=env,
            stdout=self._out,
            stderr=subprocess.STDOUT,
        )

    def stop(self) -> None:
        """SIGTERM, as an orchestrator would."""
        stop_worker(self.proc)
        self._out.close()

    def log(self) -> str:
        """What the worker printed (for assertion messages)."""
        return self.log_file.read_text(errors="replace")[-5000:]


def wait_until(  # type: ignore[no-untyped-def]
    predicate,
    timeout_s: float = 60.0,
    interval_s: float = 0.5,
    what: str = "condition",
    worker: WorkerProcess | None = None,
):
    """Poll ``predicate`` until it returns a truthy value; fail with ``what`` (and the worker's log)."""
    deadline = time.monotonic() + timeout_s
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        if worker is not None and worker.proc.poll() is not None:
            raise AssertionError(f"worker exited ({worker.proc.returncode}) while waiting for {what}:\n{worker.log()}")
        time.sleep(interval_s)
    tail = f"\nworker log:\n{worker.log()}" if worker is not None else ""
    raise AssertionError(f"timed out after {timeout_s}s waiting for {what} (last value: {last!r}){tail}")


def count(database_url: str, sql: str, *params: object) -> int:
    """Run a scalar COUNT query."""
    with psycopg.connect(database_url) as conn:
        row = conn.execute(sql, params or None).fetchone()
    return int(row[0]) if row else 0
