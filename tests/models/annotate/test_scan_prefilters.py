"""The literal tests that spare the 1,000-line scans above a failure their regexes, and the line cache of the
entity reader: each must give the answer the regex alone gives (a prefilter may let a line through that the
regex then refuses, never stop one the regex would match)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from twspulse.joblog import entities
from twspulse.joblog.entities import CACHED_LINE_CHARS, extract_entities, forget_lines
from twspulse.models.annotate import key_entities
from twspulse.models.annotate.evaluation import SPLITS
from twspulse.models.annotate.excerpt import decode_joblog
from twspulse.models.annotate.key_entities import job_above, routine_near

# _AFTER_CALL as it was written before it was split into a literal test and an anchored match
_AFTER_CALL = re.compile(
    rf"^\s*{key_entities._ECHO_PROMPT}?(?i:select|insert|update|delete|merge|create|alter|drop|truncate|"
    r"copy|with|grant)\b|successfully completed"
)
SYNTHETIC = [
    "EXEC dbo.usp_load_orders @day='2026-12-01'",
    "exec etl.usp_x;",
    "2026-12-01 02:00:01 executing stage.refresh_all on dwh01",
    "CALL s.p(1, 2)",
    "Calling finance.post_journals(2026, 11)",
    "BEGIN pkg.proc(:a); END;",
    "begin etl.run_all;",
    "εκτέλεση dbo.usp_year @Year=2026",
    "step 3 usp_x @Day='d'",
    "  SQL> select * from t;",
    "dwh=> INSERT INTO x SELECT 1;",
    "1> WITH a AS (SELECT 1) SELECT * FROM a",
    "PL/SQL procedure successfully completed.",
    "Selected rows: 12",
    "kubectl create job nightly-recon --from=cronjob/recon",
    "job.batch/recon-20261201 created",
    "Executing <Task(PythonOperator): load_gl>",
    "START sql table model fin.gl_daily",
    "submitted job 4711 to the cluster",
    "helm upgrade --install settle-batch ./chart",
    "Database Error in model stg_orders (models/stg_orders.sql)",
    "Name:             recon-20261201",
    "  Normal  SuccessfulCreate  Created pod: recon-20261201-6kq2w",
    "triggered flow ingest_daily",
    "2026-12-01 02:00:01 INFO  [JOB] processed part_00001.dat (12 rows), errors=0",
    "",
]


def _registered_lines() -> Iterator[str]:
    for folder in SPLITS.values():
        for path in sorted(folder.glob("*.log")):
            yield from decode_joblog(path.read_bytes()).replace("\r", "").split("\n")


@pytest.fixture(scope="module")
def lines() -> list[str]:
    return list(dict.fromkeys([*SYNTHETIC, *_registered_lines()]))


def test_no_line_a_call_regex_reads_is_stopped_by_the_literal_test(lines: list[str]) -> None:
    missed = [line for line in lines if key_entities._ROUTINE_CALL.search(line) and not key_entities._may_call(line)]
    assert missed == []
    assert sum(1 for line in lines if key_entities._ROUTINE_CALL.search(line)) > 20  # the check has cases to check


def test_the_split_test_of_a_later_statement_agrees_with_the_one_regex(lines: list[str]) -> None:
    disagree = [line for line in lines if key_entities._after_call(line) != bool(_AFTER_CALL.search(line))]
    assert disagree == []
    assert sum(1 for line in lines if key_entities._after_call(line)) > 20


def test_no_line_the_started_job_regex_reads_is_stopped_by_the_literal_test(lines: list[str]) -> None:
    def passes(line: str) -> bool:
        return line.startswith("Name:") or any(word in line for word in key_entities._STARTED_JOB_WORDS)

    missed = [line for line in lines if key_entities._STARTED_JOB.search(line) and not passes(line)]
    assert missed == []
    assert sum(1 for line in lines if key_entities._STARTED_JOB.search(line)) > 10


@pytest.mark.parametrize(
    "above, expected",
    [
        (["EXEC dbo.usp_load @d='x'", *["INFO progress row"] * 1500], None),  # beyond SUBJECT_REACH
        (["EXEC dbo.usp_load @d='x'", *["INFO progress row"] * 900], "dbo.usp_load"),
        (["Calling fin.post(2026)", "SQL> select 1 from dual;"], None),  # a statement followed the call
        (["exec etl.a;", "PL/SQL procedure successfully completed.", "noise"], None),
        (["BEGIN pkg.run(:a); END;", "noise"], "pkg.run"),
    ],
)
def test_routine_near_still_reads_the_last_call_within_reach(above: list[str], expected: str | None) -> None:
    assert routine_near(above, []) == expected


@pytest.mark.parametrize(
    "above, expected",
    [
        (["kubectl create job recon-1 --from=cronjob/recon", *["noise"] * 500], "recon-1"),
        (["Name:             recon-20261201", "Events:"], "recon-20261201"),
        (["JOB STARTED", "RUNNING"], None),
    ],
)
def test_job_above_still_reads_the_last_started_job(above: list[str], expected: str | None) -> None:
    assert job_above(above) == expected


def test_the_line_cache_gives_what_reading_the_line_gives(lines: list[str]) -> None:
    sample = lines[::7][:3000]
    forget_lines()
    cold = [extract_entities([line]) for line in sample]
    warm = [extract_entities([line]) for line in sample]
    fresh = [
        {kind: list(dict.fromkeys(v for k, v in entities._line_entities(line) if k == kind)) for kind in kinds}
        for line, kinds in ((line, dict.fromkeys(k for k, _ in entities._line_entities(line))) for line in sample)
    ]
    assert cold == warm == [{k: v for k, v in f.items()} for f in fresh]
    assert sum(1 for found in cold if found) > 500


def test_a_long_line_is_read_but_not_kept() -> None:
    forget_lines()
    long_line = "cannot open /data/in/x.csv " + "y" * CACHED_LINE_CHARS
    assert "/data/in/x.csv" in extract_entities([long_line])["paths"]
    assert entities._cached_line_entities.cache_info().currsize == 0
    extract_entities(["cannot open /data/in/x.csv"])
    assert entities._cached_line_entities.cache_info().currsize == 1
