"""One pass over the schema on the real TimescaleDB, reported as data for many small assertions.

Replaces the PGlite (WASM) conformance script: the same steps, now on the embedded PostgreSQL 18 with
TimescaleDB 2.29 built from source, through psycopg like the application. Steps: the runner's migrations
(already applied to the database handed in), the sample rows, every continuous aggregate refreshed (lower
levels first), every policy job run with ``CALL run_job`` (compression and retention on old chunks; the
background scheduler's own runs are tested in test_timescale_jobs.py), every migration re-applied over
compressed chunks, then every analyst query. The report keeps the shape the Node script printed.
"""

from __future__ import annotations

import time
from typing import Any

import psycopg
from psycopg.rows import dict_row

from twspulse import db

# The rollups must agree with the raw rows they summarise (checked after refresh, before retention runs).
# Whole tables: windows cut at "now() - x" would not align with the buckets.
CONSISTENCY = {
    "job_runs_hourly_vs_raw": """
        SELECT (SELECT sum(runs) FROM job_runs_hourly)::float8 AS rollup,
               (SELECT count(*) FROM job_runs)::float8 AS raw""",
    "host_metrics_1h_vs_raw": """
        SELECT (SELECT sum(samples) FROM host_metrics_1h)::float8 AS rollup,
               (SELECT count(*) FROM host_metrics)::float8 AS raw""",
    "host_metrics_1h_avg_vs_raw": """
        SELECT (SELECT sum(avg_value * samples) / sum(samples) FROM host_metrics_1h
                 WHERE metric = 'cpu.percent') AS rollup,
               (SELECT avg(value) FROM host_metrics WHERE metric = 'cpu.percent') AS raw""",
    "job_runtime_daily_p95_vs_raw": """
        SELECT (SELECT sum(p95_duration_s) FROM job_runtime_daily) AS rollup,
               (SELECT sum(p95) FROM (
                  SELECT percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_s) AS p95
                    FROM job_runs
                   WHERE category = 'succeeded' AND duration_s IS NOT NULL
                   GROUP BY date_trunc('day', time, 'UTC'), job_stream, job_name) d) AS raw""",
}

LOADED_TABLES = ("job_runs", "job_logs", "job_log_lines", "job_run_patterns", "job_error_patterns",
                 "pattern_miner_state", "host_metrics", "workstation_status")  # fmt: skip

# Continuous aggregates, lower levels first (host_metrics_1h is built on host_metrics_1m).
CAGGS_BY_LEVEL = """
    SELECT c.view_name
      FROM timescaledb_information.continuous_aggregates c
      JOIN _timescaledb_catalog.continuous_agg mh ON mh.user_view_name = c.view_name
     WHERE c.view_schema = current_schema()
     ORDER BY coalesce(mh.parent_mat_hypertable_id, 0), c.view_name"""


