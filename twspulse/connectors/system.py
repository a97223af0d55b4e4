"""The system connector: psutil samples of this host -> topic ``host.metrics`` (key: host).

Sampling never waits for Kafka. A sample is handed to librdkafka as soon as it is taken and the loop goes on
with the next one on schedule; while the broker is unreachable the samples wait in librdkafka's own queue and
leave in order, with the time they were taken, when it is back. The idempotent producer retries them in
order and the broker drops a retried duplicate, so the outage leaves neither a hole nor a repeat.

The bound is librdkafka's as well, no queue of our own: ``message.timeout.ms`` is ``system_buffer_s``. A
sample still unacknowledged after that long fails with a "message timed out" delivery report, so in a long
outage the *oldest* samples go first and the queue holds the newest ``system_buffer_s`` of them. Oldest
first because the newest samples describe the host as it is when Kafka returns, which is what dashboards,
anomaly detection and alerts act on; and because librdkafka cannot evict the oldest of a count-bounded queue
(a full queue can only refuse the newest), a count bound would have needed a deque in front of it.
``queue.buffering.max.messages`` sits a little above ``system_buffer_s / interval`` as a memory backstop
only. Every sample taken ends in exactly one counter of :class:`SampleCounts`.

Logs during an outage: one line when the broker goes away (``system.kafka.down``), one summary every
``summary_every_s`` while it stays away (``system.kafka.still_down``) and one when the buffered samples are
through (``system.kafka.back``, with what was buffered, delivered and dropped). librdkafka reports every
reconnect attempt twice, as a log line and an error callback; both are routed here and counted instead of
printed (only a few per summary window pass while the broker is up).
"""

from __future__ import annotations

import logging
import math
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import partial

import psutil
import structlog
from confluent_kafka import KafkaError, Message

from twspulse import metrics
from twspulse.events import DiskUsage, HostMetrics
from twspulse.kafka_clients import KafkaSecurity
from twspulse.producer import EventProducer
from twspulse.settings import Settings
from twspulse.topics import HOST_METRICS

log = structlog.get_logger(__name__)

# Pseudo and read-only image file systems say nothing about capacity.
_SKIP_FSTYPES = {"squashfs", "tmpfs", "devtmpfs", "overlay", "proc", "sysfs", "cgroup", "cgroup2", "nsfs"}

# Errors that say "this connection failed"; librdkafka retries them by itself, so they are counted, and the
# outage is announced once, on _ALL_BROKERS_DOWN (one broker of several going away is no outage).
_CONNECTION_ERRORS = {KafkaError._TRANSPORT, KafkaError._RESOLVE, KafkaError._TIMED_OUT, KafkaError._ALL_BROKERS_DOWN}
# librdkafka log lines of this facility repeat the connection errors above.
_CONNECTION_FACILITIES = {"FAIL"}
# librdkafka lines and errors printed per summary window while Kafka is up; the rest are counted.
_LINES_PER_WINDOW = 5
# Longest single wait of the loop, so a stop request is seen quickly.
_POLL_SLICE_S = 0.25
# The local queue's backstop holds this many seconds of samples more than the bound: librdkafka scans for
# timed-out messages about once a second, so a little more than the bound waits at times.
_QUEUE_SLACK_S = 5.0


class ProducerFatalError(RuntimeError):
    """librdkafka declared the producer unusable (e.g. an idempotence fencing error); restart the connector."""


def sample(host: str) -> HostMetrics:
    """One reading of CPU, memory, every real disk and the network counters."""
    disks = []
    for part in psutil.disk_partitions(all=False):
        if part.fstype in _SKIP_FSTYPES:
            continue
        try:
            usage = psutil.disk_usage(part.mountpoint)
        except (PermissionError, OSError) as exc:
            log.warning("system.disk.unreadable", mount=part.mountpoint, error=str(exc))
            continue
        disks.append(
            DiskUsage(
                mount=part.mountpoint,
                device=part.device,
                total_bytes=usage.total,
                used_bytes=usage.used,
                used_percent=usage.percent,
            )
        )
    mem = psutil.virtual_memory()
    net = psutil.net_io_counters()
    return HostMetrics(
        host=host,
        time=datetime.now(UTC),
        cpu_percent=psutil.cpu_percent(interval=None),
        load_1m=psutil.getloadavg()[0],
        memory_percent=mem.percent,
        memory_used_bytes=mem.used,
        swap_percent=psutil.swap_memory().percent,
        disks=disks,
        net_bytes_sent=net.bytes_sent,
        net_bytes_recv=net.bytes_recv,
    )


