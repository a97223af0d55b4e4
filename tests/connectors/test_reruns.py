"""Every run, not every job: failed runs that are rerun before the next poll are published all the same.

A job with a RERUN recovery option fails and is rerun, often within one poll interval. The connector
publishes each run of ``jobruns[]`` with its own run id, status and joblog, and its seen-state follows
runs, so neither a quick rerun nor a connector restart between the failure and the next poll hides the
failed run from the tables, alerts and annotations downstream.
"""

from __future__ import annotations

import asyncio
from collections import Counter

from tests.connectors.test_tws_connector import read_topic
from tests.tws_scenario import simulator, snapshot
from twspulse.connectors.tws.client import RetryPolicy, TwsClient
from twspulse.connectors.tws.runner import build_poller
from twspulse.connectors.tws.status_map import categorize
from twspulse.events import JobEvent, JobLogChunk, StatusCategory
from twspulse.settings import Settings

FAST_RETRY = RetryPolicy(attempts=2, base_delay_s=0.01, max_delay_s=0.05)
STEP_S = 40 * 60  # simulated time between two polls: failures and their reruns happen in between


def test_runs_failed_and_rerun_between_polls_and_across_a_restart_are_all_published(
    kafka: str, settings: Settings
) -> None:
    newest_at_polls: set[str] = set()  # run ids that were some job's newest run when a poll looked
    with simulator(seed=21, failure_rate=0.3, rerun_rate=1.0, job_streams=16) as sim:
        # a long full-scan interval: between the first poll of each life and the last, only incremental polls
        cfg = settings.model_copy(update={"tws_url": sim.base_url, "tws_full_scan_interval_s": 1e9})

        async def life(polls: int) -> None:
            async with TwsClient(cfg, retry=FAST_RETRY) as client:
                poller = build_poller(cfg, kafka, client)  # a new process would do exactly this
                for _ in range(polls):
                    sim.clock.advance(STEP_S)
                    newest_at_polls.update(j.last_run.id for j in snapshot(sim).values() if j.last_run)
                    await poller.poll_once()

        asyncio.run(life(12))
        sim.clock.advance(3 * STEP_S)  # the connector is down while runs fail and are rerun
        asyncio.run(life(20))
        final = snapshot(sim)

    runs = {r.id: (job, r) for job in final.values() for r in job.jobruns}
    failed = {
        run_id
        for run_id, (_, r) in runs.items()
        if r.composite_status is not None and categorize(r.composite_status.status) is StatusCategory.FAILED
    }
    hidden = {run_id for run_id in failed if run_id not in newest_at_polls}  # rerun before any poll saw them
    assert len(hidden) >= 3, f"the scenario must hide some failures behind quick reruns: {len(hidden)}"

    events = [JobEvent.model_validate_json(v) for v in read_topic(kafka, "tws.job.events")]
    ids = Counter(e.event_id for e in events)
    assert max(ids.values()) == 1, [k for k, n in ids.items() if n > 1][:5]  # no status published twice
    final_status = {e.run_id: e for e in events if e.run_id and e.category in (StatusCategory.FAILED,)}
    missing = sorted(failed - set(final_status))
    assert not missing, f"{len(missing)} of {len(failed)} failed runs never published: {missing[:5]}"
    assert all(final_status[r].return_code not in (None, 0) for r in failed)
    published_runs = {e.run_id for e in events if e.run_id}
    assert set(runs) <= published_runs, sorted(set(runs) - published_runs)[:5]  # every run, failed or not

    chunks = [JobLogChunk.model_validate_json(v) for v in read_topic(kafka, "tws.job.logs")]
    first_chunks = Counter(c.run_id for c in chunks if c.chunk_index == 0)
    assert set(first_chunks) == failed and max(first_chunks.values()) == 1  # each failed run's joblog, once
