"""Streaming anomaly scores: every new host metric point and every successful run's duration is scored
against its own series' recent past as soon as its row is written, so an alert leaves within seconds.

One ``models.anomaly_scoring.AnomalyDetector`` per series (host + metric + device, or job definition), kept
in the worker's memory: the same detector as ``twspulse anomalies score`` and ``bench/nab_eval.py``, with
``host_metrics_config`` for host series and ``job_runtimes_config`` for job runtimes (its own margins, chosen on
the simulator's slow runs: ``bench/runtime_anomaly_eval.py``; a shorter warm-up, no cooldown: runs are far
apart). A series seen for the first time (worker start, rebalance, a new host) is warmed up from the database
with the points just before it (``HISTORY_POINTS``), so a restart does not blind the detector and no
detector state has to travel through Kafka. Scores above ``ANOMALY_FLOOR`` are written to
``anomalies`` with the detector's reason (``evidence``: component, expected range, score), and each scored
series gives a firing or cleared alert condition: firing exactly when the detector flags the point, so the
cooldown after a flag keeps one event to one alert.

Each finished run is also scored by the batch detector (``models.isolation_forest``, trained by
``twspulse train``): the worker holds a ``LatestModel`` and picks up a new version at the next batch, without
a restart. Live, the run's host CPU/memory are not looked up (the model fills them with its training
medians); the runs it flags are written to ``anomalies`` with detector ``isolation_forest``.

At-least-once delivery means a redelivered batch is scored again: its ``anomalies`` rows are idempotent
(primary key), its alert conditions only raise an open alert's count.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from twspulse.events import HostMetrics, JobEvent, StatusCategory
from twspulse.models.alerts import Condition
from twspulse.models.anomaly_scoring import AnomalyDetector, Verdict, host_metrics_config, job_runtimes_config
from twspulse.models.isolation_forest import LatestModel
from twspulse.streams.enrichment import Enrichment
from twspulse.streams.rows import host_metric_rows
from twspulse.streams.timescale_sink import TimescaleSink

ANOMALY_FLOOR = 0.5
ANOMALY_COLUMNS = (
    "time", "subject_kind", "subject", "metric", "value", "score", "is_anomaly", "detector", "model_version", "run_id",
    "evidence",
)  # fmt: skip
DETECTOR = "robust_baseline"  # the detector column's value for the streaming detector (kept across versions)
HISTORY_POINTS = 1000  # points read back to warm up a series first seen (at least every warm-up)

_HOST_HISTORY = """
SELECT k.host, k.metric, k.device, d.vals
FROM unnest(%s::text[], %s::text[], %s::text[], %s::timestamptz[]) AS k(host, metric, device, before)
CROSS JOIN LATERAL (
  SELECT array_agg(value ORDER BY time) AS vals FROM (
    SELECT time, value FROM host_metrics
    WHERE host = k.host AND metric = k.metric AND device = k.device AND time < k.before
    ORDER BY time DESC LIMIT %s) last) d
"""
_JOB_HISTORY = """
SELECT k.job_key, d.vals
FROM unnest(%s::text[], %s::timestamptz[]) AS k(job_key, before)
CROSS JOIN LATERAL (
  SELECT array_agg(duration_s ORDER BY time) AS vals FROM (
    SELECT time, duration_s FROM job_runs
    WHERE job_key = k.job_key AND category = 'succeeded' AND duration_s IS NOT NULL AND time < k.before
    ORDER BY time DESC LIMIT %s) last) d
