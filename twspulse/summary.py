"""The end-of-run summary read back from the database and the broker (``twspulse summary``, demo)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import psycopg
from confluent_kafka import Consumer, TopicPartition

from twspulse.kafka_clients import PLAINTEXT, KafkaSecurity, librdkafka_config
from twspulse.topics import ALL_TOPICS


@dataclass(frozen=True)
class Failure:
    """A failed run with the first error line of its joblog and, once annotated, its root cause."""

    job: str
    status: str
    return_code: int | None
    error_line: str | None
    root_cause: str | None = None
    category: str | None = None
    engine: str | None = None


@dataclass
class Summary:
    """Counts that prove data flowed end to end, and what the models and the annotator made of it."""

    runs_by_status: dict[str, int] = field(default_factory=dict)
    job_runs_rows: int = 0
    job_logs_rows: int = 0
    host_metrics_rows: int = 0
    workstation_status_rows: int = 0
    failures: list[Failure] = field(default_factory=list)
    topic_offsets: dict[str, int] = field(default_factory=dict)
    database_mode: str = "postgresql"
    forecasts_trained: int = 0
    forecasts_skipped: int = 0
    crossings: list[tuple[str, datetime | None, datetime | None, datetime | None]] = field(default_factory=list)
    anomalies_flagged: dict[str, int] = field(default_factory=dict)
    alerts_by_kind: dict[str, int] = field(default_factory=dict)
    annotations_by_engine: dict[str, int] = field(default_factory=dict)

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
        lines.append("job instances by latest status: " + (_counts(self.runs_by_status) or "-"))
        lines.append(f"failures ({len(self.failures)}):")
        for f in self.failures[:20]:
            error = f.error_line or "(no error line found)"
            lines.append(f"  {f.job:<40} {f.status:<6} rc={f.return_code!s:<4} {error}")
            if f.root_cause:
                lines.append(f"  {'':<40} -> [{f.category}, {f.engine}] {f.root_cause}")
        lines.append(f"forecasts: {self.forecasts_trained} series trained, {self.forecasts_skipped} skipped")
        for key, at, early, late in self.crossings[:5]:
            window = f" (80% interval {early:%Y-%m-%d}..{late:%Y-%m-%d})" if early and late else ""
            lines.append(f"  {key} crosses its threshold on {at:%Y-%m-%d}{window}" if at else f"  {key}: {window}")
        lines.append("anomalies flagged: " + (_counts(self.anomalies_flagged) or "none"))
        lines.append("alerts (distinct): " + (_counts(self.alerts_by_kind) or "none"))
        lines.append("annotations by engine: " + (_counts(self.annotations_by_engine) or "none"))
        lines.append("topic offsets: " + ", ".join(f"{t}={n}" for t, n in self.topic_offsets.items()))
        return "\n".join(lines)


def _counts(values: dict[str, int]) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(values.items()))


def read_summary(
    database_url: str,
    bootstrap: str | None,
    live_since: datetime | None = None,
    security: KafkaSecurity = PLAINTEXT,
) -> Summary:
    """Query the tables (and the topics' end offsets when a broker is given).

    ``live_since`` limits the failures listed to runs that ended after it (the demo's live day, not its
    three weeks of history).
    """
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
            Failure(*row)
            for row in conn.execute(
                """SELECT r.job_stream || '.' || r.job_name, r.internal_status, r.return_code,
                          coalesce(a.error_line, (SELECT l.first_error_line FROM job_logs l
                            WHERE l.run_id = r.run_id AND l.first_error_line IS NOT NULL
                            ORDER BY l.chunk_index LIMIT 1)),
                          a.root_cause, a.category, a.engine
                     FROM job_runs r LEFT JOIN job_annotations a ON a.run_id = r.run_id
                    WHERE r.category = 'failed' AND r.time >= coalesce(%s, '-infinity'::timestamptz)
                    ORDER BY r.time""",
                (live_since,),
            ).fetchall()
        ]
        trained = conn.execute(
            """SELECT count(*) FILTER (WHERE status = 'trained'), count(*) FILTER (WHERE status = 'skipped')
                 FROM (SELECT DISTINCT ON (series_key) status FROM forecast_models
                       ORDER BY series_key, trained_at DESC) latest"""
        ).fetchone()
        s.forecasts_trained, s.forecasts_skipped = trained or (0, 0)
        s.crossings = [
            (r[0], r[1], r[2], r[3])
            for r in conn.execute(
                """SELECT series_key, crossing_at, crossing_lower, crossing_upper FROM (
                       SELECT DISTINCT ON (series_key) * FROM forecast_models ORDER BY series_key, trained_at DESC
                   ) latest WHERE crossing_at IS NOT NULL ORDER BY crossing_at"""
            ).fetchall()
        ]
        s.anomalies_flagged = dict(
            conn.execute("SELECT subject_kind, count(*) FROM anomalies WHERE is_anomaly GROUP BY 1").fetchall()
        )
        s.alerts_by_kind = dict(conn.execute("SELECT kind, count(DISTINCT alert_id) FROM alerts GROUP BY 1").fetchall())
        s.annotations_by_engine = dict(
            conn.execute("SELECT engine, count(*) FROM job_annotations GROUP BY 1").fetchall()
        )
    if bootstrap:
        s.topic_offsets = topic_end_offsets(bootstrap, security)
    return s


def topic_end_offsets(bootstrap: str, security: KafkaSecurity = PLAINTEXT) -> dict[str, int]:
    """Sum of end offsets per topic (records ever written, transaction markers included)."""
    consumer = Consumer(librdkafka_config(bootstrap, "twspulse-summary", security, **{"group.id": "twspulse-summary"}))
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
