"""The system connector: psutil samples of this host -> topic ``host.metrics`` (key: host)."""

from __future__ import annotations

import socket
import threading
from datetime import UTC, datetime

import psutil
import structlog

from connectors.producer import DeliveryError, EventProducer
from twspulse.events import DiskUsage, HostMetrics
from twspulse.topics import HOST_METRICS

log = structlog.get_logger(__name__)

# Pseudo and read-only image file systems say nothing about capacity.
_SKIP_FSTYPES = {"squashfs", "tmpfs", "devtmpfs", "overlay", "proc", "sysfs", "cgroup", "cgroup2", "nsfs"}


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


def run(
    producer: EventProducer, interval_s: float, stop: threading.Event, host: str | None = None, count: int | None = None
) -> int:
    """Sample every ``interval_s`` until ``stop`` (or ``count`` samples); returns the samples sent."""
    host = host or socket.gethostname()
    psutil.cpu_percent(interval=None)  # the first call only primes the counter
    sent = 0
    while not stop.is_set():
        metrics = sample(host)
        producer.send(HOST_METRICS.name, host, metrics)
        try:
            producer.flush(30)
            sent += 1
            log.info("system.sample", host=host, cpu=metrics.cpu_percent, disks=len(metrics.disks))
        except DeliveryError as exc:
            # A lost sample is reported, not fatal: the next one follows in interval_s.
            log.error("system.sample.undelivered", host=host, error=str(exc))
        if count is not None and sent >= count:
            break
        stop.wait(interval_s)
    return sent
