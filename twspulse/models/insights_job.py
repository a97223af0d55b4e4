"""The insights job (``twspulse insights``, and the last step of ``twspulse train``): read, find, write, alert.

One run finds every insight of the window (:mod:`models.insights`), upserts them into ``insights``, clears those
of earlier runs not found again, and turns the significant ones into alerts of the insight's kind through the
same state machine as every other alert (resumed from the open alerts in the table; a cleared insight resolves
its alert). A session-level advisory lock keeps two runs from writing at once.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import psycopg
import structlog

from twspulse.events import Alert
from twspulse.models.alerts import AlertBook, Condition, Severity, open_alerts_from_db, write_alerts
from twspulse.models.insights import (
    Forecaster,
    Insight,
    capacity_plans,
    daily_means,
    daily_workload,
    pattern_trends,
    prophet_forecaster,
    tie_patterns_to_capacity,
    workload_links,
)
from twspulse.models.insights_store import InsightInputs, clear_missing, load_inputs, write_insights
from twspulse.models.series import Series, host_resource_series, parse_since
from twspulse.settings import ModelSettings

log = structlog.get_logger(__name__)

INSIGHTS_LOCK = 0x7477_7370_0017  # "twsp" + issue 17
DEFAULT_SINCE_DAYS = 84  # twelve weeks: enough weeks for a weekly trend, enough days for a link
ALERT_KINDS = ("pattern_trend", "workload_resource_link", "capacity_plan")
# Insights come from a nightly run: one still found at the next night's run is the same alert.
DEDUP_MIN_S = 2 * 86400.0
_SEVERITY: dict[str | None, Severity] = {"critical": "critical", "high": "warning"}


class InsightsAlreadyRunning(RuntimeError):
    """Another insights run holds the database's insights lock."""


@dataclass
class InsightsReport:
    """What one run found and wrote."""

    run_id: str
    since: datetime
    insights: list[Insight] = field(default_factory=list)
    tested: dict[str, int] = field(default_factory=dict)
    cleared: int = 0
    alerts_written: int = 0
    seconds: float = 0.0

    def counts(self) -> dict[str, int]:
        """Significant insights per kind (capacity plans: those with a trend)."""
        out: dict[str, int] = {}
        for i in self.insights:
            if i.significant:
                out[i.kind] = out.get(i.kind, 0) + 1
        return out


def find_insights(
    conn: psycopg.Connection[Any], settings: ModelSettings, since: datetime, now: datetime, forecaster: Forecaster
) -> tuple[list[Insight], dict[str, int]]:
    """Every insight of the window ``since``..``now`` and how many pairs each kind tested."""
    series = list(host_resource_series(conn, since))
    inputs = load_inputs(conn, since, {s.subject for s in series})
    return insights_of(inputs, series, settings.capacity_threshold_percent, now, forecaster)


def insights_of(
    inputs: InsightInputs, series: Sequence[Series], threshold: float, now: datetime, forecaster: Forecaster
) -> tuple[list[Insight], dict[str, int]]:
    """The finders on loaded inputs (the job's and the evaluation's common path): insights and tests per kind."""
    trends, n_trend = pattern_trends(inputs.hits, inputs.runs, inputs.templates, now)
    workload = daily_workload(inputs.runs)
    links, n_link = workload_links(workload, daily_means(series), inputs.host_of, inputs.workstation_of)
    plans = capacity_plans(series, workload, links, inputs.host_of, inputs.workstation_of, threshold, now, forecaster)
    tie_patterns_to_capacity(trends, plans, inputs.host_of, inputs.workstation_of)
    tested = {"pattern_trend": n_trend, "workload_resource_link": n_link, "capacity_plan": len(plans)}
    return [*trends, *links, *plans], tested


