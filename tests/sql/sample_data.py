"""Realistic sample rows for every table of the schema, placed relative to an anchor time and rendered as SQL.

One source of truth for both engines: the embedded-PostgreSQL tests execute ``SampleData.sql()`` with
psycopg, on TimescaleDB and on plain PostgreSQL (the conformance test too). Eight weeks of daily runs of a
small night batch (with a job whose runtime grows, late starts, failures with reruns and a failure streak),
the joblogs and error lines of the failed runs, the patterns they match, two days of host samples with a
filling disk and a hot CPU, workstation states, and a few rows older than each retention period.
"""

from __future__ import annotations

import hashlib
import random
import statistics
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from twspulse.joblog.first_error import first_error_line

Row = tuple[Any, ...]

JOB_RUN_COLUMNS = (
    "time", "event_id", "job_id", "run_id", "plan_id", "job_name", "job_stream", "workstation", "folder",
    "status", "internal_status", "category", "return_code", "sched_time", "start_time", "end_time",
    "duration_s", "run_attempt", "observed_at", "job_key", "expected_duration_s", "duration_deviation",
    "late_start_s", "rerun_number", "runtime_above_p95", "failure_streak", "successes_before_failure",
    "breaks_pattern",
)  # fmt: skip
JOB_LOG_COLUMNS = (
    "time", "run_id", "chunk_index", "chunk_count", "job_id", "job_name", "job_stream", "workstation",
    "return_code", "internal_status", "content", "total_bytes", "truncated", "first_error_line", "fetched_at",
)  # fmt: skip
JOB_LOG_LINE_COLUMNS = ("time", "run_id", "job_stream", "job_name", "line_no", "line", "is_error", "pattern_id")
JOB_RUN_PATTERN_COLUMNS = (
    "time", "run_id", "job_id", "job_stream", "job_name", "workstation", "pattern_id", "line_no", "line",
)  # fmt: skip
PATTERN_COLUMNS = ("pattern_id", "template", "first_seen", "last_seen", "count", "example")
MINER_STATE_COLUMNS = ("name", "state", "updated_at")
HOST_METRIC_COLUMNS = ("time", "host", "metric", "device", "value")
WORKSTATION_COLUMNS = (
    "time", "workstation", "plan_id", "linked", "running", "active_states", "job_limit", "fence", "os",
    "version", "node_name",
)  # fmt: skip

DAYS_OF_HISTORY = 56
# Rows this much older than the anchor fall behind each table's retention period (009), so the conformance
# test can see the retention policies drop them.
EXPIRED_AGE = {
    "job_runs": timedelta(days=420),
    "job_run_patterns": timedelta(days=420),
    "job_logs": timedelta(days=120),
    "job_log_lines": timedelta(days=120),
    "host_metrics": timedelta(days=45),
    "workstation_status": timedelta(days=100),
}
HOSTS = {"AGENT_FIN01": "fin01", "AGENT_DWH01": "dwh01", "AGENT_ETL02": "etl02"}


@dataclass(frozen=True)
class _Job:
    workstation: str
    stream: str
    name: str
    sched: tuple[int, int]  # first (hour, minute) of the day, UTC
    every_hours: int  # 24 for a daily job
    base_s: float
    growth_per_day: float  # relative runtime growth, e.g. 0.02 = +2 % a day
    fail_rate: float
    family: str | None
    forced_failures: tuple[int, ...] = ()  # days before the anchor on which the first run fails for sure
    forced_late: tuple[tuple[int, int], ...] = ()  # (days before the anchor, seconds late)
    slow_days: tuple[int, ...] = ()  # days before the anchor on which the first run takes 1.8x as long


