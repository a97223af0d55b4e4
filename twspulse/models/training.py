"""One training run (``twspulse train``): every forecast series, its backtest, capacity alerts, the IsolationForest.

What a run writes, and why it is safe next to running workers and another scheduled run:
- ``model_runs``: one row, inserted as ``running`` first (so a dashboard sees a run that hangs or dies) and
  finished as ``ok`` or ``failed`` with counts, duration and a metrics document.
- ``forecast_models`` + ``forecasts``: per series and model version (the version carries the run's timestamp),
  upserted, so a retried run rewrites its own rows and never touches another run's.
- ``alerts``: ``capacity_forecast`` changes, through the same state machine as every other alert, resumed from
  the alerts still open in the table; ids are deterministic, writes idempotent.
- the IsolationForest as a new version file plus the ``latest`` pointer, and the runs it flags in ``anomalies``.
- last, the insights (``twspulse/models/insights_job.py``) over the same window, with their alerts.
A session-level advisory lock keeps two runs from overlapping: the second one fails fast with
:class:`TrainingAlreadyRunning` instead of doubling the work (cron may start one while the last still runs).
"""

from __future__ import annotations

import math
import statistics
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any

import pandas as pd
import psycopg
import structlog
from psycopg.types.json import Jsonb

from twspulse.events import Alert
from twspulse.kafka_clients import PLAINTEXT, KafkaSecurity
from twspulse.models import insights_job, isolation_forest
from twspulse.models.alerts import AlertBook, Condition, Severity, open_alerts_from_db, publish_alerts, write_alerts
from twspulse.models.backtest import BacktestResult, rolling_origin
from twspulse.models.forecasting import Crossing, ForecastConfig, Skipped, fit, predict, threshold_crossing
from twspulse.models.series import JOB_RUNTIME, Series, load_series, parse_since, points_per_day
from twspulse.settings import ModelSettings

log = structlog.get_logger(__name__)

ADVISORY_LOCK = 0x7477_7370_0005  # "twsp" + issue 5: one key for every training run of a database
DEFAULT_SINCE_DAYS = 60
BACKTEST_FOLDS = 3
PROGRESS_EVERY = 10  # series between progress log lines
CRITICAL_WITHIN = timedelta(days=7)  # a crossing this close is critical, a later one a warning
# Capacity conditions come from a nightly run; one still true at the next night's run is the same alert, so the
# dedup window here is at least two days whatever the (streaming-oriented) setting says.
CAPACITY_DEDUP_MIN_S = 2 * 86400.0

ProgressFn = Callable[[int, int, str], None]

_FORECAST_MODEL_COLUMNS = (
    "model_version", "series_key", "series_kind", "trained_at", "train_start", "train_end", "n_points", "status",
    "skip_reason", "mape", "smape", "baseline_smape", "threshold", "crossing_at", "crossing_lower",
    "crossing_upper",
)  # fmt: skip
_FORECAST_COLUMNS = (
    "time", "series_key", "series_kind", "model_version", "trained_at", "yhat", "yhat_lower", "yhat_upper",
)  # fmt: skip


class TrainingAlreadyRunning(RuntimeError):
    """Another training run holds the database's training lock."""


@dataclass
class SeriesOutcome:
    """What happened to one series in a run."""

    series: Series
    model_version: str
    status: str  # trained, skipped, failed
    reason: str | None = None
    backtest: BacktestResult | None = None
    crossing: Crossing | None = None
    forecast_rows: int = 0


@dataclass
class TrainingReport:
    """The result of :func:`run_training`, as also recorded in ``model_runs``."""

    run_id: str
    status: str
    started_at: datetime
    duration_s: float = 0.0
    series_trained: int = 0
    series_skipped: int = 0
    series_failed: int = 0
    alerts_written: int = 0
    iforest_version: str | None = None
    outcomes: list[SeriesOutcome] = field(default_factory=list)
    metrics: dict[str, Any] = field(default_factory=dict)


def log_progress(every: int = PROGRESS_EVERY) -> ProgressFn:
    """Progress as a structlog line every ``every`` series (and at the last): for cron and container logs."""

    def report(done: int, total: int, key: str) -> None:
        if done % every == 0 or done == total:
            log.info("training.progress", done=done, total=total, last=key)

    return report


def default_progress() -> ProgressFn:
    """A progress bar on an interactive terminal, log lines otherwise (a bar in a log file is noise)."""
    if sys.stderr.isatty():
        from tqdm import tqdm

        bar: Any = None

        def report(done: int, total: int, key: str) -> None:
            nonlocal bar
            if bar is None:
                bar = tqdm(total=total, unit="series", file=sys.stderr)
            bar.set_postfix_str(key[-40:], refresh=False)
            bar.update(1)
            if done == total:
                bar.close()

        return report
    return log_progress()


