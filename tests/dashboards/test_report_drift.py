"""The report's drift section ranks by a robust slope over enough days, not by first-vs-last change.

Three jobs: one whose runtime grows 3 % a day for 25 days with noise (a real drift), one with three days of
wild values (+200 % first to last: too few points to rank), and one flat job with a single slow day at the
end (first-vs-last says +150 %, the robust slope says nothing).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import numpy as np
import psycopg

from twspulse.dashboards.report.build import _drift


def _run(job: str, when: datetime, seconds: float, n: int) -> tuple[object, ...]:
    return (when, f"{job}/{n}", f"{job}-id", f"r{job}{n}", "p", job, "DAILY", "WS1", "/", "SUCC", "SUCC",
            "succeeded", seconds, when)  # fmt: skip


def test_a_steady_drift_ranks_first_and_short_or_one_off_changes_do_not(database_url: str) -> None:
    rng = np.random.default_rng(3)
    today = datetime.now(UTC).replace(hour=6, minute=0, second=0, microsecond=0)
    rows = []
    for d in range(25):  # DRIFTING: +3 %/day, 2 runs a day, +-5 % noise
        for k in range(2):
            rows.append(
                _run(
                    "DRIFTING",
                    today - timedelta(days=24 - d, minutes=k),
                    100 * 1.03**d * rng.uniform(0.95, 1.05),
                    2 * d + k,
                )
            )
    for d, v in enumerate((50, 40, 150)):  # SHORT: three days only
        for k in range(4):
            rows.append(_run("SHORT", today - timedelta(days=2 - d, minutes=k), v, 4 * d + k))
    for d in range(25):  # ONE_OFF: flat, the last day slow
        rows.append(
            _run("ONE_OFF", today - timedelta(days=24 - d), 250.0 if d == 24 else 100 * rng.uniform(0.97, 1.03), d)
        )
    with psycopg.connect(database_url) as conn:
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO job_runs (time, event_id, job_id, run_id, plan_id, job_name, job_stream, workstation,"
                " folder, status, internal_status, category, duration_s, observed_at)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                rows,
            )
        section = _drift(conn, {"since": timedelta(days=7)})
    [table] = section.tables
    names = [row[1] for row in table.rows]
    assert names[0] == "DRIFTING", table.rows
    assert "SHORT" not in names  # 3 daily medians: not enough to rank
    weekly = dict(zip(names, (row[6] for row in table.rows), strict=True))
    assert 15 < weekly["DRIFTING"] < 30  # ~ +3 %/day as % of the median per week
    p_values = dict(zip(names, (row[8] for row in table.rows), strict=True))
    assert p_values["DRIFTING"] < 0.001
    assert "ONE_OFF" not in weekly or abs(weekly["ONE_OFF"]) < 5  # first-vs-last would say +150 %
    assert re.fullmatch(r"[+-]\d+\.\d\.\.[+-]\d+\.\d", table.rows[0][7])  # the interval, e.g. +19.2..+23.0
