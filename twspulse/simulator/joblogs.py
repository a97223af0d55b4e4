"""Joblog text of simulated runs, in the shape of a UNIX engine's stdlist.

A joblog is the engine's header (JOB, USER, JCLFILE, Job Number, start date), the job's own output and
the footer (Exit Status, Elapsed Time, end date). Each body line carries the second of the run at which
the job printed it, so a running job shows a partial joblog and `follow` can stream lines as simulated
time passes. Bodies are drawn from the run id, so they are identical on every request and every server.

A huge joblog (hundreds of megabytes) is never built: its bulk is a block of fixed-width lines, each
computed from its index (HugeLines), so a line range or the whole log is produced chunk by chunk while
it is sent, and serving a 200 MB joblog page by page allocates about one chunk at a time.
"""

from __future__ import annotations

import bisect
import itertools
import random
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass

from twspulse.simulator.failures import LAUNCH_FAILURE, CauseContext, cause_lines
from twspulse.simulator.plan import JobInstance, RunPlan

RULE = b"=" * 63
CHUNK_BYTES = 256 * 1024  # bytes a served joblog is produced and written in


class HugeLines:
    """The bulk of a huge joblog: `count` lines of equal width, each computed from its index alone.

    Line i is printed at second 1 + int(i * step) of the run, spread evenly over its duration.
    """

    _MASK = (1 << 64) - 1

    def __init__(self, run: RunPlan, name: str, size: int) -> None:
        width = 9
        probe = self._template(run, name, width)
        self.line_bytes = len(probe % (0, 0, 0))  # with its newline
        self.count = max(1, -(-size // self.line_bytes))
        if len(str(self.count)) > width:
            width = len(str(self.count))
            probe = self._template(run, name, width)
            self.line_bytes = len(probe % (0, 0, 0))
        self._format = probe
        self._key = int(run.id.replace("-", "")[:16], 16)
        self._step = max(run.end - run.start - 2, 1) / self.count

    @staticmethod
    def _template(run: RunPlan, name: str, width: int) -> bytes:
        stamp = _stamp(run.start)
        return f"{stamp} DEBUG [{name}] row %0{width}d: id=%012x status=OK checksum=%016x\n".encode()

    def lines(self, start: int, stop: int) -> bytes:
        """Lines [start, stop) joined, each with its newline."""
        fmt, key, mask = self._format, self._key, self._MASK
        out = []
        for i in range(start, stop):
            mixed = ((i + 1) * 0x9E3779B97F4A7C15 ^ key) & mask
            out.append(fmt % (i + 1, mixed >> 16, (mixed * 0xBF58476D1CE4E5B9 >> 7) & mask))
        return b"".join(out)

    def offset(self, index: int) -> int:
        """Second of the run at which line `index` is printed."""
        return 1 + int(index * self._step)

    def count_printed_by(self, second: int) -> int:
        """How many lines are printed at or before `second` of the run."""
        low, high = 0, self.count
        while low < high:
            middle = (low + high) // 2
            if self.offset(middle) <= second:
                low = middle + 1
            else:
                high = middle
        return low


class JoblogBody:
    """A run's body lines in print order, with the second of the run each is printed at.

    `small` lines (intro, progress, cause, closing) are kept; a huge section, if any, is merged in by
    its print seconds without being materialised. Small lines flagged `after` come after huge lines
    printed in the same second (the closing lines), the others before.
    """

    def __init__(self, small: list[tuple[int, bytes, bool]], huge: HugeLines | None) -> None:
        self._offsets = [offset for offset, _, _ in small]
        self._lines = [line + b"\n" for _, line, _ in small]
        self._huge = huge
        positions = []
        for index, (offset, _, after) in enumerate(small):
            before = 0 if huge is None else huge.count_printed_by(offset if after else offset - 1)
            positions.append(index + before)
        self._positions = positions
        self._sizes = [0, *itertools.accumulate(len(line) for line in self._lines)]
        self.length = len(small) + (huge.count if huge is not None else 0)

    def visible(self, elapsed: int) -> int:
        """How many lines a run shows `elapsed` seconds after its start (a prefix of the body)."""
        printed = bisect.bisect_right(self._offsets, elapsed)
        if self._huge is not None:
            printed += self._huge.count_printed_by(elapsed)
        return printed

    def size(self, start: int, stop: int) -> int:
        """Bytes of lines [start, stop), newlines included."""
        first = bisect.bisect_left(self._positions, start)
        last = bisect.bisect_left(self._positions, stop)
        small = self._sizes[last] - self._sizes[first]
        huge_lines = (stop - start) - (last - first)
        return small + (huge_lines * self._huge.line_bytes if self._huge is not None else 0)

    def chunks(self, start: int, stop: int) -> Iterator[bytes]:
        """Lines [start, stop) with newlines, as byte chunks of about CHUNK_BYTES."""
        positions, lines, huge = self._positions, self._lines, self._huge
        j = bisect.bisect_left(positions, start)
        k = start
        pending: list[bytes] = []
        pending_bytes = 0
        while k < stop:
            if j < len(positions) and positions[j] == k:
                pending.append(lines[j])
                pending_bytes += len(lines[j])
                j += 1
                k += 1
            else:
                assert huge is not None  # a gap between small lines is always huge lines
                until = min(positions[j] if j < len(positions) else self.length, stop)
                per_chunk = max(1, CHUNK_BYTES // huge.line_bytes)
                while k < until:
                    step_end = min(until, k + per_chunk)
                    block = huge.lines(k - j, step_end - j)
                    pending.append(block)
                    pending_bytes += len(block)
                    k = step_end
                    if pending_bytes >= CHUNK_BYTES:
                        yield b"".join(pending)
                        pending, pending_bytes = [], 0
            if pending_bytes >= CHUNK_BYTES:
                yield b"".join(pending)
                pending, pending_bytes = [], 0
        if pending:
            yield b"".join(pending)


@dataclass(frozen=True, slots=True)
class Joblog:
    """A run's joblog at one instant: header, the `visible` first body lines, footer once complete."""

    header: tuple[bytes, ...]
    body: JoblogBody
    visible: int
    footer: tuple[bytes, ...]
    complete: bool

    def line_count(self, content_only: bool) -> int:
        """Lines a client can get, without the engine's header and footer if `content_only`."""
        if content_only:
            return self.visible
        return len(self.header) + self.visible + len(self.footer)

    def _segments(self, content_only: bool, start: int, stop: int) -> Iterator[tuple[str, int, int]]:
        """(segment, first, end) pieces of lines [start, stop), segment-relative."""
        parts = [("body", self.visible)]
        if not content_only:
            parts = [("header", len(self.header)), *parts, ("footer", len(self.footer))]
        base = 0
        for name, length in parts:
            first, end = max(start - base, 0), min(stop - base, length)
            if first < end:
                yield name, first, end
            base += length

    def size(self, content_only: bool, start: int, stop: int) -> int:
        """Bytes of lines [start, stop) (0-based, newlines included)."""
        total = 0
        for name, first, end in self._segments(content_only, start, stop):
            if name == "body":
                total += self.body.size(first, end)
            else:
                frame = self.header if name == "header" else self.footer
                total += sum(len(line) + 1 for line in frame[first:end])
        return total

    def chunks(self, content_only: bool, start: int, stop: int) -> Iterator[bytes]:
        """Lines [start, stop) (0-based) with newlines, produced chunk by chunk."""
        for name, first, end in self._segments(content_only, start, stop):
            if name == "body":
                yield from self.body.chunks(first, end)
            else:
                frame = self.header if name == "header" else self.footer
                yield b"".join(line + b"\n" for line in frame[first:end])

    def lines(self, content_only: bool) -> list[bytes]:
        """Every line a client gets, without terminators (materialised: for small joblogs and tests)."""
        text = b"".join(self.chunks(content_only, 0, self.line_count(content_only)))
        return text.split(b"\n")[:-1]


def _stamp(ts: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(ts))


def _banner_date(ts: int) -> bytes:
    return time.strftime("= %a %m/%d/%Y %H:%M:%S UTC", time.gmtime(ts)).encode()


def header_lines(job: JobInstance, run: RunPlan) -> tuple[bytes, ...]:
    """The engine's joblog header."""
    stream = job.stream
    sched = time.strftime("%H%M %m/%d/%y", time.gmtime(stream.sched))
    workstation = stream.definition.workstation.name
    return (
        RULE,
        f"= JOB       : {workstation}#{stream.definition.name}[({sched}),({stream.internal_id})]"
        f".{job.definition.name}".encode(),
        f"= USER      : {job.definition.user}".encode(),
        f"= JCLFILE   : {job.definition.script}".encode(),
        f"= Job Number: {run.job_number}".encode(),
        _banner_date(run.start),
        RULE,
    )


def footer_lines(run: RunPlan) -> tuple[bytes, ...]:
    """The engine's joblog footer, written when the run ends."""
    elapsed = run.end - run.start
    hours, rest = divmod(elapsed, 3600)
    minutes, seconds = divmod(rest, 60)
    return (
        RULE,
        f"= Exit Status           : {run.return_code}".encode(),
        f"= Elapsed Time (hh:mm:ss) : {hours:02d}:{minutes:02d}:{seconds:02d}".encode(),
        _banner_date(run.end),
        RULE,
    )


def _intro(tech: str, job: JobInstance, run: RunPlan, pid: int) -> list[str]:
    name = job.definition.name
    stamp = _stamp(run.start)
    lines = [
        f"{stamp} INFO  [{name}] starting {job.definition.script} on {run.workstation.node_name} "
        f"as {job.definition.user} (pid {pid}, attempt {run.attempt})"
    ]
    if tech == "oracle":
        when = time.strftime("%a %b %d %H:%M:%S %Y", time.gmtime(run.start))
        lines += [
            "",
            f"SQL*Plus: Release 19.0.0.0.0 - Production on {when}",
            "Version 19.18.0.0.0",
            "",
            "Copyright (c) 1982, 2022, Oracle.  All rights reserved.",
            "",
            "Connected to:",
            "Oracle Database 19c Enterprise Edition Release 19.0.0.0.0 - Production",
            "",
        ]
    elif tech == "db2":
        lines += [
            "",
            "   Database Connection Information",
            "",
            " Database server        = DB2/LINUXX8664 11.5.8.0",
            f" SQL authorization ID   = {job.definition.user.upper()}",
            " Local database alias   = DWHPROD",
            "",
        ]
    elif tech == "postgres":
        lines += [
            f"{stamp} INFO  [{name}] connecting to pgdwh01.example.com:5432/dwh as {job.definition.user}",
            "SET",
            "BEGIN",
        ]
    elif tech == "java":
        lines += [
            f"{stamp} INFO  [main] c.e.batch.Runner - Starting {name} v3.4.1 using Java 17.0.9 with PID {pid}",
            f"{stamp} INFO  [main] c.e.batch.Runner - heap max 2048m, chunk size 10000",
        ]
    elif tech == "http":
        lines += [f"{stamp} INFO  [{name}] target https://api.partner.example.com/v1 (timeout 120 s)"]
    elif tech == "sftp":
        lines += [
            "+ set -euo pipefail",
            f"+ sftp -b /opt/batch/sftp/{name.lower()}.batch -oConnectTimeout=30 {job.definition.user}@"
            "sftp.partner.example.com",
        ]
    else:
        lines += ["+ set -euo pipefail", "+ cd /data/work"]
    return lines


def _progress(tech: str, name: str, stamp: str, index: int, total: int, rng: random.Random) -> str:
    rows = rng.randint(1_000, 250_000)
    if tech == "oracle":
        return rng.choice(
            (
                f"{rows} rows created.",
                "Commit complete.",
                f"{rows} rows updated.",
                "PL/SQL procedure successfully completed.",
            )
        )
    if tech == "db2":
        return rng.choice(
            (
                "DB20000I  The SQL command completed successfully.",
                f"Number of rows read         = {rows}",
                f"Number of rows committed    = {rows}",
            )
        )
    if tech == "postgres":
        return rng.choice((f"INSERT 0 {rows}", f"COPY {rows}", f"UPDATE {rows}", "ANALYZE"))
    if tech == "java":
        return f"{stamp} INFO  [main] c.e.batch.Runner - processed chunk {index}/{total} ({rows} records)"
    if tech == "http":
        return f"{stamp} INFO  [{name}] POST /v1/batch/{index} -> 200 ({rows // 100} kB)"
    if tech == "sftp":
        return f"sftp> get /outbound/part_{index:03d}.dat /data/in/ ({rows // 10} kB)"
    return f"{stamp} INFO  [{name}] processed /data/in/part_{index:03d}.dat ({rows} lines)"


def _messy_lines(kind: str, name: str, start: int) -> list[tuple[int, bytes]]:
    """Lines that make a joblog hard to handle: not UTF-8, binary (huge ones are HugeLines)."""
    if kind == "invalid_utf8":
        return [
            (
                1,
                f"{_stamp(start + 1)} WARN  [{name}] customer name 'M".encode() + b"\xfcller GmbH' "
                b"caf\xe9 is not UTF-8",
            ),
            (1, b"stray continuation byte \x80\xbf here"),
        ]
    if kind == "binary":
        return [(1, b"\x00\x01\x02\x03\x1b[0m\x7f\xff\xfeBINARY\x00DUMP\x00\x08\x07")]
    return []


def body_lines(job: JobInstance, run: RunPlan, huge_bytes: int) -> JoblogBody:
    """Every body line of `run` with the second (from its start) at which it is printed, in order."""
    rng = random.Random(run.id)
    definition = job.definition
    tech = definition.tech
    name = definition.name
    duration = run.end - run.start
    pid = rng.randint(2000, 65000)
    lines: list[tuple[int, bytes]] = []
    huge = None
    if run.family != LAUNCH_FAILURE:
        lines += [(0, line.encode()) for line in _intro(tech, job, run, pid)]
        total = max(2, min(40, duration // 20))
        span = duration if run.family is None else max(1, int(duration * 0.9))
        for index in range(1, total + 1):
            offset = max(1, min(duration - 1, span * index // (total + 1)))
            lines.append((offset, _progress(tech, name, _stamp(run.start + offset), index, total, rng).encode()))
        if run.messy == "huge":
            huge = HugeLines(run, name, huge_bytes)
        elif run.messy is not None:
            lines += _messy_lines(run.messy, name, run.start)
    context = CauseContext(name, definition.script, definition.user, run.workstation.node_name, _stamp(run.end))
    if run.family is None:
        closing = [
            f"{_stamp(run.end)} INFO  [{name}] completed successfully in {duration} s",
            f"{_stamp(run.end)} INFO  [{name}] end, exit code 0",
        ]
    else:
        closing = cause_lines(run.family, tech, context, rng)
        if run.family not in (LAUNCH_FAILURE, "timeout_killed"):
            closing.append(f"{_stamp(run.end)} ERROR [{name}] end, exit code {run.return_code}")
    lines.sort(key=lambda item: item[0])
    small = [(offset, line, False) for offset, line in lines]
    small += [(duration, line.encode(), True) for line in closing]
    if run.messy == "crlf":
        small = [(offset, line + b"\r", after) for offset, line, after in small]
    return JoblogBody(small, huge)


class JoblogStore:
    """Builds joblogs and keeps the bodies of recently asked runs (a followed joblog is rebuilt often).

    A body keeps its small lines only (a huge section is computed on demand), so the cache stays small.
    """

    def __init__(self, huge_bytes: int, cache_size: int = 64) -> None:
        self._huge_bytes = huge_bytes
        self._cache_size = cache_size
        self._bodies: OrderedDict[str, JoblogBody] = OrderedDict()
        self._lock = threading.Lock()

    def _body(self, job: JobInstance, run: RunPlan) -> JoblogBody:
        with self._lock:
            cached = self._bodies.get(run.id)
            if cached is not None:
                self._bodies.move_to_end(run.id)
                return cached
        built = body_lines(job, run, self._huge_bytes)
        with self._lock:
            self._bodies[run.id] = built
            while len(self._bodies) > self._cache_size:
                self._bodies.popitem(last=False)
        return built

    def at(self, job: JobInstance, run: RunPlan, t: int) -> Joblog:
        """The joblog of a started run as it is at instant `t` (partial while the run is running)."""
        body = self._body(job, run)
        if t >= run.end:
            return Joblog(header_lines(job, run), body, body.length, footer_lines(run), True)
        return Joblog(header_lines(job, run), body, body.visible(t - run.start), (), False)
