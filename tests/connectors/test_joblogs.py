"""Joblogs from the engine: paged and capped, streamed with follow, and what happens when they break.

- a 200 MB joblog                         -> read page by page (from_line/to_line), cut at the cap, the
                                             cut recorded; memory stays near the cap, not 200 MB
- a joblog cut off mid-body               -> only that run waits: every other event of the poll goes out;
                                             the run and its whole joblog follow once, at the next try
- a joblog that keeps breaking            -> after tws_joblog_attempts tries the run goes out with
                                             joblog_unavailable, and a dead letter says why
- a joblog the engine refuses (4xx)       -> final at once: the run goes out with joblog_unavailable and a
                                             dead letter; the poll and its other joblogs go on
- a plan page that is not JSON            -> tws.job.events.dlq with the raw body; the poll fails and
                                             the next one goes on
- follow=true on a running job            -> lines arrive while the job runs; the stream ends with it
"""

from __future__ import annotations

import asyncio
import threading
import tracemalloc
from collections import Counter

import httpx
import pytest

from tests.connectors.test_tws_connector import read_topic
from tests.tws_scenario import simulator, snapshot
from twspulse.connectors.tws.client import RetryPolicy, TwsClient
from twspulse.connectors.tws.errors import TwsPayloadError
from twspulse.connectors.tws.runner import build_poller
from twspulse.events import DeadLetter, JobEvent, JobLogChunk
from twspulse.settings import Settings

FAST = RetryPolicy(attempts=2, base_delay_s=0.01, max_delay_s=0.02)


def test_a_200_mb_joblog_is_paged_and_capped_without_loading_it(settings: Settings) -> None:
    with simulator(seed=7, huge_joblog_first_failure=True, huge_joblog_bytes=200_000_000) as sim:
        run_id = sim.huge_joblog_run_id()
        sim.clock.advance(23 * 3600)
        cfg = settings.model_copy(update={"tws_url": sim.base_url, "tws_max_requests_per_s": 100.0})

        async def fetch() -> tuple[int, bool, int, int]:
            async with TwsClient(cfg) as client:
                tracemalloc.start()
                log = await client.joblog(run_id, max_bytes=3_000_000, page_lines=5000)
                _, peak = tracemalloc.get_traced_memory()
                tracemalloc.stop()
                return len(log.data), log.truncated, client.requests_sent, peak

        kept, truncated, requests, peak = asyncio.run(fetch())
    assert kept == 3_000_000 and truncated
    assert requests <= 10  # ~560 kB pages: 6 requests reach the cap, the other 197 MB are never asked for
    assert peak < 30_000_000, f"peak {peak / 1e6:.0f} MB"


def _failed_runs(sim) -> set[str]:  # type: ignore[no-untyped-def]
    runs = (r for j in snapshot(sim).values() for r in j.jobruns)
    return {r.id for r in runs if r.composite_status and r.composite_status.status == "ABEND"}


def test_a_joblog_cut_off_mid_body_holds_back_only_its_run_until_the_next_try(kafka: str, settings: Settings) -> None:
    with simulator(seed=7) as sim:
        cfg = settings.model_copy(update={"tws_url": sim.base_url, "tws_full_scan_interval_s": 1e-6})
        sim.clock.advance(12 * 3600)
        failed_runs = _failed_runs(sim)
        assert len(failed_runs) >= 2

        async def polls() -> tuple[int, int, int]:
            async with TwsClient(cfg, retry=FAST) as client:
                poller = build_poller(cfg, kafka, client)
                httpx.post(f"{sim.root_url}/sim/faults", json={"truncate_joblog": 1})
                first = await poller.poll_once()
                await asyncio.sleep(cfg.tws_poll_interval_s * 1.5)  # the joblog's own backoff
                second = await poller.poll_once()
                return first.events, first.joblogs_waiting, second.events

        first_events, waiting, second_events = asyncio.run(polls())
    assert waiting == 1 and second_events == 1  # one run waited one try; all the others went out at once
    events = [JobEvent.model_validate_json(v) for v in read_topic(kafka, "tws.job.events")]
    assert len(events) == first_events + 1 and len({e.event_id for e in events}) == len(events)
    assert not any(e.joblog_unavailable for e in events)
    chunks = [JobLogChunk.model_validate_json(v) for v in read_topic(kafka, "tws.job.logs")]
    per_run = Counter(c.run_id for c in chunks if c.chunk_index == 0)
    assert set(per_run) == failed_runs and max(per_run.values()) == 1
    assert all("Exit Status" in c.content for c in chunks if c.chunk_index == c.chunk_count - 1)


