"""The newer failure families (network/SFTP, Java exception chain, data quality, PostgreSQL) in joblogs."""

from __future__ import annotations

import random
import re

from tests.simulator.conftest import ServerFactory, all_jobs, client_for
from twspulse.simulator.failures import FAMILIES, CauseContext, cause_lines, return_code

CONTEXT = CauseContext(
    "LOAD_EMPLOYEES", "/opt/batch/hr/load_employees.sh", "etluser", "lnxapp01", "2026-11-24 03:10:00"
)
NEW = {
    ("network_timeout", "sftp"): r"^ssh: connect to host \S+ port 22: Connection timed out$",
    ("network_timeout", "http"): r"^curl: \(28\) Failed to connect to \S+ port \d+ after \d+ ms: Connection timed out$",
    ("java_exception", "java"): r"^Caused by: java\.\S+(Exception|Error): ",
    ("data_quality", "postgres"): r"rejected \d+ of \d+ rows: [a-zA-Z ]+ in column [A-Z_]+",
    ("postgres_error", "postgres"): r"^psql:.*(ERROR|FATAL):  [0-9A-Z]{5}: ",
    ("auth_failure", "sftp"): r"Permission denied \(publickey,password\)",
}


def test_each_new_family_prints_its_marker_and_its_tools_exit_code() -> None:
    for (family, tech), pattern in NEW.items():
        for seed in range(12):
            lines = cause_lines(family, tech, CONTEXT, random.Random(seed))
            text = "\n".join(lines)
            assert FAMILIES[family].marker in text, (family, tech, text)
            assert re.search(pattern, text, re.MULTILINE), (family, tech, text)
    assert return_code("network_timeout", "sftp") == 255 and return_code("network_timeout", "http") == 28
    assert return_code("data_quality", "oracle") == 3


def test_java_exception_is_a_multi_line_chained_stack_trace() -> None:
    lines = cause_lines("java_exception", "java", CONTEXT, random.Random(1))
    frames = [line for line in lines if line.startswith("\tat ")]
    assert len(frames) >= 5 and any(line.startswith("Caused by: ") for line in lines)
    assert re.fullmatch(r"\t\.\.\. \d+ more", lines[-1])
    caused = next(i for i, line in enumerate(lines) if line.startswith("Caused by: "))
    assert lines[caused - 1].startswith("\tat ") and lines[caused + 1].startswith("\tat ")


def test_a_failing_day_shows_the_new_families_in_served_joblogs(make_server: ServerFactory) -> None:
    server = make_server(seed=13, job_streams=48, failure_rate=0.6, fail_share=0.0, dependencies=False)
    server.clock.advance(23 * 3600)
    wanted = {
        "sftp": r"ssh: connect to host \S+ port 22: Connection timed out",
        "java": r"Caused by: java\.",
        "dq": r"rejected \d+ of \d+ rows",
        "pg": r"psql:.*ERROR:  [0-9A-Z]{5}: ",
    }
    found: set[str] = set()
    with client_for(server) as http:
        runs = [
            r for j in all_jobs(http, oql="jobruns.commonStatus = 'ERROR'") for r in j["jobruns"] if r["returnCode"]
        ]
        for run in runs:
            log = http.get(f"/plan/job/run/{run['id']}/joblog").text
            for name, pattern in wanted.items():
                if re.search(pattern, log):
                    found.add(name)
                    if name == "sftp":
                        assert run["returnCode"] == 255
    assert found == set(wanted), f"missing families in {len(runs)} failed runs: {set(wanted) - found}"