def refresh_insights(
    conn: psycopg.Connection[Any],
    settings: ModelSettings,
    since: str | datetime | None = None,
    now: datetime | None = None,
    publish: Callable[[Sequence[Alert]], None] | None = None,
    forecaster: Forecaster | None = None,
) -> InsightsReport:
    """Find, write and alert on an autocommit connection; raises :class:`InsightsAlreadyRunning` when locked."""
    now = now or datetime.now(UTC)
    start = parse_since(since, now, DEFAULT_SINCE_DAYS)
    report = InsightsReport(run_id=f"insights-{now:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}", since=start)
    t0 = time.monotonic()
    locked = conn.execute("SELECT pg_try_advisory_lock(%s)", (INSIGHTS_LOCK,)).fetchone()
    if not locked or not locked[0]:
        raise InsightsAlreadyRunning("another insights run holds the insights lock of this database")
    try:
        found, report.tested = find_insights(
            conn, settings, start, now, forecaster or prophet_forecaster(settings.forecast_min_points)
        )
        report.insights = found
        with conn.transaction():
            write_insights(conn, found, report.run_id, now)
            cleared = clear_missing(conn, [i.insight_id for i in found], report.run_id, now)
        report.cleared = len(cleared)
        conditions = [_condition(i, now) for i in found]
        conditions += [
            Condition(kind=k, subject=s, metric=m, severity="info", observed_at=now, firing=False,  # type: ignore[arg-type]
                      summary=f"no longer found: {text}")
            for k, s, m, text in cleared
        ]  # fmt: skip
        book = AlertBook(max(settings.alert_dedup_window_s, DEDUP_MIN_S), open_alerts_from_db(conn, ALERT_KINDS))
        events = book.apply_all(conditions)
        if publish is not None and events:
            publish(events)
        with conn.transaction():
            report.alerts_written = write_alerts(conn, events)
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s)", (INSIGHTS_LOCK,))
    report.seconds = round(time.monotonic() - t0, 2)
    log.info(
        "insights.done", run_id=report.run_id, found=report.counts(), tested=report.tested, cleared=report.cleared,
        alerts=report.alerts_written, seconds=report.seconds,
    )  # fmt: skip
    return report


def run_insights(
    database_url: str,
    settings: ModelSettings,
    since: str | datetime | None = None,
    now: datetime | None = None,
    publish: Callable[[Sequence[Alert]], None] | None = None,
) -> InsightsReport:
    """:func:`refresh_insights` on a connection of its own (the ``twspulse insights`` command)."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        return refresh_insights(conn, settings, since, now, publish)


def _condition(i: Insight, now: datetime) -> Condition:
    """Firing for a significant insight with a recommendation (links: always, as information)."""
    firing = i.significant and (i.kind == "workload_resource_link" or i.priority is not None)
    evidence = {
        "insight_id": i.insight_id,
        "priority": i.priority,
        "action": i.action,
        "deadline": i.deadline.isoformat() if i.deadline else None,
        "prediction": i.prediction,
        "confidence": i.confidence,
    }
    return Condition(
        kind=i.kind, subject=i.subject, metric=i.metric or None, severity=_SEVERITY.get(i.priority, "info"),
        summary=i.summary, observed_at=now, firing=firing, evidence=evidence,
    )  # fmt: skip


def training_step(
    conn: psycopg.Connection[Any],
    settings: ModelSettings,
    since: datetime,
    now: datetime,
    publish: Callable[[Sequence[Alert]], None] | None = None,
) -> dict[str, Any]:
    """The insights as the last step of ``twspulse train`` (same window): a summary for ``model_runs.metrics``.

    An insights run already going (``twspulse insights`` by hand) is left to finish: skipped, not an error.
    """
    try:
        report = refresh_insights(conn, settings, since, now, publish)
    except InsightsAlreadyRunning as exc:
        log.warning("insights.skipped", reason=str(exc))
        return {"status": "skipped", "reason": str(exc)}
    return {
        "status": "ok",
        "found": report.counts(),
        "tested": report.tested,
        "cleared": report.cleared,
        "alerts": report.alerts_written,
        "seconds": report.seconds,
    }