JOBS = (
    _Job("AGENT_FIN01", "FINANCE_EOD", "LOAD_GL", (1, 0), 24, 900, 0.0, 0.05, "ora_tablespace", (3,)),
    _Job("AGENT_FIN01", "FINANCE_EOD", "POST_JOURNALS", (2, 0), 24, 600, 0.0, 0.02, "ora_no_listener"),
    _Job("AGENT_FIN01", "FINANCE_EOD", "RECONCILE", (3, 0), 24, 300, 0.012, 0.0, None, (), (), (1, 4)),
    _Job("AGENT_FIN01", "PAYROLL", "CALC_PAYROLL", (22, 0), 24, 3600, 0.0, 0.0, None, (), ((2, 1800),)),
    _Job("AGENT_DWH01", "DWH_NIGHTLY", "EXTRACT_CRM", (0, 30), 24, 1200, 0.0, 0.08, "connection_refused", (0, 5)),
    _Job("AGENT_DWH01", "DWH_NIGHTLY", "LOAD_FACTS", (2, 30), 24, 2400, 0.02, 0.03, "disk_full", (4,), ((1, 1500),)),
    _Job("AGENT_DWH01", "DWH_NIGHTLY", "BUILD_CUBES", (4, 0), 24, 1800, 0.005, 0.0, None, (), ((1, 2100),)),
    _Job("AGENT_ETL02", "ETL_INBOUND", "FETCH_PARTNER_FILES", (5, 0), 24, 120, 0.0, 0.1, "missing_input_file", (1, 2)),
    _Job("AGENT_ETL02", "ETL_INBOUND", "TRANSFORM_ORDERS", (5, 30), 24, 450, 0.0, 0.04, "java_oom", (6,)),
    _Job("AGENT_ETL02", "ETL_INBOUND", "ARCHIVE", (6, 0), 24, 60, 0.0, 0.03, "permission_denied", (2,)),
    _Job("AGENT_ETL02", "ETL_HOURLY", "POLL_QUEUE", (0, 15), 2, 30, 0.0, 0.01, "connection_refused"),
)

RETURN_CODES = {
    "ora_tablespace": 117,
    "ora_no_listener": 1,
    "connection_refused": 7,
    "disk_full": 12,
    "missing_input_file": 12,
    "java_oom": 1,
    "permission_denied": 1,
}


@dataclass(frozen=True)
class _Ctx:
    job: _Job
    stamp: str
    day: str
    rng: random.Random


# Per failure family: the lines of the joblog that show the cause, each with the template the miner would
# learn for it (None: context, not an error line).
_CAUSES: dict[str, Callable[[_Ctx], list[tuple[str, str | None]]]] = {
    "ora_tablespace": lambda c: [
        ("ERROR at line 1:", "ERROR at line <*>:"),
        (
            f"ORA-01653: unable to extend table {c.rng.choice(['GL.JOURNAL_LINES', 'GL.BALANCES'])} by 8192 "
            "in tablespace GL_DATA",
            "ORA-01653: unable to extend table <*> by <*> in tablespace <*>",
        ),
        ("Disconnected from Oracle Database 19c Enterprise Edition Release 19.0.0.0.0 - Production", None),
    ],
    "ora_no_listener": lambda c: [
        ("ORA-12541: TNS:no listener", "ORA-12541: TNS:no listener"),
        ("SP2-0751: Unable to connect to Oracle.  Exiting SQL*Plus", "SP2-0751: Unable to connect to Oracle. <*>"),
    ],
    "connection_refused": lambda c: [
        (
            f"curl: (7) Failed to connect to {c.rng.choice(['crm.internal.example.com', 'mq01.example.com'])} "
            "port 443: Connection refused",
            "curl: (7) Failed to connect to <*> port <*>: Connection refused",
        )
    ],
    "disk_full": lambda c: [
        (
            f"cp: error writing '/backup/{c.job.name.lower()}/dump_{c.day}.dmp': No space left on device",
            "cp: error writing <*>: No space left on device",
        ),
        (f"{c.stamp} ERROR [{c.job.name}] copy failed", "<*> ERROR [<*>] copy failed"),
    ],
    "missing_input_file": lambda c: [
        (
            f"cat: /data/in/partner_orders_{c.day}.csv: No such file or directory",
            "cat: <*>: No such file or directory",
        ),
        (
            f"{c.stamp} ERROR [{c.job.name}] input file /data/in/partner_orders_{c.day}.csv not found, "
            "aborting with RC=12",
            "<*> ERROR [<*>] input file <*> not found, aborting with RC=<*>",
        ),
    ],
    "java_oom": lambda c: [
        (
            'Exception in thread "main" java.lang.OutOfMemoryError: Java heap space',
            'Exception in thread "main" java.lang.OutOfMemoryError: Java heap space',
        ),
        ("\tat java.base/java.util.Arrays.copyOf(Arrays.java:3537)", None),
        ("\tat com.example.batch.RecordBuffer.add(RecordBuffer.java:88)", None),
    ],
    "permission_denied": lambda c: [
        (
            f"/opt/batch/bin/{c.job.name.lower()}.sh: line {c.rng.randint(20, 140)}: "
            f"/data/out/{c.job.name.lower()}_{c.day}.csv: Permission denied",
            "<*>: line <*>: <*>: Permission denied",
        )
    ],
}


