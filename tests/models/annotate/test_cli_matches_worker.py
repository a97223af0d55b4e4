"""`twspulse annotate` gives the answer the worker stores, for a stored run and for the same joblog as a file."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from click.testing import CliRunner

from twspulse.models.annotate.cli import annotate_command
from twspulse.models.annotate.excerpt import read_joblog
from twspulse.settings import Settings
from twspulse.streams.annotation_stage import AnnotationStage

TRAIN = Path(__file__).resolve().parents[2] / "data" / "joblogs"
# One joblog per family the general evidence decides (codes, type names, words, trace structure).
CASES = (
    "python_keyerror_config.log", "java_jdbc_duplicate.log", "sftp_connect_timeout.log", "postgres_password_failed.log",
    "windows_robocopy_access_denied.log", "holdout_killed_by_timeout.log", "missing_predecessor_flag.log",
)  # fmt: skip
ENDED = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
COMPARED = ("category", "root_cause", "error_line", "steps", "confidence", "engine", "prompt_hash")


class _Alerts:
    """Stands in for the alert stage: this test is about the annotation the worker stores."""

    async def enrich(self, updates: Any) -> list[Any]:
        return []


def _store_run(conn: psycopg.Connection[Any], run_id: str, joblog: str) -> None:
    frame = read_joblog(joblog).frame
    header, footer = frame.header, frame.footer
    assert header is not None and footer is not None
    names = (header.job_name, header.job_stream, header.workstation)
    conn.execute(
        "INSERT INTO job_runs (time, event_id, job_id, run_id, plan_id, job_name, job_stream, workstation, folder,"
        " status, internal_status, category, return_code, start_time, end_time, observed_at)"
        " VALUES (%s, %s, 'job-1', %s, 'current', %s, %s, %s, '/', 'ERROR', 'ABEND', 'failed', %s, %s, %s, %s)",
        (ENDED, f"ev-{run_id}", run_id, *names, footer.exit_status, ENDED, ENDED, ENDED),
    )
    conn.execute(
        "INSERT INTO job_logs (time, run_id, chunk_index, chunk_count, job_id, job_name, job_stream, workstation,"
        " return_code, internal_status, content, total_bytes, truncated, fetched_at)"
        " VALUES (%s, %s, 0, 1, 'job-1', %s, %s, %s, %s, 'ABEND', %s, %s, false, %s)",
        (ENDED, run_id, *names, footer.exit_status, joblog, len(joblog), ENDED),
    )
    conn.commit()


def test_cli_gives_the_annotation_the_worker_stored(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TWSPULSE_DATABASE_URL", database_url)
    monkeypatch.delenv("TWSPULSE_LLM_URL", raising=False)
    with psycopg.connect(database_url) as conn:
        for name in CASES:
            _store_run(conn, Path(name).stem, (TRAIN / name).read_text())
    stage = AnnotationStage(Settings(llm_url=None), database_url, alerts=_Alerts())  # type: ignore[arg-type]
    asyncio.run(stage.annotate([Path(name).stem for name in CASES]))
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(f"SELECT run_id, {', '.join(COMPARED)} FROM job_annotations").fetchall()
    stored = {row[0]: dict(zip(COMPARED, row[1:], strict=True)) for row in rows}
    assert set(stored) == {Path(name).stem for name in CASES}
    runner = CliRunner()
    for name in CASES:
        run_id = Path(name).stem
        by_id = json.loads(runner.invoke(annotate_command, [run_id, "--no-store"]).output)
        as_file = ["--joblog", str(TRAIN / name), "--run-id", run_id]
        by_file = json.loads(runner.invoke(annotate_command, as_file).output)
        assert {key: by_id[key] for key in COMPARED} == stored[run_id], name
        # A joblog file carries no engine run (no job id), so its rerun step keeps the REST path's
        # {run_id} placeholder; everything else is the worker's answer.
        expected = {**stored[run_id], "steps": stored[run_id]["steps"][:-1]}
        assert {**{key: by_file[key] for key in COMPARED}, "steps": by_file["steps"][:-1]} == expected, name
        assert by_file["steps"][-1] == stored[run_id]["steps"][-1].replace(f"/run/{run_id}/", "/run/{run_id}/")
