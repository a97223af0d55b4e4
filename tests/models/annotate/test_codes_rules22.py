"""rules-22, part 4 (round 19): codes and messages read on invented lines. A batch file's own mistakes, a value
out of its range in a named field, a document its XML schema rejects, a PL/SQL unit that does not compile (named
by its schema and name), an Entra ID sign-in code, and a link the client made again."""

from __future__ import annotations

import pytest

from tests.models.annotate.test_rules_engine import _annotate
from twspulse.joblog.entities import extract_entities
from twspulse.models.annotate.rules_engine import RulesEngine

RULES = RulesEngine(line_model=None)


@pytest.mark.parametrize(
    "line",
    [
        "The system cannot find the batch label specified - ARCHIVE_QZ",
        "'C:\\Program' is not recognized as an internal or external command,",
        "'C:\\Program' n'est pas reconnu en tant que commande interne",
    ],
)
def test_a_batch_files_own_mistake_is_a_script_error(line: str) -> None:
    annotation = _annotate(f"{line}\n", engine=RULES)
    assert annotation.category == "script_error"
    assert annotation.error_line == line


def test_a_missing_command_is_still_a_dependency() -> None:
    line = "'qzload' is not recognized as an internal or external command,"
    assert _annotate(f"{line}\n", engine=RULES).category == "dependency"


def test_a_named_field_out_of_its_range_is_invalid_data() -> None:
    line = "2026-05-20 01:00:03 ERROR row 2: arrival_date '2569-06-14' out of range 2026-01-01..2028-12-31"
    assert _annotate(f"{line}\n", engine=RULES).category == "data_quality"


@pytest.mark.parametrize(
    "line",
    [
        "lxml.etree.DocumentInvalid: Element '{urn:qz}IBAN': [facet 'pattern'] The value 'CH93 0076' is not "
        "accepted by the pattern '[A-Z]{2}[0-9]{2}[A-Z0-9]{1,30}'., line 41",
        "qz.xml:12: element Amt: Schemas validity error : Element 'Amt': 'x' is not a valid value of the atomic "
        "type 'xs:decimal'.",
    ],
)
def test_a_document_its_schema_rejects_is_invalid_data(line: str) -> None:
    assert _annotate(f"{line}\n", engine=RULES).category == "data_quality"


def test_a_plsql_unit_that_does_not_compile_is_the_codes_error_and_named() -> None:
    annotation = _annotate(
        "Warning: Package Body created with compilation errors.\n"
        "Errors for PACKAGE BODY QZ.PKG_LOCK:\n"
        "LINE/COL ERROR\n"
        '88/7     PLS-00103: Encountered the symbol "END" when expecting one of the following:\n'
        'ORA-04063: package body "QZ.PKG_LOCK" has errors\n'
        'ORA-06508: PL/SQL: could not find program unit being called: "QZ.PKG_LOCK"\n',
        engine=RULES,
    )
    assert annotation.category == "script_error"
    assert "PLS-00103" in annotation.error_line
    assert "QZ.PKG_LOCK" in annotation.root_cause


def test_a_plsql_unit_is_read_by_its_schema_and_name_only() -> None:
    assert extract_entities(['ORA-04063: package body "QZ.PKG_LOCK" has errors'])["units"] == ["QZ.PKG_LOCK"]
    assert "units" not in extract_entities(["the function returns x.y"])


def test_an_entra_sign_in_code_is_the_refused_login_over_the_jobs_summary() -> None:
    annotation = _annotate(
        "AADSTS7000222: The provided client secret keys for app '8c2f4e1a-77d3-4b0e-9f61-2a5c7d9e0b13' are "
        "expired. Trace ID: 1\n"
        "2026-05-13 01:45:03 qz-lake: ERROR login failed\n",
        engine=RULES,
    )
    assert annotation.category == "auth"
    assert annotation.error_line.startswith("AADSTS7000222")
    assert "8c2f4e1a-77d3-4b0e-9f61-2a5c7d9e0b13" in annotation.root_cause


@pytest.mark.parametrize("notice", ["reconnected", "neu verbunden", "reconnecté"])
def test_a_link_the_client_made_again_was_survived(notice: str) -> None:
    annotation = _annotate(
        f"00:20:33 qz.db: ORA-03113: end-of-file on communication channel - {notice}, payment 190 read again\n"
        '2026-05-20 00:21:10 qz: ERROR: duplicate key value violates unique constraint "qz_pk"\n',
        engine=RULES,
    )
    assert annotation.category == "db_error"


@pytest.mark.parametrize(
    "line",
    [
        "Fehler: kann Vektor der Größe 11.6 GB nicht allozieren",
        "Erreur : impossible d'allouer un vecteur de taille 11.6 Go",
        "Error: cannot allocate vector of size 11.6 Gb",
    ],
)
def test_r_that_cannot_allocate_a_vector_ran_out_of_memory(line: str) -> None:
    assert _annotate(f"{line}\nExecution halted\n", engine=RULES).category == "oom"


def test_a_recaps_zero_counters_are_no_evidence_but_a_timeout_after_line_0_is() -> None:
    annotation = _annotate(
        'fatal: [qzdb01.qz.example]: FAILED! => {"changed": false, "msg": "async task did not complete within the '
        'requested time - 3600s"}\n'
        "qzdb01.qz.example       : ok=4    changed=2    unreachable=0    failed=1    skipped=1\n",
        engine=RULES,
    )
    assert annotation.category == "timeout"
    assert annotation.error_line.startswith("fatal:")
    line = (
        "Error SQL72014: Core Microsoft SqlClient Data Provider: Msg -2, Level 11, State 0, Line 0 Execution Timeout "
    )
    assert _annotate(f"{line}Expired.\n", engine=RULES).category == "timeout"


def test_a_pool_that_reconnects_survived_the_lost_link() -> None:
    annotation = _annotate(
        "01:32:13 WARNING qz.calc: psycopg.OperationalError: server closed the connection unexpectedly - pool "
        "reconnect (1/3)\n"
        "psycopg.errors.QueryCanceled: canceling statement due to statement timeout\n",
        engine=RULES,
    )
    assert annotation.category == "timeout"


def test_a_status_the_job_says_is_undocumented_gives_no_family_by_a_word_in_passing() -> None:
    annotation = _annotate(
        "qz-plan: QzSched ended with status 6, not listed in its return code table, log has no further detail; "
        "server and database answer\n",
        engine=RULES,
    )
    assert annotation.category == "unknown"
    strong = "qz: status 6 not described in qz_codes.txt; ORA-01017: invalid username/password; logon denied\n"
    assert _annotate(strong, engine=RULES).category == "auth"
