"""The end-of-run summary read back from the database and the broker (``twspulse summary``, demo)."""

from __future__ import annotations

from dataclasses import dataclass, field

import psycopg
from confluent_kafka import Consumer, TopicPartition

from twspulse.topics import ALL_TOPICS


@dataclass
class Summary:
    """Counts that prove data flowed end to end."""

    runs_by_status: dict[str, int] = field(default_factory=dict)
    job_runs_rows: int = 0
    job_logs_rows: int = 0
    host_metrics_rows: int = 0
    workstation_status_rows: int = 0
    failures: list[tuple[str, str, int | None, str | None]] = field(default_factory=list)
    topic_offsets: dict[str, int] = field(default_factory=dict)
    database_mode: str = "postgresql"

    @property
    def data_flowed(self) -> bool:
        """All three tables received rows."""
        return self.job_runs_rows > 0 and self.job_logs_rows > 0 and self.host_metrics_rows > 0

    def render(self) -> str:
        """Plain text for a terminal."""
        lines = [f"== TWS Pulse summary (database: {self.database_mode}) =="]
        lines.append(
            f"rows: job_runs={self.job_runs_rows} job_logs={self.job_logs_rows} "
            f"host_metrics={self.host_metrics_rows} workstation_status={self.workstation_status_rows}"
        )
        lines.append(
            "job instances by latest status: " + ", ".join(f"{k}={v}" for k, v in sorted(self.runs_by_status.items()))
            or "-"
        )
        lines.append(f"failures ({len(self.failures)}):")
        for job, status, rc, err in self.failures[:20]:
            lines.append(f"  {job:<40} {status:<6} rc={rc!s:<4} {err or '(no error line found)'}")
        lines.append("topic offsets: " + ", ".join(f"{t}={n}" for t, n in self.topic_offsets.items()))
        return "\n".join(lines)


def read_summary(database_url: str, bootstrap: str | None) -> Summary:
    """Query the tables (and the topics' end offsets when a broker is given)."""
    s = Summary()
    with psycopg.connect(database_url) as conn:
        if conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'").fetchone():
            s.database_mode = "timescaledb"
        for table in ("job_runs", "job_logs", "host_metrics", "workstation_status"):
            (n,) = conn.execute(f"SELECT count(*) FROM {table}").fetchone() or (0,)
            setattr(s, f"{table}_rows", n)
        s.runs_by_status = dict(
            conn.execute(
                """SELECT internal_status, count(*) FROM (
                       SELECT DISTINCT ON (job_id) job_id, internal_status FROM job_runs
                       ORDER BY job_id, time DESC, observed_at DESC) latest
                   GROUP BY internal_status"""
            ).fetchall()
        )
        s.failures = [
            (r[0], r[1], r[2], r[3])
            for r in conn.execute(
                """SELECT r.job_stream || '.' || r.job_name, r.internal_status, r.return_code,
                          (SELECT l.first_error_line FROM job_logs l
                            WHERE l.run_id = r.run_id AND l.first_error_line IS NOT NULL
                            ORDER BY l.chunk_index LIMIT 1)
                     FROM job_runs r WHERE r.category = 'failed' ORDER BY r.time"""
            ).fetchall()
        ]
    if bootstrap:
        s.topic_offsets = topic_end_offsets(bootstrap)
    return s


def topic_end_offsets(bootstrap: str) -> dict[str, int]:
    """Sum of end offsets per topic (records ever written, transaction markers included)."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "twspulse-summary"})
    out: dict[str, int] = {}
    try:
        meta = consumer.list_topics(timeout=10)
        for spec in ALL_TOPICS:
            t = meta.topics.get(spec.name)
            if t is None:
                continue
            total = 0
            for p in t.partitions:
                _, high = consumer.get_watermark_offsets(TopicPartition(spec.name, p), timeout=10)
                total += high
            out[spec.name] = total
    finally:
        consumer.close()
    return out
