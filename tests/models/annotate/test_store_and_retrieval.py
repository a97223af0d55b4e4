"""Annotations, feedback and similar-case retrieval against a real, migrated PostgreSQL; the CLI end to end."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner

from twspulse.models.annotate.annotation import Annotation, FailedRun
from twspulse.models.annotate.annotator import Annotator
from twspulse.models.annotate.cli import annotate_command, feedback_command
from twspulse.models.annotate.evaluation import load_expectations, run_for_case
from twspulse.models.annotate.exceptions import RunNotFound
from twspulse.models.annotate.excerpt import read_joblog
from twspulse.models.annotate.rules_engine import RulesEngine
from twspulse.models.annotate.similar_cases import find_similar
from twspulse.models.annotate.store import load_run_context, save_annotation, save_feedback
from twspulse.settings import Settings

EVAL_DIR = Path(__file__).resolve().parents[2] / "data" / "joblogs"
ENDED = datetime(2026, 11, 24, 1, 15, 3, tzinfo=UTC)


def _insert_failed_run(conn: psycopg.Connection, run_id: str, joblog: str, chunks: int = 3) -> None:  # type: ignore[type-arg]
    conn.execute(
        "INSERT INTO job_runs (time, event_id, job_id, run_id, plan_id, job_name, job_stream, workstation, folder,"
        " status, internal_status, category, return_code, start_time, end_time, observed_at)"
        " VALUES (%s, %s, 'job-7', %s, 'current', 'LOAD_EMPLOYEES', 'HR_DAILY', 'HRPROD01', '/', 'ERROR', 'ABEND',"
        " 'failed', 12, %s, %s, %s)",
        (ENDED, f"ev-{run_id}", run_id, ENDED - timedelta(seconds=2), ENDED, ENDED),
    )
    size = -(-len(joblog) // chunks)
    pieces = [joblog[i : i + size] for i in range(0, len(joblog), size)]
    for index, piece in enumerate(pieces):
        conn.execute(
            "INSERT INTO job_logs (time, run_id, chunk_index, chunk_count, job_id, job_name, job_stream, workstation,"
            " return_code, internal_status, content, total_bytes, truncated, fetched_at)"
            " VALUES (%s, %s, %s, %s, 'job-7', 'LOAD_EMPLOYEES', 'HR_DAILY', 'HRPROD01', 12, 'ABEND',"
            " %s, %s, false, %s)",
            (ENDED, run_id, index, len(pieces), piece, len(joblog), ENDED),
        )
    conn.commit()


def _eval_annotations() -> list[tuple[FailedRun, Annotation]]:
    engine = RulesEngine()
    out = []
    for name, expected in sorted(load_expectations(EVAL_DIR).items()):
        data = (EVAL_DIR / name).read_bytes()
        run = run_for_case(name, data, expected)
        out.append((run, engine.annotate(run, read_joblog(data))))
    return out


def test_stored_run_is_loaded_from_chunks_and_annotated(database_url: str) -> None:
    joblog = (EVAL_DIR / "unix_missing_input.log").read_text()
    with psycopg.connect(database_url) as conn:
        _insert_failed_run(conn, "run-1", joblog)
        context = load_run_context(conn, "run-1")
        assert context.joblog == joblog
        assert context.run.conman_job == "HRPROD01#HR_DAILY.LOAD_EMPLOYEES" and context.run.return_code == 12
        assert context.run.job_key == "HRPROD01#/HR_DAILY.LOAD_EMPLOYEES"
        annotation = Annotator(Settings(llm_url=None), conn=conn).annotate(context.run, context.joblog)
        save_annotation(conn, annotation, context.run)
        row = conn.execute("SELECT category, root_cause, steps, engine FROM job_annotations WHERE run_id='run-1'")
        category, root_cause, steps, engine = row.fetchone()  # type: ignore[misc]
    assert (category, engine) == ("missing_file", "rules")
    assert root_cause == "Missing file: /data/hr/employees.csv"
    assert "PUT /twsd/api/v2/plan/job/run/run-1/action/rerun" in steps[-1]


def test_a_run_known_only_by_its_joblog_keeps_its_folder_in_the_job_key(database_url: str) -> None:
    # the joblog agent can be ahead of the job events: no job_runs row yet, the joblog rows say the folder
    from twspulse.events import JobLogChunk
    from twspulse.streams.rows import JOB_LOG_COLUMNS, job_log_row

    chunk = JobLogChunk(run_id="run-9", job_id="job-9", job_name="EXTRACT_LEDGER", job_stream="MONTH_END",
                        workstation="LNX_DB01", folder="/FINANCE/", return_code=4, internal_status="ABEND",
                        end_time=ENDED, chunk_index=0, chunk_count=1, content="SQL0911N deadlock\n", total_bytes=18,
                        truncated=False, fetched_at=ENDED)  # fmt: skip
    columns = ", ".join(JOB_LOG_COLUMNS)
    with psycopg.connect(database_url) as conn:
        conn.execute(f"INSERT INTO job_logs ({columns}) VALUES ({', '.join(['%s'] * len(JOB_LOG_COLUMNS))})",
                     job_log_row(chunk))  # fmt: skip
        context = load_run_context(conn, "run-9")
    assert context.run.job_key == "LNX_DB01#/FINANCE/MONTH_END.EXTRACT_LEDGER" and context.run.folder == "/FINANCE/"
    older = chunk.model_copy(update={"folder": None})  # records of older connectors: the root folder, as before
    assert job_log_row(older)[JOB_LOG_COLUMNS.index("folder")] is None


def test_unknown_run_id_raises_run_not_found(database_url: str) -> None:
    with psycopg.connect(database_url) as conn, pytest.raises(RunNotFound, match="nope"):
        load_run_context(conn, "nope")


def test_reannotation_replaces_the_row(database_url: str) -> None:
    run = FailedRun(run_id="r-up", job_name="J", job_stream="S", workstation="W")
    first = Annotation(run_id="r-up", root_cause="first", category="unknown", confidence=0.1, engine="rules")
    second = first.model_copy(update={"root_cause": "second", "category": "network", "engine": "openai:m"})
    with psycopg.connect(database_url) as conn:
        save_annotation(conn, first, run)
        save_annotation(conn, second, run)
        rows = conn.execute("SELECT root_cause, category, engine FROM job_annotations").fetchall()
    assert rows == [("second", "network", "openai:m")]


def test_similar_cases_bring_the_recorded_resolution(database_url: str) -> None:
    cases = _eval_annotations()
    with psycopg.connect(database_url) as conn:
        for run, annotation in cases:
            save_annotation(conn, annotation, run)
        save_feedback(conn, "eval:oracle_tablespace", "DBA added a 32 GB datafile to DWH_DATA", True)
        new = Annotation(
            run_id="new-run",
            root_cause="Tablespace DWH_DATA is full: ORA-01653: unable to extend table DWH.ORDERS_FACT by 1024",
            error_line="ORA-01653: unable to extend table DWH.ORDERS_FACT by 1024 in tablespace DWH_DATA",
            category="db_error",
            confidence=0.9,
            engine="rules",
        )
        similar = find_similar(conn, new, k=3)
    assert similar[0].run_id == "eval:oracle_tablespace"
    assert similar[0].resolution == "DBA added a 32 GB datafile to DWH_DATA" and similar[0].correct is True
    assert all(case.run_id != "new-run" for case in similar)


def test_retrieval_finds_same_category_cases_on_the_eval_set(database_url: str) -> None:
    """Leave-one-out: each eval case asks for its 3 nearest others; measured share whose top hit shares its category."""
    cases = _eval_annotations()
    hits = 0
    with psycopg.connect(database_url) as conn:
        for run, annotation in cases:
            save_annotation(conn, annotation, run)
        for _, annotation in cases:
            similar = find_similar(conn, annotation, k=3)
            hits += bool(similar) and similar[0].category == annotation.category
    assert hits / len(cases) >= 0.8


def test_cli_annotates_a_stored_run_and_takes_feedback(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TWSPULSE_DATABASE_URL", database_url)
    monkeypatch.delenv("TWSPULSE_LLM_URL", raising=False)
    with psycopg.connect(database_url) as conn:
        _insert_failed_run(conn, "run-cli", (EVAL_DIR / "oracle_tablespace.log").read_text())
    runner = CliRunner()
    result = runner.invoke(annotate_command, ["run-cli"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    assert printed["category"] == "db_error" and "DWH_DATA" in printed["root_cause"]
    result = runner.invoke(feedback_command, ["run-cli", "--resolution", "added datafile", "--correct"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(feedback_command, ["no-such-run", "--resolution", "x"])
    assert result.exit_code != 0 and "has no annotation" in result.output
    with psycopg.connect(database_url) as conn:
        stored = conn.execute("SELECT resolution, correct FROM annotation_feedback").fetchall()
    assert stored == [("added datafile", True)]


def test_cli_feedback_with_a_category_corrects_the_next_failure_of_the_same_error(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TWSPULSE_DATABASE_URL", database_url)
    monkeypatch.delenv("TWSPULSE_LLM_URL", raising=False)
    # an invented tool's error that the rules cannot place; the next night's log differs only in its digits
    night = "2026-12-01 03:00:01 starting ledger import\n2026-12-01 03:00:07 QZX-7731 vault refused segment 44\n"
    with psycopg.connect(database_url) as conn:
        _insert_failed_run(conn, "run-n1", night)
        _insert_failed_run(conn, "run-n2", night.replace("12-01", "12-02"))
    runner = CliRunner()
    first = json.loads(runner.invoke(annotate_command, ["run-n1"]).output)
    assert first["category"] == "unknown"
    said = [first["run_id"], "--resolution", "reopened the segment", "--correct", "--category", "db_error"]
    contradiction = runner.invoke(feedback_command, said)
    assert contradiction.exit_code == 2 and "contradiction" in contradiction.output
    result = runner.invoke(feedback_command, [*said[:3], "--category", "db_error"])  # implies --wrong
    assert result.exit_code == 0 and "category db_error for the next failures" in result.output, result.output
    second = json.loads(runner.invoke(annotate_command, ["run-n2"]).output)
    assert second["category"] == "db_error"
    assert second["steps"][0].endswith("with: reopened the segment")
    assert second["track_record"]["corrected_from"] == "unknown"
    # --wrong with the annotation's own category: the cause's wording was wrong, its family right
    result = runner.invoke(
        feedback_command, ["run-n2", "--resolution", "other segment", "--wrong", "--category", "db_error"]
    )
    assert result.exit_code == 0, result.output
    with psycopg.connect(database_url) as conn:
        stored = conn.execute("SELECT correct, category FROM annotation_feedback ORDER BY given_at").fetchall()
        kept = conn.execute("SELECT category FROM job_annotations WHERE run_id = 'run-n2'").fetchone()
    assert stored == [(False, "db_error"), (False, "db_error")] and kept == ("db_error",)


def test_cli_annotates_a_joblog_file_without_a_database(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TWSPULSE_LLM_URL", raising=False)
    result = CliRunner().invoke(
        annotate_command,
        ["--joblog", str(EVAL_DIR / "unix_missing_input.log"), "--rc", "12", "--job", "LOAD_EMPLOYEES"],
    )
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    assert printed["root_cause"] == "Missing file: /data/hr/employees.csv"
    assert 'conman "rr HRPROD01#HR_DAILY.LOAD_EMPLOYEES"' in printed["steps"][-1]


def test_cli_eval_prints_accuracy_per_field_and_category() -> None:
    result = CliRunner().invoke(annotate_command, ["eval", str(EVAL_DIR)])
    assert result.exit_code == 0, result.output
    assert "error_line" in result.output and "missing_file" in result.output and "ALL" in result.output
