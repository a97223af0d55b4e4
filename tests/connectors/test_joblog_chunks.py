"""Joblogs arrive as whatever a script printed; every shape must become ordered, storable chunks."""

from __future__ import annotations

from datetime import UTC, datetime

from twspulse.connectors.tws.client import Joblog
from twspulse.connectors.tws.joblog_chunks import decode_joblog, joblog_chunks, split_text
from twspulse.events import JobEvent, StatusCategory

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
EVENT = JobEvent(
    event_id="j/r/ABEND", job_id="j", run_id="r", plan_id="p", job_name="LOAD", job_stream="DAILY",
    workstation="/MDM", status="ERROR", internal_status="ABEND", category=StatusCategory.FAILED,
    return_code=12, status_time=NOW, observed_at=NOW,
)  # fmt: skip


def test_invalid_utf8_nul_and_crlf_are_decoded_not_dropped() -> None:
    text = decode_joblog(b"line one\r\nbad \xff\xfe bytes\x00 here\r\n")
    assert text == "line one\nbad \ufffd\ufffd bytes\ufffd here\n"


def test_chunks_fit_the_limit_keep_order_and_rejoin_to_the_original() -> None:
    text = "".join(f"{i:05d} some output line with ünïcödé\n" for i in range(5000))
    pieces = split_text(text, 4096)
    assert len(pieces) > 10
    assert all(len(p.encode()) <= 4096 for p in pieces)
    assert "".join(pieces) == text
    assert all(p.endswith("\n") for p in pieces)  # cut at line ends when lines fit


def test_a_single_huge_line_is_cut_without_splitting_characters() -> None:
    text = "é" * 10_000 + "\n"
    pieces = split_text(text, 1000)
    assert all(len(p.encode()) <= 1000 for p in pieces)
    assert "".join(pieces) == text


def test_empty_joblog_gives_one_empty_chunk() -> None:
    chunks = joblog_chunks(EVENT, Joblog(b"", 0, False), NOW, 1024)
    assert [(c.chunk_index, c.chunk_count, c.content) for c in chunks] == [(0, 1, "")]


def test_cap_and_size_are_recorded_on_every_chunk() -> None:
    data = b"x" * 3000 + b"\n"
    chunks = joblog_chunks(EVENT, Joblog(data, 10_000_000, True), NOW, 1024)
    assert [c.chunk_index for c in chunks] == list(range(len(chunks)))
    assert all(c.truncated and c.total_bytes == 10_000_000 and c.chunk_count == len(chunks) for c in chunks)
    assert "".join(c.content for c in chunks) == data.decode()
