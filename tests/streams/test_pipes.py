"""The declarations of twspulse/streams/pipes.py drive the worker's runtime, whichever carrier runs a pipe.

- every topic model is declared exactly once, each pipe on a carrier the worker has;
- a malformed record of each declared topic becomes a dead letter on that pipe's dead-letter topic, through the
  same ``Flow.run`` the Faust agent and the batch consumer call;
- a flow writes its rows before its stages see the records, gives the stages only what was stored, applies the
  stages' alert conditions together, stores a mapper's state last, and dead-letters a refused row's record;
- a bug in a stage dead-letters the batch whole (never acked unprocessed).
(tests/streams/test_worker_dlq.py checks the same on a real broker and database, with the worker's own process.)
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import pytest

from twspulse.events import DeadLetter, WorkstationStatus
from twspulse.models.alerts import Condition
from twspulse.settings import Settings
from twspulse.streams.alert_stage import AlertStage
from twspulse.streams.anomaly_stage import AnomalyStage
from twspulse.streams.changelog_table import ChangelogTable
from twspulse.streams.dead_letters import Consumed
from twspulse.streams.flow import Flow, FlowParts, Mapped, PerRecord, Stored
from twspulse.streams.pipes import PIPES
from twspulse.streams.retry_policy import RetryPolicy
from twspulse.streams.rows import WORKSTATION_COLUMNS, workstation_row
from twspulse.streams.timescale_sink import RejectedRow
from twspulse.topics import ALL_TOPICS, DATA_TOPICS, WORKSTATIONS


class RecordingProducer:
    """What a flow sends (dead letters, forwarded records), kept instead of delivered."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes, bytes]] = []
        self.flushes = 0

    def send_raw(self, topic: str, key: bytes, value: bytes, partition: int | None = None) -> None:
        self.sent.append((topic, key, value))

    def flush(self, timeout_s: float = 30.0) -> None:
        self.flushes += 1


