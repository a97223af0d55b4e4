"""The first review of rules-21 (round 18): each finding, on invented lines, as it now reads."""

from __future__ import annotations

import pytest

from tests.models.annotate.test_rules_engine import _annotate
from twspulse.joblog.entities import extract_entities
from twspulse.joblog.error_lines import score_line
from twspulse.models.annotate.evidence import read_line
from twspulse.models.annotate.key_entities import configuration_near, extract
from twspulse.models.annotate.localised import Catalog, Translation
from twspulse.models.annotate.rules_engine import RulesEngine, _tries_again

RULES = RulesEngine(line_model=None)


def test_a_configuration_path_past_the_characters_a_line_is_read_to_is_not_read() -> None:
    line = "x" * 2000 + " -c /etc/qz/run.yaml"
    assert configuration_near([line], []) is None
    assert configuration_near(["=/" * 50000 + ".x"], ["+/" * 50000]) is None


@pytest.mark.parametrize(
    "line",
    [
        "qz: giving up after 3 retries",
        "qz: failed after 3 retries",
        "qz: no more retries",
        "qz: retry count exceeded",
        "qz: Retry 3/3 failed, giving up",
        "qz: Versuch 3/3 fehlgeschlagen",
        "qz: intento 3 de 3 fallido",
        "qz: extract failed; will retry on next schedule",
        "HINT:  retry the transaction",
        "+ curl --retry 3 -sS https://hooks.qz.test/notify",
        "qz: aucune nouvelle tentative",
    ],
)
def test_a_line_that_stops_or_defers_retrying_is_no_retry(line: str) -> None:
    assert not _tries_again(line)


@pytest.mark.parametrize("line", ["qz: retry 1/3 in 15 s", "qz: Versuch 1/3 fehlgeschlagen", "qz: retrying"])
def test_a_retry_now_is_a_retry(line: str) -> None:
    assert _tries_again(line)


@pytest.mark.parametrize(
    "body",
    [
        # a retry put off to the next run, then the failure mail's own login
        "curl: (7) Failed to connect to api.qz.test port 443: Connection refused\n"
        "qz: extract failed; will retry on next schedule\n"
        "qz: sending failure mail via smtp.qz.test\n"
        "smtplib.SMTPAuthenticationError: (535, b'5.7.8 authentication failed')\n",
        # another command of the same program: an alert's webhook, not the export run again
        "+ curl -sS https://api.qz.test/v1/export\ncurl: (6) Could not resolve host: api.qz.test\n"
        "+ curl -sS -u svc:*** https://hooks.qz.test/alert\n"
        "curl: (22) The requested URL returned error: 401\n",
    ],
)
def test_a_login_refused_after_a_connection_failure_that_was_not_retried_is_not_the_failure(body: str) -> None:
    assert _annotate(body, engine=RULES).category == "network"


def test_config_in_a_name_is_no_configuration_error() -> None:
    body = (
        "+ /srv/qz/bin/run.py -c /etc/qz/run.yaml\nTraceback (most recent call last):\n"
        '  File "/srv/qz/bin/run.py", line 31, in <module>\n    cfg = get_config()\n'
        "NameError: name 'get_config' is not defined\n"
    )
    annotation = _annotate(body, engine=RULES)
    assert "/srv/qz/bin/run.py:31" in annotation.root_cause
    assert "/etc/qz/run.yaml" not in annotation.root_cause


def test_a_configuration_error_that_names_its_own_file_names_that_file() -> None:
    body = "+ /srv/qz/bin/run.sh -c /etc/qz/run.yaml\n"
    body += "/home/qz/.ssh/config: line 3: Bad configuration option: identityfil\n"
    assert "/home/qz/.ssh/config" in _annotate(body, engine=RULES).root_cause