@pytest.mark.parametrize(
    "fault,reason,marked_runs",
    [
        ({"truncate_joblog": 100}, "joblog unavailable after 2 attempts", "all"),  # keeps breaking: the bound
        ({"joblog_error": 1, "joblog_error_status": 403}, "joblog refused: HTTP 403", "one"),  # final at once
        ({"joblog_error": 1, "joblog_error_status": 400}, "joblog refused: HTTP 400", "one"),
    ],
)
def test_a_joblog_given_up_on_publishes_its_run_marked_with_one_dead_letter(
    kafka: str, settings: Settings, fault: dict[str, int], reason: str, marked_runs: str
) -> None:
    with simulator(seed=7) as sim:
        cfg = settings.model_copy(update={"tws_url": sim.base_url, "tws_joblog_attempts": 2})
        sim.clock.advance(12 * 3600)
        failed_runs = _failed_runs(sim)

        async def polls() -> None:
            async with TwsClient(cfg, retry=FAST) as client:
                poller = build_poller(cfg, kafka, client)
                httpx.post(f"{sim.root_url}/sim/faults", json=fault)
                for _ in range(3):
                    await poller.poll_once()
                    await asyncio.sleep(cfg.tws_poll_interval_s * 1.5)

        asyncio.run(polls())
    events = [JobEvent.model_validate_json(v) for v in read_topic(kafka, "tws.job.events")]
    marked = {e.run_id: e.joblog_unavailable for e in events if e.joblog_unavailable}
    assert len(marked) == (len(failed_runs) if marked_runs == "all" else 1), marked
    assert set(marked) <= failed_runs and all(reason in why for why in marked.values())
    assert {e.run_id for e in events if e.run_id in failed_runs} == failed_runs  # every failed run went out
    dead = [DeadLetter.model_validate_json(v) for v in read_topic(kafka, "tws.job.logs.dlq")]
    assert sorted(d.key or "" for d in dead) == sorted(marked) and all(reason in d.reason for d in dead)
    chunks = [JobLogChunk.model_validate_json(v) for v in read_topic(kafka, "tws.job.logs")]
    assert {c.run_id for c in chunks} == failed_runs - set(marked)


def test_a_page_that_is_not_json_is_dead_lettered_and_polling_goes_on(kafka: str, settings: Settings) -> None:
    with simulator(seed=7) as sim:
        cfg = settings.model_copy(update={"tws_url": sim.base_url})
        sim.clock.advance(3 * 3600)

        async def polls() -> int:
            async with TwsClient(cfg, retry=FAST) as client:
                poller = build_poller(cfg, kafka, client)
                httpx.post(f"{sim.root_url}/sim/faults", json={"malformed_json": 1})
                with pytest.raises(TwsPayloadError):
                    await poller.poll_once()
                return (await poller.poll_once()).events

        assert asyncio.run(polls()) == len(snapshot(sim))
    (dead,) = [DeadLetter.model_validate_json(v) for v in read_topic(kafka, "tws.job.events.dlq")]
    assert dead.error_type == "TwsPayloadError" and "not an envelope" in dead.reason
    assert dead.raw()  # the body as the engine sent it


def test_follow_streams_a_running_joblog_until_the_job_ends(settings: Settings) -> None:
    with simulator(seed=7) as sim:
        running = None
        for _ in range(48):
            sim.clock.advance(15 * 60)
            running = next((j for j in snapshot(sim).values() if j.composite_status.status == "EXEC"), None)
            if running:
                break
        assert running and running.last_run
        cfg = settings.model_copy(update={"tws_url": sim.base_url})
        got_first = threading.Event()
        stop_ticking = threading.Event()

        def tick() -> None:  # the job's time passes only once the stream is open
            got_first.wait(10)
            while not stop_ticking.wait(0.05):
                sim.clock.advance(60)

        ticker = threading.Thread(target=tick, daemon=True)
        ticker.start()

        async def follow() -> list[bytes]:
            parts = []
            async with TwsClient(cfg) as client:
                async for part in client.follow_joblog(running.last_run.id):
                    parts.append(part)
                    got_first.set()
            return parts

        try:
            parts = asyncio.run(asyncio.wait_for(follow(), timeout=60))
        finally:
            stop_ticking.set()
    text = b"".join(parts).decode(errors="replace")
    assert len(parts) > 1  # arrived in pieces while the job ran
    assert text.startswith("=") and "Exit Status" in text  # header first, footer once it ended
