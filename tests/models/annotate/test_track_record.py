"""Learning from resolutions: recorded outcomes of earlier annotations of the same pattern move the confidence."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest

from twspulse.models.annotate.annotation import Annotation, FailedRun
from twspulse.models.annotate.store import save_annotation, save_feedback
from twspulse.models.annotate.track_record import (
    PRIOR_WEIGHT,
    TrackRecord,
    line_shape,
    track_record_of,
    with_track_record,
)

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


# --- an operator's category carries over to the next failure of the same pattern ---------------------------
VAULT = "2026-12-01 03:00:07 QZX-7731 ledger vault refused the batch: segment 44 already sealed"


def _word(
    conn: psycopg.Connection[Any],
    run_id: str,
    said: str | None,
    correct: bool | None,
    job: str = "LOAD_GL",
    line: str = VAULT,
    annotated: str = "unknown",
    resolution: str = "reopened the ledger segment",
) -> None:
    """An earlier run of `job` annotated `annotated` on `line`, and an operator's feedback on it."""
    save_annotation(conn, _annotation(run_id, category=annotated, line=line), _run(run_id, job=job))
    save_feedback(conn, run_id, resolution, correct, said)


def test_a_corrected_category_is_used_for_the_next_failure_of_the_same_line_on_the_same_job(
    database_url: str,
) -> None:
    with psycopg.connect(database_url) as conn:
        _word(conn, "vault-1", "db_error", False)
        # the same error on the next night: another date and time, the rules still say unknown
        again = VAULT.replace("2026-12-01 03:00:07", "2026-12-02 03:00:09")
        fresh = with_track_record(conn, _run("vault-2"), _annotation("vault-2", "unknown", again, 0.1))
        other_job = with_track_record(conn, _run("ap-1", job="LOAD_AP"), _annotation("ap-1", "unknown", again, 0.1))
        other_line = with_track_record(conn, _run("vault-3"), _annotation("vault-3", "unknown", LINE, 0.1))
    assert fresh.category == "db_error"
    assert fresh.steps[0] == (
        "Operators fixed run vault-1, which failed on the same error pattern, with: reopened the ledger segment"
    )
    assert 'conman "rr WS#NIGHTLY.LOAD_GL"' in fresh.steps[-1]
    assert "as operators recorded for run vault-1" in fresh.root_cause and "2026-12-02" in fresh.root_cause
    assert fresh.confidence == round((PRIOR_WEIGHT * 0.5 + 1) / (PRIOR_WEIGHT + 1), 2) == 0.6
    assert fresh.track_record == {
        "basis": f"job {JOB}", "confirmed": 1, "refuted": 0, "engine_confidence": 0.1,
        "corrected_from": "unknown", "operator_run": "vault-1",
    }  # fmt: skip
    # another job, or another error on the same job, is not the same failure: the engine's answer stands
    assert other_job.category == "unknown" and other_job.track_record is None
    # (the job's refuted "unknown" still lowers the confidence of its next "unknown": the track record's basis)
    assert other_line.category == "unknown" and other_line.track_record is not None
    assert "corrected_from" not in other_line.track_record and other_line.track_record["refuted"] == 1


def test_a_mined_pattern_carries_the_word_across_jobs(database_url: str) -> None:
    with psycopg.connect(database_url) as conn:
        _word(conn, "ap-1", "dependency", False, job="LOAD_AP", annotated="data_quality")
        _mined(conn, "ap-1", "LOAD_AP", "P9", VAULT)
        _mined(conn, "gl-1", "LOAD_GL", "P9", VAULT)
        carried = with_track_record(conn, _run("gl-1"), _annotation("gl-1", "data_quality", VAULT, 0.6))
    assert carried.category == "dependency"
    assert carried.track_record is not None and carried.track_record["basis"] == "pattern P9"
    assert carried.track_record["corrected_from"] == "data_quality"


