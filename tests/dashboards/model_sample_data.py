"""Sample rows for the tables the dashboards and the report read beyond tests/sql/sample_data.py.

Adds to ``build_sample()``: forecast models (two versions of some series, a skipped one) and their forecast
points, anomaly scores, alert events, model runs, a root-cause annotation for every failed run with some
operator feedback, dead letters, and three job instances that the "now" panels must always find whatever
the time of day: a failure an hour ago, a run far beyond its usual runtime, and a job waiting past its time.
"""

from __future__ import annotations

import json
import random
import uuid
from datetime import datetime, timedelta
from typing import Any

from tests.sql.sample_data import (
    HOSTS,
    JOB_LOG_COLUMNS,
    JOB_LOG_LINE_COLUMNS,
    JOB_RUN_COLUMNS,
    JOB_RUN_PATTERN_COLUMNS,
    JOBS,
    SampleData,
    build_sample,
    pattern_id,
)

Row = tuple[Any, ...]

DETAIL_JOB_KEY = "AGENT_DWH01#/DWH_NIGHTLY.LOAD_FACTS"  # the job the job-detail tests select
FRESH_FAILURE = ("AGENT_ETL02", "ETL_INBOUND", "LOAD_PARTNER_ORDERS")
LONG_RUNNER = ("AGENT_FIN01", "FINANCE_EOD", "MONTH_END_CLOSE")
LATE_WAITER = ("AGENT_ETL02", "ETL_INBOUND", "WAIT_PARTNER_ACK")

FORECAST_MODEL_COLUMNS = (
    "model_version", "series_key", "series_kind", "trained_at", "train_start", "train_end", "n_points", "status",
    "skip_reason", "mape", "smape", "baseline_smape", "threshold", "crossing_at", "crossing_lower", "crossing_upper",
)  # fmt: skip
FORECAST_COLUMNS = (
    "time",
    "series_key",
    "series_kind",
    "model_version",
    "trained_at",
    "yhat",
    "yhat_lower",
    "yhat_upper",
)
ANOMALY_COLUMNS = (
    "time", "subject_kind", "subject", "metric", "value", "score", "is_anomaly", "detector", "model_version", "run_id",
)  # fmt: skip
ALERT_COLUMNS = (
    "time", "alert_id", "dedup_key", "kind", "severity", "state", "subject", "first_seen", "last_seen", "count",
    "summary", "evidence",
)  # fmt: skip
INSIGHT_COLUMNS = (
    "time", "insight_id", "kind", "subject", "metric", "state", "significant", "summary", "confidence", "evidence",
    "prediction", "priority", "action", "deadline", "updated_at", "run_id",
)  # fmt: skip
MODEL_RUN_COLUMNS = (
    "run_id", "started_at", "finished_at", "duration_s", "status", "series_trained", "series_skipped", "metrics",
    "error",
)  # fmt: skip
ANNOTATION_COLUMNS = (
    "run_id", "job_id", "job_key", "job_name", "job_stream", "workstation", "return_code", "failed_at", "annotated_at",
    "engine", "category", "root_cause", "error_line", "steps", "confidence", "similar_cases", "prompt_hash",
)  # fmt: skip
FEEDBACK_COLUMNS = ("run_id", "given_at", "resolution", "correct")
DEAD_LETTER_COLUMNS = ("time", "source_topic", "partition", '"offset"', "reason", "error_type")  # a reserved word
LAG_COLUMNS = ("time", "worker_id", "consumer_group", "topic", "partition", "lag")

# Per failure family of the sample: annotation category, root cause and the first fix step.
CAUSES = {
    "ora_tablespace": ("db_error", "Oracle tablespace GL_DATA is full (ORA-01653).", "Add a datafile to GL_DATA"),
    "ora_no_listener": ("db_error", "The Oracle listener is down (ORA-12541).", "Start the listener on the DB host"),
    "connection_refused": ("network", "The remote service refused the connection.", "Check the service and firewall"),
    "disk_full": ("disk_full", "The backup file system is full.", "Free space on /backup"),
    "missing_input_file": ("missing_file", "The partner's input file has not arrived.", "Ask the partner to resend"),
    "java_oom": ("resource", "The JVM ran out of heap.", "Raise -Xmx of the transform"),
    "permission_denied": ("permission", "The job user may not write the output folder.", "Fix the folder's owner"),
}


def build_dashboard_sample(anchor: datetime | None = None) -> SampleData:
    """``build_sample()`` plus the rows of this module, at the same anchor."""
    data = build_sample(anchor)
    add_model_rows(data)
    return data


