"""What the database holds, for ``twspulse db status``: engine mode, versions, migrations, tables, rollups, policies.

Reads catalog views and row counts only, so it is safe against production at any time. The same function
reports both engines: TimescaleDB (hypertables, continuous aggregates, policy jobs and their last runs) and
plain PostgreSQL (plain tables, ordinary views, and the retention the model jobs enforce instead of policies).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import psycopg
from psycopg import sql

# The catalog queries, kept as data so the TimescaleDB conformance test (tests/sql) can run them in its
# engine too: psycopg cannot reach that in-process engine, so this is how they are proven there.
COMMON_QUERIES: dict[str, str] = {
    "server_version": "SHOW server_version",
    "extension_version": "SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'",
    "migrations": "SELECT version, name, applied_at FROM schema_migrations ORDER BY version",
    "tables": (
        "SELECT c.relname FROM pg_class c "
        "WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p') ORDER BY 1"
    ),
    "views": (
        "SELECT c.relname, CASE c.relkind WHEN 'm' THEN 'materialized view' ELSE 'view' END FROM pg_class c "
        "WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('v', 'm') ORDER BY 1"
    ),
    "retention": (
        "SELECT relation, time_column, drop_after::text, enforced_by FROM retention_settings ORDER BY relation"
    ),
}
TIMESCALE_QUERIES: dict[str, str] = {
    "hypertables": """
        SELECT h.hypertable_name, h.compression_enabled, d.time_interval::text,
               count(c.chunk_name), count(c.chunk_name) FILTER (WHERE c.is_compressed)
          FROM timescaledb_information.hypertables h
          LEFT JOIN timescaledb_information.dimensions d
            ON d.hypertable_schema = h.hypertable_schema AND d.hypertable_name = h.hypertable_name
           AND d.dimension_number = 1
          LEFT JOIN timescaledb_information.chunks c
            ON c.hypertable_schema = h.hypertable_schema AND c.hypertable_name = h.hypertable_name
         WHERE h.hypertable_schema = current_schema()
         GROUP BY 1, 2, 3
         ORDER BY 1""",
    "continuous_aggregates": """
        SELECT view_name, materialized_only, compression_enabled
          FROM timescaledb_information.continuous_aggregates
         WHERE view_schema = current_schema()
         ORDER BY 1""",
    "jobs": """
        SELECT j.job_id, j.proc_name, j.hypertable_name, j.schedule_interval::text, j.config::text,
               s.last_run_status,
               -- -infinity while a job waits to be started (or runs): no date Python can hold, so "none"
               CASE WHEN isfinite(s.next_start) THEN s.next_start END,
               coalesce(s.total_failures, 0)
          FROM timescaledb_information.jobs j
          LEFT JOIN timescaledb_information.job_stats s USING (job_id)
         ORDER BY j.job_id""",
}

_POLICY_KINDS = {
    "policy_compression": "compression",
    "policy_retention": "retention",
    "policy_refresh_continuous_aggregate": "refresh",
    "policy_reorder": "reorder",
    "policy_job_stat_history_retention": "job history cleanup",
}


@dataclass(frozen=True)
class AppliedMigration:
    """One row of ``schema_migrations``."""

    version: int
    name: str
    applied_at: datetime


@dataclass(frozen=True)
class TableStatus:
    """A table of the application schema; chunk fields are None for a plain table."""

    name: str
    kind: str  # 'hypertable' or 'table'
    rows: int
    rows_exact: bool = True
    chunk_interval: str | None = None
    chunks: int | None = None
    compressed_chunks: int | None = None
    compression_enabled: bool = False


@dataclass(frozen=True)
class RollupStatus:
    """A rollup: a continuous aggregate on TimescaleDB, a view (or materialized view) elsewhere."""

    name: str
    kind: str  # 'continuous aggregate', 'view' or 'materialized view'
    materialized_only: bool | None = None
    compression_enabled: bool = False


@dataclass(frozen=True)
class PolicyStatus:
    """A scheduled TimescaleDB job, or (plain PostgreSQL) a retention the model jobs enforce."""

    kind: str  # 'compression', 'retention', 'refresh', ... ; a user-defined job keeps its procedure name
    relation: str | None
    settings: str
    job_id: int | None = None  # None: not a TimescaleDB job
    schedule: str | None = None
    last_run_status: str | None = None
    next_start: datetime | None = None
    total_failures: int = 0


@dataclass
class DbStatus:
    """Everything ``twspulse db status`` shows."""

    mode: str  # 'timescaledb' or 'postgresql'
    server_version: str
    extension_version: str | None
    migrations: list[AppliedMigration] = field(default_factory=list)
    tables: list[TableStatus] = field(default_factory=list)
    rollups: list[RollupStatus] = field(default_factory=list)
    policies: list[PolicyStatus] = field(default_factory=list)

    def table(self, name: str) -> TableStatus:
        """The status of one table; KeyError names it when it is missing."""
        for t in self.tables:
            if t.name == name:
                return t
        raise KeyError(f"no table {name!r} in the database status")

    def render(self) -> str:
        """Plain text for a terminal."""
        engine = (
            f"TimescaleDB {self.extension_version} on PostgreSQL {self.server_version}"
            if self.mode == "timescaledb"
            else f"PostgreSQL {self.server_version}, no TimescaleDB: plain tables and views"
        )
        lines = [f"== TWS Pulse database (mode: {self.mode}) ==", f"engine: {engine}"]
        if self.migrations:
            newest = self.migrations[-1]
            lines.append(
                f"migrations: {len(self.migrations)} applied, latest {newest.name} "
                f"at {newest.applied_at:%Y-%m-%d %H:%M:%S %Z}"
            )
        else:
            lines.append("migrations: none applied (run `twspulse db migrate`)")
        lines.append("tables:")
        for t in self.tables:
            rows = f"{t.rows:>12,}" + ("" if t.rows_exact else "~")
            chunks = (
                f"  {t.chunks} chunks of {t.chunk_interval}, {t.compressed_chunks} compressed"
                if t.kind == "hypertable"
                else ""
            )
            lines.append(f"  {t.name:<22} {t.kind:<10} {rows} rows{chunks}")
        lines.append("rollups:")
        for r in self.rollups:
            extra = ""
            if r.kind == "continuous aggregate":
                extra = " (materialized only)" if r.materialized_only else " (real-time)"
                extra += ", compressed" if r.compression_enabled else ""
            lines.append(f"  {r.name:<22} {r.kind}{extra}")
        if not self.rollups:
            lines.append("  none")
        lines.append("policies:" if self.mode == "timescaledb" else "policies: none scheduled; model jobs enforce:")
        for p in self.policies:
            if p.job_id is None:
                lines.append(f"  {p.kind:<19} {p.relation or '-':<22} {p.settings}")
                continue
            last = p.last_run_status or "never run"
            nxt = f", next {p.next_start:%Y-%m-%d %H:%M %Z}" if p.next_start else ""
            fails = f", {p.total_failures} failures" if p.total_failures else ""
            lines.append(
                f"  #{p.job_id:<5} {p.kind:<19} {p.relation or '-':<22} every {p.schedule}  {p.settings}"
                f"  [{last}{fails}{nxt}]"
            )
        if not self.policies:
            lines.append("  none")
        return "\n".join(lines)


Catalog = dict[str, list[tuple[Any, ...]]]


def db_status(url: str, *, exact_counts: bool = True) -> DbStatus:
    """Read the status of the database at ``url``.

    ``exact_counts=False`` takes row counts from the planner's statistics instead of ``count(*)`` (instant
    on large tables, approximate, and 0 for a table never analysed).
    """
    with psycopg.connect(url) as conn:
        catalog = read_catalog(conn)
        hypertables = {r[0] for r in catalog.get("hypertables", [])}
        counts = {name: _row_count(conn, name, exact_counts, name in hypertables) for (name,) in catalog["tables"]}
    return status_from_catalog(catalog, counts, exact_counts)


def read_catalog(conn: psycopg.Connection[Any]) -> Catalog:
    """The rows of every catalog query that applies to this database, by query name."""
    mode_queries = TIMESCALE_QUERIES if _scalar(conn, COMMON_QUERIES["extension_version"]) else {}
    catalog: Catalog = {}
    for name, query in {**COMMON_QUERIES, **mode_queries}.items():
        table = {"migrations": "schema_migrations", "retention": "retention_settings"}.get(name)
        if table is None or _exists(conn, table):  # an unmigrated database has neither
            catalog[name] = list(conn.execute(query).fetchall())
    return catalog


def status_from_catalog(catalog: Catalog, counts: dict[str, int], exact_counts: bool = True) -> DbStatus:
    """Build the status from the rows of the catalog queries (``read_catalog``) and the tables' row counts."""
    ext = catalog["extension_version"][0][0] if catalog["extension_version"] else None
    status = DbStatus(
        mode="timescaledb" if ext else "postgresql",
        server_version=str(catalog["server_version"][0][0]),
        extension_version=str(ext) if ext else None,
    )
    status.migrations = [AppliedMigration(v, n, at) for v, n, at in catalog.get("migrations", [])]
    hyper = {r[0]: r for r in catalog.get("hypertables", [])}
    caggs = {r[0]: r for r in catalog.get("continuous_aggregates", [])}
    for (name,) in catalog["tables"]:
        rows = counts.get(name, 0)
        if name in hyper:
            _, compression, interval, chunks, compressed = hyper[name]
            status.tables.append(
                TableStatus(name, "hypertable", rows, exact_counts, interval, chunks, compressed, compression)
            )
        else:
            status.tables.append(TableStatus(name, "table", rows, exact_counts))
    status.rollups = [
        RollupStatus(name, "continuous aggregate", materialized_only, compression)
        for name, materialized_only, compression in caggs.values()
    ]
    status.rollups += [RollupStatus(name, kind) for name, kind in catalog["views"] if name not in caggs]
    status.rollups.sort(key=lambda r: r.name)
    if status.mode == "timescaledb":
        status.policies = [
            PolicyStatus(
                kind=_POLICY_KINDS.get(proc) or str(proc),
                relation=relation,
                settings=_settings_text(config),
                job_id=job_id,
                schedule=schedule,
                last_run_status=last,
                next_start=nxt,
                total_failures=int(fails),
            )
            for job_id, proc, relation, schedule, config, last, nxt, fails in catalog["jobs"]
        ]
    else:
        status.policies = [
            PolicyStatus("retention", relation, f"drop rows with {column} older than {drop_after}")
            for relation, column, drop_after, _ in catalog.get("retention", [])
        ]
    return status


def _scalar(conn: psycopg.Connection[Any], query: str | sql.Composed, params: tuple[Any, ...] = ()) -> Any:
    row = conn.execute(query, params).fetchone()
    return row[0] if row else None


def _exists(conn: psycopg.Connection[Any], relation: str) -> bool:
    return _scalar(conn, "SELECT to_regclass(%s) IS NOT NULL", (relation,)) is True


def _row_count(conn: psycopg.Connection[Any], table: str, exact: bool, hypertable: bool) -> int:
    if exact:
        n = _scalar(conn, sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
    elif hypertable:  # a hypertable's own pg_class row holds no statistics: its chunks do
        n = _scalar(conn, "SELECT approximate_row_count(%s::regclass)", (table,))
    else:
        n = _scalar(conn, "SELECT greatest(reltuples, 0)::bigint FROM pg_class WHERE oid = %s::regclass", (table,))
    return int(n or 0)


def _settings_text(config: str | None) -> str:
    """A job's JSON config as 'key=value' pairs, without the internal hypertable id."""
    if not config:
        return ""
    items = json.loads(config)
    return " ".join(f"{k}={v}" for k, v in sorted(items.items()) if k not in {"hypertable_id", "mat_hypertable_id"})