def _rows(conn: psycopg.Connection[Any], query: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(query.encode() if not params else query, params or None).fetchall()


def _scalar(conn: psycopg.Connection[Any], query: str, params: tuple[Any, ...] = ()) -> Any:
    row = conn.execute(query, params or None).fetchone()
    return row[0] if row else None


def retention_counts(conn: psycopg.Connection[Any]) -> dict[str, dict[str, Any]]:
    """Rows older than the retention period and in total, per hypertable with a retention setting."""
    out = {}
    for r in _rows(conn, "SELECT relation, time_column, drop_after::text AS drop_after FROM retention_settings"):
        if not _scalar(conn, "SELECT count(*) FROM timescaledb_information.hypertables WHERE hypertable_name = %s",
                       (r["relation"],)):  # fmt: skip
            continue  # continuous aggregates: counted in caggs
        (c,) = _rows(
            conn,
            f"SELECT count(*) FILTER (WHERE {r['time_column']} < now() - %s::interval) AS expired, count(*) AS total "
            f"FROM {r['relation']}",
            (r["drop_after"],),
        )
        out[r["relation"]] = {"drop_after": r["drop_after"], "expired": c["expired"], "total": c["total"]}
    return out


def chunk_counts(conn: psycopg.Connection[Any]) -> dict[str, dict[str, int]]:
    """Chunks and compressed chunks per hypertable."""
    return {
        r["hypertable_name"]: {"chunks": r["chunks"], "compressed": r["compressed"]}
        for r in _rows(
            conn,
            """SELECT hypertable_name, count(*) AS chunks, count(*) FILTER (WHERE is_compressed) AS compressed
                 FROM timescaledb_information.chunks GROUP BY hypertable_name""",
        )
    }


def cagg_state(conn: psycopg.Connection[Any]) -> list[dict[str, Any]]:
    """Each continuous aggregate: flags, rows read through it, rows materialized."""
    out = []
    for c in _rows(
        conn,
        """SELECT view_name, materialized_only, compression_enabled,
                  materialization_hypertable_schema AS ms, materialization_hypertable_name AS mn
             FROM timescaledb_information.continuous_aggregates ORDER BY view_name""",
    ):
        out.append(
            {
                "name": c["view_name"],
                "materialized_only": c["materialized_only"],
                "compression_enabled": c["compression_enabled"],
                "rows": _scalar(conn, f"SELECT count(*) FROM {c['view_name']}"),
                "materialized_rows": _scalar(conn, f'SELECT count(*) FROM "{c["ms"]}"."{c["mn"]}"'),
            }
        )
    return out


def refresh_all(conn: psycopg.Connection[Any]) -> list[dict[str, Any]]:
    """Refresh every continuous aggregate over its whole range, lower levels first (autocommit connection)."""
    out = []
    for (name,) in conn.execute(CAGGS_BY_LEVEL).fetchall():
        t0 = time.monotonic()
        error = None
        try:
            conn.execute(f"CALL refresh_continuous_aggregate('{name}', NULL, NULL)")
        except psycopg.Error as exc:
            error = str(exc)
        out.append({"name": name, "ms": (time.monotonic() - t0) * 1000, "error": error})
    return out


def build_report(url: str, sample_sql: str, queries: list[tuple[str, str]]) -> dict[str, Any]:
    """Run the steps on the migrated database at ``url`` and return what each one found."""
    report: dict[str, Any] = {"timings_ms": {}}
    with psycopg.connect(url, autocommit=True) as conn:
        report["server_version"] = _scalar(conn, "SHOW server_version")
        report["migrations"] = [
            {"name": r["name"], "error": None}
            for r in _rows(conn, "SELECT name FROM schema_migrations ORDER BY version")
        ]
        report["extensions"] = _rows(conn, "SELECT extname, extversion FROM pg_extension ORDER BY extname")
        report["mode"] = db.engine_mode(url)
        report["hypertables"] = _rows(
            conn,
            """SELECT h.hypertable_name AS name, h.compression_enabled, d.time_interval::text AS chunk_interval
                 FROM timescaledb_information.hypertables h
                 JOIN timescaledb_information.dimensions d USING (hypertable_schema, hypertable_name)
                ORDER BY 1""",
        )
        report["indexes"] = [
            r["indexname"] for r in _rows(conn, "SELECT indexname FROM pg_indexes WHERE schemaname = 'public'")
        ]
        report["retention_settings"] = _rows(
            conn, "SELECT relation, drop_after::text AS drop_after, enforced_by FROM retention_settings ORDER BY 1"
        )

        t0 = time.monotonic()
        conn.execute(sample_sql.encode())
        report["timings_ms"]["load_sample"] = (time.monotonic() - t0) * 1000
        report["table_rows_loaded"] = {t: _scalar(conn, f"SELECT count(*) FROM {t}") for t in LOADED_TABLES}
        report["caggs_before_refresh"] = cagg_state(conn)

        t0 = time.monotonic()
        report["refresh"] = refresh_all(conn)
        report["timings_ms"]["refresh_caggs"] = (time.monotonic() - t0) * 1000
        report["caggs"] = cagg_state(conn)
        report["consistency"] = {}
        for name, query in CONSISTENCY.items():
            try:
                (r,) = _rows(conn, query)
                report["consistency"][name] = {"rollup": r["rollup"], "raw": r["raw"]}
            except psycopg.Error as exc:
                report["consistency"][name] = {"error": str(exc)}

        report["retention_before_jobs"] = retention_counts(conn)
        report["chunks_before_jobs"] = chunk_counts(conn)
        report["jobs"] = []
        t0 = time.monotonic()
        jobs = _rows(
            conn,
            """SELECT job_id, proc_name, hypertable_name, config::text AS config
                 FROM timescaledb_information.jobs WHERE job_id >= 1000 ORDER BY job_id""",
        )
        # the server's own scheduler must not run a job while this runs it (a compression job running twice at
        # once compresses nothing the second time): each job is run here only, once
        for j in jobs:
            conn.execute("SELECT alter_job(%s, scheduled => false)", (j["job_id"],))
        deadline = time.monotonic() + 60  # and one the scheduler had started already ends first
        while time.monotonic() < deadline and _scalar(
            conn, "SELECT count(*) FROM timescaledb_information.job_stats WHERE job_status = 'Running'"
        ):
            time.sleep(0.2)
        for j in jobs:
            t1 = time.monotonic()
            error = None
            try:
                conn.execute(f"CALL run_job({j['job_id']})")  # top level: refresh policies refuse a transaction
            except psycopg.Error as exc:
                error = str(exc)
            report["jobs"].append({**j, "ms": (time.monotonic() - t1) * 1000, "error": error})
        report["timings_ms"]["run_jobs"] = (time.monotonic() - t0) * 1000
        report["retention_after_jobs"] = retention_counts(conn)
        report["chunks_after_jobs"] = chunk_counts(conn)
        report["caggs_after_jobs"] = cagg_state(conn)

        report["reapply"] = []
        for mig in db.load_migrations():
            try:
                with conn.transaction():
                    conn.execute(mig.sql.encode())
                report["reapply"].append({"name": mig.name, "error": None})
            except psycopg.Error as exc:
                report["reapply"].append({"name": mig.name, "error": str(exc)})
        report["jobs_after_reapply"] = _scalar(
            conn, "SELECT count(*) FROM timescaledb_information.jobs WHERE job_id >= 1000"
        )

        report["queries"] = []
        t0 = time.monotonic()
        for name, query in queries:
            try:
                data = _rows(conn, query)
                report["queries"].append({"name": name, "rows": len(data), "data": data, "error": None})
            except psycopg.Error as exc:
                report["queries"].append({"name": name, "rows": 0, "data": [], "error": str(exc)})
        report["timings_ms"]["analyst_queries"] = (time.monotonic() - t0) * 1000
    return report