@pytest.mark.parametrize(
    "note",
    ["qz: Note: IBAN check digit validation is disabled for this run", "qz: Parameter: Prüfziffer wird berechnet"],
)
def test_a_check_digit_named_without_a_fault_is_no_invalid_data(note: str) -> None:
    body = (
        f'{note}\npsql: error: connection to server at "db.qz.test" (10.0.0.5), port 5432 failed: Connection refused\n'
    )
    assert _annotate(body, engine=RULES).category == "network"


def test_a_word_that_starts_like_predecessor_is_no_predecessor() -> None:
    body = (
        "qz: FEHLER: Die Vorgängerversion von /srv/qz/out/bericht.csv konnte nicht archiviert werden\n"
        "ORA-01652: unable to extend temp segment by 128 in tablespace TEMP\n"
    )
    assert _annotate(body, engine=RULES).category == "db_error"


def test_a_script_error_names_no_program_of_an_earlier_step() -> None:
    body = (
        "01.02.2026 01:00:05 Step 001 started (program ZQZ_POST, variant NIGHT, user ID BATCH)\n"
        "+ /srv/qz/bin/transform.sh\n/srv/qz/bin/transform.sh: line 4: syntax error near unexpected token `fi'\n"
    )
    annotation = _annotate(body, engine=RULES)
    assert annotation.category == "script_error"
    assert "ZQZ_POST" not in annotation.root_cause


@pytest.mark.parametrize(
    "line",
    [
        'FATAL:  login is not allowed for user "qz_etl" (account disabled)',
        "ERROR: password reuse is not allowed for user qz_etl",
    ],
)
def test_a_login_policy_is_no_missing_privilege(line: str) -> None:
    assert _annotate(f"{line}\n", engine=RULES).category != "permission"


def test_a_file_the_job_skips_is_not_a_notice() -> None:
    line = "qz: Input file /srv/qz/in/orders_20260101.csv does not exist, skipping"
    body = f"{line}\nqz: ERROR: no input files were loaded, aborting\n"
    assert _annotate(body, engine=RULES).error_line == line


def test_a_module_named_in_its_language_is_extracted() -> None:
    line = "Import-Module : Le module spécifié « SqlServer » n'a pas été chargé, car aucun fichier de module valide"
    assert extract([line]).get("modules") == ["SqlServer"]


def test_a_clickhouse_code_name_before_its_version_is_read() -> None:
    line = "Code: 252. DB::Exception: Too many parts (300). (TOO_MANY_PARTS) (version 23.8.2.7 (official build))"
    assert "db_error" in {e.category for e in read_line(line).evidence}


def test_an_sap_runtime_error_of_no_known_group_is_weak_evidence() -> None:
    settled = read_line("01.02.2026 ABAP/4 processor: COMPUTE_INT_ZERODIVIDE").evidence
    unknown = read_line("01.02.2026 ABAP/4 processor: SYSTEM_CANCELED").evidence
    assert max(e.strength for e in unknown) < max(e.strength for e in settled)


def test_an_http_401_that_says_unauthorized_is_a_rejected_login() -> None:
    assert _annotate("ERROR: The request is unauthorized. Status: 401\n", engine=RULES).category == "auth"


def test_a_value_of_nothing_but_a_separator_is_not_translated() -> None:
    catalog = Catalog([Translation("%s : variablo sen ligo", "%s: unbound variable", "qz/bash")])
    assert catalog.translate("/srv/qz/run.sh: linio 12: : variablo sen ligo") is None


def test_a_table_named_like_a_warning_level_is_no_warning() -> None:
    assert score_line("ERROR: table AVISO does not exist") != 1
    assert score_line("2026-03-01 04:00:34 VAROITUS step 2 failed") == 1


def test_a_colon_after_a_table_is_no_schema() -> None:
    assert "stg_orders.row" not in extract_entities(["qz: error loading for table stg_orders:row 12"]).get("tables", [])
    assert "QZ.ORDERS" in extract_entities(["TrexUpdate failed on Table(QZ:ORDERS) with error"]).get("tables", [])