@dataclass
class SampleCounts:
    """What became of the samples of one run: each one taken is, once settled, in exactly one outcome."""

    taken: int = 0
    delivered: int = 0
    expired: int = 0
    """Older than the buffer bound before Kafka acknowledged them (the oldest of an outage go first)."""
    queue_full: int = 0
    """Refused by the local queue's backstop."""
    rejected: int = 0
    """Failed for another reason (the broker refused them)."""
    unsent_at_exit: int = 0
    """Still waiting for Kafka when the connector stopped."""

    @property
    def dropped(self) -> int:
        """Samples that will never reach Kafka."""
        return self.expired + self.queue_full + self.rejected + self.unsent_at_exit

    @property
    def pending(self) -> int:
        """Samples handed to librdkafka and not yet acknowledged or failed (the outage buffer)."""
        return self.taken - self.delivered - self.dropped

    def since(self, earlier: SampleCounts) -> dict[str, int]:
        """The counts that changed after ``earlier`` was copied, for one log line."""
        return {
            "taken": self.taken - earlier.taken,
            "delivered": self.delivered - earlier.delivered,
            "dropped": self.dropped - earlier.dropped,
            "expired": self.expired - earlier.expired,
            "queue_full": self.queue_full - earlier.queue_full,
            "rejected": self.rejected - earlier.rejected,
        }


class _LibrdkafkaLog:
    """The ``logger`` librdkafka's lines are routed to (served by ``poll``), so the connector can count them."""

    def __init__(self, on_line: Callable[[int, str, str], None]):
        self._on_line = on_line

    def log(self, level: int, msg: str, *args: object) -> None:
        """``logging.Logger.log``'s signature, which confluent-kafka calls as (level, fmt, facility, name, text)."""
        facility = str(args[0]) if args else ""
        self._on_line(level, facility, msg % args if args else msg)