def test_the_latest_word_wins_and_confirmations_count_for_the_category_they_confirm(database_url: str) -> None:
    with psycopg.connect(database_url) as conn:
        _word(conn, "v-1", "db_error", False)
        _word(conn, "v-2", "permission", False)  # a later operator says otherwise
        latest = with_track_record(conn, _run("v-3"), _annotation("v-3", "unknown", VAULT, 0.1))
        # v-3 was annotated with permission (carried over) and an operator confirms it: two words for permission
        save_annotation(conn, latest, _run("v-3"))
        save_feedback(conn, "v-3", "granted the role again", True)
        confirmed = with_track_record(conn, _run("v-4"), _annotation("v-4", "unknown", VAULT, 0.1))
        # a verdict without a category is no word on the category: the engine's answer is refuted only
        _word(conn, "v-5", None, False, line="2026-12-01 03:00:07 zz-9 other failure", annotated="network")
        refuted_only = with_track_record(
            conn, _run("v-6"), _annotation("v-6", "network", "2026-12-03 04:00:00 zz-9 other failure", 0.6)
        )
    assert latest.category == "permission" and latest.confidence == 0.5  # one word each way
    assert latest.track_record is not None and latest.track_record["refuted"] == 1
    assert confirmed.category == "permission" and confirmed.steps[0].endswith("granted the role again")
    assert confirmed.track_record is not None and confirmed.track_record["confirmed"] == 2
    assert refuted_only.category == "network"
    assert refuted_only.track_record is not None and refuted_only.track_record["refuted"] == 1


def test_an_agreeing_word_leaves_the_engines_answer_and_secrets_in_a_resolution_are_masked(database_url: str) -> None:
    with psycopg.connect(database_url) as conn:
        _word(conn, "s-1", "db_error", True, annotated="db_error")
        agreed = with_track_record(conn, _run("s-2"), _annotation("s-2", "db_error", VAULT, 0.6))
        _word(conn, "m-1", "auth", False, line=LINE, resolution="reset it: password=Hunter2secret")
        masked = with_track_record(conn, _run("m-2"), _annotation("m-2", "db_error", LINE, 0.6))
    assert agreed.category == "db_error" and agreed.root_cause == "table GL.BALANCES locked by another session"
    assert agreed.track_record is not None and "corrected_from" not in agreed.track_record
    assert masked.category == "auth"
    assert "Hunter2secret" not in " ".join([masked.root_cause, *masked.steps])


def test_only_dates_times_and_long_numbers_are_masked_when_lines_are_compared() -> None:
    assert line_shape("2026-12-01 03:00:07 batch 20261201034411 rc=8 at 0x7f3a") == line_shape(
        "2026-12-02  04:10:00.123 batch 20261202040000 rc=8 at 0x11"
    )
    assert line_shape("GET /api/orders returned 404") != line_shape("GET /api/orders returned 503")
    assert line_shape("job ended rc=8") != line_shape("job ended rc=12")
    assert line_shape("ORA-01653: unable to extend") != line_shape("ORA-01654: unable to extend")


def test_a_word_on_another_code_of_the_same_job_does_not_carry_over(database_url: str) -> None:
    with psycopg.connect(database_url) as conn:
        _word(conn, "h-1", "auth", False, line="2026-12-01 03:00:07 GET /api/ledger returned 401")
        other = with_track_record(
            conn, _run("h-2"), _annotation("h-2", "network", "2026-12-02 03:00:07 GET /api/ledger returned 503", 0.6)
        )
    assert other.category == "network"


def test_unknown_is_no_word_and_a_later_note_does_not_cancel_a_correction(database_url: str) -> None:
    with psycopg.connect(database_url) as conn:
        _word(conn, "u-1", None, True, annotated="unknown")  # an operator "confirms" an unknown
        kept = with_track_record(conn, _run("u-2"), _annotation("u-2", "db_error", VAULT, 0.6))
        _word(conn, "c-1", "permission", False, line=LINE, annotated="db_error")
        save_feedback(conn, "c-1", "also told the vendor", None)  # a note, no verdict, no category
        carried = with_track_record(conn, _run("c-2"), _annotation("c-2", "db_error", LINE, 0.6))
    assert kept.category == "db_error"
    assert carried.category == "permission"