def add_model_rows(data: SampleData) -> None:
    """Append every row of this module to ``data``."""
    rng = random.Random(7)
    _now_rows(data)
    _annotations(data, rng)
    _forecasts(data, rng)
    _anomalies(data)
    _alerts(data)
    _model_runs(data)
    _dead_letters(data)
    _consumer_lag(data)
    _insights(data)


def _job_run(
    ws: str, stream: str, name: str, internal: str, time: datetime, sched: datetime, start: datetime | None,
    end: datetime | None, rc: int | None,
) -> Row:  # fmt: skip
    status, category = {
        "EXEC": ("EXECUTING", "running"),
        "ABEND": ("ERROR", "failed"),
        "HOLD": ("WAITING", "waiting"),
    }[internal]
    job_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{ws}#{stream}.{name}"))
    run_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{job_id}/{sched.isoformat()}/1"))
    duration = (end - start).total_seconds() if end and start else None
    final = internal == "ABEND"
    return (
        time, f"{job_id}/{run_id}/{internal}", job_id, run_id, f"PLAN_{sched:%Y%m%d}", name, stream, ws, "/",
        status, internal, category, rc, sched, start, end, duration, 1, time + timedelta(seconds=5),
        f"{ws}#/{stream}.{name}" if final else None, 300.0 if final else None,
        duration / 300.0 if final and duration else None,
        (start - sched).total_seconds() if final and start else None, 0 if final else None, False if final else None,
        1 if final else None, 12 if final else None, True if final else None,
    )  # fmt: skip


def _now_rows(data: SampleData) -> None:
    a = data.anchor
    ws, stream, name = FRESH_FAILURE
    sched, start, end = a - timedelta(minutes=75), a - timedelta(minutes=74), a - timedelta(minutes=60)
    rows = [
        _job_run(ws, stream, name, "EXEC", start, sched, start, None, None),
        _job_run(ws, stream, name, "ABEND", end, sched, start, end, 12),
    ]
    ws2, stream2, name2 = LONG_RUNNER
    sched2 = a - timedelta(hours=3)
    rows.append(
        _job_run(
            ws2,
            stream2,
            name2,
            "EXEC",
            sched2 + timedelta(seconds=30),
            sched2,
            sched2 + timedelta(seconds=30),
            None,
            None,
        )
    )
    ws3, stream3, name3 = LATE_WAITER
    sched3 = a - timedelta(minutes=30)
    rows.append(_job_run(ws3, stream3, name3, "HOLD", a - timedelta(minutes=40), sched3, None, None, None))
    data.add("job_runs", JOB_RUN_COLUMNS, rows)

    failed = rows[1]
    run_id, job_id = failed[3], failed[2]
    error = f"cat: /data/in/partner_orders_{a:%Y%m%d}.csv: No such file or directory"
    template = "cat: <*>: No such file or directory"
    lines = [
        (f"{start:%Y-%m-%d %H:%M:%S} INFO  [{name}] starting", None),
        (error, template),
        ("= Exit Status : 12", None),
    ]
    content = "\n".join(text for text, _ in lines) + "\n"
    data.add(
        "job_logs",
        JOB_LOG_COLUMNS,
        [(end, run_id, 0, 1, job_id, name, stream, ws, 12, "ABEND", content, len(content), False, error, end)],
    )
    data.add(
        "job_log_lines",
        JOB_LOG_LINE_COLUMNS,
        [
            (end, run_id, stream, name, i, text, t is not None, pattern_id(t) if t else None)
            for i, (text, t) in enumerate(lines, 1)
        ],
    )
    data.add(
        "job_run_patterns",
        JOB_RUN_PATTERN_COLUMNS,
        [(end, run_id, job_id, stream, name, ws, pattern_id(template), 2, error)],
    )


