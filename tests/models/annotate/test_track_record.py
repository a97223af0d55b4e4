"""Learning from resolutions: recorded outcomes of earlier annotations of the same pattern move the confidence."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest

from twspulse.models.annotate.annotation import Annotation, FailedRun
from twspulse.models.annotate.store import save_annotation, save_feedback
from twspulse.models.annotate.track_record import PRIOR_WEIGHT, TrackRecord, track_record_of, with_track_record

T0 = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
JOB = "WS#/FIN/NIGHTLY.LOAD_GL"
LINE = "ORA-00054: resource busy and acquire with NOWAIT specified"


def _run(run_id: str, job: str = "LOAD_GL") -> FailedRun:
    return FailedRun(run_id=run_id, job_name=job, job_stream="NIGHTLY", workstation="WS", folder="/FIN/",
                     job_key=f"WS#/FIN/NIGHTLY.{job}", end_time=T0)  # fmt: skip


def _annotation(run_id: str, category: str = "db_error", line: str = LINE, confidence: float = 0.6) -> Annotation:
    return Annotation(
        run_id=run_id,
        root_cause="table GL.BALANCES locked by another session",
        error_line=line,
        category=category,
        steps=["rerun"],
        confidence=confidence,
        engine="rules",
    )  # type: ignore[arg-type]


def _mined(conn: psycopg.Connection[Any], run_id: str, job: str, pattern: str, line: str = LINE) -> None:
    conn.execute(
        "INSERT INTO job_run_patterns (time, run_id, job_id, job_stream, job_name, workstation, pattern_id, line_no,"
        " line) VALUES (%s, %s, 'j', 'NIGHTLY', %s, 'WS', %s, 7, %s)",
        (T0, run_id, job, pattern, f"  {line}  "),  # stored as the joblog had it: compared trimmed
    )


def _history(conn: psycopg.Connection[Any]) -> None:
    """Four earlier db_error annotations of LOAD_GL with outcomes (3 right, 1 wrong), plus noise that must not count:
    a different category on the same job, and an outcome without a verdict."""
    for i, correct in enumerate([True, True, False, True]):
        save_annotation(conn, _annotation(f"old-{i}"), _run(f"old-{i}"))
        save_feedback(conn, f"old-{i}", "killed the blocking session", correct)
    save_feedback(conn, "old-3", "on second thought: right", True)  # the latest verdict counts, once
    save_annotation(conn, _annotation("other-cat", category="timeout"), _run("other-cat"))
    save_feedback(conn, "other-cat", "more time", False)
    save_annotation(conn, _annotation("no-verdict"), _run("no-verdict"))
    save_feedback(conn, "no-verdict", "rerun", None)


def test_outcomes_of_the_same_job_and_category_move_the_confidence(database_url: str) -> None:
    with psycopg.connect(database_url) as conn:
        _history(conn)
        fresh = with_track_record(conn, _run("new"), _annotation("new", confidence=0.6))
        save_annotation(conn, fresh, _run("new"))
        stored = conn.execute("SELECT confidence, track_record FROM job_annotations WHERE run_id = 'new'").fetchone()
    assert fresh.track_record == {"basis": f"job {JOB}", "confirmed": 3, "refuted": 1, "engine_confidence": 0.6}
    assert fresh.confidence == round((PRIOR_WEIGHT * 0.6 + 3) / (PRIOR_WEIGHT + 4), 2) == 0.68
    assert stored == (0.68, fresh.track_record)


def test_a_mined_error_line_compares_by_pattern_across_jobs(database_url: str) -> None:
    with psycopg.connect(database_url) as conn:
        _history(conn)
        # another job failing on the same mined pattern, refuted twice; LOAD_GL's runs were never mined
        for i in range(2):
            save_annotation(conn, _annotation(f"ap-{i}"), _run(f"ap-{i}", job="LOAD_AP"))
            save_feedback(conn, f"ap-{i}", "it was the network", False)
            _mined(conn, f"ap-{i}", "LOAD_AP", "P7")
        _mined(conn, "new", "LOAD_GL", "P7")
        record = track_record_of(conn, _run("new"), _annotation("new"))
        lowered = with_track_record(conn, _run("new"), _annotation("new", confidence=0.6))
    assert record == TrackRecord("pattern P7", confirmed=0, refuted=2)
    assert lowered.confidence == 0.4 and lowered.confidence < 0.6


def test_without_recorded_outcomes_the_engines_confidence_stands(database_url: str) -> None:
    with psycopg.connect(database_url) as conn:
        same = with_track_record(conn, _run("lonely"), _annotation("lonely", confidence=0.55))
    assert same.confidence == 0.55 and same.track_record is None


@pytest.mark.parametrize(("confirmed", "refuted", "expected"), [(0, 0, 0.5), (4, 0, 0.75), (0, 4, 0.25), (40, 0, 0.95)])
def test_the_update_is_a_beta_binomial_with_the_engine_as_prior(confirmed: int, refuted: int, expected: float) -> None:
    assert TrackRecord("job x", confirmed, refuted).adjusted(0.5) == expected
