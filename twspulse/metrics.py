"""The pipeline's own health in Prometheus terms: the metrics every process exports, and where it serves them.

Each process (``connect tws``, ``connect system``, ``worker``, ``notify``) serves ``/metrics`` (Prometheus text
format) and ``/health`` on ``metrics_host:metrics_port`` when the port is set (``serve``). The metrics are
process-wide, in prometheus-client's default registry, as that library intends: a counter holds no connection
and no state anyone else reads, so defining them here at import time makes no client nor hidden dependency.
Names and labels are documented in docs/metrics.md.

``/health`` answers 200 while the process's loop turns and its last polls did not all fail, 503 with a JSON
reason otherwise (``Liveness``): a loop stuck for ``health_stall_s``, or ``health_failed_polls`` failures in a
row (an engine or a broker down).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram, make_wsgi_app

from twspulse.settings import HealthSettings

# --- TWS connector -------------------------------------------------------------------------------------------
TWS_POLLS = Counter("twspulse_tws_polls", "Polls of the engine's plan, by outcome (ok, failed).", ["outcome"])
TWS_POLL_SECONDS = Histogram(
    "twspulse_tws_poll_seconds",
    "Duration of one committed poll (plan read, joblogs, Kafka transaction).",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120),
)
TWS_REQUESTS = Counter("twspulse_tws_requests", "Requests sent to the engine by committed polls.")
TWS_EVENTS = Counter("twspulse_tws_events_published", "Job status events published to tws.job.events.")
TWS_DEAD_LETTERS = Counter("twspulse_tws_dead_letters", "Dead letters the TWS connector published.")
TWS_JOBLOGS_HELD = Gauge("twspulse_tws_joblogs_held", "Failed runs held back while their joblog is retried.")
TWS_LAST_SUCCESS = Gauge("twspulse_tws_last_success_timestamp_seconds", "Unix time of the last committed poll.")
BREAKER_STATE = Gauge("twspulse_breaker_state", "Circuit breaker state: 0 closed, 1 half-open, 2 open.", ["breaker"])

# --- system connector ----------------------------------------------------------------------------------------
SYSTEM_SAMPLES = Counter(
    "twspulse_system_samples", "Host samples, by what became of them (taken, delivered, dropped).", ["outcome"]
)
SYSTEM_KAFKA_DOWN = Gauge("twspulse_system_kafka_down", "1 while the system connector cannot reach Kafka.")

# --- worker --------------------------------------------------------------------------------------------------
ROWS_WRITTEN = Counter("twspulse_worker_rows_written", "Rows written to the database, by table.", ["table"])
DEAD_LETTERS = Counter(
    "twspulse_worker_dead_letters", "Records the worker dead-lettered, by the topic they came from.", ["topic"]
)
BATCH_SECONDS = Histogram(
    "twspulse_worker_batch_seconds",
    "Duration of handling one consumed batch (decode, rows, dead letters), by topic.",
    ["topic"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
CONSUMER_LAG = Gauge(
    "twspulse_consumer_lag",
    "Records on a partition not yet processed by this process: high watermark minus position.",
    ["group", "topic", "partition"],
)

# --- notifier ------------------------------------------------------------------------------------------------
NOTIFY_DELIVERED = Counter("twspulse_notify_delivered", "Alert states delivered, by receiver.", ["receiver"])
NOTIFY_DEAD_LETTERED = Counter("twspulse_notify_dead_lettered", "Alerts dead-lettered to alerts.dlq.")
NOTIFY_RETRIES = Counter(
    "twspulse_notify_retries", "Retried deliveries (5xx, 429, unreachable), by receiver.", ["receiver"]
)

BREAKER_LEVELS = {"closed": 0, "half_open": 1, "open": 2}


class Liveness:
    """Whether a process's loop makes progress: what ``/health`` reports.

    The loop calls ``beat`` on every turn (idle ones too), ``succeeded`` after a poll that worked and ``failed``
    after one that did not. Thread-safe enough for its use: plain attribute writes read by the HTTP thread.
    """

    def __init__(self, stall_s: float, max_failures: int, clock: Callable[[], float] = time.monotonic):
        self.stall_s = stall_s
        self.max_failures = max_failures
        self._clock = clock
        self._last_beat = clock()
        self.consecutive_failures = 0
        self.last_error: str | None = None

    @classmethod
    def of(cls, settings: HealthSettings) -> Liveness:
        """The liveness rule configured by ``health_stall_s`` and ``health_failed_polls``."""
        return cls(settings.health_stall_s, settings.health_failed_polls)

    def beat(self) -> None:
        """The loop turned."""
        self._last_beat = self._clock()

    def succeeded(self) -> None:
        """A poll (sample, batch) worked."""
        self.beat()
        self.consecutive_failures = 0
        self.last_error = None

    def failed(self, error: str) -> None:
        """A poll failed with ``error``; the loop itself still turns."""
        self.beat()
        self.consecutive_failures += 1
        self.last_error = error[:500]

    def report(self) -> tuple[bool, dict[str, Any]]:
        """(healthy, the JSON body of ``/health``)."""
        idle = self._clock() - self._last_beat
        body: dict[str, Any] = {
            "seconds_since_progress": round(idle, 3),
            "consecutive_failures": self.consecutive_failures,
        }
        if idle > self.stall_s:
            return False, {"status": "stalled", "reason": f"loop has not turned for {idle:.0f}s", **body}
        if self.consecutive_failures >= self.max_failures:
            reason = f"{self.consecutive_failures} consecutive failures; last: {self.last_error}"
            return False, {"status": "failing", "reason": reason, **body}
        return True, {"status": "ok", **body}


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's signature
        """Scrapes every few seconds are not worth a log line each."""


@dataclass
class MetricsServer:
    """A running ``/metrics`` + ``/health`` server; ``close`` stops it."""

    port: int
    _server: WSGIServer
    _thread: threading.Thread

    def close(self) -> None:
        """Stop serving and free the port."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def wsgi_app(liveness: Liveness, registry: CollectorRegistry = REGISTRY) -> Callable[..., Iterable[bytes]]:
    """``/health`` from ``liveness``; every other path the Prometheus exposition of ``registry``."""
    metrics = make_wsgi_app(registry)

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/health":
            ok, body = liveness.report()
            start_response("200 OK" if ok else "503 Service Unavailable", [("Content-Type", "application/json")])
            return [json.dumps(body).encode()]
        return metrics(environ, start_response)  # type: ignore[no-any-return]

    return app


