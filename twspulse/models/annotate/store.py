"""Reads a failed run's context from the database and writes annotations and feedback back.

Joblogs are stored in ordered chunks (job_logs, one row per chunk, written by the worker from
tws.job.logs); a run's log may have been fetched more than once, so the chunks of its latest fetch
(highest `time`) are joined. Annotations are upserted on run_id: a re-annotation (new rules, a model
configured later) replaces the old one. Feedback rows are appended: what fixed a run is history.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from twspulse.job_keys import job_key_of
from twspulse.models.annotate.annotation import Annotation, FailedRun
from twspulse.models.annotate.exceptions import RunNotFound

_UPSERT = """
INSERT INTO job_annotations (run_id, job_id, job_key, job_name, job_stream, workstation, return_code, failed_at,
                             engine, category, root_cause, error_line, steps, confidence, similar_cases, prompt_hash,
                             track_record)
VALUES (%(run_id)s, %(job_id)s, %(job_key)s, %(job_name)s, %(job_stream)s, %(workstation)s, %(return_code)s,
        %(failed_at)s, %(engine)s, %(category)s, %(root_cause)s, %(error_line)s, %(steps)s, %(confidence)s,
        %(similar_cases)s, %(prompt_hash)s, %(track_record)s)
ON CONFLICT (run_id) DO UPDATE SET
  job_id = EXCLUDED.job_id, job_key = EXCLUDED.job_key, job_name = EXCLUDED.job_name,
  job_stream = EXCLUDED.job_stream, workstation = EXCLUDED.workstation, return_code = EXCLUDED.return_code,
  failed_at = EXCLUDED.failed_at, annotated_at = now(), engine = EXCLUDED.engine, category = EXCLUDED.category,
  root_cause = EXCLUDED.root_cause, error_line = EXCLUDED.error_line, steps = EXCLUDED.steps,
  confidence = EXCLUDED.confidence, similar_cases = EXCLUDED.similar_cases, prompt_hash = EXCLUDED.prompt_hash,
  track_record = EXCLUDED.track_record
"""
_RUN = """
SELECT job_id, job_name, job_stream, workstation, folder, job_key, return_code, status, internal_status,
       start_time, end_time
FROM job_runs WHERE run_id = %s
ORDER BY (category = 'failed') DESC, time DESC LIMIT 1
"""
_LOG_META = (
    "SELECT job_id, job_name, job_stream, workstation, folder, return_code, internal_status, time FROM job_logs "
    "WHERE run_id = %s ORDER BY time DESC, chunk_index LIMIT 1"
)
_CHUNKS = """
SELECT content FROM job_logs
WHERE run_id = %(run_id)s AND time = (SELECT max(time) FROM job_logs WHERE run_id = %(run_id)s)
ORDER BY chunk_index
"""
_HISTORY = """
SELECT time, run_id, status, internal_status, return_code, duration_s
FROM job_runs
WHERE job_stream = %s AND job_name = %s AND workstation = %s AND run_id IS DISTINCT FROM %s
  AND category IN ('failed', 'succeeded')
ORDER BY time DESC LIMIT %s
"""


@dataclass(frozen=True, slots=True)
class RunContext:
    """Everything the annotator needs about a stored run."""

    run: FailedRun
    joblog: str
    history: list[dict[str, Any]]


def job_key(workstation: str | None, folder: str | None, stream: str | None, job: str | None) -> str | None:
    """The job definition key job_runs.job_key and job_annotations.job_key hold (``WS#/FOLDER/STREAM.JOB``)."""
    if not (workstation and stream and job):
        return None
    return job_key_of(workstation, folder, stream, job)


def load_run_context(conn: psycopg.Connection[Any], run_id: str, history_limit: int = 10) -> RunContext:
    """The run (from job_runs, else from its joblog rows), its joblog text and the job's recent runs."""
    row = conn.execute(_RUN, (run_id,)).fetchone()
    if row is not None:
        job_id, name, stream, ws, folder, key, rc, status, internal, start, end = row
        run = FailedRun(
            run_id=run_id, job_id=job_id, job_name=name, job_stream=stream, workstation=ws, folder=folder,
            job_key=key or job_key(ws, folder, stream, name), return_code=rc, status=internal or status,
            start_time=start, end_time=end,
        )  # fmt: skip
    else:
        meta = conn.execute(_LOG_META, (run_id,)).fetchone()
        if meta is None:
            raise RunNotFound(run_id)
        job_id, name, stream, ws, folder, rc, internal, end = meta  # folder: None in rows of older connectors
        run = FailedRun(
            run_id=run_id, job_id=job_id, job_name=name, job_stream=stream, workstation=ws, folder=folder,
            job_key=job_key(ws, folder, stream, name), return_code=rc, status=internal, end_time=end,
        )  # fmt: skip
    chunks = conn.execute(_CHUNKS, {"run_id": run_id}).fetchall()
    history: list[dict[str, Any]] = []
    if run.job_stream and run.job_name and run.workstation:
        rows = conn.execute(_HISTORY, (run.job_stream, run.job_name, run.workstation, run_id, history_limit))
        history = [
            {"time": r[0].isoformat(), "run_id": r[1], "status": r[2], "internal_status": r[3],
             "return_code": r[4], "duration_s": r[5]}
            for r in rows.fetchall()
        ]  # fmt: skip
    return RunContext(run, "".join(chunk[0] for chunk in chunks), history)


def save_annotation(conn: psycopg.Connection[Any], annotation: Annotation, run: FailedRun) -> None:
    """Insert or replace the annotation of `run` (commits)."""
    conn.execute(
        _UPSERT,
        {
            "run_id": annotation.run_id,
            "job_id": run.job_id,
            "job_key": run.job_key or job_key(run.workstation, run.folder, run.job_stream, run.job_name),
            "job_name": run.job_name,
            "job_stream": run.job_stream,
            "workstation": run.workstation,
            "return_code": run.return_code,
            "failed_at": run.end_time,
            "engine": annotation.engine,
            "category": annotation.category,
            "root_cause": annotation.root_cause,
            "error_line": annotation.error_line,
            "steps": json.dumps(annotation.steps),
            "confidence": annotation.confidence,
            "similar_cases": annotation.similar_cases,
            "prompt_hash": annotation.prompt_hash,
            "track_record": Jsonb(annotation.track_record) if annotation.track_record is not None else None,
        },
    )
    conn.commit()


def save_feedback(
    conn: psycopg.Connection[Any], run_id: str, resolution: str, correct: bool | None, category: str | None = None
) -> None:
    """Append what an operator says fixed `run_id`, whether the annotation was right and, when they know it,
    the run's real category (carried over to the next failure of the same pattern); commits."""
    conn.execute(
        "INSERT INTO annotation_feedback (run_id, resolution, correct, category) VALUES (%s, %s, %s, %s)",
        (run_id, resolution, correct, category),
    )
    conn.commit()


def annotated_category(conn: psycopg.Connection[Any], run_id: str) -> str | None:
    """The category `run_id` was annotated with (None: no annotation)."""
    row = conn.execute("SELECT category FROM job_annotations WHERE run_id = %s", (run_id,)).fetchone()
    return row[0] if row is not None else None