def _annotations(data: SampleData, rng: random.Random) -> None:
    cols, runs = data.tables["job_runs"]
    i = {c: n for n, c in enumerate(cols)}
    _, logs = data.tables["job_logs"]
    first_error = {r[1]: r[13] for r in logs}
    family = {(j.stream, j.name): j.family for j in JOBS}
    rows: list[Row] = []
    for r in runs:
        if r[i["category"]] != "failed" or r[i["run_id"]] == "expired-run":
            continue
        fam = family.get((r[i["job_stream"]], r[i["job_name"]])) or "missing_input_file"
        category, cause, step = CAUSES[fam]
        rows.append((
            r[i["run_id"]], r[i["job_id"]], r[i["job_key"]], r[i["job_name"]], r[i["job_stream"]], r[i["workstation"]],
            r[i["return_code"]], r[i["time"]], r[i["time"]] + timedelta(seconds=40), "rules", category, cause,
            first_error.get(r[i["run_id"]]), json.dumps([step, "Rerun the job"]), round(rng.uniform(0.6, 0.95), 2),
            [], None,
        ))  # fmt: skip
    data.add("job_annotations", ANNOTATION_COLUMNS, rows)
    newest = sorted(rows, key=lambda r: r[7], reverse=True)
    data.add(
        "annotation_feedback",
        FEEDBACK_COLUMNS,
        [(r[0], r[7] + timedelta(hours=1), "Freed space and reran", True) for r in newest[:2]]
        + [(newest[2][0], newest[2][7] + timedelta(hours=2), "It was the network, not the file", False)],
    )
    # The detail job's failures must have feedback too, so its annotation panel shows the join.
    detail = [r for r in rows if r[2] == DETAIL_JOB_KEY]
    data.add(
        "annotation_feedback",
        FEEDBACK_COLUMNS,
        [(r[0], r[7] + timedelta(hours=3), "Cleaned /backup", True) for r in detail[-1:]],
    )


Point = tuple[datetime, float, float, float]  # time, yhat, yhat_lower, yhat_upper


def _series_points(start_value: float, slope_per_day: float, spread: float, t0: datetime, hours: int) -> list[Point]:
    out = []
    for h in range(1, hours + 1):
        y = start_value + slope_per_day * h / 24
        band = spread * (1 + h / hours)
        out.append((t0 + timedelta(hours=h), round(y, 3), round(y - band, 3), round(y + band, 3)))
    return out


def _first_at_or_above(points: list[Point], idx: int, threshold: float) -> datetime | None:
    return next((p[0] for p in points if p[idx] >= threshold), None)


def _forecasts(data: SampleData, rng: random.Random) -> None:
    a = data.anchor.replace(minute=0, second=0)
    trained = a - timedelta(hours=2)
    models: list[Row] = []
    points: list[Row] = []
    # (host, metric, device, kind, now value, slope %/day, threshold)
    resources = []
    for host in HOSTS.values():
        resources += [
            (host, "cpu.percent", "", "host_cpu", 30.0, 0.05, 90.0),
            (host, "memory.percent", "", "host_memory", 80.0 if host == "dwh01" else 56.0,
             0.6 if host == "dwh01" else 0.0, 90.0),
            (host, "disk.used_percent", "/data", "host_disk", 94.0 if host == "dwh01" else 62.0,
             2.0 if host == "dwh01" else 0.01, 97.0),
        ]  # fmt: skip
    for host, metric, device, kind, value, slope, threshold in resources:
        key = f"{host}/{metric}" + (f"/{device}" if device else "")
        for version_trained, bump in ((trained - timedelta(days=1), 5.0), (trained, 0.0)):
            version = f"{kind}:{key}@{version_trained:%Y%m%dT%H%M%SZ}"
            pts = _series_points(value + bump, slope, 1.5, version_trained, 30 * 24)
            smape = round(rng.uniform(0.03, 0.2), 4)
            models.append((
                version, key, kind, version_trained, version_trained - timedelta(days=30), version_trained, 720,
                "trained",
                None, round(smape * 1.1, 4), smape, round(smape * rng.uniform(0.8, 1.6), 4), threshold,
                _first_at_or_above(pts, 1, threshold), _first_at_or_above(pts, 3, threshold),
                _first_at_or_above(pts, 2, threshold),
            ))  # fmt: skip
            if bump == 0.0:
                points += [(t, key, kind, version, version_trained, y, lo, hi) for t, y, lo, hi in pts]
            else:  # the older version keeps a few points only: dashboards must pick the newest
                points += [(t, key, kind, version, version_trained, y, lo, hi) for t, y, lo, hi in pts[:24]]
    skipped_key = "fin01/disk.used_percent//"
    models.append((
        f"host_disk:{skipped_key}@{trained:%Y%m%dT%H%M%SZ}", skipped_key, "host_disk", trained, None, None, 12,
        "skipped", "constant series", None, None, None, 97.0, None, None, None,
    ))  # fmt: skip
    # Runtime models: fitted over the last 14 days and 7 days ahead, one point a day at the job's time.
    for i, job in enumerate(JOBS):
        key = f"{job.workstation}#/{job.stream}.{job.name}"
        version = f"job_runtime:{key}@{trained:%Y%m%dT%H%M%SZ}"
        base = job.base_s * (1 + job.growth_per_day * 56)
        smape = round(rng.uniform(0.05, 0.3), 4)
        rng.uniform(0.7, 1.5)  # drawn as before, so the rest of the sample stays the same
        # every model beats its seasonal-naive baseline but the last job's (the job dashboard draws no band then)
        baseline = round(smape * (1.3 if i < len(JOBS) - 1 else 0.8), 4)
        models.append((
            version, key, "job_runtime", trained, trained - timedelta(days=56), trained, 57, "trained", None,
            round(smape * 1.2, 4), smape, baseline, None, None, None, None,
        ))  # fmt: skip
        day0 = a.replace(hour=job.sched[0], minute=job.sched[1])
        for d in range(-14, 8):
            y = base * (1 + job.growth_per_day * d)
            points.append((day0 + timedelta(days=d), key, "job_runtime", version, trained, y, y * 0.8, y * 1.2))
    data.add("forecast_models", FORECAST_MODEL_COLUMNS, models)
    data.add("forecasts", FORECAST_COLUMNS, points)


