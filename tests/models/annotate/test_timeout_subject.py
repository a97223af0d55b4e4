"""rules-23, part 1 (round 20): what timed out. GNU timeout's report (in any of its languages) names the program
the wrapper stopped, read from the `timeout` command line above it past its launcher; a procedure called with
T-SQL's named parameters in a log of any language, and PostgreSQL's "PL/pgSQL function" under a cancelled
statement, name the routine; a job's stated server is named when nothing else is."""

from __future__ import annotations

import pytest

from tests.models.annotate.test_rules_engine import _annotate
from twspulse.models.annotate import rules_engine
from twspulse.models.annotate.key_entities import routine_near, stopped_by_timeout

RULES = rules_engine.RulesEngine(line_model=None)


@pytest.mark.parametrize(
    ("command_line", "report", "program"),
    [
        (
            "+ timeout --verbose -k 30s 3h /srv/venv/bin/python3 /srv/qz/bin/rebuild_index.py --day 2031-02-03",
            "timeout: sending signal TERM to command ‘/srv/venv/bin/python3’",
            "/srv/qz/bin/rebuild_index.py",
        ),
        (
            "+ timeout 90m python -m qz_models.fit --site 4",
            "timeout: sending signal KILL to command 'python'",
            "qz_models.fit",
        ),
        (
            "2031-02-03 01:00:00 qz_margin: timeout 2h spark-submit --master yarn --queue fin /srv/qz/jobs/margin.py",
            "timeout: Signal TERM wird an Befehl »spark-submit« gesendet",
            "/srv/qz/jobs/margin.py",
        ),
        (
            "+ timeout 4h java -Xmx8g -jar /srv/qz/lib/route-graph-2.0.1.jar --build",
            "timeout: envoi du signal TERM à la commande « java »",
            "/srv/qz/lib/route-graph-2.0.1.jar",
        ),
        ("+ timeout 90m qzsim /srv/qz/model.inp", "timeout: sending signal TERM to command 'qzsim'", "qzsim"),
    ],
)
def test_the_program_timeout_stopped_is_read_past_its_launcher(command_line: str, report: str, program: str) -> None:
    above = [command_line, *[f"2031-02-03 01:{i:02d}:00 INFO step {i} done" for i in range(30)]]
    assert stopped_by_timeout(report, above) == program


def test_no_program_without_a_report_of_the_wrapper_or_a_command_line() -> None:
    assert stopped_by_timeout("ERROR: timeout waiting for lock on qz.orders", ["+ timeout 2h /x/run.sh"]) is None
    # a launcher named alone is no program, and a command line of another command does not answer
    assert stopped_by_timeout("timeout: sending signal TERM to command 'python'", []) is None
    python_stopped = "timeout: sending signal TERM to command 'python'"
    assert stopped_by_timeout(python_stopped, ["+ timeout 2h java -jar /x.jar"]) is None


def test_a_stopped_program_is_named_in_the_root_cause() -> None:
    annotation = _annotate(
        "+ timeout --verbose 2h /srv/venv/bin/python /srv/qz/bin/export_members.py --since 2031-02-02\n"
        "2031-02-03 01:00:02 INFO export_members: API https://members.qz.test/api page 1\n"
        "timeout: sending signal TERM to command ‘/srv/venv/bin/python’\n",
        engine=RULES,
    )
    assert annotation.category == "timeout"
    assert "/srv/qz/bin/export_members.py" in annotation.root_cause


def test_a_translated_report_of_the_wrapper_is_a_time_limit() -> None:
    annotation = _annotate(
        "+ timeout 90m qzsim /srv/qz/model.inp\ntimeout: Signal TERM wird an Befehl »qzsim« gesendet\n", engine=RULES
    )
    assert annotation.category == "timeout"
    assert annotation.error_line == "timeout: Signal TERM wird an Befehl »qzsim« gesendet"
    assert "qzsim" in annotation.root_cause


@pytest.mark.parametrize(
    ("call", "routine"),
    [
        ("03:00:04 INFO  εκτέλεση dbo.usp_BuildPlan @Year=2031, @Week=5 (CommandTimeout 600 s)", "dbo.usp_BuildPlan"),
        ("03:00:04 qz: step 3/4 usp_Calc_Proposal @DeliveryDate='2031-02-04', timeout 1800 s", "usp_Calc_Proposal"),
        ("2031-02-03 03:00:04 Ausführung [plan].[usp_Build] @Tag = 3", "plan.usp_Build"),
    ],
)
def test_a_procedure_called_with_named_parameters_in_any_language(call: str, routine: str) -> None:
    assert routine_near([call, "VERBOSE: temp tables built"], []) == routine


def test_a_mail_address_or_a_statement_is_no_call() -> None:
    assert routine_near(["sending report to ops @qz.test = done"], []) is None
    assert routine_near(["dbo.usp_BuildPlan @Year=2031", "SELECT COUNT(*) FROM qz.plan"], []) is None


def test_postgresql_names_the_function_a_cancelled_statement_ran_in() -> None:
    below = [
        'CONTEXT:  SQL statement "INSERT INTO qz.match (a, b)',
        "SELECT a, b",
        "FROM qz.bookings b",
        'JOIN qz.payments p USING (ref)"',
        "PL/pgSQL function qz.match_day(date) line 41 at SQL statement",
    ]
    assert routine_near([], below) == "qz.match_day"
    annotation = _annotate(
        "psql:/srv/qz/sql/nightly.sql:31: ERROR:  canceling statement due to statement timeout\n"
        + "\n".join(below)
        + "\n",
        engine=RULES,
    )
    assert annotation.category == "timeout"
    assert "qz.match_day" in annotation.root_cause


def test_a_timeout_names_the_server_the_job_talks_to_when_nothing_else_is_named() -> None:
    annotation = _annotate(
        "[2031-02-03 02:00:03] Get-Report: token ok\n"
        "[2031-02-03 02:00:39] Get-Report: POST /v2/reports/consolidate (Timeout 300 s)\n"
        "Invoke-RestMethod : The operation has timed out.\n"
        "[2031-02-03 02:05:40] Get-Report: health GET https://api.qz-cloud.test/v2/health -> 200 in 0.2 s\n",
        engine=RULES,
    )
    assert annotation.category == "timeout"
    assert "api.qz-cloud.test" in annotation.root_cause