def pattern_id(template: str) -> str:
    """Stable id of a template; the miner's ids ("P" + a cluster number) are opaque to the schema too."""
    return "P" + hashlib.sha1(template.encode()).hexdigest()[:10]


@dataclass
class SampleData:
    """Rows per table (columns, rows), in load order."""

    anchor: datetime
    tables: dict[str, tuple[tuple[str, ...], list[Row]]] = field(default_factory=dict)

    def add(self, table: str, columns: tuple[str, ...], rows: Sequence[Row]) -> None:
        """Append rows to a table (columns must match earlier rows of the same table)."""
        cols, existing = self.tables.setdefault(table, (columns, []))
        if cols != columns:
            raise ValueError(f"columns of {table} differ: {cols} vs {columns}")
        existing.extend(rows)

    def counts(self) -> dict[str, int]:
        """Number of rows per table."""
        return {t: len(rows) for t, (_, rows) in self.tables.items()}

    def sql(self, batch: int = 500) -> str:
        """INSERT statements for every row; valid on PostgreSQL 17 and 18, with or without TimescaleDB."""
        out: list[str] = []
        for table, (columns, rows) in self.tables.items():
            for i in range(0, len(rows), batch):
                values = ",\n".join("(" + ", ".join(sql_literal(v) for v in row) + ")" for row in rows[i : i + batch])
                out.append(f"INSERT INTO {table} ({', '.join(columns)}) VALUES\n{values};")
        return "\n".join(out) + "\n"