class SystemConnector:
    """Samples this host every ``interval_s`` and hands each sample to Kafka without waiting for it.

    Delivery reports, librdkafka's errors and log lines are served by the same loop (``producer.poll``
    between samples), so the counters and the outage state need no lock.
    """

    def __init__(
        self,
        interval_s: float,
        host: str | None = None,
        *,
        summary_every_s: float = 60.0,
        exit_flush_s: float = 10.0,
        liveness: metrics.Liveness | None = None,
    ):
        self.interval_s = interval_s
        self.liveness = liveness or metrics.Liveness(stall_s=max(600.0, 10 * interval_s), max_failures=3)  # /health
        self._exported = SampleCounts()  # the counts already added to the Prometheus counters
        self.host = host or socket.gethostname()
        self.summary_every_s = summary_every_s
        self.exit_flush_s = exit_flush_s
        self.buffer_s: float | None = None
        self.counts = SampleCounts()
        # A delivery that makes no progress this long is an outage even without a librdkafka error (a producer
        # built without this connector's callbacks, or a broker that accepts connections but not records).
        self._stall_s = max(3 * interval_s, 10.0)
        self._last_progress = time.monotonic()
        self._down_since: float | None = None
        self._at_down = SampleCounts()
        self._peak_buffered = 0
        self._recover_seq: int | None = None
        self._next_window = 0.0
        self._window_lines = 0
        self._dropped_at_window = 0
        self._suppressed: Counter[str] = Counter()
        self._first_suppressed: str | None = None
        self._fatal: KafkaError | None = None

    @property
    def kafka_down(self) -> bool:
        """Whether the connector currently considers Kafka unreachable."""
        return self._down_since is not None

    def producer_config(self, buffer_s: float) -> dict[str, object]:
        """librdkafka settings for this connector's producer: ``buffer_s`` of samples kept through an outage,
        and librdkafka's errors and log lines routed to this connector (see the module docstring)."""
        self.buffer_s = buffer_s
        return {
            "message.timeout.ms": max(1000, round(buffer_s * 1000)),
            "queue.buffering.max.messages": min(
                math.ceil((buffer_s + _QUEUE_SLACK_S) / self.interval_s) + 1, 2**31 - 1
            ),
            # Once Kafka is back the buffer leaves within 2 s (librdkafka's default backoff grows to 10 s).
            "reconnect.backoff.max.ms": 2000,
            "log.connection.close": False,
            "error_cb": self._on_error,
            "logger": _LibrdkafkaLog(self._librdkafka_line),
        }

    def run(self, producer: EventProducer, stop: threading.Event, count: int | None = None) -> SampleCounts:
        """Sample until ``stop`` (or ``count`` samples), then wait up to ``exit_flush_s`` for the last ones."""
        psutil.cpu_percent(interval=None)  # the first call only primes the counter
        now = time.monotonic()
        next_sample = now
        self._last_progress = now
        self._next_window = now + self.summary_every_s
        try:
            while not stop.is_set() and (count is None or self.counts.taken < count):
                now = time.monotonic()
                if now >= next_sample:
                    self._take(producer)
                    # On schedule; after a stall of the process itself (not of Kafka) resume from now, no burst.
                    next_sample = max(next_sample + self.interval_s, time.monotonic())
                else:
                    producer.poll(min(next_sample - now, _POLL_SLICE_S))
                self._check(time.monotonic())
                self._export()
        finally:
            self._finish(producer)
            self._export()
        return self.counts

    def _export(self) -> None:
        """Add what changed since the last call to the Prometheus counters (one loop, so no lock)."""
        now, before = self.counts, self._exported
        metrics.SYSTEM_SAMPLES.labels(outcome="taken").inc(now.taken - before.taken)
        metrics.SYSTEM_SAMPLES.labels(outcome="delivered").inc(now.delivered - before.delivered)
        metrics.SYSTEM_SAMPLES.labels(outcome="dropped").inc(now.dropped - before.dropped)
        metrics.SYSTEM_KAFKA_DOWN.set(int(self.kafka_down))
        self._exported = replace(now)

    def _take(self, producer: EventProducer) -> None:
        seq = self.counts.taken
        metrics = sample(self.host)
        if self.counts.pending == 0:
            self._last_progress = time.monotonic()  # nothing was waiting: the stall clock starts now
        self.counts.taken += 1
        if not producer.try_send(HOST_METRICS.name, self.host, metrics, on_delivery=partial(self._on_report, seq)):
            self.counts.queue_full += 1
        self._peak_buffered = max(self._peak_buffered, self.counts.pending)
        if self._down_since is None:
            self.liveness.succeeded()
        else:  # a sample taken while Kafka is away: N of them in a row and /health says so
            self.liveness.failed(f"kafka unreachable for {time.monotonic() - self._down_since:.0f}s")
        if self._down_since is None:
            log.info("system.sample", host=self.host, cpu=metrics.cpu_percent, disks=len(metrics.disks))

    def _on_report(self, seq: int, err: KafkaError | None, msg: Message) -> None:
        self._last_progress = time.monotonic()
        if err is None:
            self.counts.delivered += 1
            if self._down_since is not None and self._recover_seq is None:
                # Reports come in order: once a sample taken from now on is acknowledged, the buffer is through.
                self._recover_seq = self.counts.taken
        elif err.code() == KafkaError._MSG_TIMED_OUT:
            self.counts.expired += 1
        else:
            self.counts.rejected += 1
            self._noise("rejected", f"sample {msg.topic()}: {err}", logging.WARNING, printable=True)
        if self._recover_seq is not None and seq >= self._recover_seq:
            self._came_back()

    def _on_error(self, err: KafkaError) -> None:
        if err.fatal():
            self._fatal = err
            log.error("system.kafka.fatal", error=str(err))
        elif err.code() == KafkaError._ALL_BROKERS_DOWN and self._down_since is None:
            self._went_down(str(err))
        elif err.code() in _CONNECTION_ERRORS:
            self._noise("connection_errors", str(err), logging.WARNING, printable=False)
        else:
            self._noise("errors", str(err), logging.WARNING, printable=True)

    def _librdkafka_line(self, level: int, facility: str, text: str) -> None:
        if facility in _CONNECTION_FACILITIES:
            self._noise("librdkafka_connection_lines", text, level, printable=False)
        else:
            self._noise("librdkafka_lines", text, level, printable=True)

    def _noise(self, kind: str, text: str, level: int, *, printable: bool) -> None:
        """Print a librdkafka error or line while Kafka is up and the window's budget lasts; count it otherwise."""
        if printable and self._down_since is None and self._window_lines < _LINES_PER_WINDOW:
            self._window_lines += 1
            log.log(level, "system.kafka.librdkafka", kind=kind, line=text)
            return
        self._suppressed[kind] += 1
        if self._first_suppressed is None:
            self._first_suppressed = text

    def _check(self, now: float) -> None:
        if self._fatal is not None:
            raise ProducerFatalError(str(self._fatal))
        if self._down_since is None:
            if self.counts.pending and now - self._last_progress > self._stall_s:
                self._went_down(f"no delivery report for {now - self._last_progress:.0f}s")
        elif self._recover_seq is not None and self.counts.pending == 0:
            self._came_back()
        if now >= self._next_window:
            self._window(now)

    def _went_down(self, reason: str) -> None:
        now = time.monotonic()
        self._down_since = now
        self._at_down = replace(self.counts)
        self._peak_buffered = self.counts.pending
        self._recover_seq = None
        log.warning(
            "system.kafka.down",
            host=self.host,
            reason=reason,
            buffered=self.counts.pending,
            buffer_s=self.buffer_s,
            **self._take_suppressed(),
        )
        self._next_window = now + self.summary_every_s

    def _came_back(self) -> None:
        if self._down_since is None:
            return
        log.info(
            "system.kafka.back",
            host=self.host,
            outage_s=round(time.monotonic() - self._down_since, 1),
            peak_buffered=self._peak_buffered,
            **self.counts.since(self._at_down),
            **self._take_suppressed(),
        )
        self._down_since = None
        self._recover_seq = None
        self._dropped_at_window = self.counts.dropped

    def _window(self, now: float) -> None:
        if self._down_since is not None:
            log.warning(
                "system.kafka.still_down",
                host=self.host,
                outage_s=round(now - self._down_since, 1),
                buffered=self.counts.pending,
                **self.counts.since(self._at_down),
                **self._take_suppressed(),
            )
        elif self._suppressed or self.counts.dropped > self._dropped_at_window:
            log.warning(
                "system.kafka.errors",
                host=self.host,
                dropped=self.counts.dropped - self._dropped_at_window,
                **self._take_suppressed(),
            )
            self._dropped_at_window = self.counts.dropped
        self._window_lines = 0
        self._next_window = now + self.summary_every_s

    def _take_suppressed(self) -> dict[str, object]:
        out: dict[str, object] = {"suppressed": dict(self._suppressed)} if self._suppressed else {}
        if self._first_suppressed is not None:
            out["first_suppressed"] = self._first_suppressed
        self._suppressed.clear()
        self._first_suppressed = None
        return out

    def _finish(self, producer: EventProducer) -> None:
        deadline = time.monotonic() + self.exit_flush_s
        while self.counts.pending and time.monotonic() < deadline:
            producer.poll(0.1)
        if self._recover_seq is not None and self.counts.pending == 0:
            self._came_back()  # the outage ended while stopping: still one line saying so
        self.counts.unsent_at_exit = self.counts.pending
        log.info(
            "system.stopped",
            host=self.host,
            kafka_down=self._down_since is not None,
            taken=self.counts.taken,
            delivered=self.counts.delivered,
            dropped=self.counts.dropped,
            unsent_at_exit=self.counts.unsent_at_exit,
            **self._take_suppressed(),
        )


