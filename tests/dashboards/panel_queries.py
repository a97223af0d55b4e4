"""Every SQL query of every dashboard, expanded as Grafana would send it against the sample data.

Shared by the plain-PostgreSQL and the TimescaleDB tests: the time range is each dashboard's default
(``now-24h`` .. ``now``, or the panel's own ``timeFrom``), ``$__interval`` follows from it as Grafana computes
it (simplified rounding, at least the panel's min interval or the data source's ``timeInterval``), and the
variables take the values a user would pick on the sample data: All for multi-value ones, the job of
``DETAIL_JOB_KEY`` for the job-detail dashboard.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import yaml

from tests.dashboards.model_sample_data import DETAIL_JOB_KEY
from tests.sql.sample_data import HOSTS
from twspulse.dashboards.files import PROVISIONING_DIR, load_dashboards
from twspulse.dashboards.grafana_sql import (
    MAX_DATA_POINTS,
    PanelQuery,
    Variable,
    dashboard_queries,
    iter_panels,
    parse_duration,
)

__all__ = ["MAX_DATA_POINTS", "PanelQuery", "iter_panels"]


def datasource_settings() -> dict[str, Any]:
    """The provisioned data source (twspulse/dashboards/provisioning/datasources/timescaledb.yaml)."""
    doc = yaml.safe_load((PROVISIONING_DIR / "datasources" / "timescaledb.yaml").read_text())
    (ds,) = doc["datasources"]
    return ds  # type: ignore[no-any-return]


def sample_variables() -> dict[str, dict[str, Variable]]:
    """Per dashboard uid: the values each variable takes in the tests (what the sample data offers)."""
    ws, stream_name = DETAIL_JOB_KEY.split("#/", 1)
    stream, name = stream_name.split(".", 1)
    return {
        "twspulse-operations": {"workstation": Variable(tuple(sorted(HOSTS)), multi=True)},
        "twspulse-job-detail": {
            "job": Variable((DETAIL_JOB_KEY,)),
            "job_stream": Variable((stream,)),
            "job_name": Variable((name,)),
        },
        "twspulse-capacity": {"host": Variable(tuple(sorted(HOSTS.values())), multi=True)},
        "twspulse-pipeline": {},
    }


def expanded_queries(now: datetime, timescaledb: bool) -> list[PanelQuery]:
    """Every panel target and every query variable of every dashboard, expanded for ``now``."""
    ds_min = parse_duration(datasource_settings()["jsonData"].get("timeInterval", "1s"))
    values = sample_variables()
    out: list[PanelQuery] = []
    for dash in load_dashboards().values():
        out.extend(dashboard_queries(dash, values[dash["uid"]], now=now, timescaledb=timescaledb, ds_min=ds_min))
    return out


def override_names(panel: dict[str, Any]) -> set[str]:
    """Field names the panel's overrides style by exact name: the SQL must return columns of those names."""
    return {
        o["matcher"]["options"]
        for o in panel.get("fieldConfig", {}).get("overrides", [])
        if o.get("matcher", {}).get("id") == "byName"
    }


# Columns that matter to the reader of a table panel, by dashboard uid and panel title.
EXPECTED_TABLE_COLUMNS: dict[tuple[str, str], set[str]] = {
    ("twspulse-operations", "Current failures and their root cause"): {
        "failed_at", "job_stream", "job_name", "cause", "root_cause", "error_line", "job_key",
    },
    ("twspulse-operations", "Late or long-running jobs"): {"job_name", "status", "running_min", "late_min", "reason"},
    ("twspulse-operations", "Workstation health"): {"workstation", "last_poll", "linked", "running"},
    ("twspulse-job-detail", "Root-cause annotations"): {"root_cause", "error_line", "steps", "operator_resolution"},
    ("twspulse-job-detail", "Recent joblog error lines"): {"time", "line", "template"},
    ("twspulse-job-detail", "Failure patterns"): {"pattern_id", "template", "failed_runs"},
    ("twspulse-capacity", "Threshold crossings (newest model per series)"): {
        "host", "metric", "device", "crossing_at", "earliest", "latest", "days_left",
    },
    ("twspulse-pipeline", "Dead letters by reason"): {"source_topic", "error_type", "records", "latest_reason"},
    ("twspulse-pipeline", "Open alerts"): {"severity", "kind", "subject", "summary"},
    ("twspulse-pipeline", "Model runs (last 14 days)"): {"started_at", "status", "series_trained", "error"},
}  # fmt: skip


def check_result(q: PanelQuery, columns: list[str], rows: list[Any]) -> list[str]:
    """Problems of one query's result (empty list: fine). Rows are sequences in column order."""
    problems = []
    if not rows:
        problems.append("returned no rows")
    if len(set(columns)) != len(columns) or "?column?" in columns:
        problems.append(f"unnamed or duplicate columns {columns}")
    if q.fmt == "time_series":
        if "time" not in columns:
            problems.append(f"time series without a time column: {columns}")
        values = [c for c in columns if c not in ("time", "metric")]
        if not values:
            problems.append(f"time series without a value column: {columns}")
    if q.panel is not None:
        expected = EXPECTED_TABLE_COLUMNS.get((q.dashboard["uid"], q.panel["title"]), set())
        if expected - set(columns):
            problems.append(f"missing columns {sorted(expected - set(columns))}")
    return problems


def panel_columns(results: dict[str, list[str]], dashboard_uid: str, panel_id: int) -> set[str]:
    """Union of the columns every target of a panel returned."""
    prefix = f"{dashboard_uid}/{panel_id}/"
    return {c for name, cols in results.items() if name.startswith(prefix) for c in cols}


def is_number(value: Any) -> bool:
    """A value Grafana plots (psycopg gives numeric as Decimal)."""
    from decimal import Decimal

    return value is None or (isinstance(value, int | float | Decimal) and not isinstance(value, bool))
