"""Topic records -> table rows, with the derived fields the tables carry.

Pure functions, so the mapping is tested without a broker; the pipe declarations
(``twspulse/streams/pipes.py``) name them, and the flows call them between decoding and the sink.
"""

from __future__ import annotations

from typing import Any

from twspulse.events import HostMetrics, JobEvent, JobLogChunk, WorkstationStatus
from twspulse.joblog.first_error import first_error_line
from twspulse.streams.enrichment import Enrichment

JOB_RUN_COLUMNS = (
    "time", "event_id", "job_id", "run_id", "plan_id", "job_name", "job_stream", "workstation", "folder",
    "status", "internal_status", "category", "return_code", "sched_time", "start_time", "end_time",
    "duration_s", "run_attempt", "observed_at",
)  # fmt: skip
ENRICHED_JOB_RUN_COLUMNS = (
    *JOB_RUN_COLUMNS, "job_key", "expected_duration_s", "duration_deviation", "late_start_s", "rerun_number",
    "runtime_above_p95", "failure_streak", "successes_before_failure", "breaks_pattern",
)  # fmt: skip
JOB_LOG_COLUMNS = (
    "time", "run_id", "chunk_index", "chunk_count", "job_id", "job_name", "job_stream", "workstation",
    "return_code", "internal_status", "content", "total_bytes", "truncated", "first_error_line", "fetched_at",
    "folder",
)  # fmt: skip
HOST_METRIC_COLUMNS = ("time", "host", "metric", "device", "value")
WORKSTATION_COLUMNS = (
    "time", "workstation", "plan_id", "linked", "running", "active_states", "job_limit", "fence", "os",
    "version", "node_name",
)  # fmt: skip


def job_run_row(e: JobEvent) -> tuple[Any, ...]:
    """Row of ``job_runs``: adds the run duration when both ends are known."""
    duration = (e.end_time - e.start_time).total_seconds() if e.end_time and e.start_time else None
    return (
        e.status_time, e.event_id, e.job_id, e.run_id, e.plan_id, e.job_name, e.job_stream, e.workstation,
        e.folder, e.status, e.internal_status, e.category.value, e.return_code, e.sched_time, e.start_time,
        e.end_time, duration, e.run_attempt, e.observed_at,
    )  # fmt: skip


def enriched_job_run_row(e: JobEvent, x: Enrichment) -> tuple[Any, ...]:
    """Row of ``job_runs`` with the per-job-definition baseline fields."""
    return (
        *job_run_row(e), x.job_key, x.expected_duration_s, x.duration_deviation, x.late_start_s, x.rerun_number,
        x.runtime_above_p95, x.failure_streak, x.successes_before_failure, x.breaks_pattern,
    )  # fmt: skip


def job_log_row(c: JobLogChunk) -> tuple[Any, ...]:
    """Row of ``job_logs``: adds the first error line of the chunk."""
    content = c.content  # a NUL or a lone surrogate was replaced by the contract (twspulse/events.py)
    return (
        c.end_time or c.fetched_at, c.run_id, c.chunk_index, c.chunk_count, c.job_id, c.job_name,
        c.job_stream, c.workstation, c.return_code, c.internal_status, content, c.total_bytes, c.truncated,
        first_error_line(content), c.fetched_at, c.folder,
    )  # fmt: skip


def host_metric_rows(m: HostMetrics) -> list[tuple[Any, ...]]:
    """Rows of ``host_metrics``: one per metric (and per mount point for disks)."""
    rows: list[tuple[Any, ...]] = [
        (m.time, m.host, "cpu.percent", "", m.cpu_percent),
        (m.time, m.host, "load.1m", "", m.load_1m),
        (m.time, m.host, "memory.percent", "", m.memory_percent),
        (m.time, m.host, "memory.used_bytes", "", float(m.memory_used_bytes)),
        (m.time, m.host, "swap.percent", "", m.swap_percent),
        (m.time, m.host, "net.bytes_sent", "", float(m.net_bytes_sent)),
        (m.time, m.host, "net.bytes_recv", "", float(m.net_bytes_recv)),
    ]
    for d in m.disks:
        rows.append((m.time, m.host, "disk.used_percent", d.mount, d.used_percent))
        rows.append((m.time, m.host, "disk.used_bytes", d.mount, float(d.used_bytes)))
    return rows


def workstation_row(w: WorkstationStatus) -> tuple[Any, ...]:
    """Row of ``workstation_status``."""
    return (
        w.observed_at, w.workstation, w.plan_id, w.linked, w.running, list(w.active_states), w.limit, w.fence,
        w.os, w.version, w.node_name,
    )  # fmt: skip