def run_system_connector(
    settings: Settings,
    bootstrap: str,
    stop: threading.Event,
    count: int | None = None,
    *,
    summary_every_s: float = 60.0,
    liveness: metrics.Liveness | None = None,
) -> SampleCounts:
    """`twspulse connect system`: a producer configured for outages (``system_buffer_s``) and the sampling loop."""
    connector = SystemConnector(
        settings.system_interval_s,
        settings.host_name,
        summary_every_s=summary_every_s,
        liveness=liveness or metrics.Liveness.of(settings.health),
    )
    config = connector.producer_config(settings.system_buffer_s)
    security = KafkaSecurity.from_settings(settings.kafka)
    producer = EventProducer(bootstrap, client_id="twspulse-system", config=config, security=security)
    return connector.run(producer, stop, count)


def run(
    producer: EventProducer, interval_s: float, stop: threading.Event, host: str | None = None, count: int | None = None
) -> int:
    """Sample every ``interval_s`` until ``stop`` (or ``count`` samples) into a producer the caller built;
    returns the samples delivered.

    Never waits for Kafka either, but the producer's own settings bound the outage buffer and its librdkafka
    lines are not routed here: :func:`run_system_connector` builds the producer that does both.
    """
    return SystemConnector(interval_s, host).run(producer, stop, count).delivered
