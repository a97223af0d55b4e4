"""What the insights job reads from the database and how it writes the ``insights`` table
(twspulse/sql/019_insights.sql).

Reads: final job runs (event time), the failed runs' error patterns (resolved through ``pattern_aliases``, so a
merged pattern counts as the one it belongs to now), pattern templates, the host resource series the training
uses (``host_metrics_1h``) and which host each workstation runs on (``workstation_status.node_name``, else a
host named like the workstation, as the IsolationForest features match them).

Writes are idempotent: an insight's row is keyed by its stable id and the time it was first found, read back
here, so a re-run updates the row instead of adding one; insights of earlier runs not found again are marked
``cleared``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd
import psycopg
from psycopg.types.json import Jsonb

from twspulse.models.insights import Insight
from twspulse.models.series import JOB_KEY_SQL

INSIGHT_COLUMNS = (
    "insight_id", "kind", "subject", "metric", "state", "significant", "summary", "confidence", "evidence",
    "prediction", "priority", "action", "deadline", "updated_at", "run_id",
)  # fmt: skip

_RUNS_SQL = f"""
SELECT time, {JOB_KEY_SQL} AS job_key, regexp_replace(workstation, '^.*/', '') AS workstation,
       job_stream, job_name, category, duration_s
  FROM job_runs
 WHERE category IN ('succeeded', 'failed') AND time >= %s
 ORDER BY time
"""
_HITS_SQL = """
SELECT DISTINCT p.time, p.run_id, coalesce(a.merged_into, p.pattern_id) AS pattern_id,
       regexp_replace(p.workstation, '^.*/', '') AS workstation, p.job_stream, p.job_name
  FROM job_run_patterns p
  LEFT JOIN pattern_aliases a ON a.pattern_id = p.pattern_id
 WHERE p.time >= %s
"""


@dataclass(frozen=True)
class InsightInputs:
    """Everything the finders need, as frames and maps."""

    runs: pd.DataFrame  # time, job_key, workstation, job_stream, job_name, category, duration_s
    hits: pd.DataFrame  # time, job_key, pattern_id, run_id
    templates: dict[str, str]
    host_of: dict[str, str]  # workstation -> host
    workstation_of: dict[str, str]  # job_key -> workstation


def load_inputs(conn: psycopg.Connection[Any], since: datetime, hosts: Iterable[str]) -> InsightInputs:
    """Read the window's runs and pattern hits, the templates, and the workstation -> host map."""
    runs = pd.DataFrame(
        conn.execute(_RUNS_SQL, (since,)).fetchall(),
        columns=["time", "job_key", "workstation", "job_stream", "job_name", "category", "duration_s"],
    )
    raw_hits = pd.DataFrame(
        conn.execute(_HITS_SQL, (since,)).fetchall(),
        columns=["time", "run_id", "pattern_id", "workstation", "job_stream", "job_name"],
    )
    # job_run_patterns has no folder: the job key is the one its runs carry (the latest, if the job moved)
    ident = ["workstation", "job_stream", "job_name"]
    keys = runs.drop_duplicates(ident, keep="last")[[*ident, "job_key"]]
    hits = raw_hits.merge(keys, on=ident, how="inner")[["time", "job_key", "pattern_id", "run_id"]]
    templates = dict(conn.execute("SELECT pattern_id, template FROM job_error_patterns").fetchall())
    nodes = dict(
        conn.execute(
            "SELECT DISTINCT ON (ws) ws, node_name FROM ("
            "  SELECT regexp_replace(workstation, '^.*/', '') AS ws, node_name, time FROM workstation_status"
            "   WHERE node_name IS NOT NULL) w ORDER BY ws, time DESC"
        ).fetchall()
    )
    workstations = set(runs["workstation"]) | set(nodes)
    host_of = {ws: h for ws in workstations if (h := match_host(ws, nodes.get(ws), set(hosts))) is not None}
    workstation_of = dict(zip(runs["job_key"], runs["workstation"], strict=True))
    return InsightInputs(runs, hits, templates, host_of, workstation_of)


def match_host(workstation: str, node_name: str | None, hosts: set[str]) -> str | None:
    """The reporting host of a workstation: its node name (or that name's first label: an FQDN), else a host
    named like the workstation (as is or lower-cased); None when no reporting host matches."""
    candidates = [node_name, node_name.split(".", 1)[0] if node_name else None, workstation, workstation.lower()]
    for c in candidates:
        if c and c in hosts:
            return c
        if c and c.lower() in hosts:
            return c.lower()
    return None


def write_insights(conn: psycopg.Connection[Any], insights: Sequence[Insight], run_id: str, now: datetime) -> int:
    """Upsert every insight (its first-found time is kept, so a re-run updates the same row); returns rows."""
    cols = ", ".join(INSIGHT_COLUMNS)
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in INSIGHT_COLUMNS[1:])
    sql = (
        f"INSERT INTO insights (time, {cols}) "
        f"SELECT coalesce((SELECT min(time) FROM insights WHERE insight_id = %s), %s), "
        f"{', '.join(['%s'] * len(INSIGHT_COLUMNS))} "
        f"ON CONFLICT (insight_id, time) DO UPDATE SET {updates}"
    )
    rows = [(i.insight_id, now, *_row(i, run_id, now)) for i in insights]
    with conn.cursor() as cur:
        cur.executemany(sql, rows)
    return len(rows)


def _row(i: Insight, run_id: str, now: datetime) -> tuple[Any, ...]:
    return (
        i.insight_id, i.kind, i.subject, i.metric, "active", i.significant, i.summary, i.confidence,
        Jsonb(i.evidence), Jsonb(i.prediction) if i.prediction is not None else None, i.priority, i.action,
        i.deadline, now, run_id,
    )  # fmt: skip


def clear_missing(
    conn: psycopg.Connection[Any], found: Iterable[str], run_id: str, now: datetime
) -> list[tuple[str, str, str, str]]:
    """Mark active insights this run did not find again as cleared; returns their (kind, subject, metric, summary)."""
    return [
        (str(k), str(s), str(m), str(t))
        for k, s, m, t in conn.execute(
            "UPDATE insights SET state = 'cleared', updated_at = %s, run_id = %s "
            "WHERE state = 'active' AND NOT (insight_id = ANY(%s)) RETURNING kind, subject, metric, summary",
            (now, run_id, list(found)),
        ).fetchall()
    ]