def run_training(
    database_url: str,
    settings: ModelSettings,
    since: str | datetime | None = None,
    progress: ProgressFn | None = None,
    holidays: Iterable[date] = (),
    now: datetime | None = None,
    publish: Callable[[Sequence[Alert]], None] | None = None,
) -> TrainingReport:
    """Train every series and the IsolationForest on history since ``since`` (default 60 days), write results.

    Raises :class:`TrainingAlreadyRunning` when another run holds the lock; any other failure is recorded in
    ``model_runs`` (status ``failed``, error) and re-raised. ``publish`` receives the capacity alert events
    before they are written to the table (the ``alerts`` topic is the downstream contract).
    """
    now = now or datetime.now(UTC)
    window_start = parse_since(since, now, DEFAULT_SINCE_DAYS)
    progress = progress or log_progress()
    report = TrainingReport(
        run_id=f"train-{now:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}", status="running", started_at=now
    )
    started = time.monotonic()
    with psycopg.connect(database_url, autocommit=True) as conn:
        locked = conn.execute("SELECT pg_try_advisory_lock(%s)", (ADVISORY_LOCK,)).fetchone()
        if not locked or not locked[0]:
            raise TrainingAlreadyRunning("another `twspulse train` holds the training lock of this database")
        try:
            conn.execute(
                "INSERT INTO model_runs (run_id, started_at, status, metrics) VALUES (%s, %s, 'running', %s)",
                (report.run_id, now, Jsonb({"since": window_start.isoformat()})),
            )
            log.info("training.start", run_id=report.run_id, since=window_start.isoformat())
            try:
                _train(conn, settings, window_start, now, progress, tuple(holidays), report, publish)
            except Exception as exc:
                report.status = "failed"
                report.duration_s = time.monotonic() - started
                conn.execute(
                    "UPDATE model_runs SET status = 'failed', finished_at = now(), duration_s = %s, error = %s, "
                    "series_trained = %s, series_skipped = %s WHERE run_id = %s",
                    (
                        report.duration_s,
                        f"{type(exc).__name__}: {exc}"[:2000],
                        report.series_trained,
                        report.series_skipped,
                        report.run_id,
                    ),
                )
                log.error("training.failed", run_id=report.run_id, error=str(exc))
                raise
            report.status = "ok"
            report.duration_s = time.monotonic() - started
            report.metrics["seconds"]["total"] = round(report.duration_s, 2)
            conn.execute(
                "UPDATE model_runs SET status = 'ok', finished_at = now(), duration_s = %s, series_trained = %s, "
                "series_skipped = %s, metrics = %s WHERE run_id = %s",
                (report.duration_s, report.series_trained, report.series_skipped, Jsonb(report.metrics), report.run_id),
            )
            log.info(
                "training.done",
                run_id=report.run_id,
                seconds=round(report.duration_s, 1),
                trained=report.series_trained,
                skipped=report.series_skipped,
                alerts=report.alerts_written,
            )
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (ADVISORY_LOCK,))
    return report


def alert_publisher(bootstrap: str, security: KafkaSecurity = PLAINTEXT) -> Callable[[Sequence[Alert]], None]:
    """Sends alert events to the ``alerts`` topic (keyed by dedup key) and waits for the broker's ack."""
    from twspulse.producer import EventProducer

    return partial(publish_alerts, EventProducer(bootstrap, client_id="twspulse-train", security=security))


def _train(
    conn: psycopg.Connection[Any],
    settings: ModelSettings,
    since: datetime,
    now: datetime,
    progress: ProgressFn,
    holidays: tuple[date, ...],
    report: TrainingReport,
    publish: Callable[[Sequence[Alert]], None] | None = None,
) -> None:
    seconds: dict[str, float] = {}
    t0 = time.monotonic()
    all_series = load_series(conn, since)
    seconds["load"] = round(time.monotonic() - t0, 2)

    t0 = time.monotonic()
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS forecasts_stage (LIKE forecasts) ON COMMIT DELETE ROWS")
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    conditions: list[Condition] = []
    for i, series in enumerate(all_series, start=1):
        outcome = _train_series(conn, settings, series, now, stamp, holidays)
        report.outcomes.append(outcome)
        if outcome.status == "trained":
            report.series_trained += 1
            condition = _capacity_condition(settings, outcome, now)
            if condition is not None:
                conditions.append(condition)
        elif outcome.status == "skipped":
            report.series_skipped += 1
        else:
            report.series_failed += 1
        progress(i, len(all_series), series.key)
    seconds["forecasts"] = round(time.monotonic() - t0, 2)

    window = max(settings.alert_dedup_window_s, CAPACITY_DEDUP_MIN_S)
    book = AlertBook(window, open_alerts_from_db(conn, ["capacity_forecast"]))
    events = book.apply_all(conditions)
    if publish is not None and events:
        publish(events)
    with conn.transaction():
        report.alerts_written = write_alerts(conn, events)

    t0 = time.monotonic()
    iforest = _train_iforest(conn, settings, since, stamp)
    report.iforest_version = iforest.get("version")
    seconds["iforest"] = round(time.monotonic() - t0, 2)
    report.metrics = _metrics(report, since, iforest, seconds, len(events))
    report.metrics["insights"] = insights_job.training_step(conn, settings, since, now, publish)


