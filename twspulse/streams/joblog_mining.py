"""The worker step that turns a failed run's stored joblog into lines, error lines and error patterns.

It runs when the last chunk of a run's joblog has been written to ``job_logs``: chunks of one run share a
key, so they arrive in order on one partition and the earlier ones are already stored. The joblog is read
back whole (it was capped by the connector), split into the TWS frame and the job's output, its error
lines picked and mined into templates, and three tables written:
- ``job_log_lines``: every line, numbered, for grep in SQL (error lines flagged with their pattern);
- ``job_run_patterns``: which patterns each failed run hit;
- ``job_error_patterns``: one row per template, with first/last seen and a count.
Writes are idempotent: a redelivered batch inserts nothing twice and counts nothing twice (the count is
only raised by link rows that were really inserted). The miner's state is saved in
``pattern_miner_state`` in the same transaction, so a restarted worker keeps its pattern ids.

Several workers share one miner state (each mines the runs of its own partitions): a batch takes a
transaction-scoped advisory lock on the miner's name, re-reads the state when another worker wrote it
since (the row's xmin changed), mines, and writes the state back before the lock is released. So the
state is always the result of every committed batch in commit order, a pattern id is given by one
worker only, and no worker overwrites another's patterns (before, the last writer won). A failed
transaction drops the in-memory miner: the next batch starts from what was committed.

Ids never go back: a state that cannot be used (damaged, or of the Drain3-based format 1) is rebuilt
from the example line of every pattern in ``job_error_patterns`` (each keeps its id, see
PatternMiner.seeded), and new ids continue after the highest id stored. Merged patterns are written to
``pattern_aliases``.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

import structlog
from psycopg import AsyncConnection

from twspulse.events import JobLogChunk
from twspulse.joblog.error_lines import joblog_error_lines
from twspulse.joblog.exceptions import MinerStateError
from twspulse.joblog.joblog_frame import JoblogFrame, joblog_lines, split_joblog
from twspulse.joblog.miner import PatternMiner, pattern_number
from twspulse.streams.timescale_sink import TimescaleSink

log = structlog.get_logger(__name__)

MINER_NAME = "joblog-errors"
MAX_LINES_STORED = 20_000  # lines of one joblog kept in job_log_lines (the head and the tail)
FRAME_COLUMNS = (
    "time", "run_id", "job", "workstation", "job_stream", "job_name", "tws_user", "jcl_file", "job_number",
    "started_at", "ended_at", "banner_zone", "exit_status", "elapsed_s", "has_header", "has_footer", "line_count",
)  # fmt: skip
LINE_COLUMNS = ("time", "run_id", "job_stream", "job_name", "line_no", "line", "is_error", "pattern_id")


class JoblogMiner:
    """Mines the joblogs of runs whose last chunk was just stored."""

    def __init__(self, sink: TimescaleSink):
        self._sink = sink
        self._miner: PatternMiner | None = None
        self._version: str | None = None  # xmin of the state row the miner in memory was read from or wrote
        self.runs_mined = 0

    async def _load(self, conn: AsyncConnection[Any]) -> PatternMiner:
        """The shared miner as committed: under the advisory lock, re-read when another writer changed it."""
        await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (MINER_NAME,))
        row = await (
            await conn.execute("SELECT state, xmin::text FROM pattern_miner_state WHERE name = %s", (MINER_NAME,))
        ).fetchone()
        version = row[1] if row else None
        if self._miner is not None and version == self._version:
            return self._miner
        miner: PatternMiner | None = None
        if row:
            try:
                miner = PatternMiner.from_bytes(bytes(row[0]))
            except MinerStateError as exc:
                log.error("patterns.miner.state_unusable", error=str(exc), action="rebuilding from job_error_patterns")
        if miner is None:
            miner = await self._rebuild(conn)
        self._miner, self._version = miner, version
        log.info("patterns.miner.loaded", restored=row is not None, patterns=len(miner), last_id=miner.last_id)
        return miner

    async def _rebuild(self, conn: AsyncConnection[Any]) -> PatternMiner:
        """A miner seeded with the stored patterns' examples, ids kept, new ids after the highest stored."""
        aliases = {
            old: new
            for pattern_id, merged_into in await (
                await conn.execute("SELECT pattern_id, merged_into FROM pattern_aliases")
            ).fetchall()
            if (old := pattern_number(pattern_id)) and (new := pattern_number(merged_into))
        }
        rows = await (await conn.execute("SELECT pattern_id, coalesce(example, '') FROM job_error_patterns")).fetchall()
        examples = [
            (number, "" if number in aliases else str(example))
            for pattern_id, example in rows
            if (number := pattern_number(pattern_id))
        ]
        return PatternMiner.seeded(examples, counter=0, aliases=aliases)

    async def mine(self, last_chunks: list[JobLogChunk]) -> None:
        """Mine every run whose last chunk is in ``last_chunks`` (its other chunks are already stored)."""
        if not last_chunks:
            return
        line_rows: list[tuple[Any, ...]] = []
        try:
            await self._mine(last_chunks, line_rows)
        except BaseException:
            # The transaction rolled back: the miner in memory is ahead of the committed state.
            self._miner, self._version = None, None
            raise
        await self._sink.write("job_log_lines", LINE_COLUMNS, line_rows)

    async def _mine(self, last_chunks: list[JobLogChunk], line_rows: list[tuple[Any, ...]]) -> None:
        async with self._sink.connection() as conn, conn.transaction():
            miner = await self._load(conn)
            new_links: Counter[str] = Counter()
            seen_at: dict[str, tuple[datetime, str]] = {}
            for chunk in last_chunks:
                time = chunk.end_time or chunk.fetched_at
                row = await (
                    await conn.execute(
                        "SELECT string_agg(content, '' ORDER BY chunk_index) FROM job_logs WHERE run_id = %s",
                        (chunk.run_id,),
                    )
                ).fetchone()
                text = row[0] if row and row[0] else ""
                frame = split_joblog(text)
                await conn.execute(
                    f"INSERT INTO job_log_frames ({', '.join(FRAME_COLUMNS)}) "
                    f"VALUES ({', '.join(['%s'] * len(FRAME_COLUMNS))}) ON CONFLICT DO NOTHING",
                    _frame_row(chunk.run_id, time, frame),
                )
                errors = joblog_error_lines(frame)
                patterns: dict[int, str] = {}
                for err in errors:
                    mined = miner.add(err.text)
                    patterns[err.line_no] = mined.pattern_id
                    seen_at.setdefault(mined.pattern_id, (time, err.text))
                    cur = await conn.execute(
                        """INSERT INTO job_run_patterns
                               (time, run_id, job_id, job_stream, job_name, workstation, pattern_id, line_no, line)
                           VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)
                           ON CONFLICT DO NOTHING RETURNING pattern_id""",
                        (time, chunk.run_id, chunk.job_id, chunk.job_stream, chunk.job_name, chunk.workstation,
                         mined.pattern_id, err.line_no, err.text),
                    )  # fmt: skip
                    if await cur.fetchone():
                        new_links[mined.pattern_id] += 1
                line_rows.extend(_line_rows(chunk, time, joblog_lines(text), patterns))
                self.runs_mined += 1
            for pattern_id, (time, example) in seen_at.items():
                await conn.execute(
                    """INSERT INTO job_error_patterns AS p (pattern_id, template, first_seen, last_seen, count, example)
                       VALUES (%s, %s, %s, %s, %s, %s)
                       ON CONFLICT (pattern_id) DO UPDATE SET
                         template = EXCLUDED.template,
                         first_seen = least(p.first_seen, EXCLUDED.first_seen),
                         last_seen = greatest(p.last_seen, EXCLUDED.last_seen),
                         count = p.count + EXCLUDED.count""",
                    (pattern_id, miner.template_of(pattern_id), time, time, new_links[pattern_id], example),
                )
            for pattern_id, merged_into in miner.aliases().items():
                await conn.execute(
                    """INSERT INTO pattern_aliases (pattern_id, merged_into) VALUES (%s, %s)
                       ON CONFLICT (pattern_id) DO UPDATE SET merged_into = EXCLUDED.merged_into
                       WHERE pattern_aliases.merged_into <> EXCLUDED.merged_into""",
                    (pattern_id, merged_into),
                )
            cur = await conn.execute(
                """INSERT INTO pattern_miner_state (name, state, updated_at) VALUES (%s, %s, now())
                   ON CONFLICT (name) DO UPDATE SET state = EXCLUDED.state, updated_at = now()
                   RETURNING xmin::text""",
                (MINER_NAME, miner.to_bytes()),
            )
            written = await cur.fetchone()
            self._version = written[0] if written else None


