"""``run_training`` end to end on a real PostgreSQL: 21 days of synthetic job runs and host samples."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import psycopg
import pytest

from twspulse.models.isolation_forest import LatestModel, ModelStore
from twspulse.models.training import ADVISORY_LOCK, TrainingAlreadyRunning, run_training
from twspulse.settings import Settings

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
DAYS = 21
DISK_START, DISK_END = 50.0, 70.0  # /data grows 20 points in 21 days: 90% about 21 days after NOW


def _host_rows() -> list[tuple[object, ...]]:
    rng = np.random.default_rng(11)
    start = NOW - timedelta(days=DAYS)
    rows: list[tuple[object, ...]] = []
    n = DAYS * 24 * 6  # a sample every 10 minutes
    for i in range(n):
        t = start + timedelta(minutes=10 * i)
        day_phase = 2 * np.pi * (t.hour * 60 + t.minute) / 1440
        cpu = 35 + 15 * np.sin(day_phase) + rng.normal(0, 3)
        if i in (1500, 2300):
            cpu = 99.0  # spikes
        rows += [
            (t, "web01", "cpu.percent", "", float(cpu)),
            (t, "web01", "memory.percent", "", float(60 + rng.normal(0, 1))),
            (
                t,
                "web01",
                "disk.used_percent",
                "/data",
                DISK_START + (DISK_END - DISK_START) * i / n + rng.normal(0, 0.1),
            ),
            (t, "web01", "disk.used_percent", "/", 40.0),  # never changes: skipped as constant
        ]
    for i in range(24 * 6):  # a host that appeared yesterday: too little history
        rows.append((NOW - timedelta(minutes=10 * i), "web02", "cpu.percent", "", float(20 + rng.normal(0, 2))))
    return rows


def _job_rows() -> list[tuple[object, ...]]:
    rng = np.random.default_rng(12)
    rows: list[tuple[object, ...]] = []

    def run(job: str, stream: str, k: int, sched: datetime, duration: float, ok: bool, key: bool) -> None:
        start = sched + timedelta(seconds=float(abs(rng.normal(5, 2))))
        end = start + timedelta(seconds=duration)
        rows.append((
            end, f"{job}-{k}-{'SUCC' if ok else 'ABEND'}", f"{job}-{k}", f"run-{job}-{k}", "plan1", job, stream,
            "WEB01", "/", "SUCCESSFUL" if ok else "ERROR", "SUCC" if ok else "ABEND",
            "succeeded" if ok else "failed", 0 if ok else 12, sched, start, end, duration, 1, end,
            f"WEB01#/{stream}.{job}" if key else None,
        ))  # fmt: skip

    start = NOW - timedelta(days=DAYS)
    for k in range(DAYS * 24):  # hourly job whose runtime drifts up 50% over the three weeks, with spikes
        duration = 600 * (1 + 0.5 * k / (DAYS * 24)) + rng.normal(0, 10)
        if k in (100, 300):
            duration *= 4
        run("LOADER", "ETL", k, start + timedelta(hours=k), duration, ok=k % 97 != 5, key=k % 2 == 0)
    for k in range(DAYS):  # a daily job: 21 points, fewer than forecast_min_points
        run("REPORT", "DAILY", k, start + timedelta(days=k, hours=3), 300 + rng.normal(0, 5), ok=True, key=True)
    return rows


@pytest.fixture
def loaded_db(database_url: str) -> str:
    cols = ("time, event_id, job_id, run_id, plan_id, job_name, job_stream, workstation, folder, status, "
            "internal_status, category, return_code, sched_time, start_time, end_time, duration_s, run_attempt, "
            "observed_at, job_key")  # fmt: skip
    with psycopg.connect(database_url) as conn, conn.cursor() as cur:
        with cur.copy("COPY host_metrics (time, host, metric, device, value) FROM STDIN") as copy:
            for row in _host_rows():
                copy.write_row(row)
        with cur.copy(f"COPY job_runs ({cols}) FROM STDIN") as copy:
            for row in _job_rows():
                copy.write_row(row)
    return database_url


def test_training_writes_forecasts_backtests_capacity_alert_and_iforest(loaded_db: str, tmp_path: Path) -> None:
    settings = Settings(model_dir=tmp_path / "models", log_json=False)
    seen: list[tuple[int, int]] = []
    report = run_training(loaded_db, settings, since="30d", progress=lambda d, t, k: seen.append((d, t)), now=NOW)

    assert report.status == "ok"
    assert (report.series_trained, report.series_skipped, report.series_failed) == (4, 3, 0)
    assert seen[-1] == (7, 7)
    with psycopg.connect(loaded_db) as conn:
        run_row = conn.execute(
            "SELECT status, series_trained, series_skipped, duration_s, metrics FROM model_runs"
        ).fetchall()
        assert len(run_row) == 1
        status, trained, skipped, duration, metrics = run_row[0]
        assert (status, trained, skipped) == ("ok", 4, 3) and duration > 0
        assert metrics["iforest"]["status"] == "trained" and metrics["backtested"] == 4
        assert metrics["insights"]["status"] == "ok"  # the insights ran last (issue 17): the filling /data
        assert metrics["insights"]["found"].get("capacity_plan") == 1

        models = {
            r[0]: r[1:]
            for r in conn.execute(
                "SELECT series_key, status, skip_reason, n_points, smape, baseline_smape, crossing_at, "
                "crossing_lower, crossing_upper, model_version FROM forecast_models"
            )
        }
        assert set(models) == {
            "WEB01#/ETL.LOADER", "WEB01#/DAILY.REPORT", "web01/cpu.percent", "web01/memory.percent",
            "web01/disk.used_percent//data", "web01/disk.used_percent//", "web02/cpu.percent",
        }  # fmt: skip
        assert models["WEB01#/DAILY.REPORT"][:2] == ("skipped", "too few points (21 < 48)")
        assert models["web02/cpu.percent"][0] == "skipped" and models["web02/cpu.percent"][1].startswith("too few")
        assert models["web01/disk.used_percent//"][1].startswith("constant series")

        disk = models["web01/disk.used_percent//data"]
        assert disk[0] == "trained" and disk[2] == DAYS * 24
        assert disk[3] is not None and disk[4] is not None  # model and baseline backtest errors
        crossing_at, lower, upper = disk[5], disk[6], disk[7]
        assert NOW + timedelta(days=15) <= crossing_at <= NOW + timedelta(days=27)
        assert lower is not None and lower <= crossing_at
        assert upper is None or upper >= crossing_at
        assert disk[8] == "host_disk:web01:/data@20261125T020000Z"

        # 30 days ahead: 720 hourly points per trained series
        counts: dict[str, int] = dict(conn.execute("SELECT series_key, count(*) FROM forecasts GROUP BY 1").fetchall())
        assert counts == {k: 720 for k, v in models.items() if v[0] == "trained"}
        loader_first, loader_last = conn.execute(
            "SELECT min(yhat) FILTER (WHERE time < %s), max(yhat) FILTER (WHERE time > %s) FROM forecasts "
            "WHERE series_key = 'WEB01#/ETL.LOADER'",
            (NOW + timedelta(days=1), NOW + timedelta(days=29)),
        ).fetchone()  # type: ignore[misc]
        assert loader_last > loader_first > 800  # the drift is extrapolated

        alerts = conn.execute(
            "SELECT kind, subject, state, severity, count, summary, alert_id FROM alerts WHERE kind <> 'capacity_plan'"
        ).fetchall()
        assert len(alerts) == 1
        kind, subject, state, severity, count, summary, alert_id = alerts[0]
        assert (kind, subject, state, severity, count) == ("capacity_forecast", "web01", "firing", "warning", 1)
        assert summary.startswith("disk /data on web01 reaches 90% on 2026-12-") and "80% interval" in summary

        flagged = conn.execute("SELECT count(*) FROM anomalies WHERE detector = 'isolation_forest'").fetchone()
        assert flagged is not None and flagged[0] > 0

    model = LatestModel(ModelStore(settings.model_dir)).load_latest()
    assert model is not None and model.version == report.iforest_version

    # The next night: the same condition updates the same alert instead of opening another.
    again = run_training(loaded_db, settings, since="30d", now=NOW + timedelta(days=1))
    assert again.status == "ok" and again.alerts_written == 1
    with psycopg.connect(loaded_db) as conn:
        rows = conn.execute(
            "SELECT alert_id, count FROM alerts WHERE kind = 'capacity_forecast' ORDER BY time"
        ).fetchall()
        assert rows == [(alert_id, 1), (alert_id, 2)]
        assert conn.execute("SELECT count(*) FROM model_runs WHERE status = 'ok'").fetchone() == (2,)


def test_second_training_refuses_to_overlap(database_url: str, tmp_path: Path) -> None:
    settings = Settings(model_dir=tmp_path / "models", log_json=False)
    with psycopg.connect(database_url, autocommit=True) as other:
        other.execute("SELECT pg_advisory_lock(%s)", (ADVISORY_LOCK,))
        with pytest.raises(TrainingAlreadyRunning):
            run_training(database_url, settings, now=NOW)
        # released here: a closed connection's backend frees its locks only when the server gets to it, which a
        # connection opened right after can beat (seen once in CI)
        other.execute("SELECT pg_advisory_unlock(%s)", (ADVISORY_LOCK,))
    # nothing recorded for the refused run; an empty database then trains to an ok run with nothing to do
    report = run_training(database_url, settings, now=NOW)
    assert report.status == "ok" and report.series_trained == 0
    assert report.metrics["iforest"]["status"] == "skipped"