def sql_literal(value: Any) -> str:
    """A SQL literal for a Python value (the target column gives it its type)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(f"naive datetime in sample data: {value!r}")
        return f"'{value.isoformat()}'"
    if isinstance(value, bytes):
        return f"'\\x{value.hex()}'"
    if isinstance(value, list):
        return "ARRAY[" + ", ".join(sql_literal(v) for v in value) + "]::text[]"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    raise TypeError(f"no SQL literal for {type(value).__name__}: {value!r}")


def build_sample(anchor: datetime | None = None, seed: int = 4) -> SampleData:
    """All sample rows; the newest rows are at ``anchor`` (default: now), so "this week" queries find rows."""
    anchor = (anchor or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    data = SampleData(anchor)
    _job_history(data, seed)
    _host_metrics(data, random.Random(seed))
    _workstations(data)
    return data


def _job_history(data: SampleData, seed: int) -> None:
    anchor = data.anchor
    today = anchor.replace(hour=0, minute=0, second=0)
    runs: list[Row] = []
    patterns_seen: dict[str, list[Any]] = {}  # pattern_id -> [template, first, last, count, example]
    for job in JOBS:
        # One generator per job: how many of today's runs exist depends on the anchor's time of day, and
        # that must not change the other jobs' history.
        rng = random.Random(f"{seed}/{job.stream}.{job.name}")
        job_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{job.workstation}#{job.stream}.{job.name}"))
        job_key = f"{job.workstation}#/{job.stream}.{job.name}"  # as streams.enrichment.job_key builds it
        successes: list[float] = []
        streak_fail = 0
        streak_ok = 0
        for days_ago in range(DAYS_OF_HISTORY, -1, -1):
            day = today - timedelta(days=days_ago)
            plan_id = f"PLAN_{day:%Y%m%d}"
            for slot, hour in enumerate(range(job.sched[0], 24, job.every_hours)):
                sched = day.replace(hour=hour, minute=job.sched[1])
                forced_late = dict(job.forced_late).get(days_ago) if slot == 0 else None
                late: float
                if forced_late is not None:
                    late = forced_late
                else:
                    late = rng.uniform(300, 900) if rng.random() < 0.05 else rng.uniform(0, 40)
                attempt = 1
                start = sched + timedelta(seconds=round(late))
                while start < anchor:
                    age = DAYS_OF_HISTORY - days_ago
                    duration = job.base_s * (1 + job.growth_per_day * age) * rng.uniform(0.9, 1.1)
                    # A forced failure fails the first attempt; yesterday's also fails its rerun (a streak).
                    forced = slot == 0 and days_ago in job.forced_failures and (attempt == 1 or days_ago == 1)
                    failed = job.family is not None and (forced or (attempt == 1 and rng.random() < job.fail_rate))
                    if failed:
                        duration *= rng.uniform(0.05, 0.5)
                    elif slot == 0 and attempt == 1 and days_ago in job.slow_days:
                        duration *= 1.8
                    end = start + timedelta(seconds=round(duration))
                    run_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{job_id}/{sched.isoformat()}/{attempt}"))
                    running = end > anchor
                    runs.append(_job_run_row(job, job_id, run_id, plan_id, "EXEC", sched, start, None, attempt, start))
                    if running:
                        break
                    recent = successes[-14:]
                    expected = statistics.median(recent) if len(recent) >= 3 else None
                    p95 = statistics.quantiles(recent, n=20)[-1] if len(recent) >= 3 else None
                    if failed:
                        streak_fail += 1
                        before, streak_ok = streak_ok, 0
                    else:
                        streak_fail, before = 0, None
                        streak_ok += 1
                        successes.append(end.timestamp() - start.timestamp())
                    real = (end - start).total_seconds()
                    enrich = (
                        job_key,
                        expected,
                        real / expected if expected else None,
                        (start - sched).total_seconds(),
                        attempt - 1,
                        real > p95 if p95 is not None else None,
                        streak_fail if failed else None,
                        before,
                        failed and before is not None and before >= 5,
                    )
                    status = "ABEND" if failed else "SUCC"
                    runs.append(
                        _job_run_row(job, job_id, run_id, plan_id, status, sched, start, end, attempt, end) + enrich
                    )
                    if not failed:
                        break
                    _failed_run_logs(data, job, job_id, run_id, start, end, attempt, rng, patterns_seen)
                    # The operator reruns a failed job after a while, once.
                    attempt += 1
                    start = end + timedelta(minutes=20)
                    if attempt > 2:
                        break
    # EXEC rows carry no enrichment: the model jobs enrich final statuses only.
    width = len(JOB_RUN_COLUMNS)
    data.add("job_runs", JOB_RUN_COLUMNS, [r + (None,) * (width - len(r)) for r in runs])
    _expired_job_rows(data, patterns_seen)
    data.add(
        "job_error_patterns",
        PATTERN_COLUMNS,
        [(pid, t, first, last, n, example) for pid, (t, first, last, n, example) in sorted(patterns_seen.items())],
    )
    data.add("pattern_miner_state", MINER_STATE_COLUMNS, [("drain3", b"\x1f\x8b\x08\x00drain3-snapshot", anchor)])


def _job_run_row(
    job: _Job,
    job_id: str,
    run_id: str,
    plan_id: str,
    internal: str,
    sched: datetime,
    start: datetime,
    end: datetime | None,
    attempt: int,
    time: datetime,
) -> Row:
    status, category, rc = {
        "EXEC": ("EXECUTING", "running", None),
        "SUCC": ("SUCCESSFUL", "succeeded", 0),
        "ABEND": ("ERROR", "failed", RETURN_CODES.get(job.family or "", 1)),
    }[internal]
    duration = (end - start).total_seconds() if end else None
    return (
        time, f"{job_id}/{run_id}/{internal}", job_id, run_id, plan_id, job.name, job.stream, job.workstation, "/",
        status, internal, category, rc, sched, start, end, duration, attempt, time + timedelta(seconds=5),
    )  # fmt: skip


def _failed_run_logs(
    data: SampleData,
    job: _Job,
    job_id: str,
    run_id: str,
    start: datetime,
    end: datetime,
    attempt: int,
    rng: random.Random,
    patterns_seen: dict[str, list[Any]],
) -> None:
    assert job.family is not None
    rc = RETURN_CODES[job.family]
    stamp = end.strftime("%Y-%m-%d %H:%M:%S")
    lines: list[tuple[str, str | None]] = [
        ("===============================================================", None),
        (f"= JOB       : {job.workstation}#{job.stream}.{job.name}", None),
        ("= USER      : twsuser", None),
        (f"= JCLFILE   : /opt/batch/bin/{job.name.lower()}.sh", None),
        (f"= Job Number: {rng.randint(100000, 999999)}", None),
        (f"= {start:%a %m/%d/%Y %H:%M:%S} UTC", None),
        ("===============================================================", None),
        (f"{start:%Y-%m-%d %H:%M:%S} INFO  [{job.name}] starting, run attempt {attempt}", None),
        (f"{start:%Y-%m-%d %H:%M:%S} INFO  [{job.name}] reading /opt/batch/etc/{job.name.lower()}.conf", None),
        *_CAUSES[job.family](_Ctx(job, stamp, f"{end:%Y%m%d}", rng)),
        ("===============================================================", None),
        (f"= Exit Status           : {rc}", None),
        (f"= Elapsed Time (hh:mm:ss) : {str(end - start).zfill(8)}", None),
        ("===============================================================", None),
    ]
    content = "\n".join(text for text, _ in lines) + "\n"
    data.add(
        "job_logs",
        JOB_LOG_COLUMNS,
        [
            (end, run_id, 0, 1, job_id, job.name, job.stream, job.workstation, rc, "ABEND", content,
             len(content.encode()), False, first_error_line(content), end + timedelta(seconds=20)),
        ],
    )  # fmt: skip
    line_rows: list[Row] = []
    pattern_rows: list[Row] = []
    for no, (text, template) in enumerate(lines, start=1):
        pid = pattern_id(template) if template else None
        line_rows.append((end, run_id, job.stream, job.name, no, text, template is not None, pid))
        if template and pid:
            pattern_rows.append((end, run_id, job_id, job.stream, job.name, job.workstation, pid, no, text))
            seen = patterns_seen.setdefault(pid, [template, end, end, 0, text])
            seen[1], seen[2], seen[3] = min(seen[1], end), max(seen[2], end), seen[3] + 1
    data.add("job_log_lines", JOB_LOG_LINE_COLUMNS, line_rows)
    data.add("job_run_patterns", JOB_RUN_PATTERN_COLUMNS, pattern_rows)


def _expired_job_rows(data: SampleData, patterns_seen: dict[str, list[Any]]) -> None:
    """One failed run older than every job table's retention period."""
    job = JOBS[0]
    job_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{job.workstation}#{job.stream}.{job.name}"))
    end = data.anchor - EXPIRED_AGE["job_runs"]
    start, run_id = end - timedelta(seconds=300), "expired-run"
    data.add(
        "job_runs",
        JOB_RUN_COLUMNS,
        [_job_run_row(job, job_id, run_id, "PLAN_OLD", "ABEND", start, start, end, 1, end) + (None,) * 9],
    )
    pid = next(iter(sorted(patterns_seen)))
    template = patterns_seen[pid][0]
    data.add(
        "job_run_patterns",
        JOB_RUN_PATTERN_COLUMNS,
        [(end, run_id, job_id, job.stream, job.name, job.workstation, pid, 1, template)],
    )
    log_time = data.anchor - EXPIRED_AGE["job_logs"]
    data.add(
        "job_logs",
        JOB_LOG_COLUMNS,
        [(log_time, "expired-log", 0, 1, job_id, job.name, job.stream, job.workstation, 12, "ABEND",
          "ERROR old failure\n", 18, False, "ERROR old failure", log_time)],
    )  # fmt: skip
    data.add(
        "job_log_lines",
        JOB_LOG_LINE_COLUMNS,
        [(data.anchor - EXPIRED_AGE["job_log_lines"], "expired-log", job.stream, job.name, 1, "ERROR old", True, None)],
    )