def _version(series: Series, stamp: str) -> str:
    """``host_disk:web01:/data@20261125T020000Z``, ``job_runtime:WS#/S.J@...``, ``host_cpu:web01@...``."""
    if series.kind == JOB_RUNTIME:
        return f"{series.kind}:{series.key}@{stamp}"
    device = series.metric.split(":", 1)[1] if ":" in series.metric else ""
    return f"{series.kind}:{series.subject}" + (f":{device}" if device else "") + f"@{stamp}"


def _train_series(
    conn: psycopg.Connection[Any],
    settings: ModelSettings,
    series: Series,
    now: datetime,
    stamp: str,
    holidays: tuple[date, ...],
) -> SeriesOutcome:
    is_resource = series.kind != JOB_RUNTIME
    config = ForecastConfig(
        min_points=settings.forecast_min_points,
        holidays=holidays,
        floor=0.0,  # neither a runtime nor a percentage is ever negative
        cap=100.0 if is_resource else None,
    )
    outcome = SeriesOutcome(series, _version(series, stamp), "trained")
    periods = max(1, math.ceil(settings.forecast_horizon_days * points_per_day(series.freq)))
    frame: pd.DataFrame | None = None
    try:
        fitted = fit(series.frame, series.freq, config)
        if isinstance(fitted, Skipped):
            outcome.status, outcome.reason = "skipped", fitted.reason
        else:
            frame = predict(fitted, periods)
            backtest = rolling_origin(series.frame, series.freq, config, folds=BACKTEST_FOLDS)
            outcome.backtest = backtest if isinstance(backtest, BacktestResult) else None
            if is_resource:
                outcome.crossing = threshold_crossing(frame, settings.capacity_threshold_percent)
    except (RuntimeError, ValueError) as exc:  # a Stan optimisation that does not converge, a degenerate fit
        outcome.status, outcome.reason = "failed", f"{type(exc).__name__}: {exc}"[:500]
        log.warning("training.series_failed", series=series.key, error=outcome.reason)
    with conn.transaction():
        _write_model_row(conn, series, outcome, now, settings)
        if outcome.status == "trained" and frame is not None:
            outcome.forecast_rows = _write_forecast(conn, series, outcome.model_version, now, frame)
    return outcome


def _write_model_row(
    conn: psycopg.Connection[Any], series: Series, o: SeriesOutcome, now: datetime, settings: ModelSettings
) -> None:
    ds = series.frame["ds"]
    bt, cr = o.backtest, o.crossing
    row = (
        o.model_version, series.key, series.kind, now,
        _utc(ds.iloc[0]) if len(ds) else None, _utc(ds.iloc[-1]) if len(ds) else None, len(series.frame),
        o.status, o.reason,
        bt.mape if bt else None, bt.smape if bt else None, bt.baseline_smape if bt else None,
        settings.capacity_threshold_percent if series.kind != JOB_RUNTIME else None,
        _utc_or_none(cr.at if cr else None), _utc_or_none(cr.earliest if cr else None),
        _utc_or_none(cr.latest if cr else None),
    )  # fmt: skip
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in _FORECAST_MODEL_COLUMNS[1:])
    conn.execute(
        f"INSERT INTO forecast_models ({', '.join(_FORECAST_MODEL_COLUMNS)}) "
        f"VALUES ({', '.join(['%s'] * len(_FORECAST_MODEL_COLUMNS))}) "
        f"ON CONFLICT (model_version) DO UPDATE SET {updates}",
        row,
    )


def _write_forecast(
    conn: psycopg.Connection[Any], series: Series, version: str, now: datetime, frame: pd.DataFrame
) -> int:
    """COPY into a staging table, then upsert: COPY's speed with ON CONFLICT's idempotency."""
    cols = ", ".join(_FORECAST_COLUMNS)
    with conn.cursor() as cur:
        with cur.copy(f"COPY forecasts_stage ({cols}) FROM STDIN") as copy:
            for ds, yhat, lo, hi in frame[["ds", "yhat", "yhat_lower", "yhat_upper"]].itertuples(index=False):
                copy.write_row((_utc(ds), series.key, series.kind, version, now, float(yhat), float(lo), float(hi)))
        cur.execute(
            f"INSERT INTO forecasts ({cols}) SELECT {cols} FROM forecasts_stage "
            "ON CONFLICT (series_key, model_version, time) DO UPDATE SET yhat = EXCLUDED.yhat, "
            "yhat_lower = EXCLUDED.yhat_lower, yhat_upper = EXCLUDED.yhat_upper, trained_at = EXCLUDED.trained_at"
        )
        inserted = cur.rowcount
        cur.execute("TRUNCATE forecasts_stage")
    return inserted


