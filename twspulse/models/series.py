"""Training series from the database: job runtimes per job definition and host resources per host/metric/device.

Forecasts need a regular grid (a seasonal baseline, a backtest fold and a horizon are counted in points), so
every series is resampled here, once, and the rest of the model code only sees ``ds, y`` frames. Buckets
without data stay absent rather than filled: Prophet fits through gaps, and an invented value would look like
history to the backtest.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd
import psycopg

# host_metrics names as the system connector writes them (twspulse/streams/rows.py), and the series kind each feeds.
RESOURCE_METRICS = {
    "cpu.percent": "host_cpu",
    "memory.percent": "host_memory",
    "disk.used_percent": "host_disk",
}
JOB_RUNTIME = "job_runtime"
HOST_FREQ = "1h"
# A job whose runs are usually at least this far apart is modelled per day, not per hour: an hourly grid of a
# daily job is 23 empty buckets out of 24, and "runtime per day" is what an SRE reads for such a job.
DAILY_JOB_MIN_GAP = timedelta(hours=12)

_SINCE = re.compile(r"^\s*(\d+)\s*([mhdw])\s*$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}

# The job_key the worker's enrichment writes (twspulse/streams/enrichment.job_key), rebuilt for rows written before it.
JOB_KEY_SQL = (
    "coalesce(job_key, workstation || '#' || "
    "CASE WHEN right(folder, 1) = '/' THEN folder ELSE folder || '/' END || job_stream || '.' || job_name)"
)


class InvalidSince(ValueError):
    """A ``--since`` value that is neither a duration (30d, 12h, 2w, 90m) nor an ISO date/time."""


@dataclass(frozen=True)
class Series:
    """One forecastable series: identity, where it comes from, and its regular ``ds, y`` history."""

    key: str  # job_key, or "host/metric[/device]"
    kind: str  # job_runtime, host_cpu, host_memory, host_disk
    subject: str  # job_key or host: what an alert is about
    metric: str  # duration_s, cpu.percent, disk.used_percent:/data, ...
    freq: str  # pandas offset alias of the grid
    frame: pd.DataFrame  # columns ds (naive UTC), y

    @property
    def label(self) -> str:
        """Readable name for summaries: ``disk /data on web01``, ``runtime of WS#/S.J``."""
        if self.kind == JOB_RUNTIME:
            return f"runtime of {self.key}"
        if self.kind == "host_disk":
            return f"disk {self.metric.split(':', 1)[1]} on {self.subject}"
        return f"{self.kind.removeprefix('host_')} on {self.subject}"


def parse_since(value: str | datetime | None, now: datetime | None = None, default_days: int = 30) -> datetime:
    """Start of the training window: a duration back from ``now`` (``30d``) or an absolute ISO date/time."""
    now = now or datetime.now(UTC)
    if value is None:
        return now - timedelta(days=default_days)
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    m = _SINCE.match(value)
    if m:
        return now - timedelta(**{_UNITS[m.group(2)]: int(m.group(1))})
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise InvalidSince(f"--since {value!r}: expected e.g. 30d, 12h, 2w or an ISO date like 2026-11-01") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def regularize(times: Any, values: Any, freq: str) -> pd.DataFrame:
    """Mean per ``freq`` bucket as a ``ds, y`` frame (naive UTC, as Prophet wants), empty buckets dropped."""
    s = pd.Series(pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(dtype=float), index=_naive_utc(times))
    s = s.sort_index().resample(freq).mean().dropna()
    return pd.DataFrame({"ds": s.index, "y": s.to_numpy()})


def _naive_utc(times: Any) -> pd.DatetimeIndex:
    idx = pd.DatetimeIndex(pd.to_datetime(times, utc=True))
    return idx.tz_convert("UTC").tz_localize(None)


def job_runtime_series(conn: psycopg.Connection[Any], since: datetime) -> Iterator[Series]:
    """Runtime (duration_s) of successful final runs per job definition since ``since``, one grid per job.

    Only ``succeeded`` runs count: a failed run's duration says how long it took to fail, not how long the
    job takes, and mixing them would hide the drift we are looking for.
    """
    rows = conn.execute(
        f"SELECT {JOB_KEY_SQL} AS key, time, duration_s FROM job_runs "
        "WHERE category = 'succeeded' AND duration_s IS NOT NULL AND time >= %s ORDER BY 1, 2",
        (since,),
    ).fetchall()
    if not rows:
        return
    df = pd.DataFrame(rows, columns=["key", "time", "y"])
    for key, g in df.groupby("key", sort=True):
        times = _naive_utc(g["time"])
        gaps = times.to_series().diff().dropna()
        freq = "1D" if len(gaps) and gaps.median() >= DAILY_JOB_MIN_GAP else "1h"
        yield Series(
            key=str(key),
            kind=JOB_RUNTIME,
            subject=str(key),
            metric="duration_s",
            freq=freq,
            frame=regularize(g["time"], g["y"], freq),
        )


def host_resource_series(conn: psycopg.Connection[Any], since: datetime) -> Iterator[Series]:
    """CPU, memory and per-mount disk usage (percent) per host since ``since``, hourly.

    Read from the ``host_metrics_1h`` rollup: a continuous aggregate on TimescaleDB (cheap however long the
    window), a view of the raw rows on plain PostgreSQL; both give the sample-weighted hourly mean.
    """
    rows = conn.execute(
        "SELECT host, metric, device, bucket, avg_value FROM host_metrics_1h "
        "WHERE metric = ANY(%s) AND bucket >= %s ORDER BY 1, 2, 3, 4",
        (list(RESOURCE_METRICS), since),
    ).fetchall()
    if not rows:
        return
    df = pd.DataFrame(rows, columns=["host", "metric", "device", "time", "y"])
    for (host, metric, device), g in df.groupby(["host", "metric", "device"], sort=True):
        key = f"{host}/{metric}" + (f"/{device}" if device else "")
        yield Series(
            key=key,
            kind=RESOURCE_METRICS[str(metric)],
            subject=str(host),
            metric=f"{metric}:{device}" if device else str(metric),
            freq=HOST_FREQ,
            frame=regularize(g["time"], g["y"], HOST_FREQ),
        )


def load_series(conn: psycopg.Connection[Any], since: datetime) -> list[Series]:
    """Every training series (jobs first, then hosts), ordered so a training run's progress is reproducible."""
    return [*job_runtime_series(conn, since), *host_resource_series(conn, since)]


def points_per_day(freq: str) -> float:
    """How many grid points one day holds (24 for ``1h``, 1 for ``1D``, 288 for ``5min``)."""
    return timedelta(days=1) / pd.Timedelta(pd.tseries.frequencies.to_offset(freq)).to_pytimedelta()
