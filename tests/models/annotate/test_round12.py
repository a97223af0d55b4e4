"""Round 12 (rules-14) review fixes, on invented lines: a sign-in needs its verb form, a negative errno is a
getaddrinfo code only in Python's bracket form, MQ context needs a word-bounded MQ name, an English word does
not switch the localised readings on, and an MQ-style queue name is still read whole."""

from __future__ import annotations

import pytest

from tests.models.annotate.test_rules_engine import _annotate
from twspulse.models.annotate.evidence import classify_line
from twspulse.models.annotate.key_entities import extract
from twspulse.models.annotate.rule_base import TRANSLATED_FAILURE_WORDS


def _categories(line: str) -> list[str]:
    return [found.category for found in classify_line(line)]


def test_a_log_file_named_after_an_error_is_no_sign_in() -> None:
    assert "auth" not in _categories("nightly_copy: step 3 stopped, see the error log in /var/tmp/copy7")


@pytest.mark.parametrize(
    "line",
    [
        "portal client: error signing in to tenant acme-dev",
        "vault agent failed to log in with role etl-ro",
        "ftp helper: unable to sign on to host arc3",
    ],
)
def test_a_refused_sign_in_still_reads_as_auth(line: str) -> None:
    assert "auth" in _categories(line)


def test_a_negative_errno_outside_pythons_brackets_is_not_a_name_lookup() -> None:
    assert "network" not in _categories("fs.readFile gave up: errno: -2 while reading the manifest")
    assert "network" in _categories("resolver gave up on etl-db9: [Errno -2] Name or service not known (attempt 3)")


def test_a_rabbitmq_line_is_no_ibm_mq_line() -> None:
    assert "missing_file" not in _categories("rabbitmq publisher: channel closed, reason 2085 from broker")
    assert "missing_file" in _categories("MQGET on the reply queue ended with reason 2085")
    assert "network" in _categories("AMQ9999E channel to QM7 ended, reason code 2059")


def test_no_english_word_switches_the_localised_readings_on() -> None:
    english = "the share is accessible again after the restart; the network route exists"
    assert not [word for word in TRANSLATED_FAILURE_WORDS if word in english]


def test_an_mq_style_queue_name_is_read_whole() -> None:
    assert extract(["putter: target queue is HR.INBOUND.PAYROLL"]).get("queues") == ["HR.INBOUND.PAYROLL"]
    assert extract(["Queue: ACK_Q.RETRY_2, depth 4"]).get("queues") == ["ACK_Q.RETRY_2"]


@pytest.mark.parametrize(
    ("line", "category"),
    [
        # LDAP result codes as clients print them
        ("ldap_modify: Insufficient access (50)", "permission"),
        ("ldap_bind: Invalid credentials (49); bind DN cn=etl-ro", "auth"),
        ("ldap_delete: No such object (32)", "db_error"),
        ("ldap_sasl_bind(EXTERNAL): Can't contact LDAP server (-1) at dir3", "network"),
        ("NamingException: [LDAP: error code 68 - Entry Already Exists]", "db_error"),
        # a Windows system error, localised, read through the Win32 table
        ("Se produjo el error de sistema 53 al montar la unidad.", "network"),
        ("Systemfehler 5 ist aufgetreten.", "permission"),
        ("Erreur système 1326 lors de la connexion au partage.", "auth"),
        ("Errore di sistema 112.", "disk_full"),
        # a YAML manifest or configuration that does not parse is the job's own code
        ("render: error converting YAML to JSON: yaml: line 7: did not find expected key", "script_error"),
        ("yaml.scanner.ScannerError: while scanning a simple key in 'jobs/etl.yml'", "script_error"),
    ],
)
def test_ldap_results_localised_system_errors_and_yaml_syntax(line: str, category: str) -> None:
    assert _categories(line)[0] == category


def test_an_ldap_number_outside_the_clients_forms_says_nothing() -> None:
    assert "permission" not in _categories("ldap sync: processed (50) entries")


def test_a_bare_code_line_gives_way_to_the_message_of_its_error_and_a_log_pointer_names_nothing() -> None:
    annotation = _annotate(
        "+ yarn install --frozen-lockfile\n"
        "writing cache for /srv/render/node_modules\n"
        "yarn ERR! code ENOSPC\n"
        "yarn ERR! syscall open\n"
        "yarn ERR! nospc ENOSPC: no space left on device, open\n"
        "yarn ERR! The full log of this install is written to: /home/build/.yarn/logs/x1.log\n"
    )
    assert annotation.category == "disk_full"
    assert annotation.error_line == "yarn ERR! nospc ENOSPC: no space left on device, open"
    assert "x1.log" not in annotation.root_cause


@pytest.mark.parametrize(
    ("line", "category"),
    [
        ("CPF9812  Escape  40  03/02/26  01:00:00  File PAYIN in library PAYLIB not found.", "missing_file"),
        ("CPF2207  Escape  40  03/02/26  01:00:00  Not authorized to use object GLDTA in library GL.", "permission"),
    ],
)
def test_ibm_i_cpf_messages_read_as_their_table_says(line: str, category: str) -> None:
    assert _categories(line)[0] == category


def test_a_monitored_cpf_message_is_no_cpf_error() -> None:
    assert "missing_file" not in _categories("  handler set up: MONMSG MSGID(CPF9812) EXEC(GOTO END)")


def test_an_ibm_i_escape_message_beats_the_diagnostic_before_it() -> None:
    annotation = _annotate(
        "CPF9810  Diagnostic   40  03/02/26  01:00:00  Library INVTMP not found.\n"
        "CPF9812  Escape       40  03/02/26  01:00:01  File STKIN in library INVLIB not found.\n"
    )
    assert annotation.category == "missing_file"
    assert annotation.error_line is not None and annotation.error_line.startswith("CPF9812")


def test_an_isam_detail_gives_way_to_the_sql_error_above_it() -> None:
    annotation = _annotate(
        "+ dbaccess ledger /srv/sql/post.sql\n"
        "  908: Attempt to connect to database server (ifx_ledger_b) failed.\n"
        "  -107: ISAM error:  record is locked.\n"
    )
    assert annotation.category == "network"
    assert annotation.error_line == "908: Attempt to connect to database server (ifx_ledger_b) failed."
