"""Splits a joblog into the engine's header and footer and the job's own output, and reads their fields.

The engine wraps every UNIX joblog (stdlist) in a frame:

    ===============================================================
    = JOB       : MDM#DAILY[(0005 11/24/26),(0AAAAAAAAAAAAB3)].LOAD_SALES
    = USER      : twsuser
    = JCLFILE   : /opt/batch/load_sales.sh
    = Job Number: 123456
    = Tue 11/24/2026 01:15:02 UTC
    ===============================================================
    ...the job's own stdout and stderr...
    ===============================================================
    = Exit Status           : 12
    = Elapsed Time (hh:mm:ss) : 00:00:03
    = Tue 11/24/2026 01:15:05 UTC
    ===============================================================

Error mining must see only the job's output (the frame's "Exit Status : 12" is in every failed joblog
and explains nothing), and the frame's fields identify the run when the event that carried the joblog
is gone. Joblogs arrive in every state: still running (no footer), cut by a size cap (no footer),
empty, with CRLF line ends, or not a joblog at all; all of these give a frame with what could be read,
never an exception. Older engines print the footer as "System Time (Seconds) : 0   Elapsed Time
(Minutes) : 0", which is read too.

Lines are separated by "\\n" only (a trailing "\\r" is dropped), so line numbers agree with what
`wc -l`, the engine's from_line/to_line and `open_input` count; str.splitlines would also split on
form feeds and other separators that binary output contains.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, timezone

_RULE = re.compile(r"^={20,}\s*$")
_JOB = re.compile(r"^=\s*JOB\s*:\s*(?P<value>.*?)\s*$")
_JOB_PARTS = re.compile(
    r"^(?P<ws>[^#\s]+)#(?P<stream>[^\[\s.]+(?:\.[^\[\s.]+)*?)"
    r"(?:\[\((?P<sched>[^)]*)\),\((?P<sid>[^)]*)\)\])?\.(?P<job>[^.\s]+)$"
)
_USER = re.compile(r"^=\s*USER\s*:\s*(?P<value>.*?)\s*$")
_JCL = re.compile(r"^=\s*JCL\s?FILE\s*:\s*(?P<value>.*?)\s*$", re.IGNORECASE)
_JOB_NUMBER = re.compile(r"^=\s*Job Number\s*:\s*(?P<value>\d+)\s*$", re.IGNORECASE)
_EXIT = re.compile(r"^=\s*Exit Status\s*:\s*(?P<value>-?\d+)", re.IGNORECASE)
_ELAPSED_HMS = re.compile(r"Elapsed Time \(hh:mm:ss\)\s*:\s*(?P<h>\d+):(?P<m>\d{2}):(?P<s>\d{2})", re.IGNORECASE)
_ELAPSED_MINUTES = re.compile(r"Elapsed Time \(Minutes\)\s*:\s*(?P<m>\d+)", re.IGNORECASE)
_BANNER_DATE = re.compile(
    r"^=\s*(?:[A-Za-z]{3}\s+)?(?P<mon>\d{1,2})/(?P<day>\d{1,2})/(?P<year>\d{4}|\d{2})\s+"
    r"(?P<h>\d{1,2}):(?P<mi>\d{2}):(?P<s>\d{2})(?:\s+(?P<zone>\S+))?\s*$"
)
_OFFSET = re.compile(r"^(?:UTC|GMT)?(?P<sign>[+-])(?P<h>\d{2}):?(?P<m>\d{2})$")
_HEADER_MAX_LINES = 20  # a header is about 7 lines; more "=" lines than this is the job's own output
_FOOTER_MAX_LINES = 12


@dataclass(frozen=True, slots=True)
class JobHeader:
    """Fields of the engine's header; any of them None when missing or unreadable.

    `job` is the JOB field as printed; the parts are read from it when it has the usual shape
    workstation#stream[(sched),(stream id)].job. `started_at` is timezone-aware when the engine
    printed UTC/GMT or an offset, naive otherwise (`zone` then says what it printed, e.g. "CET").
    """

    job: str | None = None
    workstation: str | None = None
    job_stream: str | None = None
    stream_sched: str | None = None
    stream_id: str | None = None
    job_name: str | None = None
    user: str | None = None
    jcl_file: str | None = None
    job_number: int | None = None
    started_at: datetime | None = None
    zone: str | None = None
    complete: bool = False  # the closing rule was seen


@dataclass(frozen=True, slots=True)
class JobFooter:
    """Fields of the engine's footer, written when the run ended; None when missing or unreadable."""

    exit_status: int | None = None
    elapsed_seconds: int | None = None
    ended_at: datetime | None = None
    zone: str | None = None
    complete: bool = False  # the closing rule was seen


@dataclass(frozen=True, slots=True)
class JoblogFrame:
    """A joblog split in three: header (None if absent), the job's own output, footer (None if absent).

    `body_first_line` is the 1-based line number, in the whole joblog, of body[0] (for an empty body:
    where it would start). `line_count` counts every line of the joblog.
    """

    header: JobHeader | None
    body: tuple[str, ...]
    footer: JobFooter | None
    body_first_line: int
    line_count: int

    @property
    def truncated(self) -> bool:
        """True when the joblog has a header but no footer: the job still runs or the log was cut."""
        return self.header is not None and self.footer is None


