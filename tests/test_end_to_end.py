"""simulator -> connectors -> Kafka 4 -> Faust worker process -> PostgreSQL, for a seeded day.

The test steps the simulated clock itself, so the expected rows are known exactly: every status change
the engine showed at a poll is one row, every failed run has its joblog with the error line, and the
host sampler's rows arrive beside them.
"""

from __future__ import annotations

import asyncio
import re
import threading
from datetime import timedelta

import psycopg

from tests.dashboards.panel_queries import expanded_queries
from tests.helpers import count, wait_until
from tests.tws_scenario import DAY, event_ids, simulator, snapshot
from twspulse.connectors import system
from twspulse.connectors.tws.client import TwsClient
from twspulse.connectors.tws.runner import build_poller
from twspulse.connectors.tws.status_map import categorize
from twspulse.events import StatusCategory
from twspulse.producer import EventProducer
from twspulse.settings import Settings
from twspulse.summary import read_summary


def test_seeded_day_flows_from_simulator_to_database(
    kafka: str, database_url: str, settings: Settings, start_worker
) -> None:  # type: ignore[no-untyped-def]
    worker = start_worker(kafka, database_url)
    host_producer = EventProducer(kafka, client_id="test-system")
    system.run(host_producer, 0.05, threading.Event(), host="e2e-host", count=3)

    expected_keys: set[str] = set()
    with simulator(seed=7) as sim:
        # every poll a full scan, so the expected rows are exactly the statuses shown at each poll
        # (incremental polls are tested against this in tests/connectors)
        cfg = settings.model_copy(update={"tws_url": sim.base_url, "tws_full_scan_interval_s": 1e-6})

        async def day() -> int:
            async with TwsClient(cfg) as client:
                poller = build_poller(cfg, kafka, client)
                for _ in range(20):  # 20 polls, 75 simulated minutes apart: the whole production day
                    sim.clock.advance(75 * 60)
                    expected_keys.update(event_ids(sim))
                    await poller.poll_once()
                return poller.totals.events

        published = asyncio.run(day())
        final = snapshot(sim)

    assert published == len(expected_keys) > 50
    wait_until(lambda: count(database_url, "SELECT count(*) FROM job_runs") == published,
               timeout_s=90, what=f"{published} job_runs rows", worker=worker)  # fmt: skip

    with psycopg.connect(database_url) as conn:
        rows = conn.execute("SELECT event_id FROM job_runs").fetchall()
        latest = dict(
            conn.execute(
                "SELECT DISTINCT ON (job_id) job_id, internal_status FROM job_runs "
                "ORDER BY job_id, time DESC, observed_at DESC"
            ).fetchall()
        )
        failed = conn.execute(
            "SELECT run_id, return_code FROM job_runs WHERE category = 'failed'").fetchall()  # fmt: skip
    assert {r[0] for r in rows} == expected_keys  # every change once, nothing invented
    for job_id, job in final.items():  # no gap: the table's latest status is the engine's
        assert latest[job_id] == job.composite_status.status, job.name

    assert failed, "the seeded day must contain failures"
    assert any(categorize(j.composite_status.status) is StatusCategory.FAILED for j in final.values())
    wait_until(lambda: count(database_url, "SELECT count(DISTINCT run_id) FROM job_logs") == len(failed),
               what="a joblog for every failed run", worker=worker)  # fmt: skip
    with psycopg.connect(database_url) as conn:
        for run_id, rc in failed:
            content, first_error = conn.execute(
                "SELECT string_agg(content, '' ORDER BY chunk_index), min(first_error_line) FROM job_logs "
                "WHERE run_id = %s", (run_id,)).fetchone()  # fmt: skip
            footer = re.search(r"Exit Status\s*:\s*(-?\d+)", content)
            assert footer and int(footer.group(1)) == rc, content[-300:]
            assert first_error, content

    # joblog mining: every failed run is linked to error patterns, its lines are greppable, counts add up
    wait_until(lambda: count(database_url, "SELECT count(DISTINCT run_id) FROM job_run_patterns") == len(failed),
               what="error patterns for every failed run", worker=worker)  # fmt: skip
    with psycopg.connect(database_url) as conn:
        links, counted = conn.execute(
            "SELECT (SELECT count(*) FROM job_run_patterns), (SELECT sum(count) FROM job_error_patterns)"
        ).fetchone()  # fmt: skip
        grep = conn.execute(
            "SELECT count(DISTINCT run_id) FROM job_log_lines WHERE is_error AND pattern_id IS NOT NULL"
        ).fetchone()  # fmt: skip
        state = conn.execute("SELECT length(state) FROM pattern_miner_state").fetchone()
        frames = conn.execute(
            "SELECT r.return_code, f.exit_status, f.job_name = r.job_name, f.job_stream = r.job_stream, "
            "f.tws_user, f.jcl_file, f.elapsed_s FROM job_runs r JOIN job_log_frames f USING (run_id) "
            "WHERE r.category = 'failed'").fetchall()  # fmt: skip
    # the TWS frame's fields are parsed and stored, and agree with what the API said about the run
    assert len(frames) == len(failed)
    assert all(rc == exit_status and same_job and same_stream and user and jcl and elapsed is not None
               for rc, exit_status, same_job, same_stream, user, jcl, elapsed in frames), frames  # fmt: skip
    assert links == counted > 0
    assert grep == (len(failed),)
    assert state and state[0] > 0
    host_samples = "SELECT count(DISTINCT time) FROM host_metrics WHERE host = 'e2e-host'"
    wait_until(lambda: count(database_url, host_samples) == 3, what="3 host samples", worker=worker)
    wait_until(lambda: count(database_url, "SELECT count(DISTINCT workstation) FROM workstation_status") >= 2,
               what="workstation states", worker=worker)  # fmt: skip
    summary = read_summary(database_url, kafka)
    assert summary.data_flowed
    assert summary.topic_offsets["tws.job.events"] >= published
    assert sum(summary.runs_by_status.values()) == len(latest)

    # every failed run was annotated by the worker, with a specific cause and a verbatim error line
    wait_until(lambda: count(database_url, "SELECT count(*) FROM job_annotations") == len(failed),
               what="an annotation per failed run", worker=worker)  # fmt: skip
    with psycopg.connect(database_url) as conn:
        notes = conn.execute(
            "SELECT a.category, a.error_line, a.engine, (SELECT string_agg(content, '' ORDER BY chunk_index) "
            "FROM job_logs l WHERE l.run_id = a.run_id) FROM job_annotations a").fetchall()  # fmt: skip
    assert all(cat != "unknown" and engine == "rules" and line and line in log for cat, line, engine, log in notes)

    # the dashboards' queries, expanded as Grafana sends them, run on what the pipeline wrote
    problems, answered = {}, {}
    with psycopg.connect(database_url) as conn:
        for q in expanded_queries(DAY + timedelta(days=1), timescaledb=False):  # the range: the simulated day
            try:
                answered[q.name] = len(conn.execute(q.sql.encode()).fetchall())
            except psycopg.Error as exc:
                conn.rollback()
                problems[q.name] = str(exc)
    assert problems == {}
    operations = [n for n in answered if n.startswith("twspulse-operations/")]
    assert sum(answered[n] > 0 for n in operations) >= len(operations) // 2, answered