def _anomalies(data: SampleData) -> None:
    cols, runs = data.tables["job_runs"]
    i = {c: n for n, c in enumerate(cols)}
    recent = data.anchor - timedelta(days=30)
    best: dict[str, Row] = {}
    scored: list[Row] = []
    for r in runs:
        if r[i["category"]] != "succeeded" or r[i["duration_deviation"]] is None or r[i["time"]] < recent:
            continue
        key = r[i["job_key"]]
        if key not in best or r[i["duration_deviation"]] > best[key][i["duration_deviation"]]:
            best[key] = r
    for key, r in best.items():
        scored.append((r[i["time"]], "job", key, "duration_s", r[i["duration_s"]], 0.95, True, "robust_baseline",
                       "robust_baseline@1", r[i["run_id"]]))  # fmt: skip
    a = data.anchor
    scored += [
        (a - timedelta(minutes=m), "host", "etl02", "cpu.percent", 97.5, 0.97, True, "isolation_forest", "if@1", None)
        for m in (5, 20, 35)
    ]
    scored.append(
        (a - timedelta(hours=5), "host", "fin01", "cpu.percent", 31.0, 0.2, False, "isolation_forest", "if@1", None)
    )
    data.add("anomalies", ANOMALY_COLUMNS, scored)


def _alerts(data: SampleData) -> None:
    a = data.anchor
    ws, stream, name = FRESH_FAILURE
    fresh = f"{ws}#/{stream}.{name}"
    rows: list[Row] = []

    def event(at: datetime, alert_id: str, kind: str, severity: str, state: str, subject: str, first: datetime,
              count: int, summary: str, evidence: dict[str, Any]) -> None:  # fmt: skip
        rows.append((at, alert_id, f"{kind}:{subject}", kind, severity, state, subject, first, at, count, summary,
                     json.dumps(evidence)))  # fmt: skip

    t = a - timedelta(minutes=60)
    event(t, "A-1", "job_failed", "critical", "firing", fresh, t, 1, f"{stream}.{name} failed (RC 12)", {"rc": 12})
    event(t + timedelta(minutes=5), "A-1", "job_failed", "critical", "firing", fresh, t, 1,
          f"{stream}.{name} failed: partner file missing", {"root_cause": "missing_file"})  # fmt: skip
    t = a - timedelta(days=1)
    event(t, "A-2", "runtime_anomaly", "warning", "firing", "AGENT_FIN01#/FINANCE_EOD.RECONCILE", t, 1,
          "RECONCILE ran 1.8x its usual time", {"ratio": 1.8})  # fmt: skip
    event(t + timedelta(hours=4), "A-2", "runtime_anomaly", "warning", "resolved", "AGENT_FIN01#/FINANCE_EOD.RECONCILE",
          t, 1, "RECONCILE back to normal", {})  # fmt: skip
    t = a - timedelta(hours=2)
    event(
        t, "A-3", "capacity_forecast", "critical", "firing", "dwh01", t, 1, "dwh01 /data reaches 97 % in 1.5 days", {}
    )
    event(t + timedelta(hours=1), "A-3", "capacity_forecast", "critical", "firing", "dwh01", t, 2,
          "dwh01 /data reaches 97 % in 1.5 days", {"device": "/data"})  # fmt: skip
    t = a - timedelta(minutes=30)
    event(t, "A-4", "metric_anomaly", "warning", "firing", "etl02", t, 1, "etl02 CPU pinned at 97 %", {"score": 0.97})
    ws2, stream2, name2 = LONG_RUNNER
    t = a - timedelta(minutes=10)
    event(t, "A-5", "sla_risk", "info", "firing", f"{ws2}#/{stream2}.{name2}", t, 1, f"{name2} running 3 h", {})
    data.add("alerts", ALERT_COLUMNS, rows)