class RecordingSink:
    """Keeps the rows written, in order, and refuses the rows ``refuse`` says."""

    def __init__(self, events: list[str], refuse: Callable[[tuple[Any, ...]], bool] = lambda row: False):
        self.events = events
        self.refuse = refuse
        self.rows: dict[str, list[tuple[Any, ...]]] = {}

    async def write(self, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> list[RejectedRow]:
        self.events.append(f"write {table}")
        refused = [RejectedRow(i, "DataError: value out of range") for i, row in enumerate(rows) if self.refuse(row)]
        self.rows.setdefault(table, []).extend(r for i, r in enumerate(rows) if i not in {x.index for x in refused})
        return refused


class RecordingAlerts:
    def __init__(self, events: list[str]):
        self.events = events
        self.applied: list[Condition] = []

    async def apply(self, conditions: Sequence[Condition]) -> list[Any]:
        self.events.append(f"alerts {len(conditions)}")
        self.applied.extend(conditions)
        return []


class RecordingParts(FlowParts):
    """The worker's parts with recording producers (one per flow, as the worker has)."""

    producers: dict[str, RecordingProducer]

    def producer(self, name: str) -> Any:
        return self.producers.setdefault(name, RecordingProducer())


def _parts(settings: Settings, sink: Any, alerts: Any) -> RecordingParts:
    parts = RecordingParts(
        settings, "127.0.0.1:9", "postgresql://127.0.0.1:9/unused", None, sink, RetryPolicy(base_delay_s=0.01),  # type: ignore[arg-type]
        AnomalyStage(sink, 0.5), alerts, lambda topic: 2,
    )  # fmt: skip
    parts.producers = {}
    return parts


def test_every_topic_model_is_declared_exactly_once_on_a_carrier_the_worker_has() -> None:
    assert sorted(p.model.__name__ for p in PIPES) == sorted(t.model.__name__ for t in DATA_TOPICS)
    assert sorted(p.topic.name for p in PIPES) == sorted(t.name for t in DATA_TOPICS)
    assert {p.carrier for p in PIPES} <= {"faust", "batch"}
    created = {t.name for t in ALL_TOPICS}
    for p in PIPES:
        assert p.dead_letter_topic == f"{p.topic.name}.dlq" and p.dead_letter_topic in created
        assert p.route is None or p.route.to.name in created


def test_a_malformed_record_of_each_declared_topic_lands_on_that_pipes_dead_letter_topic(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ChangelogTable, "ensure_topic", lambda self, partitions: None)  # no broker in this test
    events: list[str] = []
    sink = RecordingSink(events)
    parts = _parts(settings, sink, AlertStage(sink, RecordingProducer(), "postgresql://127.0.0.1:9/u", 60.0))  # type: ignore[arg-type]
    carriers = set()
    for pipe in PIPES:
        flow = pipe.build(parts)
        carriers.add(pipe.carrier)
        bad = Consumed(pipe.topic.name, b"k1", b'{"not": "a record"}', 1, 41, 1_700_000_000_000)
        asyncio.run(flow.run([bad]))
        (sent,) = parts.producers[pipe.topic.name].sent
        assert sent[0] == pipe.dead_letter_topic
        dead = DeadLetter.model_validate_json(sent[2])
        assert dead.source_topic == pipe.topic.name and (dead.partition, dead.offset) == (1, 41)
        assert dead.error_type == "ValidationError"
        assert dead.reason.startswith(f"record does not match {pipe.model.__name__}: ")
        assert dead.raw() == b'{"not": "a record"}' and dead.key == "k1"
    assert carriers == {"faust", "batch"}  # both carriers' pipes went through the same path
    assert sink.rows == {}  # nothing of a malformed record is written


def _workstation(name: str) -> WorkstationStatus:
    return WorkstationStatus(workstation=name, linked=True, running=True, active_states=["LINKED"],
                             observed_at=datetime(2026, 12, 1, tzinfo=UTC), limit=10)  # fmt: skip


class StatefulRows(PerRecord):
    """A stateless mapper that records when the flow settles it (where a stateful one stores its state)."""

    def __init__(self, events: list[str]):
        super().__init__(lambda w: [workstation_row(w)])
        self.events = events

    async def settle(self, mapped: Mapped, owned: Callable[[], bool]) -> None:
        self.events.append(f"settle {len(mapped.items)} owned={owned()}")


def test_a_flow_writes_rows_then_stages_then_alerts_then_state_and_dead_letters_refused_rows(
    settings: Settings,
) -> None:
    events: list[str] = []
    sink = RecordingSink(events, refuse=lambda row: row[1] == "/REFUSED")
    alerts = RecordingAlerts(events)
    parts = _parts(settings, sink, alerts)
    seen: list[list[str]] = []

    async def linked(stored: Sequence[Stored]) -> Sequence[Condition]:
        names = [w.workstation for w, _ in stored]  # type: ignore[attr-defined]
        seen.append(names)
        events.append("stage linked")
        return [Condition(kind="metric_anomaly", subject=n, severity="info", firing=False, summary="linked",
                          observed_at=datetime(2026, 12, 1, tzinfo=UTC)) for n in names]  # fmt: skip

    async def second(stored: Sequence[Stored]) -> Sequence[Condition]:
        events.append("stage second")
        return []

    producer = RecordingProducer()
    flow = Flow(WORKSTATIONS, "workstation_status", WORKSTATION_COLUMNS, StatefulRows(events), [linked, second],
                parts, producer, WORKSTATIONS.dlq)  # type: ignore[arg-type]  # fmt: skip
    batch = [
        Consumed(WORKSTATIONS.name, b"w", _workstation(name).to_bytes(), 0, offset, None)
        for offset, name in enumerate(["/A", "/REFUSED", "/B"])
    ]
    asyncio.run(flow.run(batch, owned=lambda: True))

    assert events == ["write workstation_status", "stage linked", "stage second", "alerts 2", "settle 3 owned=True"]
    assert seen == [["/A", "/B"]]  # the stages see only what was stored
    assert [c.subject for c in alerts.applied] == ["/A", "/B"]
    assert [r[1] for r in sink.rows["workstation_status"]] == ["/A", "/B"]
    (sent,) = producer.sent
    dead = DeadLetter.model_validate_json(sent[2])
    assert sent[0] == WORKSTATIONS.dlq and dead.offset == 1 and dead.error_type == "DBError"
    assert dead.reason.startswith("database refused row: DataError")


def test_a_bug_in_a_stage_dead_letters_the_batch_whole(settings: Settings) -> None:
    events: list[str] = []
    sink = RecordingSink(events)
    parts = _parts(settings, sink, RecordingAlerts(events))

    async def broken(stored: Sequence[Stored]) -> Sequence[Condition]:
        raise KeyError("no such series")

    producer = RecordingProducer()
    flow = Flow(WORKSTATIONS, "workstation_status", WORKSTATION_COLUMNS, PerRecord(lambda w: [workstation_row(w)]),
                [broken], parts, producer, WORKSTATIONS.dlq)  # type: ignore[arg-type]  # fmt: skip
    batch = [Consumed(WORKSTATIONS.name, b"w", _workstation(f"/W{i}").to_bytes(), 0, i, None) for i in range(3)]
    asyncio.run(flow.run(batch))
    dead = [DeadLetter.model_validate_json(v) for _, _, v in producer.sent]
    assert [d.offset for d in dead] == [0, 1, 2]
    assert all(d.error_type == "WorkerError" and "KeyError" in d.reason for d in dead)
