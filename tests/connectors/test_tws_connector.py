"""The TWS connector on a real broker against the simulator: resume, faults and bad payloads.

What happens to each failure:
- connector stopped and restarted            -> resumes from tws.connector.state: no duplicate, no gap
- engine answers 500 while a poll is running -> the poll's transaction is not committed; the next poll
                                                publishes the same changes once
- a job with an unknown status or no id      -> tws.job.events.dlq with the raw payload, once; the other
                                                jobs of the page are published
- engine unreachable                         -> the poll fails with TwsUnavailable, the loop keeps going
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter

import httpx
import pytest
from confluent_kafka import Consumer, TopicPartition

from tests.tws_scenario import event_ids, simulator, status_keys
from twspulse.connectors.tws.client import RetryPolicy, TwsClient
from twspulse.connectors.tws.errors import TwsUnavailable
from twspulse.connectors.tws.poller import PollResult
from twspulse.connectors.tws.runner import build_poller
from twspulse.events import DeadLetter, JobEvent
from twspulse.settings import Settings

FAST_RETRY = RetryPolicy(attempts=2, base_delay_s=0.01, max_delay_s=0.05)


def read_topic(bootstrap: str, topic: str) -> list[bytes]:
    """Every committed record value of a topic, as a read_committed consumer sees it."""
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": f"reader-{topic}", "isolation.level": "read_committed",
                  "enable.auto.commit": False})  # fmt: skip
    try:
        parts = c.list_topics(topic, timeout=10).topics[topic].partitions
        tps = [TopicPartition(topic, p, 0) for p in parts]
        c.assign(tps)
        ends = {p: c.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1] for p in parts}
        values: list[bytes] = []
        idle = 0
        while idle < 3:
            msg = c.poll(1.0)
            if msg is None:
                positions = c.position([TopicPartition(topic, p) for p in parts])
                if all(tp.offset >= ends[tp.partition] or ends[tp.partition] == 0 for tp in positions):
                    break
                idle += 1
                continue
            if not msg.error():
                values.append(msg.value())
        return values
    finally:
        c.close()


def test_restart_resumes_without_duplicates_or_gaps(kafka: str, settings: Settings) -> None:
    expected: set[str] = set()
    with simulator(seed=11) as sim:
        cfg = settings.model_copy(update={"tws_url": sim.base_url})

        async def run_polls(n: int, fail_midway: bool = False, resume_at_same_time: bool = False) -> None:
            async with TwsClient(cfg, retry=FAST_RETRY) as client:
                poller = build_poller(cfg, kafka, client)  # a new process would do exactly this
                for i in range(n):
                    if not (resume_at_same_time and i == 0):
                        sim.clock.advance(90 * 60)
                    expected.update(event_ids(sim))
                    if fail_midway and i == n - 1:
                        # the page read succeeds, the joblog fetch then meets a dead engine
                        httpx.post(f"{sim.root_url}/sim/faults", json={"error_500": 100})
                        try:
                            await poller.poll_once()
                        except TwsUnavailable:
                            pass
                        httpx.delete(f"{sim.root_url}/sim/faults")
                    else:
                        await poller.poll_once()

        asyncio.run(run_polls(5, fail_midway=True))  # first life ends with an uncommitted poll
        # second life, same connector name, first poll at the failed poll's engine time: what that poll
        # saw must now be published once (a status shorter than a poll interval is never seen by polling)
        asyncio.run(run_polls(6, resume_at_same_time=True))
        asyncio.run(run_polls(0))  # third life just resumes: must publish nothing new

    events = [JobEvent.model_validate_json(v) for v in read_topic(kafka, "tws.job.events")]
    ids = Counter(e.event_id for e in events)
    assert max(ids.values()) == 1, [k for k, n in ids.items() if n > 1][:5]  # no duplicates
    assert set(ids) == expected  # no gaps: every status the engine showed at a poll


@pytest.mark.parametrize("kind", ["unknown_status", "clock_ahead"])
def test_bad_jobs_are_dead_lettered_once_and_the_rest_published(kafka: str, settings: Settings, kind: str) -> None:
    """unknown_status fails the engine payload's validation; clock_ahead (a run ending in year 9999) passes
    it but fails the job-event contract: either way the job goes to the DLQ alone, the poll goes on."""
    with simulator(seed=3) as sim:
        cfg = settings.model_copy(update={"tws_url": sim.base_url})
        sim.clock.advance(6 * 3600)
        runs = status_keys(sim)  # read before arming: the fault spoils the next page served
        httpx.post(f"{sim.root_url}/sim/faults", json={"malformed": 1, "malformed_kind": kind})

        async def polls() -> tuple[PollResult, PollResult]:
            async with TwsClient(cfg, retry=FAST_RETRY) as client:
                poller = build_poller(cfg, kafka, client)
                first = await poller.poll_once()
                second = await poller.poll_once()  # same plan, no fault: nothing new, no second dead letter
                return first, second

        first, second = asyncio.run(polls())
    dead = [DeadLetter.model_validate_json(v) for v in read_topic(kafka, "tws.job.events.dlq")]
    assert len(dead) == 1
    assert "failed validation" in dead[0].reason
    events = sum(map(len, runs.values()))
    assert first.dead_letters == 1 and first.events == events - len(runs[dead[0].key or ""])  # the bad job only
    assert second.dead_letters == 0
    raw = json.loads(dead[0].raw())
    assert "lastRunCommonStatus" in raw or "lastRunCompositeStatus" in raw  # the payload is kept whole


def test_unreachable_engine_fails_the_poll_not_the_process(kafka: str, settings: Settings) -> None:
    cfg = settings.model_copy(update={"tws_url": "http://127.0.0.1:9/twsd/api/v2", "tws_timeout_s": 1.0})

    async def loop() -> int:
        async with TwsClient(cfg, retry=FAST_RETRY) as client:
            poller = build_poller(cfg, kafka, client)
            stop = asyncio.Event()
            await poller.run(stop, max_polls=2)  # returns after two failed polls instead of raising
            return client.requests_sent

    assert asyncio.run(loop()) == 4  # 2 polls x 2 attempts each
    assert read_topic(kafka, "tws.job.events") == []


def test_incremental_polls_reach_the_same_state_as_full_scans_reading_far_fewer_jobs(
    kafka: str, settings: Settings
) -> None:
    with simulator(seed=5) as sim:
        cfg = settings.model_copy(update={"tws_url": sim.base_url, "tws_full_scan_interval_s": 1e9})

        async def day() -> tuple[int, int, int, dict[str, dict[str, str]]]:
            async with TwsClient(cfg, retry=FAST_RETRY) as client:
                poller = build_poller(cfg, kafka, client)
                for _ in range(16):  # one full scan, then incremental polls only, 80 simulated minutes apart
                    sim.clock.advance(80 * 60)
                    await poller.poll_once()
                incremental_jobs_read = poller.totals.jobs_seen
                poller.request_full_scan()  # what the periodic full scan does: picks up run-less changes (cancels)
                await poller.poll_once()
                return incremental_jobs_read, poller.totals.full_scans, len(status_keys(sim)), dict(poller.store.seen)

        jobs_read, full_scans, plan_size, seen = asyncio.run(day())
        truth = status_keys(sim)
    assert full_scans == 2  # the first poll and the forced one; the 15 in between were incremental
    assert seen == truth  # same final state as reading the whole plan every time
    assert jobs_read < 16 * plan_size / 3, (jobs_read, plan_size)  # a fraction of 16 full reads


def test_plan_turnover_with_a_restart_in_between_loses_and_repeats_nothing(kafka: str, settings: Settings) -> None:
    expected: set[str] = set()
    plan_ids: set[str] = set()
    with simulator(seed=9) as sim:
        cfg = settings.model_copy(update={"tws_url": sim.base_url, "tws_full_scan_interval_s": 1e9})

        async def life(polls: int) -> None:
            async with TwsClient(cfg, retry=FAST_RETRY) as client:
                poller = build_poller(cfg, kafka, client)
                for _ in range(polls):
                    sim.clock.advance(2 * 3600)
                    expected.update(event_ids(sim))
                    await poller.poll_once()  # incremental, except the first poll and at turnover
                    plan_ids.add(poller.plan_id or "")

        asyncio.run(life(10))  # 20 simulated hours of day one
        asyncio.run(life(6))  # restart, then across midnight into day two
    events = [JobEvent.model_validate_json(v) for v in read_topic(kafka, "tws.job.events")]
    ids = Counter(e.event_id for e in events)
    assert len(plan_ids) == 2  # the turnover was seen
    assert max(ids.values()) == 1
    # incremental polls between full scans do not see run-less changes (cancels), the full scan at
    # turnover does; so every event published is one the engine showed, and nothing else is missing
    assert set(ids) <= expected
    missing = expected - set(ids)
    assert all("/-/" in k for k in missing), sorted(missing)[:5]  # only run-less states of waiting jobs


def test_runs_that_end_between_the_last_poll_and_plan_turnover_are_published(kafka: str, settings: Settings) -> None:
    """The last poll of a plan is at noon; its afternoon is read from the ended plan, after a restart."""
    with simulator(seed=5) as sim:
        cfg = settings.model_copy(update={"tws_url": sim.base_url, "tws_full_scan_interval_s": 1e9})

        async def life(hours: float) -> str | None:
            async with TwsClient(cfg, retry=FAST_RETRY) as client:
                poller = build_poller(cfg, kafka, client)
                sim.clock.advance(int(hours * 3600))
                await poller.poll_once()
                return poller.plan_id

        old_plan = asyncio.run(life(12))
        at_noon = event_ids(sim)
        new_plan = asyncio.run(life(13))  # a restart, then the first poll is in the next plan
        assert old_plan and new_plan and old_plan != new_plan
        ended_plan = event_ids(sim, old_plan)  # the old plan as it ended
    published = {JobEvent.model_validate_json(v).event_id for v in read_topic(kafka, "tws.job.events")}
    after_last_poll = {k for k in ended_plan - at_noon if "/-/" not in k}
    assert len(after_last_poll) > 5  # the plan did move after the last poll before midnight
    assert after_last_poll <= published, sorted(after_last_poll - published)[:5]
