"""Every dashboard and report query on TimescaleDB: PGlite (PostgreSQL 17.5 + TimescaleDB 2.23, WASM) under Node.

tests/dashboards/pglite_panels.mjs applies the migrations, loads the dashboard sample, refreshes the
continuous aggregates and runs the queries; the assertions live here. The panel queries are expanded both
ways: with the data source's TimescaleDB option on (``$__timeGroup`` -> ``time_bucket``, as provisioned) and
off (what a data source without the option would send). Skipped only when node or npm is missing; the
PGlite package is the one tests/sql/pglite installs (``npm ci`` there when it is missing or stale).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from dashboards.report.queries import SECTION_QUERIES
from tests.dashboards.model_sample_data import build_dashboard_sample
from tests.dashboards.panel_queries import check_result, expanded_queries, sample_variables
from tests.sql.pglite_engine import PGLITE_DIR, migrations_plan, run_pglite

HERE = Path(__file__).parent
RUN_TIMEOUT_S = 300


@pytest.fixture(scope="module")
def anchor() -> datetime:
    """The sample's newest rows are at this instant."""
    return datetime.now(UTC)


@pytest.fixture(scope="module")
def now(anchor: datetime) -> datetime:
    """When the dashboards are looked at: a little after the sample was loaded (ingested_at is the load time)."""
    return anchor + timedelta(minutes=5)


@pytest.fixture(scope="module")
def report(anchor: datetime, now: datetime, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Results of one PGlite run with every query (module-scoped: the run takes ~20 s)."""
    queries = [{"name": f"ts:{q.name}", "sql": q.sql} for q in expanded_queries(now, timescaledb=True)]
    queries += [{"name": f"plain:{q.name}", "sql": q.sql} for q in expanded_queries(now, timescaledb=False)]
    queries += [
        {"name": f"report:{name}", "sql": sql.replace("%(since)s", "INTERVAL '7 days'")}
        for name, sql in SECTION_QUERIES.items()
    ]
    plan = {
        "pglite_dir": str(PGLITE_DIR),
        "migrations": migrations_plan(),
        "sample_sql": build_dashboard_sample(anchor).sql(),
        "queries": queries,
    }
    t0 = time.monotonic()
    result = run_pglite(
        HERE / "pglite_panels.mjs", plan, tmp_path_factory.mktemp("dashboards-pglite"), RUN_TIMEOUT_S,
        require_exit_zero=False,
    )  # fmt: skip
    print(f"PGlite run {time.monotonic() - t0:.1f} s, timings (ms): {result['timings_ms']}")
    return result


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