def joblog_lines(text: str) -> list[str]:
    """The lines of a joblog, split on "\\n", each without its "\\r"; no empty line for a final newline."""
    if not text:
        return []
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def split_joblog(text: str) -> JoblogFrame:
    """Header, body and footer of a joblog's text; tolerant of cut, empty, CRLF or unframed text."""
    lines = joblog_lines(text)
    header, body_start = parse_header(lines)
    footer, footer_start = parse_footer(lines[body_start:])
    body_end = body_start + footer_start if footer is not None else len(lines)
    return JoblogFrame(header, tuple(lines[body_start:body_end]), footer, body_start + 1, len(lines))


def parse_header(lines: Sequence[str]) -> tuple[JobHeader | None, int]:
    """The header at the start of `lines` and how many lines it spans (0 and None when there is none).

    Only the first lines are looked at, so a caller with a huge joblog can pass its first chunk.
    A block of "=" lines counts as a header only if it names a JOB, USER, JCLFILE or Job Number:
    job output that starts with a banner of its own stays in the body.
    """
    if not lines or not _RULE.match(lines[0]):
        return None, 0
    header = JobHeader()
    end = 1
    while end < len(lines) and end <= _HEADER_MAX_LINES:
        line = lines[end]
        end += 1
        if _RULE.match(line):
            header = replace(header, complete=True)
            break
        if not line.startswith("="):
            end -= 1  # the job's output began without a closing rule
            break
        header = _read_header_line(line, header)
    if header.job is None and header.user is None and header.jcl_file is None and header.job_number is None:
        return None, 0
    return header, end


def _read_header_line(line: str, header: JobHeader) -> JobHeader:
    if match := _JOB.match(line):
        job = match.group("value")
        header = replace(header, job=job)
        if parts := _JOB_PARTS.match(job):
            header = replace(
                header,
                workstation=parts.group("ws"),
                job_stream=parts.group("stream"),
                stream_sched=parts.group("sched"),
                stream_id=parts.group("sid"),
                job_name=parts.group("job"),
            )
    elif match := _USER.match(line):
        header = replace(header, user=match.group("value"))
    elif match := _JCL.match(line):
        header = replace(header, jcl_file=match.group("value"))
    elif match := _JOB_NUMBER.match(line):
        header = replace(header, job_number=int(match.group("value")))
    elif (date := _banner_date(line)) is not None:
        header = replace(header, started_at=date[0], zone=date[1])
    return header


def parse_footer(lines: Sequence[str]) -> tuple[JobFooter | None, int]:
    """The footer at the end of `lines` and the index where it starts (None and len(lines) if none).

    The footer is the last "= Exit Status" line with the rule above it and the "=" lines below; only
    the last lines are looked at. A footer cut before its closing rule still counts.
    """
    tail_start = max(0, len(lines) - _FOOTER_MAX_LINES)
    exit_index = None
    for index in range(len(lines) - 1, tail_start - 1, -1):
        line = lines[index]
        if _EXIT.match(line):
            exit_index = index
            break
        if line.strip() and not line.startswith("="):
            return None, len(lines)  # job output after the last footer-looking line: no footer
    if exit_index is None:
        return None, len(lines)
    start = exit_index - 1 if exit_index > 0 and _RULE.match(lines[exit_index - 1]) else exit_index
    footer = JobFooter()
    for line in lines[exit_index:]:
        if _RULE.match(line):
            footer = replace(footer, complete=True)
            continue
        if match := _EXIT.match(line):
            footer = replace(footer, exit_status=int(match.group("value")))
        if match := _ELAPSED_HMS.search(line):
            hours, minutes, seconds = (int(match.group(key)) for key in ("h", "m", "s"))
            footer = replace(footer, elapsed_seconds=hours * 3600 + minutes * 60 + seconds)
        elif (match := _ELAPSED_MINUTES.search(line)) and footer.elapsed_seconds is None:
            footer = replace(footer, elapsed_seconds=int(match.group("m")) * 60)
        if (date := _banner_date(line)) is not None:
            footer = replace(footer, ended_at=date[0], zone=date[1])
    return footer, start


def _banner_date(line: str) -> tuple[datetime, str | None] | None:
    """The engine's "= Tue 11/24/2026 01:15:02 UTC" line (month first, as the engine prints it)."""
    match = _BANNER_DATE.match(line)
    if match is None:
        return None
    year = int(match.group("year"))
    if year < 100:
        year += 2000
    zone = match.group("zone")
    try:
        when = datetime(
            year,
            int(match.group("mon")),
            int(match.group("day")),
            int(match.group("h")),
            int(match.group("mi")),
            int(match.group("s")),
        )
    except ValueError:
        return None  # 13/45/2026: not a date the engine wrote
    if zone is not None:
        if zone.upper() in ("UTC", "GMT", "Z"):
            when = when.replace(tzinfo=UTC)
        elif offset := _OFFSET.match(zone.upper()):
            minutes = int(offset.group("h")) * 60 + int(offset.group("m"))
            sign = -1 if offset.group("sign") == "-" else 1
            when = when.replace(tzinfo=timezone(timedelta(minutes=sign * minutes)))
    return when, zone
