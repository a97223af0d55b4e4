"""Every failure family the simulator (and so the demo) produces gets a specific category from the offline
engine, never "unknown": the demo's failures must each be explained."""

from __future__ import annotations

import random

import pytest

from twspulse.models.annotate.annotation import FailedRun
from twspulse.models.annotate.excerpt import read_joblog
from twspulse.models.annotate.rules_engine import RulesEngine
from twspulse.simulator.failures import FAMILIES, CauseContext, cause_lines

EXPECTED = {
    "missing_input_file": {"missing_file"},
    "ora_tablespace": {"db_error"},
    "ora_no_listener": {"network"},
    "permission_denied": {"permission"},
    "disk_full": {"disk_full"},
    "timeout_killed": {"timeout"},
    "java_oom": {"oom"},
    "connection_refused": {"network"},
    "auth_failure": {"auth"},
    "sqlstate_error": {"db_error"},
    "script_syntax": {"script_error"},
    "network_timeout": {"network", "timeout"},
    "java_exception": {"script_error", "data_quality"},
    "data_quality": {"data_quality"},
    "postgres_error": {"db_error", "timeout"},
    "launch_failure": {"auth"},
}
TECHS = ("shell", "oracle", "java", "http", "postgres", "sftp", "python", "db2")


def test_every_family_is_listed() -> None:
    assert set(EXPECTED) == set(FAMILIES)


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_simulated_failure_family_gets_its_category(family: str) -> None:
    engine = RulesEngine()
    ctx = CauseContext("LOAD_X", "/opt/batch/load_x.sh", "oracle", "fta1.example.com", "2026-11-24 10:00:00")
    got = set()
    for seed in range(16):
        lines = cause_lines(family, TECHS[seed % len(TECHS)], ctx, random.Random(seed))
        text = "2026-11-24 09:59:58 INFO  [LOAD_X] starting\n" + "\n".join(lines) + "\n"
        run = FailedRun(run_id=f"r{seed}", job_name="LOAD_X", job_stream="S", workstation="/FTA1", return_code=1,
                        status="ABEND")  # fmt: skip
        annotation = engine.annotate(run, read_joblog(text))
        got.add(annotation.category)
        assert annotation.error_line and annotation.error_line in text, annotation
    assert got <= EXPECTED[family], got