def serve(settings: HealthSettings, liveness: Liveness) -> MetricsServer | None:
    """Serve ``/metrics`` and ``/health`` in a daemon thread when ``metrics_port`` is set (None otherwise)."""
    if not settings.metrics_port:
        return None
    server = make_server(
        settings.metrics_host,
        settings.metrics_port,
        wsgi_app(liveness),
        server_class=_Server,
        handler_class=_QuietHandler,
    )
    thread = threading.Thread(target=server.serve_forever, name="twspulse-metrics", daemon=True)
    thread.start()
    return MetricsServer(server.server_port, server, thread)


def set_breaker_state(name: str, state: str) -> None:
    """Export a circuit breaker's state (``BreakerState`` value) as ``twspulse_breaker_state``."""
    BREAKER_STATE.labels(breaker=name).set(BREAKER_LEVELS.get(state, -1))


def export_lag(group: str, lags: dict[tuple[str, int], int], exported: set[tuple[str, int]]) -> set[tuple[str, int]]:
    """Set ``twspulse_consumer_lag`` of ``group`` to ``lags`` ((topic, partition) -> records); the partitions
    exported before and missing now (moved to another consumer) are removed. Returns what is exported now."""
    for (topic, partition), lag in lags.items():
        CONSUMER_LAG.labels(group, topic, str(partition)).set(max(lag, 0))
    for topic, partition in exported - set(lags):
        CONSUMER_LAG.remove(group, topic, str(partition))
    return set(lags)


def lag_samples() -> list[tuple[str, str, int, int]]:
    """What ``twspulse_consumer_lag`` holds now in this process: (group, topic, partition, records) per partition."""
    return [
        (sample.labels["group"], sample.labels["topic"], int(sample.labels["partition"]), int(sample.value))
        for metric in CONSUMER_LAG.collect()
        for sample in metric.samples
    ]
