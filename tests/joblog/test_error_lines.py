"""The error lines of a failed run are the ones that explain it, in order, numbered as in the joblog."""

from __future__ import annotations

import random

from tests.joblog.conftest import ServedJoblog
from tests.joblog.test_joblog_frame import FOOTER, HEADER
from twspulse.joblog.error_lines import joblog_error_lines, main_cause, pick_error_lines, score_line
from twspulse.simulator.failures import FAMILIES, CauseContext, cause_lines

ORACLE_BODY = """2026-11-24 02:00:00 INFO  [LOAD_FACTS] starting /opt/batch/load_facts.sh on db01 (pid 4711, attempt 1)

SQL*Plus: Release 19.0.0.0.0 - Production on Tue Nov 24 02:00:00 2026
Connected to:
120000 rows created.
Commit complete.
ERROR at line 1:
ORA-01653: unable to extend table DWH.FACT_SALES by 8192 in tablespace DWH_DATA

Disconnected from Oracle Database 19c Enterprise Edition Release 19.0.0.0.0 - Production
2026-11-24 02:03:10 ERROR [LOAD_FACTS] end, exit code 117
"""


def test_the_cause_and_its_label_are_picked_with_their_joblog_line_numbers() -> None:
    lines = joblog_error_lines(HEADER + ORACLE_BODY + FOOTER)
    assert [(line.line_no, line.text) for line in lines] == [
        (14, "ERROR at line 1:"),
        (15, "ORA-01653: unable to extend table DWH.FACT_SALES by 8192 in tablespace DWH_DATA"),
        (18, "2026-11-24 02:03:10 ERROR [LOAD_FACTS] end, exit code 117"),
    ]
    cause = main_cause(lines)
    assert cause is not None and cause.text.startswith("ORA-01653")


def test_the_root_cause_of_an_exception_chain_beats_the_wrapper_and_stack_frames_are_left_out() -> None:
    context = CauseContext("LOAD_HR", "/opt/batch/load_hr.sh", "etl", "app01", "2026-11-24 03:00:00")
    body = cause_lines("java_exception", "java", context, random.Random(3))
    lines = pick_error_lines(body)
    cause = main_cause(lines)
    assert cause is not None and cause.text.startswith("Caused by: java.") and cause.score == 4
    assert not any(line.text.startswith(("at ", "...")) for line in lines)
    assert any("NonSkippableReadException" in line.text for line in lines)  # the wrapper is context


def test_info_lines_and_shell_traces_never_count() -> None:
    body = [
        "2026-11-24 01:00:00 INFO  [X] retry on error disabled",
        "+ sftp -b /opt/batch/x.batch -oConnectTimeout=30 xfer@sftp.example.com",
        "ssh: connect to host sftp.example.com port 22: Connection timed out",
    ]
    assert [line.line_no for line in pick_error_lines(body, first_line_no=8)] == [10]


def test_a_database_detail_line_is_kept_as_context_of_its_error() -> None:
    body = [
        'psql:/opt/batch/sql/load.sql:42: ERROR:  23505: duplicate key value violates unique constraint "pk"',
        "DETAIL:  Key (id)=(123456) already exists.",
        "SET",
    ]
    lines = pick_error_lines(body)
    assert [line.text for line in lines] == body[:2] and lines[1].score == 2


def test_a_bare_error_label_brings_the_line_it_introduces() -> None:
    lines = pick_error_lines(["ERROR:", '  relation "stage.sales" is missing', "done"])
    assert [line.text for line in lines] == ["ERROR:", 'relation "stage.sales" is missing']


def test_the_cap_keeps_the_best_lines_and_near_duplicates_count_once() -> None:
    noise = (f"2026-11-24 01:00:00 WARN  [X] row {i} failed check: invalid date" for i in range(10_000))
    body = ["cat: /data/in/x.csv: No such file or directory", *noise, "step failed, exit code 12"]
    lines = pick_error_lines(body, limit=5)
    assert [line.line_no for line in lines] == [1, 2, 10_002]  # in joblog order
    assert main_cause(lines) == lines[0]


def test_the_cap_drops_the_weakest_lines_first() -> None:
    body = [f"step {word} failed" for word in "abcdefgh"] + ["cp: error writing 'x': No space left on device"]
    lines = pick_error_lines(body, limit=3)
    assert [line.text for line in lines] == ["step a failed", "step b failed", body[-1]]


def test_no_error_vocabulary_gives_nothing() -> None:
    assert pick_error_lines(["all good", "rows loaded: 10"]) == []
    assert main_cause([]) is None
    assert score_line("\tat com.example.Runner.main(Runner.java:57)") == 0


def test_every_simulated_failure_shows_its_family_marker_among_its_error_lines(
    failed_joblogs: list[ServedJoblog],
) -> None:
    families = set()
    for served in failed_joblogs:
        lines = joblog_error_lines(served.raw.decode("utf-8", "replace"))
        marker = FAMILIES[served.run.family or ""].marker
        assert any(marker in line.text for line in lines), (served.run.family, [line.text for line in lines])
        assert all(line.line_no > 7 for line in lines)  # never the engine's header
        assert len(lines) <= 20
        families.add(served.run.family)
    assert len(families) >= 10
