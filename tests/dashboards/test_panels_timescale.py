"""Every dashboard and report query on the real TimescaleDB (embedded PostgreSQL 18 + TimescaleDB 2.29).

A migrated TimescaleDB database gets the dashboard sample; every continuous aggregate is refreshed by its
own policy job (``CALL run_job``, what the background scheduler runs) and then over its whole range, and
every query runs through psycopg. The panel queries are expanded both ways: with the data source's
TimescaleDB option on (``$__timeGroup`` -> ``time_bucket``, as provisioned) and off (what a data source
without the option would send). These ran in PGlite (TimescaleDB 2.23 in WASM under Node) before the real
engine could be built here. Skipped when the suite runs on plain PostgreSQL only.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest

from tests.conftest import PgServers
from tests.dashboards.model_sample_data import build_dashboard_sample
from tests.dashboards.panel_queries import check_result, expanded_queries, sample_variables
from tests.sql.timescale_report import refresh_all
from twspulse.dashboards.report.queries import SECTION_QUERIES


@pytest.fixture(scope="module")
def anchor() -> datetime:
    """The sample's newest rows are at this instant."""
    return datetime.now(UTC)


@pytest.fixture(scope="module")
def now(anchor: datetime) -> datetime:
    """When the dashboards are looked at: a little after the sample was loaded (ingested_at is the load time)."""
    return anchor + timedelta(minutes=5)


@pytest.fixture(scope="module")
def timescale_sample_db(pg_servers: PgServers, anchor: datetime) -> Iterator[str]:
    """A migrated TimescaleDB database with the dashboard sample, its aggregates refreshed by their policies."""
    if not pg_servers.enabled("timescaledb"):
        pytest.skip("TWSPULSE_LOCAL_DB_ENGINE=postgresql: the suite runs without TimescaleDB")
    url = pg_servers.create_database("timescaledb")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(build_dashboard_sample(anchor).sql().encode())
        jobs = conn.execute(
            """SELECT j.job_id FROM timescaledb_information.jobs j
                WHERE j.proc_name = 'policy_refresh_continuous_aggregate'
                ORDER BY (SELECT coalesce(mh.parent_mat_hypertable_id, 0)
                            FROM _timescaledb_catalog.continuous_agg mh
                           WHERE mh.user_view_name = j.hypertable_name), j.job_id"""
        ).fetchall()
        for (job_id,) in jobs:
            conn.execute(f"CALL run_job({job_id})")
        refresh_all(conn)
    yield url
    pg_servers.drop_database(url)


@pytest.fixture(scope="module")
def report(timescale_sample_db: str, now: datetime) -> dict[str, Any]:
    """Results of every query (module-scoped: one database, many assertions)."""
    queries = [(f"ts:{q.name}", q.sql) for q in expanded_queries(now, timescaledb=True)]
    queries += [(f"plain:{q.name}", q.sql) for q in expanded_queries(now, timescaledb=False)]
    queries += [
        (f"report:{name}", sql.replace("%(since)s", "INTERVAL '7 days'")) for name, sql in SECTION_QUERIES.items()
    ]
    t0 = time.monotonic()
    out: dict[str, Any] = {"results": []}
    with psycopg.connect(timescale_sample_db) as conn:
        conn.read_only = True
        out["mode"] = "timescaledb" if conn.execute(
            "SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'"
        ).fetchone() else "postgresql"  # fmt: skip
        out["refreshed"] = [
            r[0]
            for r in conn.execute(
                """SELECT view_name FROM timescaledb_information.continuous_aggregates c
                     JOIN timescaledb_information.jobs j
                       ON j.hypertable_name = c.view_name AND j.proc_name = 'policy_refresh_continuous_aggregate'
                     JOIN timescaledb_information.job_stats s ON s.job_id = j.job_id
                    WHERE s.last_run_status = 'Success' AND s.total_successes > 0"""
            )
        ]
        for name, sql in queries:
            try:
                cur = conn.execute(sql.encode())
                rows = cur.fetchall()
                out["results"].append(
                    {"name": name, "columns": [d.name for d in cur.description or []], "rows": len(rows),
                     "data": rows, "error": None}
                )  # fmt: skip
            except psycopg.Error as exc:
                conn.rollback()
                out["results"].append({"name": name, "columns": [], "rows": 0, "data": [], "error": str(exc)})
    print(f"{len(queries)} queries in {time.monotonic() - t0:.1f} s")
    return out


def _results(report: dict[str, Any], prefix: str) -> dict[str, dict[str, Any]]:
    return {r["name"].removeprefix(prefix): r for r in report["results"] if r["name"].startswith(prefix)}


def test_the_engine_is_timescaledb_with_continuous_aggregates(report: dict[str, Any]) -> None:
    assert report["mode"] == "timescaledb"
    assert set(report["refreshed"]) == {"job_runs_hourly", "job_runtime_daily", "host_metrics_1m", "host_metrics_1h"}


@pytest.mark.parametrize("mode", ["ts", "plain"])
def test_every_panel_query_runs_on_timescaledb_and_returns_rows(
    report: dict[str, Any], now: datetime, mode: str
) -> None:
    results = _results(report, f"{mode}:")
    queries = {q.name: q for q in expanded_queries(now, timescaledb=mode == "ts")}
    assert set(results) == set(queries)
    errors = {name: r["error"] for name, r in results.items() if r["error"]}
    assert errors == {}
    problems = {name: check_result(queries[name], r["columns"], [None] * r["rows"]) for name, r in results.items()}
    assert {k: v for k, v in problems.items() if v} == {}


def test_time_group_uses_time_bucket_when_the_option_is_on(now: datetime) -> None:
    grouped = [q for q in expanded_queries(now, timescaledb=True) if q.target and "$__timeGroup" in q.target["rawSql"]]
    assert grouped, "no panel groups by time"
    assert all("time_bucket('" in q.sql and "floor(extract(epoch" not in q.sql for q in grouped)
    plain = [q for q in expanded_queries(now, timescaledb=False) if q.target and "$__timeGroup" in q.target["rawSql"]]
    assert all("time_bucket" not in q.sql for q in plain)


def test_variables_offer_the_values_the_tests_pick(report: dict[str, Any]) -> None:
    results = _results(report, "ts:")
    for uid, variables in sample_variables().items():
        for name in variables:
            assert results[f"{uid}/var:{name}"]["rows"] > 0, f"{uid} ${name} offers nothing"


def test_every_report_query_runs_on_timescaledb(report: dict[str, Any]) -> None:
    results = _results(report, "report:")
    assert set(results) == set(SECTION_QUERIES)
    assert {n: r["error"] for n, r in results.items() if r["error"]} == {}
    assert {n for n, r in results.items() if not r["rows"]} == set()