def _line_rows(chunk: JobLogChunk, time: datetime, lines: list[str], patterns: dict[int, str]) -> list[tuple[Any, ...]]:
    numbered = list(enumerate(lines, start=1))
    if len(numbered) > MAX_LINES_STORED:  # keep the head (the header, the start) and the tail (the end)
        half = MAX_LINES_STORED // 2
        numbered = numbered[:half] + numbered[-half:]
    return [
        (time, chunk.run_id, chunk.job_stream, chunk.job_name, no, line, no in patterns, patterns.get(no))
        for no, line in numbered
    ]


def _aware(value: datetime | None) -> datetime | None:
    """A banner time only when it carries its zone: a naive one would be read in the session's zone."""
    return value if value is not None and value.tzinfo is not None else None


def _frame_row(run_id: str, time: datetime, frame: JoblogFrame) -> tuple[Any, ...]:
    h, f = frame.header, frame.footer
    return (
        time, run_id, h and h.job, h and h.workstation, h and h.job_stream, h and h.job_name, h and h.user,
        h and h.jcl_file, h and h.job_number, _aware(h.started_at if h else None), _aware(f.ended_at if f else None),
        (h and h.zone) or (f and f.zone), f and f.exit_status, f and f.elapsed_seconds,
        h is not None, f is not None, frame.line_count,
    )  # fmt: skip