def _metric_value(host: str, metric: str, device: str, t: datetime, anchor: datetime, rng: random.Random) -> float:
    hours_ago = (anchor - t).total_seconds() / 3600
    daily = 10 * max(0.0, 1 - abs(((t.hour + t.minute / 60) - 3) / 3))  # the night batch peaks around 03:00
    if metric == "cpu.percent":
        v = 25 + 3 * daily + rng.uniform(-5, 5)
        if host == "etl02" and hours_ago < 1:  # a runaway transform: the CPU is pinned in the last hour
            v = rng.uniform(94, 99.5)
        return round(min(v, 100.0), 2)
    if metric == "memory.percent":
        return round(55 + daily + rng.uniform(-3, 3) + (25 if host == "dwh01" else 0), 2)
    if metric == "load.1m":
        return round(1.5 + daily / 4 + rng.uniform(0, 1), 2)
    if metric == "swap.percent":
        return round(2 + rng.uniform(0, 1), 2)
    if device == "/data" and host == "dwh01":  # filling up: from 88 % three days ago to ~94 % now
        return round(94 - 6 * hours_ago / 72 + rng.uniform(-0.2, 0.2), 2)
    return round((40 if device == "/" else 62) + rng.uniform(-0.5, 0.5), 2)


def _host_metrics(data: SampleData, rng: random.Random) -> None:
    anchor = data.anchor
    base = anchor.replace(second=0) - timedelta(minutes=anchor.minute % 10)
    # 4 days every 10 minutes: the oldest day-chunk then ends over 2 days (the compression delay, 009) before the
    # anchor at any time of day; with 3 days an anchor after 23:50 left no chunk old enough to compress.
    times = {base - timedelta(minutes=10 * i) for i in range(4 * 24 * 6)}
    times |= {anchor - timedelta(seconds=15 * i) for i in range(120)}  # the last 30 minutes every 15 s
    series = [
        ("cpu.percent", ""), ("memory.percent", ""), ("load.1m", ""), ("swap.percent", ""),
        ("disk.used_percent", "/"), ("disk.used_percent", "/data"),
    ]  # fmt: skip
    rows: list[Row] = []
    for host in HOSTS.values():
        for t in sorted(times):
            rows.extend((t, host, m, d, _metric_value(host, m, d, t, anchor, rng)) for m, d in series)
        old = anchor - EXPIRED_AGE["host_metrics"]
        rows.extend((old - timedelta(hours=h), host, "cpu.percent", "", 20.0 + h) for h in range(24))
    data.add("host_metrics", HOST_METRIC_COLUMNS, rows)


def _workstations(data: SampleData) -> None:
    anchor = data.anchor.replace(second=0)
    plan = f"PLAN_{anchor:%Y%m%d}"
    rows: list[Row] = []
    for ws, node in {**HOSTS, "MASTER": "tws-master"}.items():
        for i in range(12):  # the last two hours, one poll kept every 10 minutes
            t = anchor - timedelta(minutes=10 * i)
            linked = not (ws == "AGENT_ETL02" and 2 <= i <= 3)  # a 20-minute link outage
            states = ["LINKED", "RUNNING"] if linked else ["RUNNING"]
            rows.append((t, ws, plan, linked, True, states, 20, 0, "UNIX", "10.2.3", node))
        old = data.anchor - EXPIRED_AGE["workstation_status"]
        rows.append((old, ws, "PLAN_OLD", True, True, ["LINKED", "RUNNING"], 20, 0, "UNIX", "10.2.1", node))
    data.add("workstation_status", WORKSTATION_COLUMNS, rows)


def expired_rows_expected() -> dict[str, timedelta]:
    """Tables that get rows older than their retention period, and how old those rows are."""
    return dict(EXPIRED_AGE)
