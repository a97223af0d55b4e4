"""Splits a fetched joblog into ordered ``JobLogChunk`` records that fit a Kafka message.

Joblogs are whatever a batch script printed: invalid UTF-8, NUL bytes and CRLF are normal. Bytes are
decoded with replacement (and NUL, which PostgreSQL text cannot hold, replaced too) so a log is never
dropped for its encoding; the cap and the original size are recorded on every chunk.
"""

from __future__ import annotations

from datetime import datetime

from twspulse.connectors.tws.client import Joblog
from twspulse.events import JobEvent, JobLogChunk


def decode_joblog(data: bytes) -> str:
    """Text of a joblog: undecodable bytes and NUL become U+FFFD, CRLF becomes LF."""
    return data.decode("utf-8", errors="replace").replace("\x00", "\ufffd").replace("\r\n", "\n")


def split_text(text: str, max_bytes: int) -> list[str]:
    """Pieces of at most ``max_bytes`` UTF-8 bytes, cut at line ends where a line fits."""
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    for line in text.splitlines(keepends=True):
        encoded = len(line.encode())
        while encoded > max_bytes:  # one line longer than a chunk: cut it by characters
            if current:
                pieces.append("".join(current))
                current, size = [], 0
            # the longest prefix that fits, never splitting a character
            head = line.encode()[:max_bytes].decode("utf-8", errors="ignore")
            pieces.append(head)
            line = line[len(head) :]
            encoded = len(line.encode())
        if size + encoded > max_bytes and current:
            pieces.append("".join(current))
            current, size = [], 0
        current.append(line)
        size += encoded
    if current or not pieces:
        pieces.append("".join(current))
    return pieces


def joblog_chunks(event: JobEvent, log: Joblog, fetched_at: datetime, chunk_bytes: int) -> list[JobLogChunk]:
    """The records for one run's joblog, in order."""
    assert event.run_id is not None
    pieces = split_text(decode_joblog(log.data), chunk_bytes)
    return [
        JobLogChunk(
            run_id=event.run_id,
            job_id=event.job_id,
            job_name=event.job_name,
            job_stream=event.job_stream,
            workstation=event.workstation,
            folder=event.folder,
            return_code=event.return_code,
            internal_status=event.internal_status,
            end_time=event.end_time,
            chunk_index=i,
            chunk_count=len(pieces),
            content=piece,
            total_bytes=log.total_bytes,
            truncated=log.truncated,
            fetched_at=fetched_at,
        )
        for i, piece in enumerate(pieces)
    ]
