"""Every dashboard query, expanded as Grafana's PostgreSQL data source would, on both engines.

Plain PostgreSQL has no time_bucket: the queries are expanded with the data source's TimescaleDB option
off (``$__timeGroup`` -> ``floor(extract(epoch ...))``), as a Grafana pointed at a plain PostgreSQL would
send them, and run on each engine (``sample_db`` is parametrized): the rollups are ordinary views on plain
PostgreSQL (twspulse/sql/010) and real-time continuous aggregates on TimescaleDB, so the same SQL must read both.
The TimescaleDB-option expansion runs in test_panels_timescale.py.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest

from tests.dashboards.panel_queries import (
    check_result,
    expanded_queries,
    is_number,
    override_names,
    panel_columns,
    sample_variables,
)


def _run_all(url: str, now: datetime) -> dict[str, tuple[list[str], list[tuple[Any, ...]]]]:
    out = {}
    with psycopg.connect(url) as conn:
        conn.read_only = True
        for q in expanded_queries(now, timescaledb=False):
            try:
                cur = conn.execute(q.sql.encode())
            except psycopg.Error as exc:
                pytest.fail(f"{q.name} failed: {exc}\n{q.sql}")
            out[q.name] = ([d.name for d in cur.description or []], cur.fetchall())
    return out


def test_every_panel_and_variable_query_returns_rows_with_the_expected_columns(sample_db: str) -> None:
    now = datetime.now(UTC)
    results = _run_all(sample_db, now)
    queries = {q.name: q for q in expanded_queries(now, timescaledb=False)}
    problems = {name: check_result(queries[name], cols, rows) for name, (cols, rows) in results.items()}
    assert {k: v for k, v in problems.items() if v} == {}
    assert len(results) >= 30  # four dashboards, every target


def test_time_series_are_sorted_by_time_with_numeric_values(sample_db: str) -> None:
    now = datetime.now(UTC)
    results = _run_all(sample_db, now)
    for q in expanded_queries(now, timescaledb=False):
        if q.fmt != "time_series":
            continue
        cols, rows = results[q.name]
        times = [r[cols.index("time")] for r in rows]
        assert times == sorted(times), f"{q.name}: not ordered by time"
        for c in cols:
            if c not in ("time", "metric"):
                assert all(is_number(r[cols.index(c)]) for r in rows), f"{q.name}: {c} is not numeric"


def test_overrides_name_columns_the_queries_return(sample_db: str) -> None:
    now = datetime.now(UTC)
    results = {name: cols for name, (cols, _) in _run_all(sample_db, now).items()}
    for q in expanded_queries(now, timescaledb=False):
        if q.panel is None:
            continue
        missing = override_names(q.panel) - panel_columns(results, q.dashboard["uid"], q.panel["id"])
        assert not missing, f"{q.dashboard['uid']} / {q.panel['title']}: overrides for {missing}"


def test_variables_offer_the_values_the_tests_pick(sample_db: str) -> None:
    now = datetime.now(UTC)
    results = _run_all(sample_db, now)
    for uid, variables in sample_variables().items():
        for name, var in variables.items():
            offered = {r[0] for r in results[f"{uid}/var:{name}"][1]}
            assert set(var.values) <= offered, f"{uid} ${name}: {var.values} not in {offered}"


def test_panels_show_what_the_sample_holds(sample_db: str) -> None:
    now = datetime.now(UTC)
    results = _run_all(sample_db, now)

    def table(uid: str, title: str) -> list[dict[str, Any]]:
        q = next(
            q
            for q in expanded_queries(now, False)
            if q.panel and q.dashboard["uid"] == uid and q.panel["title"] == title
        )
        cols, rows = results[q.name]
        return [dict(zip(cols, r, strict=True)) for r in rows]

    failures = table("twspulse-operations", "Current failures and their root cause")
    fresh = next(r for r in failures if r["job_name"] == "LOAD_PARTNER_ORDERS")
    assert fresh["cause"] == "missing_file" and "No such file" in fresh["error_line"]
    late = {r["job_name"]: r["reason"] for r in table("twspulse-operations", "Late or long-running jobs")}
    assert late.get("MONTH_END_CLOSE") == "long-running" and late.get("WAIT_PARTNER_ACK") == "late"
    crossings = table("twspulse-capacity", "Threshold crossings (newest model per series)")
    assert [(r["host"], r["device"]) for r in crossings][0] == ("dwh01", "/data")
    assert all(r["earliest"] <= r["crossing_at"] for r in crossings)
    # The older model version of every series is ignored: one row per series.
    assert len(crossings) == len({(r["host"], r["metric"], r["device"]) for r in crossings})
    alerts = table("twspulse-pipeline", "Open alerts")
    assert {r["summary"] for r in alerts if r["kind"] == "capacity_forecast"} and not [
        r for r in alerts if r["kind"] == "runtime_anomaly"
    ]  # A-2 was resolved
    assert alerts[0]["severity"] == "critical"
