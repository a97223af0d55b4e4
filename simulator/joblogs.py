"""Joblog text of simulated runs, in the shape of a UNIX engine's stdlist.

A joblog is the engine's header (JOB, USER, JCLFILE, Job Number, start date), the job's own output and
the footer (Exit Status, Elapsed Time, end date). Each body line carries the second of the run at which
the job printed it, so a running job shows a partial joblog and `follow` can stream lines as simulated
time passes. Bodies are drawn from the run id, so they are identical on every request and every server.
"""

from __future__ import annotations

import bisect
import random
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from simulator.failures import LAUNCH_FAILURE, CauseContext, cause_lines
from simulator.plan import JobInstance, RunPlan

RULE = b"=" * 63


@dataclass(frozen=True, slots=True)
class Joblog:
    """A run's joblog at one instant; lines carry no line terminator."""

    header: tuple[bytes, ...]
    body: tuple[bytes, ...]
    footer: tuple[bytes, ...]
    complete: bool

    def lines(self, content_only: bool) -> list[bytes]:
        """The lines a client gets, without the engine's header and footer if `content_only`."""
        if content_only:
            return list(self.body)
        return [*self.header, *self.body, *self.footer]


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
    return f"{stamp} INFO  [{name}] processed /data/in/part_{index:03d}.dat ({rows} lines)"


def _messy_lines(
    kind: str, name: str, start: int, duration: int, size: int, rng: random.Random
) -> list[tuple[int, bytes]]:
    """Lines that make a joblog hard to handle: huge, not UTF-8, binary."""
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
    if kind == "huge":
        lines = []
        total = 0
        count = 0
        while total < size:
            count += 1
            line = (
                f"{_stamp(start)} DEBUG [{name}] row {count:09d}: id={rng.getrandbits(48):012x} "
                f"status=OK checksum={rng.getrandbits(64):016x}"
            ).encode()
            lines.append(line)
            total += len(line) + 1
        step = max(duration - 2, 1) / len(lines)
        return [(1 + int(i * step), line) for i, line in enumerate(lines)]
    return []


def body_lines(job: JobInstance, run: RunPlan, huge_bytes: int) -> list[tuple[int, bytes]]:
    """Every body line of `run` with the second (from its start) at which it is printed, in order."""
    rng = random.Random(run.id)
    definition = job.definition
    tech = definition.tech
    name = definition.name
    duration = run.end - run.start
    pid = rng.randint(2000, 65000)
    lines: list[tuple[int, bytes]] = []
    if run.family != LAUNCH_FAILURE:
        lines += [(0, line.encode()) for line in _intro(tech, job, run, pid)]
        total = max(2, min(40, duration // 20))
        span = duration if run.family is None else max(1, int(duration * 0.9))
        for index in range(1, total + 1):
            offset = max(1, min(duration - 1, span * index // (total + 1)))
            lines.append((offset, _progress(tech, name, _stamp(run.start + offset), index, total, rng).encode()))
        if run.messy is not None:
            lines += _messy_lines(run.messy, name, run.start, duration, huge_bytes, rng)
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
    lines += [(duration, line.encode()) for line in closing]
    lines.sort(key=lambda item: item[0])
    if run.messy == "crlf":
        lines = [(offset, line + b"\r") for offset, line in lines]
    return lines


class JoblogStore:
    """Builds joblogs and keeps the bodies of recently asked runs (a followed joblog is rebuilt often)."""

    def __init__(self, huge_bytes: int, cache_size: int = 64) -> None:
        self._huge_bytes = huge_bytes
        self._cache_size = cache_size
        self._bodies: OrderedDict[str, tuple[list[int], list[bytes]]] = OrderedDict()
        self._lock = threading.Lock()

    def _body(self, job: JobInstance, run: RunPlan) -> tuple[list[int], list[bytes]]:
        with self._lock:
            cached = self._bodies.get(run.id)
            if cached is not None:
                self._bodies.move_to_end(run.id)
                return cached
        lines = body_lines(job, run, self._huge_bytes)
        built = ([offset for offset, _ in lines], [line for _, line in lines])
        with self._lock:
            self._bodies[run.id] = built
            while len(self._bodies) > self._cache_size:
                self._bodies.popitem(last=False)
        return built

    def at(self, job: JobInstance, run: RunPlan, t: int) -> Joblog:
        """The joblog of a started run as it is at instant `t` (partial while the run is running)."""
        offsets, lines = self._body(job, run)
        if t >= run.end:
            return Joblog(header_lines(job, run), tuple(lines), footer_lines(run), True)
        visible = bisect.bisect_right(offsets, t - run.start)
        return Joblog(header_lines(job, run), tuple(lines[:visible]), (), False)
