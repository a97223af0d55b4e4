"""The alert state machine: conditions in, alert change events out; plus writing those events to ``alerts``.

Detectors say what they see ("disk /data on web01 crosses 90% in 12 days", "this run is anomalous") as a
:class:`Condition`, firing or cleared, as often as they like. :class:`AlertBook` turns that into the few events
an SRE should get:
- the first firing condition of a dedup key (kind + subject + metric) opens an alert;
- a repeat within ``dedup_window_s`` of the alert's last sighting updates that alert (``count``, ``last_seen``,
  latest summary and evidence, highest severity) instead of opening another;
- a repeat after a longer silence resolves the stale alert and opens a new one (a new incident);
- a cleared condition resolves the open alert; clearing something that is not open does nothing.

Pure logic with a JSON-able state (:meth:`AlertBook.to_dict`), so the worker can keep it in a Faust table and
the nightly training can rebuild it from the table (:func:`open_alerts_from_db`). Alert ids are derived from
the dedup key and the first sighting, so replaying the same conditions yields the same rows, and
:func:`write_alerts` is idempotent on ``(alert_id, time)``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

import psycopg
from psycopg.types.json import Jsonb

from twspulse.events import Alert
from twspulse.producer import EventProducer
from twspulse.topics import ALERTS

AlertKind = Literal[
    "job_failed", "runtime_anomaly", "metric_anomaly", "capacity_forecast", "sla_risk",
    "pattern_trend", "workload_resource_link", "capacity_plan",  # insights (issue 17)
]  # fmt: skip
Severity = Literal["info", "warning", "critical"]
_SEVERITY_RANK = {"info": 0, "warning": 1, "critical": 2}

ALERT_COLUMNS = (
    "time", "alert_id", "dedup_key", "kind", "severity", "state", "subject", "first_seen", "last_seen", "count",
    "summary", "evidence",
)  # fmt: skip


@dataclass(frozen=True)
class Condition:
    """One observation of a detector: what, about whom, how bad, and whether it is (still) true."""

    kind: AlertKind
    subject: str
    severity: Severity
    summary: str
    observed_at: datetime
    firing: bool = True
    metric: str | None = None  # separates two conditions of one kind on one subject (two disks of a host)
    evidence: dict[str, Any] = field(default_factory=dict)

    @property
    def dedup_key(self) -> str:
        """What makes two conditions the same alert."""
        return f"{self.kind}:{self.subject}" + (f":{self.metric}" if self.metric else "")


def _after(previous: datetime, t: datetime) -> datetime:
    """The time of an alert's next change: ``t``, but strictly after its previous change."""
    return max(t, previous + timedelta(microseconds=1))


def alert_id_for(dedup_key: str, first_seen: datetime) -> str:
    """Deterministic id: the same conditions replayed give the same alert ids (idempotent writes)."""
    return hashlib.sha1(f"{dedup_key}|{first_seen.isoformat()}".encode()).hexdigest()[:20]  # noqa: S324 - an id


