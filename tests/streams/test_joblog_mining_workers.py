"""Two workers mining joblogs into one database share one miner state: one id per pattern, none lost."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import UTC, datetime, timedelta

import psycopg

from twspulse.events import JobLogChunk
from twspulse.joblog.error_lines import joblog_error_lines
from twspulse.joblog.joblog_frame import split_joblog
from twspulse.joblog.mine_cli import mine_lines
from twspulse.joblog.miner import PatternMiner
from twspulse.streams.joblog_mining import MINER_NAME, JoblogMiner
from twspulse.streams.timescale_sink import TimescaleSink

T0 = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
MESSAGES = [
    "ERROR: cannot open /data/in/file_{n}.csv: No such file or directory",
    "ERROR: connection to db{n}.example.com:5432 refused",
    "ERROR: job step {n} failed with exit code {n}",
    "FATAL: disk quota exceeded for user batch{n} on /srv/spool",
    "ERROR: login refused; tty=console rhost=10.0.0.{n} mode={mode}",
]
MODES = ["batch", "interactive", "service", "remote", "cron", "api"]


def _chunk(run: int) -> JobLogChunk:
    lines = [f"step {run} started", MESSAGES[run % len(MESSAGES)].format(n=run, mode=MODES[run % len(MODES)])]
    return JobLogChunk(
        run_id=f"r{run}", job_id=f"j{run}", job_name=f"JOB{run % 3}", job_stream="S", workstation="W",
        return_code=1, internal_status="ABEND", end_time=T0 + timedelta(minutes=run), chunk_index=0,
        chunk_count=1, content="\n".join(lines) + "\n", total_bytes=100, truncated=False, fetched_at=T0,
    )  # fmt: skip


def _store(url: str, chunks: list[JobLogChunk]) -> None:
    with psycopg.connect(url) as conn:
        for c in chunks:
            conn.execute(
                """INSERT INTO job_logs (time, run_id, chunk_index, chunk_count, job_id, job_name, job_stream,
                       workstation, return_code, internal_status, content, total_bytes, truncated, fetched_at)
                   VALUES (%s, %s, 0, 1, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)""",
                (c.end_time, c.run_id, c.job_id, c.job_name, c.job_stream, c.workstation, c.return_code,
                 c.internal_status, c.content, c.total_bytes, c.truncated, c.fetched_at),
            )  # fmt: skip


def _mine_in_two_workers(url: str, batches: list[list[JobLogChunk]]) -> None:
    async def run() -> None:
        sinks = [TimescaleSink(url), TimescaleSink(url)]
        workers = [JoblogMiner(sinks[0]), JoblogMiner(sinks[1])]
        try:
            # Each worker mines every other batch, both at once, as two partitions' consumers would.
            async def work(index: int) -> None:
                for batch in batches[index::2]:
                    await workers[index].mine(batch)

            await asyncio.gather(work(0), work(1))
        finally:
            for sink in sinks:
                await sink.close()

    asyncio.run(run())


def test_two_workers_give_one_id_per_pattern_and_the_shared_state_holds_both(database_url: str) -> None:
    chunks = [_chunk(run) for run in range(60)]
    _store(database_url, chunks)
    _mine_in_two_workers(database_url, [chunks[i : i + 3] for i in range(0, len(chunks), 3)])
    with psycopg.connect(database_url) as conn:
        links = conn.execute(
            "SELECT r.run_id, coalesce(a.merged_into, r.pattern_id) FROM job_run_patterns r "
            "LEFT JOIN pattern_aliases a USING (pattern_id)"
        ).fetchall()
        live = conn.execute(
            "SELECT pattern_id, template FROM job_error_patterns WHERE pattern_id NOT IN "
            "(SELECT pattern_id FROM pattern_aliases)"
        ).fetchall()
        state = conn.execute("SELECT state FROM pattern_miner_state WHERE name = %s", (MINER_NAME,)).fetchone()
    assert len(links) == len(chunks)
    group_of = {run_id: group for run_id, group in links}
    for message in range(len(MESSAGES)):  # every run of one message ends in one pattern, whichever worker mined it
        assert len({group_of[f"r{run}"] for run in range(message, len(chunks), len(MESSAGES))}) == 1
    assert len(live) == len(MESSAGES) == len({template for _, template in live})
    miner = PatternMiner.from_bytes(bytes(state[0]))  # the state is the union of both workers' patterns
    assert sorted(pattern_id for pattern_id, _, _ in miner.patterns()) == sorted(pattern_id for pattern_id, _ in live)
    assert sum(size for _, _, size in miner.patterns()) == len(chunks)


def test_an_unusable_state_is_rebuilt_from_the_stored_patterns_without_reusing_ids(database_url: str) -> None:
    first = [_chunk(run) for run in range(5)]
    _store(database_url, first)
    _mine_in_two_workers(database_url, [first])
    with psycopg.connect(database_url, autocommit=True) as conn:
        before = dict(conn.execute("SELECT run_id, pattern_id FROM job_run_patterns").fetchall())
        conn.execute("UPDATE pattern_miner_state SET state = 'not a state'::bytea")
    later = [_chunk(run) for run in range(5, 10)] + [
        _chunk(10).model_copy(update={"run_id": "new", "content": "ERROR: a message of its own\n"})
    ]
    _store(database_url, later)
    _mine_in_two_workers(database_url, [later])
    with psycopg.connect(database_url) as conn:
        after = dict(conn.execute("SELECT run_id, pattern_id FROM job_run_patterns").fetchall())
    assert all(after[f"r{run + 5}"] == before[f"r{run}"] for run in range(4))  # same messages, same ids
    assert int(after["new"][1:]) > max(int(pattern_id[1:]) for pattern_id in before.values())


def test_patterns_mine_prints_what_the_worker_stores(database_url: str) -> None:
    chunks = [_chunk(run) for run in range(40)]
    _store(database_url, chunks)
    _mine_in_two_workers(database_url, [chunks])  # one batch: one worker mines every run, in order
    lines = [e.text for c in chunks for e in joblog_error_lines(split_joblog(c.content))]
    out = io.StringIO()
    mine_lines(lines, out)
    printed = [
        (row["pattern_id"], row["group_id"], row["template"]) for row in csv.DictReader(io.StringIO(out.getvalue()))
    ]
    with psycopg.connect(database_url) as conn:
        stored = conn.execute(
            "SELECT r.pattern_id, coalesce(a.merged_into, r.pattern_id), p.template FROM job_run_patterns r "
            "LEFT JOIN pattern_aliases a USING (pattern_id) "
            "JOIN job_error_patterns p ON p.pattern_id = coalesce(a.merged_into, r.pattern_id) "
            "ORDER BY r.time, r.line_no"
        ).fetchall()
    assert printed == [tuple(row) for row in stored] and len(printed) == len(chunks)