def _model_runs(data: SampleData) -> None:
    a = data.anchor.replace(minute=0, second=0)
    rows: list[Row] = []
    for d in range(7, -1, -1):
        started = a - timedelta(days=d, hours=2)
        failed = d == 3
        duration = 41.0 if failed else 312.5 + d
        rows.append((
            f"train-{started:%Y%m%dT%H%M}", started, started + timedelta(seconds=duration), duration,
            "failed" if failed else "ok", 0 if failed else 44, 0 if failed else 1,
            json.dumps({} if failed else {"median_smape": 0.12}),
            "database connection lost" if failed else None,
        ))  # fmt: skip
    data.add("model_runs", MODEL_RUN_COLUMNS, rows)


def _dead_letters(data: SampleData) -> None:
    a = data.anchor
    reasons = [
        ("tws.job.events", "validation error: status 'UNKNOWN_STATE' not allowed", "ValidationError"),
        ("host.metrics", "value NaN for metric cpu.percent", "ValueError"),
        ("tws.job.logs", "chunk 3 of 2 for run 42", "ChunkOrderError"),
    ]
    rows = [
        (a - timedelta(minutes=17 * n), topic, n % 2, 1000 + n, reason, error)
        for n in range(15)
        for topic, reason, error in [reasons[n % len(reasons)]]
    ]
    data.add("dead_letters", DEAD_LETTER_COLUMNS, rows)


def _consumer_lag(data: SampleData) -> None:
    """Every 15 s of the last 6 hours: the job events' consumer falls 4,000 records behind for 20 minutes."""
    a = data.anchor
    rows = []
    for n in range(6 * 240):
        t = a - timedelta(seconds=15 * n)
        behind = 4000 - 3 * n if 80 <= n < 160 else n % 7
        for partition in range(3):
            rows.append((t, "worker-1", "twspulse-worker-job-events", "tws.job.events", partition, behind + partition))
            rows.append((t, "worker-1", "twspulse-worker", "host.metrics", partition, n % 3))
    data.add("consumer_lag", LAG_COLUMNS, rows)


def _insights(data: SampleData) -> None:
    """What the insights job finds on such a sample: a filling /data with its driver, a growing error pattern,
    a link, a flat CPU ("no trend") and one insight cleared by a later run."""
    a = data.anchor
    found, run = a - timedelta(days=3), "insights-sample"
    loader = "AGENT_DWH01#/DWH_NIGHTLY.LOAD_FACTS"
    cross = {
        "crossing_at": (a + timedelta(days=20)).isoformat(),
        "crossing_earliest": (a + timedelta(days=12)).isoformat(),
    }
    rows: list[Row] = [
        (found, "I-1", "capacity_plan", "dwh01", "disk.used_percent:/data", "active", True,
         "disk /data on dwh01 reaches 90% in 20 days; driven by " + loader, 0.999,
         json.dumps({"sen_slope": 0.6, "drivers": [{"job_key": loader}]}), json.dumps(cross), "high",
         "archive or extend /data on dwh01", a + timedelta(days=5), a, run),
        (found, "I-2", "pattern_trend", loader, "p-ora-1653", "active", True,
         "'ORA-01653: unable to extend table' on LOAD_FACTS is rising", 0.98, json.dumps({"q_value": 0.02}),
         json.dumps({"value": 0.4, "lower": 0.2, "upper": 0.6}), "medium",
         "fix the cause of 'ORA-01653' in LOAD_FACTS before it hits half of its runs", a + timedelta(days=30), a, run),
        (found, "I-3", "workload_resource_link", loader, "runtime_median_s~dwh01/cpu.percent", "active", True,
         "cpu.percent on dwh01 rises with the runtime of LOAD_FACTS", 0.99, json.dumps({"r": 0.8}), None, None, None,
         None, a, run),
        (found, "I-4", "capacity_plan", "fin01", "cpu.percent", "active", False, "cpu on fin01: no trend", 0.3,
         json.dumps({}), json.dumps({"value": 40.0}), None, None, None, a, run),
        (a - timedelta(days=9), "I-5", "pattern_trend", "AGENT_FIN01#/FINANCE_EOD.LOAD_GL", "p-x", "cleared", True,
         "an old trend", 0.97, json.dumps({}), None, "low", "look at LOAD_GL", a + timedelta(days=2), a, run),
    ]  # fmt: skip
    data.add("insights", INSIGHT_COLUMNS, rows)