def _capacity_condition(settings: ModelSettings, o: SeriesOutcome, now: datetime) -> Condition | None:
    """Firing when the forecast reaches the threshold inside the horizon, cleared when it no longer does."""
    s, cr = o.series, o.crossing
    if cr is None:
        return None
    evidence = {
        "series_key": s.key,
        "model_version": o.model_version,
        "threshold": cr.threshold,
        "horizon_days": settings.forecast_horizon_days,
        "last_value": float(s.frame["y"].iloc[-1]),
        "crossing_at": _iso(cr.at),
        "crossing_earliest": _iso(cr.earliest),
        "crossing_latest": _iso(cr.latest),
    }
    if cr.at is None:
        return Condition(
            kind="capacity_forecast", subject=s.subject, metric=s.metric, severity="info", observed_at=now,
            firing=False, summary=f"{s.label} stays below {cr.threshold:g}% over {settings.forecast_horizon_days} days",
            evidence=evidence,
        )  # fmt: skip
    severity: Severity = "critical" if _utc(cr.at) - now <= CRITICAL_WITHIN else "warning"
    return Condition(
        kind="capacity_forecast", subject=s.subject, metric=s.metric, severity=severity, observed_at=now,
        summary=cr.describe(s.label), evidence=evidence,
    )  # fmt: skip


def _train_iforest(
    conn: psycopg.Connection[Any], settings: ModelSettings, since: datetime, stamp: str
) -> dict[str, Any]:
    """Fit, save as a new version, and record the runs it flags (so the batch detector's view is queryable)."""
    frame = isolation_forest.load_run_features(conn, since)
    model = isolation_forest.train(frame, version=stamp)
    if model is None:
        return {"status": "skipped", "reason": f"too few final runs ({len(frame)} < {isolation_forest.MIN_RUNS})"}
    store = isolation_forest.ModelStore(settings.model_dir)
    path = store.save(model)
    store.prune()
    scores = model.score(frame)
    flagged = model.is_anomaly(frame)
    rows = [
        ("job", r.job_key, "run_features", r.duration_s, float(sc), True, "isolation_forest", model.version, r.run_id,
         _utc(r.time))
        for r, sc, flag in zip(frame.itertuples(index=False), scores, flagged, strict=True)
        if flag
    ]  # fmt: skip
    with conn.transaction(), conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO anomalies (subject_kind, subject, metric, value, score, is_anomaly, detector, model_version, "
            "run_id, time) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
            rows,
        )
    return {"status": "trained", "version": model.version, "runs": len(frame), "flagged": len(rows), "path": path.name}


def _metrics(
    report: TrainingReport, since: datetime, iforest: dict[str, Any], seconds: dict[str, float], alert_events: int
) -> dict[str, Any]:
    by_kind: dict[str, Counter[str]] = {}
    reasons: Counter[str] = Counter()
    smapes, baselines = [], []
    for o in report.outcomes:
        by_kind.setdefault(o.series.kind, Counter())[o.status] += 1
        if o.reason:
            reasons[o.reason.split(" (")[0]] += 1
        if o.backtest:
            smapes.append(o.backtest.smape)
            baselines.append(o.backtest.baseline_smape)
    return {
        "since": since.isoformat(),
        "series": len(report.outcomes),
        "by_kind": {k: dict(v) for k, v in by_kind.items()},
        "failed": report.series_failed,
        "skip_reasons": dict(reasons),
        "backtested": len(smapes),
        "median_smape": round(statistics.median(smapes), 3) if smapes else None,
        "median_baseline_smape": round(statistics.median(baselines), 3) if baselines else None,
        "beats_baseline": sum(s < b for s, b in zip(smapes, baselines, strict=True)),
        "forecast_rows": sum(o.forecast_rows for o in report.outcomes),
        "capacity_crossings": sum(1 for o in report.outcomes if o.crossing and o.crossing.at),
        "alert_events": alert_events,
        "iforest": iforest,
        "seconds": seconds,
    }


def _utc(value: Any) -> datetime:
    """Naive timestamps in the model code are UTC; the database wants them aware."""
    ts = pd.Timestamp(value)
    return (ts.tz_localize(UTC) if ts.tzinfo is None else ts.tz_convert(UTC)).to_pydatetime()


def _utc_or_none(value: datetime | None) -> datetime | None:
    return _utc(value) if value is not None else None


def _iso(value: datetime | None) -> str | None:
    return _utc(value).isoformat() if value is not None else None