class AlertBook:
    """The open alerts, keyed by dedup key, and the rules that turn conditions into alert events."""

    def __init__(self, dedup_window_s: float, open_alerts: dict[str, Alert] | None = None) -> None:
        if dedup_window_s <= 0:
            raise ValueError(f"dedup_window_s must be positive, got {dedup_window_s}")
        self.window = timedelta(seconds=dedup_window_s)
        self.open: dict[str, Alert] = dict(open_alerts or {})

    def apply(self, condition: Condition) -> list[Alert]:
        """Events (zero, one or two) caused by one condition; the book's state is updated."""
        key = condition.dedup_key
        current = self.open.get(key)
        t = condition.observed_at
        if not condition.firing:
            if current is None:
                return []
            del self.open[key]
            return [self._resolved(current, t, condition.summary, condition.evidence)]
        events: list[Alert] = []
        if current is not None and t - current.last_seen > self.window:
            # A new incident: the old alert went quiet longer than the window, so it is closed where it stopped.
            del self.open[key]
            events.append(self._resolved(current, current.last_seen + self.window, current.summary, {}))
            current = None
        if current is None:
            alert = Alert(
                alert_id=alert_id_for(key, t),
                dedup_key=key,
                kind=condition.kind,
                severity=condition.severity,
                state="firing",
                subject=condition.subject,
                first_seen=t,
                last_seen=t,
                count=1,
                summary=condition.summary,
                evidence=condition.evidence,
                time=t,
            )
        else:
            severity = max(current.severity, condition.severity, key=_SEVERITY_RANK.__getitem__)
            alert = current.model_copy(
                update={
                    "severity": severity,
                    "last_seen": max(current.last_seen, t),
                    "count": current.count + 1,
                    "summary": condition.summary,
                    "evidence": condition.evidence,
                    # a late, out-of-order sighting must not give the change an earlier (or the same) time than
                    # the last one: (alert_id, time) identifies a change in the table
                    "time": _after(current.time, t),
                }
            )
        self.open[key] = alert
        events.append(alert)
        return events

    def enrich(self, dedup_key: str, run_id: str, summary: str, evidence: dict[str, Any]) -> Alert | None:
        """An update of the open alert of ``dedup_key`` that adds what was learned later about the same run
        (a root-cause annotation), without counting a new sighting; None when no such alert is open.

        Only the alert the run itself opened or last updated is enriched: an annotation must not reopen a
        resolved alert, nor be pinned on another run's incident.
        """
        current = self.open.get(dedup_key)
        if current is None or current.evidence.get("run_id") != run_id:
            return None
        alert = current.model_copy(
            update={
                "summary": summary,
                "evidence": {**current.evidence, **evidence},
                # a change of its own: one microsecond after the last, so (alert_id, time) stays unique
                "time": _after(current.time, datetime.now(current.time.tzinfo)),
            }
        )
        self.open[dedup_key] = alert
        return alert

    def adopt(self, alert: Alert) -> None:
        """Take over ``alert`` as the open alert of its dedup key (as another worker last wrote it)."""
        self.open[alert.dedup_key] = alert

    def apply_all(self, conditions: Iterable[Condition]) -> list[Alert]:
        """Events of several conditions, in order."""
        return [event for c in conditions for event in self.apply(c)]

    @staticmethod
    def _resolved(alert: Alert, t: datetime, summary: str, evidence: dict[str, Any]) -> Alert:
        return alert.model_copy(
            update={
                "state": "resolved",
                "time": _after(alert.time, t),
                "summary": summary or alert.summary,
                "evidence": {**alert.evidence, **evidence},
            }
        )

    # --- state -------------------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """JSON-able state: the open alerts (the window is configuration, not state)."""
        return {"v": 1, "open": {k: a.model_dump(mode="json") for k, a in self.open.items()}}

    @classmethod
    def from_dict(cls, state: dict[str, Any] | None, dedup_window_s: float) -> AlertBook:
        """Rebuild from :meth:`to_dict` output (None or {} gives an empty book)."""
        if not state:
            return cls(dedup_window_s)
        if state.get("v") != 1:
            raise ValueError(f"unknown alert book state version {state.get('v')!r}")
        return cls(dedup_window_s, {k: Alert.model_validate(a) for k, a in state["open"].items()})


def alert_row(a: Alert) -> tuple[Any, ...]:
    """Row of the ``alerts`` table."""
    return (
        a.time, a.alert_id, a.dedup_key, a.kind, a.severity, a.state, a.subject, a.first_seen, a.last_seen,
        a.count, a.summary, Jsonb(a.evidence),
    )  # fmt: skip


def publish_alerts(producer: EventProducer, events: Iterable[Alert]) -> None:
    """Send alert events to the ``alerts`` topic (keyed by dedup key) and wait for the broker's ack."""
    for event in events:
        producer.send(ALERTS.name, event.dedup_key, event)
    producer.flush(60.0)


def write_alerts(conn: psycopg.Connection[Any], events: Iterable[Alert]) -> int:
    """Insert alert events; a redelivered event (same ``alert_id`` and ``time``) is a no-op. Returns rows new."""
    rows = [alert_row(a) for a in events]
    if not rows:
        return 0
    placeholders = ", ".join(["%s"] * len(ALERT_COLUMNS))
    sql = f"INSERT INTO alerts ({', '.join(ALERT_COLUMNS)}) VALUES ({placeholders}) ON CONFLICT DO NOTHING"
    with conn.cursor() as cur:
        cur.executemany(sql, rows, returning=False)
        inserted = cur.rowcount
    return max(inserted, 0)


def open_alerts_from_db(
    conn: psycopg.Connection[Any], kinds: Iterable[str], dedup_keys: Iterable[str] | None = None
) -> dict[str, Alert]:
    """The alerts of ``kinds`` (only those of ``dedup_keys`` when given) whose latest change is firing, by dedup
    key: the state a batch job or a worker resumes from, and what another worker's alert looks like now."""
    keys = None if dedup_keys is None else list(dedup_keys)
    rows = conn.execute(
        f"SELECT {', '.join(ALERT_COLUMNS)} FROM ("
        f"  SELECT DISTINCT ON (alert_id) * FROM alerts WHERE kind = ANY(%s)"
        f"  {'' if keys is None else 'AND dedup_key = ANY(%s)'} ORDER BY alert_id, time DESC"
        ") latest WHERE state = 'firing'",
        (list(kinds),) if keys is None else (list(kinds), keys),
    ).fetchall()
    out: dict[str, Alert] = {}
    for row in rows:
        alert = Alert.model_validate(dict(zip(ALERT_COLUMNS, row, strict=True)))
        kept = out.get(alert.dedup_key)
        if kept is None or alert.last_seen > kept.last_seen:
            out[alert.dedup_key] = alert
    return out
