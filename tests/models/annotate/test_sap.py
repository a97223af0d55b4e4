"""SAP job logs (rules-21): a runtime error the ABAP processor reports, in the log's language, read by its
documented group, and the program the step ran named. Invented job logs."""

from __future__ import annotations

import pytest

from tests.models.annotate.test_rules_engine import _annotate
from twspulse.models.annotate.evidence import abap_category
from twspulse.models.annotate.rules_engine import RulesEngine

RULES = RulesEngine(line_model=None)


def _job_log(started: str, dump: str) -> str:
    return (
        "r3batch 2026-02-01 01:00:03 Job ZQZ_NIGHT (Jobcount 01000200) started\n"
        f"01.02.2026 01:00:05 {started}                   00   550   S\n"
        "01.02.2026 01:02:51 500 records processed                                          ZQZ  110   I\n"
        f"01.02.2026 01:12:44 {dump}                                                        00   671   A\n"
        "01.02.2026 01:12:44 Job cancelled                                                  00   518   A\n"
    )


@pytest.mark.parametrize(
    ("started", "dump", "category"),
    [
        ("Step 001 started (program ZQZ_POST, variant NIGHT, user ID BATCH)",
         "ABAP/4 processor: COMPUTE_INT_ZERODIVIDE",
         "script_error"),
        ("Step 001 gestartet (Programm ZQZ_POST, Variante NACHT, Benutzername BATCH)",
         "ABAP/4-Prozessor: CONVT_NO_NUMBER", "data_quality"),
        ("Step 001 démarré (programme ZQZ_POST, variante NUIT, nom d'utilisateur BATCH)",
         "ABAP/4 processeur : DBSQL_DUPLICATE_KEY_ERROR", "db_error"),
        ("Step 001 started (program ZQZ_POST, variant NIGHT, user ID BATCH)", "ABAP/4 processor: TIME_OUT", "timeout"),
    ],
)  # fmt: skip
def test_an_abap_runtime_error_is_read_by_its_group_in_the_log_s_language(
    started: str, dump: str, category: str
) -> None:
    annotation = _annotate(_job_log(started, dump), engine=RULES)
    assert annotation.category == category
    assert dump in (annotation.error_line or "")


@pytest.mark.parametrize(
    "started",
    [
        "Step 001 started (program ZQZ_POST, variant NIGHT, user ID BATCH)",
        "Step 001 gestartet (Programm ZQZ_POST, Variante NACHT, Benutzername BATCH)",
    ],
)
def test_a_dump_of_the_program_names_the_program_the_step_ran(started: str) -> None:
    annotation = _annotate(_job_log(started, "ABAP/4 processor: COMPUTE_INT_ZERODIVIDE"), engine=RULES)
    assert annotation.category == "script_error"
    assert "program ZQZ_POST" in annotation.root_cause


@pytest.mark.parametrize(
    ("name", "category"),
    [
        ("TSV_TNEW_PAGE_ALLOC_FAILED", "oom"),
        ("DBIF_RSQL_SQL_ERROR", "db_error"),
        ("OPEN_DATASET_NO_AUTHORITY", "permission"),
        ("CALL_FUNCTION_NOT_FOUND", "dependency"),
        ("MESSAGE_TYPE_X", "script_error"),
        ("GETWA_NOT_ASSIGNED", "script_error"),
    ],
)
def test_a_runtime_error_s_group_settles_its_family(name: str, category: str) -> None:
    assert abap_category(name) == category


def test_a_program_named_in_prose_is_not_an_sap_step() -> None:
    body = (
        "qz: step 001 of the program ZQZ_POST is next\n"
        "01.02.2026 01:12:44 ABAP/4 processor: MESSAGE_TYPE_X                              00   671   A\n"
    )
    annotation = _annotate(body, engine=RULES)
    assert annotation.category == "script_error"
    assert "program ZQZ_POST" not in annotation.root_cause