"""


@dataclass(frozen=True)
class _Point:
    series: tuple[str, ...]
    time: datetime
    value: float
    run_id: str | None = None


class AnomalyStage:
    """Scores host metric points and job runtimes; returns anomaly rows and alert conditions."""

    def __init__(self, sink: TimescaleSink, threshold: float, batch_model: LatestModel | None = None):
        self._sink = sink
        self._configs = {"host": host_metrics_config(threshold), "job": job_runtimes_config(threshold)}
        self._scorers: dict[tuple[str, ...], AnomalyDetector] = {}
        self._batch_model = batch_model
        self.points_scored = 0

    async def score_hosts(self, samples: Sequence[HostMetrics]) -> tuple[list[tuple[Any, ...]], list[Condition]]:
        """Anomaly rows and metric_anomaly conditions for a batch of host samples (in arrival order)."""
        points = [
            _Point(("host", m.host, metric, device), m.time, value)
            for m in samples
            for metric, device, value in _host_values(m)
        ]
        await self._warm_up(points)
        rows: list[tuple[Any, ...]] = []
        conditions: list[Condition] = []
        for p in points:
            _, host, metric, device = p.series
            name = f"{metric}:{device}" if device else metric
            verdict, evidence = self._score(p)
            if verdict.score >= ANOMALY_FLOOR:
                rows.append((p.time, "host", host, name, p.value, verdict.score, verdict.is_anomaly, DETECTOR, None,
                             None, json.dumps(evidence)))  # fmt: skip
            summary = f"{name} on {host} is {p.value:.1f}" + _usual(verdict, ".1f")
            conditions.append(
                Condition(kind="metric_anomaly", subject=host, metric=name, severity="warning", summary=summary,
                          observed_at=p.time, firing=verdict.is_anomaly, evidence=evidence)
            )  # fmt: skip
        return rows, conditions

    async def score_runs(
        self, runs: Sequence[tuple[JobEvent, Enrichment]]
    ) -> tuple[list[tuple[Any, ...]], list[Condition]]:
        """Anomaly rows and runtime_anomaly conditions for the successful runs of a batch."""
        points = [
            _Point(("job", x.job_key), e.status_time, (e.end_time - e.start_time).total_seconds(), e.run_id)
            for e, x in runs
            if e.category is StatusCategory.SUCCEEDED and e.end_time is not None and e.start_time is not None
        ]
        await self._warm_up(points)
        rows: list[tuple[Any, ...]] = self._batch_rows(runs)
        conditions: list[Condition] = []
        for p in points:
            job = p.series[1]
            verdict, evidence = self._score(p)
            evidence["run_id"] = p.run_id
            if verdict.score >= ANOMALY_FLOOR:
                rows.append((p.time, "job", job, "duration_s", p.value, verdict.score, verdict.is_anomaly, DETECTOR,
                             None, p.run_id, json.dumps(evidence)))  # fmt: skip
            summary = f"{job} ran {p.value:.0f}s" + _usual(verdict, ".0f", "s")
            conditions.append(
                Condition(kind="runtime_anomaly", subject=job, metric="duration_s", severity="warning",
                          summary=summary, observed_at=p.time, firing=verdict.is_anomaly, evidence=evidence)
            )  # fmt: skip
        return rows, conditions

    def _batch_rows(self, runs: Sequence[tuple[JobEvent, Enrichment]]) -> list[tuple[Any, ...]]:
        """Rows for the runs the latest IsolationForest flags (none before the first training)."""
        model = self._batch_model.load_latest() if self._batch_model is not None else None
        done = [(e, x) for e, x in runs if e.start_time is not None and e.end_time is not None]
        if model is None or not done:
            return []
        frame = pd.DataFrame(
            [
                {
                    "duration_s": (e.end_time - e.start_time).total_seconds(),  # type: ignore[operator]
                    "late_start_s": x.late_start_s,
                    "duration_deviation": x.duration_deviation,
                    "failed_rc": None if e.return_code is None else float(e.return_code != 0),
                    "hour_of_day": float(e.start_time.astimezone(UTC).hour),  # type: ignore[union-attr]
                }
                for e, x in done
            ]
        )
        scores, flags = model.score(frame), model.is_anomaly(frame)
        return [
            (e.status_time, "job", x.job_key, "run_features", float(frame.at[i, "duration_s"]), float(scores[i]), True,
             "isolation_forest", model.version, e.run_id, None)
            for i, (e, x) in enumerate(done)
            if flags[i]
        ]  # fmt: skip

    def _score(self, p: _Point) -> tuple[Verdict, dict[str, Any]]:
        """The detector's verdict on a point and the evidence an anomaly row and an alert carry."""
        scorer = self._scorers[p.series]
        verdict = scorer.update(p.value)
        self.points_scored += 1
        evidence: dict[str, Any] = {"value": p.value, "threshold": scorer.config.threshold, **verdict.evidence()}
        return verdict, evidence

    async def _warm_up(self, points: Sequence[_Point]) -> None:
        """Create the scorers of series seen for the first time, fed with their last stored points."""
        first: dict[tuple[str, ...], datetime] = {}
        for p in points:
            if p.series not in self._scorers and p.series not in first:
                first[p.series] = p.time
        if not first:
            return
        hosts = [(s, t) for s, t in first.items() if s[0] == "host"]
        jobs = [(s, t) for s, t in first.items() if s[0] == "job"]
        async with self._sink.connection() as conn:
            history: dict[tuple[str, ...], list[float]] = {}
            if hosts:
                cur = await conn.execute(
                    _HOST_HISTORY,
                    ([s[1] for s, _ in hosts], [s[2] for s, _ in hosts], [s[3] for s, _ in hosts],
                     [t for _, t in hosts], HISTORY_POINTS),
                )  # fmt: skip
                history.update({("host", h, m, d): vals or [] for h, m, d, vals in await cur.fetchall()})
            if jobs:
                cur = await conn.execute(_JOB_HISTORY, ([s[1] for s, _ in jobs], [t for _, t in jobs], HISTORY_POINTS))
                history.update({("job", k): vals or [] for k, vals in await cur.fetchall()})
        for series in first:
            scorer = AnomalyDetector(self._configs[series[0]])
            for value in history.get(series, []):
                scorer.update(float(value))
            self._scorers.setdefault(series, scorer)  # another agent may have warmed it up meanwhile


def _usual(verdict: Verdict, fmt: str, unit: str = "") -> str:
    """ ", usual 12.0-30.5" from the expected range of a flagged or near-flagged point (empty otherwise)."""
    if verdict.expected_low is None or verdict.expected_high is None:
        return ""
    lo, hi = format(verdict.expected_low, fmt), format(verdict.expected_high, fmt)
    return f", usual {lo}{unit} to {hi}{unit} ({verdict.component})"


# The host_metrics rows that are scored: levels that can spike or fill, not counters or byte totals.
SCORED_HOST_METRICS = frozenset({"cpu.percent", "memory.percent", "load.1m", "swap.percent", "disk.used_percent"})


def _host_values(m: HostMetrics) -> list[tuple[str, str, float]]:
    """(metric, device, value) of the sample's scored rows, named exactly as host_metrics stores them."""
    return [
        (metric, device, float(value))
        for _, _, metric, device, value in host_metric_rows(m)
        if metric in SCORED_HOST_METRICS and math.isfinite(float(value))
    ]
