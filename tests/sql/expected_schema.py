"""What both engines must show after the migrations, and what each analyst query must find in the sample.

Shared by the embedded-PostgreSQL tests and the TimescaleDB conformance test, so the two engines are held
to the same contract. Query rows arrive as dicts: psycopg gives Decimal/datetime values, the conformance
report gives JSON strings and numbers, so the checks convert with ``float``/``str``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Rows = list[dict[str, Any]]

HYPERTABLES = {  # table -> chunk interval in force for new chunks
    "job_runs": "7 days",
    "job_logs": "7 days",
    "host_metrics": "1 day",
    "workstation_status": "1 day",
    "job_run_patterns": "7 days",
    "job_log_lines": "1 day",
    "forecasts": "7 days",
    "anomalies": "7 days",
    "alerts": "30 days",
    "dead_letters": "7 days",
    "job_log_frames": "7 days",
    "insights": "30 days",
    "consumer_lag": "1 day",
}
RETENTION = {  # relation -> drop_after (plain PostgreSQL records the tables only; rollups follow their tables)
    "host_metrics": "30 days",
    "workstation_status": "90 days",
    "job_runs": "400 days",
    "job_run_patterns": "400 days",
    "job_logs": "90 days",
    "job_log_lines": "90 days",
    "forecasts": "180 days",
    "anomalies": "400 days",
    "alerts": "400 days",
    "dead_letters": "90 days",
    "job_log_frames": "400 days",
    "insights": "400 days",
    "consumer_lag": "30 days",
}
ROLLUP_RETENTION = {
    "host_metrics_1m": "90 days",
    "host_metrics_1h": "730 days",
    "job_runs_hourly": "730 days",
    "job_runtime_daily": "730 days",
}
NEW_TABLE_COLUMNS = {  # table -> {column: information_schema data_type}
    "job_error_patterns": {
        "pattern_id": "text",
        "template": "text",
        "first_seen": "timestamp with time zone",
        "last_seen": "timestamp with time zone",
        "count": "bigint",
        "example": "text",
    },
    "job_run_patterns": {
        "time": "timestamp with time zone",
        "run_id": "text",
        "job_id": "text",
        "job_stream": "text",
        "job_name": "text",
        "workstation": "text",
        "pattern_id": "text",
        "line_no": "integer",
        "line": "text",
    },
    "job_log_lines": {
        "time": "timestamp with time zone",
        "run_id": "text",
        "job_stream": "text",
        "job_name": "text",
        "line_no": "integer",
        "line": "text",
        "is_error": "boolean",
        "pattern_id": "text",
    },
    "pattern_miner_state": {"name": "text", "state": "bytea", "updated_at": "timestamp with time zone"},
}
PRIMARY_KEYS = {
    "job_error_patterns": ["pattern_id"],
    "job_run_patterns": ["run_id", "pattern_id", "line_no", "time"],
    "job_log_lines": ["run_id", "line_no", "time"],
    "pattern_miner_state": ["name"],
}
ENRICHMENT_COLUMNS = {
    "job_key": "text",
    "expected_duration_s": "double precision",
    "duration_deviation": "double precision",
    "late_start_s": "double precision",
    "rerun_number": "integer",
    "runtime_above_p95": "boolean",
    "failure_streak": "integer",
    "successes_before_failure": "integer",
    "breaks_pattern": "boolean",
}
_TS = "timestamp with time zone"
_F8 = "double precision"
ROLLUP_COLUMNS = {  # rollup -> [(column, data_type)] in order
    "job_runs_hourly": [
        ("bucket", _TS), ("workstation", "text"), ("category", "text"), ("runs", "bigint"),
        ("timed_runs", "bigint"), ("avg_duration_s", _F8), ("max_duration_s", _F8),
    ],
    "job_runtime_daily": [
        ("bucket", _TS), ("job_stream", "text"), ("job_name", "text"), ("runs", "bigint"),
        ("p50_duration_s", _F8), ("p95_duration_s", _F8), ("avg_duration_s", _F8), ("max_duration_s", _F8),
    ],
    "host_metrics_1m": [
        ("bucket", _TS), ("host", "text"), ("metric", "text"), ("device", "text"), ("avg_value", _F8),
        ("min_value", _F8), ("max_value", _F8), ("samples", "bigint"),
    ],
    "host_metrics_1h": [
        ("bucket", _TS), ("host", "text"), ("metric", "text"), ("device", "text"), ("avg_value", _F8),
        ("min_value", _F8), ("max_value", _F8), ("samples", "bigint"),
    ],
}  # fmt: skip


def _find(rows: Rows, **match: str) -> list[dict[str, Any]]:
    return [r for r in rows if all(str(r.get(k)) == v for k, v in match.items())]


def _failures_by_pattern(rows: Rows) -> None:
    templates = {str(r["template"]) for r in rows}
    assert all(r["template"] is not None and int(r["failed_runs"]) >= 1 for r in rows), rows
    assert "<*> ERROR [<*>] input file <*> not found, aborting with RC=<*>" in templates, templates
    assert "curl: (7) Failed to connect to <*> port <*>: Connection refused" in templates, templates


def _slowest_growing(rows: Rows) -> None:
    first = rows[0]
    assert first["job_name"] == "LOAD_FACTS", rows  # +2 %/day of its base runtime, the fastest grower
    assert 6 <= float(first["growth_pct_per_week"]) <= 12, first
    assert _find(rows, job_name="RECONCILE"), rows  # +1.2 %/day


def _late_starts(rows: Rows) -> None:
    assert all(float(r["late_min"]) >= 5 for r in rows), rows
    late: dict[str, float] = {}
    for r in rows:
        late[r["job_name"]] = max(late.get(r["job_name"], 0.0), float(r["late_min"]))
    assert late.get("BUILD_CUBES", 0) >= 34 and late.get("LOAD_FACTS", 0) >= 24, late
    assert late.get("CALC_PAYROLL", 0) >= 29, late


def _host_saturation(rows: Rows) -> None:
    assert _find(rows, host="etl02", metric="cpu.percent", level="critical"), rows
    assert _find(rows, host="dwh01", metric="disk.used_percent", device="/data", level="warning"), rows
    assert not _find(rows, host="fin01"), rows


def _disk_full(rows: Rows) -> None:
    assert [(r["host"], r["device"]) for r in rows] == [("dwh01", "/data")], rows
    assert 2 <= float(rows[0]["days_to_full"]) <= 4.5, rows  # 6 % left at +2 %/day


def _top_failing(rows: Rows) -> None:
    assert all(r["latest_error_line"] for r in rows), rows
    fetch = _find(rows, job_name="FETCH_PARTNER_FILES")
    assert fetch and int(fetch[0]["failures"]) >= 3, rows
    assert "partner_orders" in str(fetch[0]["latest_error_line"]), fetch


def _joblog_grep(rows: Rows) -> None:
    assert all("tablespace" in str(r["line"]).lower() for r in rows), rows
    assert _find(rows, job_name="LOAD_GL"), rows


def _runs_per_hour(rows: Rows) -> None:
    assert len(rows) >= 20, rows  # POLL_QUEUE runs every 2 hours, the night batch adds more
    assert sum(float(r["succeeded"]) for r in rows) >= 20, rows


def _runtime_outliers(rows: Rows) -> None:
    reconcile = _find(rows, job_name="RECONCILE")
    assert reconcile and float(reconcile[0]["ratio"]) >= 1.5, rows  # ran 1.8x as long yesterday


def _failure_streaks(rows: Rows) -> None:
    fetch = _find(rows, job_name="FETCH_PARTNER_FILES")
    assert fetch and int(fetch[0]["failure_streak"]) == 2, rows  # yesterday: failed, rerun failed too


def _link_outages(rows: Rows) -> None:
    assert [(r["workstation"], int(r["polls_down"])) for r in rows] == [("AGENT_ETL02", 2)], rows


QUERY_EXPECTATIONS: dict[str, Callable[[Rows], None]] = {
    "failures-by-pattern-this-week": _failures_by_pattern,
    "slowest-growing-jobs": _slowest_growing,
    "late-starts": _late_starts,
    "host-saturation": _host_saturation,
    "disk-full-forecast": _disk_full,
    "top-failing-jobs": _top_failing,
    "joblog-grep": _joblog_grep,
    "job-runs-per-hour-by-status": _runs_per_hour,
    "runtime-outliers-this-week": _runtime_outliers,
    "failure-streaks": _failure_streaks,
    "workstation-link-outages": _link_outages,
}
