"""Failures a job survived (rules-21, round 18): warnings in any language and Python's warning categories,
retry notices in the languages jobs log in, and a connection that failed before a retry whose server then
refused the login. Invented joblogs."""

from __future__ import annotations

import pytest

from tests.models.annotate.test_rules_engine import _annotate
from twspulse.joblog.error_lines import score_line
from twspulse.models.annotate.evidence import read_line
from twspulse.models.annotate.rules_engine import QUIET_PENALTY, RulesEngine, _retried_below

RULES = RulesEngine(line_model=None)


@pytest.mark.parametrize(
    "warning",
    [
        "/srv/qz/bin/convert.py:61: RuntimeWarning: invalid value encountered in divide",
        "/srv/qz/lib/io.py:12: UserWarning: Parsing dates in DD/MM/YYYY format failed: invalid value",
        "AVERTISSEMENT: Could not resolve latest release version: java.net.UnknownHostException: api.qz.test",
        "2026-02-01 03:00:02 qz: WARNUNG Verbindung zu db.qz.test abgelehnt (Connection refused)",
        "Advertencia: connection refused by db.qz.test:5432",
        "01/02/2026 03:00:29|QZ_LOAD|WARN|rest_1: GET /v3/prices -> 503 Service Unavailable",
    ],
)
def test_a_warning_in_any_language_loses_to_the_failure_after_it(warning: str) -> None:
    error = "OSError: [Errno 122] Disk quota exceeded: '/gpfs/qz/out/part-0007.parquet'"
    annotation = _annotate(f"qz: converting\n{warning}\nqz: writing\n{error}\n", engine=RULES)
    assert annotation.category == "disk_full"
    assert annotation.error_line == error


@pytest.mark.parametrize(
    ("line", "quiet"),
    [
        ("x.py:3: DeprecationWarning: invalid escape sequence", True),
        ("AVISO: connection to db.qz.test failed", True),
        ("01/02/2026|QZ|WARN|step 2 failed", True),
        # the word in prose, or "Warning" as a word of a sentence, is no level
        ("qz: sin aviso previo, connection to db.qz.test failed", False),
        ("qz: connection to db.qz.test failed, see the Warning count: 0", False),
    ],
)
def test_a_warning_level_is_read_as_a_warning_by_the_finder(line: str, quiet: bool) -> None:
    assert (score_line(line) == 1) is quiet


@pytest.mark.parametrize(
    "notice",
    ["reintento 1/3 en 30 s", "nova tentativa em 10 s (1/3)", "erneuter Versuch in 30 s", "nuovo tentativo tra 30 s"],
)
def test_a_connection_failure_retried_in_any_language_does_not_explain_a_later_time_limit(notice: str) -> None:
    body = (
        f"qz 03:00:29 WARN rest_1: GET https://api.qz.test/v3/prices -> 503 Service Unavailable, {notice}\n"
        "qz 03:01:00 rest_1: GET https://api.qz.test/v3/prices\n"
        "java.net.SocketTimeoutException: Read timed out after 600000 ms invoking https://api.qz.test/v3/prices\n"
    )
    assert _annotate(body, engine=RULES).category == "timeout"


LDAP = "+ ldapsearch -H ldaps://{host}:636 -D CN=svc_qz,OU=svc,DC=qz,DC=test -y /etc/qz/ldap.pwd -b OU=qz\n"


@pytest.mark.parametrize(
    "between",
    [
        "qz: dc01 unreachable, retrying on dc02\n",
        "qz: AVERTISSEMENT dc01 injoignable, nouvelle tentative sur dc02\n",
        "qz: switching to dc02\n",  # no notice, but the same command is run again
    ],
)
def test_a_login_refused_after_a_retried_connection_is_the_failure(between: str) -> None:
    body = (
        LDAP.format(host="dc01.qz.test")
        + "ldap_sasl_bind(SIMPLE): Can't contact LDAP server (-1)\n"
        + between
        + LDAP.format(host="dc02.qz.test")
        + "ldap_bind: Invalid credentials (49)\n"
    )
    annotation = _annotate(body, engine=RULES)
    assert annotation.category == "auth"
    assert annotation.error_line == "ldap_bind: Invalid credentials (49)"


def test_a_login_refused_after_a_connection_that_failed_without_a_retry_is_its_consequence() -> None:
    body = (
        LDAP.format(host="dc01.qz.test")
        + "ldap_sasl_bind(SIMPLE): Can't contact LDAP server (-1)\n"
        + "qz: ERROR authentication failed: no directory session for svc_qz\n"
    )
    annotation = _annotate(body, engine=RULES)
    assert annotation.category == "network"
    assert annotation.error_line == "ldap_sasl_bind(SIMPLE): Can't contact LDAP server (-1)"


def test_only_a_server_s_answer_shows_a_retried_connection_came_back() -> None:
    """A retried connection that failed, then a missing file: the file says nothing about the server."""
    body = (
        "+ curl -sS -o /srv/qz/in/prices.csv https://api.qz.test/v3/prices\n"
        "curl: (7) Failed to connect to api.qz.test port 443 after 3 ms: Couldn't connect to server\n"
        "qz: retrying in 10 s\n"
        "+ curl -sS -o /srv/qz/in/prices.csv https://api.qz.test/v3/prices\n"
        "curl: (7) Failed to connect to api.qz.test port 443 after 2 ms: Couldn't connect to server\n"
        "cat: /srv/qz/in/prices.csv: No such file or directory\n"
    )
    assert _annotate(body, engine=RULES).category == "network"


@pytest.mark.parametrize(
    ("line", "category"),
    [
        ("Spazio su disco insufficiente.", "disk_full"),
        ("Il log delle transazioni è pieno per il database 'qz'.", "db_error"),
        ("O log de transações do banco de dados 'qz' está cheio.", "db_error"),
        ("Het transactielogboek voor database 'qz' is vol.", "db_error"),
        ("Nome utente o password non corretti.", "auth"),
        ("Se produjo un error de sintaxis cerca de 'FROM'.", "script_error"),
    ],
)
def test_a_translated_message_on_a_line_of_its_own_is_read(line: str, category: str) -> None:
    """The translated readings are tried only on a line with a translated failure word: each needs one."""
    assert category in {e.category for e in read_line(line).evidence}


CH_INSERT = "+ clickhouse-client --host ch1.qz.test --query 'INSERT INTO qz.events FORMAT CSVWithNames'\n"
CH_PARTS = (
    "Code: 252. DB::Exception: Received from ch1.qz.test:9440. DB::Exception: Too many parts (3000) in table "
    "'qz.events'. Merges are processing significantly slower than inserts. (TOO_MANY_PARTS)"
)
CH_RESET = (
    "Code: 210. DB::NetException: Connection reset by peer, while reading from socket (10.0.0.1:9440). (NETWORK_ERROR)"
)


@pytest.mark.parametrize(
    "notice",
    ["qz: part 06 network error (code 210), retry 1/3 after 15 s", "qz: attempt 1/3 failed for part 06, next in 15 s"],
)
def test_a_failure_the_job_says_it_retries_below_is_one_it_went_on_from(notice: str) -> None:
    body = (
        CH_INSERT + CH_RESET + "\n" + notice + "\n" + CH_INSERT + "qz: part 06 loaded\n" + CH_INSERT + CH_PARTS + "\n"
    )
    annotation = _annotate(body, engine=RULES)
    assert annotation.category == "db_error"
    assert annotation.error_line == CH_PARTS


@pytest.mark.parametrize(
    "notice",
    [
        "qz: attempt 3/3 failed, giving up",  # the last attempt: no retry follows
        "qz: clickhouse-client exit code 210, not retrying (non-transient)",
    ],
)
def test_a_last_attempt_or_a_retry_refused_is_no_retry(notice: str) -> None:
    body = CH_INSERT + CH_RESET + "\n" + notice + "\n" + "qz: 9/12 parts loaded, job FAILED rc=210\n"
    assert _annotate(body, engine=RULES).error_line == CH_RESET


def test_a_failure_the_retry_repeats_is_one_the_job_did_not_get_past() -> None:
    denied = "2026/02/01 06:05:{s:02d} ERROR 5 (0x00000005) Accessing Source Directory \\\\fs1\\qz\\out\\"
    body = (
        "".join(f"{denied.format(s=s)}\nAccess is denied.\nWaiting 10 seconds... Retrying...\n" for s in (0, 10))
        + "ERROR: RETRY LIMIT EXCEEDED.\n"
    )
    annotation = _annotate(body, engine=RULES)
    assert annotation.category == "permission"
    assert annotation.error_line == denied.format(s=0)


@pytest.mark.parametrize(
    ("name", "category"),
    [
        ("TOO_MANY_PARTS", "db_error"),
        ("MEMORY_LIMIT_EXCEEDED", "oom"),
        ("TIMEOUT_EXCEEDED", "timeout"),
        ("AUTHENTICATION_FAILED", "auth"),
        ("NOT_ENOUGH_SPACE", "disk_full"),
        ("CANNOT_PARSE_INPUT_ASSERTION_FAILED", "data_quality"),
    ],
)
def test_a_clickhouse_error_s_code_name_settles_its_family(name: str, category: str) -> None:
    line = f"Code: 1. DB::Exception: Received from ch1.qz.test:9440. DB::Exception: something went wrong. ({name})"
    reading = read_line(line)
    assert max(reading.evidence, key=lambda e: e.strength).category == category


@pytest.mark.parametrize(
    "line",
    [
        "[2026-02-01T02:30:52+01:00] qz.WARNING: batch 9/40: attempt 1/3 failed: connection refused by qz.test:443",
        "[2026-02-01T02:30:52+01:00] qz.WARNING: Partia 9/40: próba 1/3 nieudana: connection refused by qz.test:443",
    ],
)
def test_a_logger_channel_s_warning_and_a_numbered_attempt_in_any_language_are_survived(line: str) -> None:
    fatal = (
        "PHP Fatal error:  Uncaught Qz\\Exception\\ConnectException: cURL error 28: Operation timed out after 120002 ms"
    )
    annotation = _annotate(f"{line}\n[2026-02-01T02:31:00+01:00] qz.INFO: batch 9/40 sent\n{fatal}\n", engine=RULES)
    assert annotation.category == "timeout"
    assert annotation.error_line == fatal


def test_a_notice_that_a_dropped_object_did_not_exist_is_never_the_failure() -> None:
    timeout = "Message    : ERROR: canceling statement due to statement timeout"
    body = 'DB: table "qz_tmp" does not exist, skipping\nMigrating schema "qz" to version 2026.02.01\n' + timeout + "\n"
    annotation = _annotate(body, engine=RULES)
    assert annotation.category == "timeout"
    assert annotation.error_line == timeout


_INNER = "urllib3.exceptions.ReadTimeoutError: HTTPSConnectionPool(host='api.qz.test', port=443): Read timed out."
_TRACE = '  File "/srv/qz/bin/send.py", line 12, in <module>\n    send()\n'


@pytest.mark.parametrize(
    ("wrapper", "reported"),
    [
        # the wrapper says the message again: it is the failure the program reports
        ("requests.exceptions.ReadTimeout: HTTPSConnectionPool(host='api.qz.test', port=443): Read timed out.", True),
        # a wrapper of its own words does not: the driver's message says what happened
        ("qz.errors.SendError: batch 6/13 not sent", False),
    ],
)
def test_an_exception_raised_from_another_is_reported_when_it_says_the_same(wrapper: str, reported: bool) -> None:
    body = (
        f"Traceback (most recent call last):\n{_TRACE}{_INNER}\n\n"
        "The above exception was the direct cause of the following exception:\n\n"
        f"Traceback (most recent call last):\n{_TRACE}{wrapper}\n"
    )
    annotation = _annotate(body, engine=RULES)
    assert annotation.category == "timeout"
    assert annotation.error_line == (wrapper if reported else _INNER)


def test_a_retry_that_a_tool_reports_in_its_next_event_block_is_read() -> None:
    """SSIS reports an error and the retry that got past it in blocks of their own, a few lines apart."""
    body = (
        "Error: 2026-02-01 01:02:11.48",
        "   Code: 0xC0202009",
        '   Description: Executing the query "INSERT INTO qz.Log ..." failed with the following error: "Deadlock".',
        "End Error",
        "Information: 2026-02-01 01:02:16.02",
        "   Code: 0x40016041",
        "   Source: SQL_Log",
        "   Description: Task SQL_Log failed on attempt 1 of 3; retrying. Attempt 2 succeeded.",
    )
    assert _retried_below(body, 2) == QUIET_PENALTY
    assert _retried_below((*body[:4], "", "", "", "", *body[4:]), 2) == 0  # too far below to be its retry


@pytest.mark.parametrize(
    ("cause", "diagnostic", "category"),
    [
        ('2026/03/01 04:00:37 ERROR export failed: exec: "ogr2ogr": executable file not found in $PATH',
         "ls: /usr/bin/ogr2ogr: No such file or directory", "dependency"),
        ("* -10709: Connection failed (RTE:connection refused: x_server not running)",
         "nc: connect to qz-db01 (10.0.0.41) port 7210 (tcp) failed: Connection refused", "network"),
    ],
)  # fmt: skip
def test_what_a_job_s_diagnostics_report_after_a_failure_is_that_failure_seen_again(
    cause: str, diagnostic: str, category: str
) -> None:
    command = diagnostic.split(":", 1)[0]
    body = f"+ qz-export --date 2026-03-01\n{cause}\nqz: export failed, checking\n+ {command} -l /x\n{diagnostic}\n"
    annotation = _annotate(body, engine=RULES)
    assert annotation.category == category
    assert annotation.error_line == cause


def test_a_failing_look_with_no_failure_before_it_is_the_failure() -> None:
    line = "ls: cannot access '/srv/qz/in/orders_20260301.csv': No such file or directory"
    body = f"qz: checking the input\n+ ls -l /srv/qz/in/orders_20260301.csv\n{line}\nqz: no input, stopping\n"
    annotation = _annotate(body, engine=RULES)
    assert annotation.category == "missing_file"
    assert annotation.error_line == line


def test_a_server_a_diagnostic_names_by_its_short_name_is_the_server() -> None:
    body = (
        "* -10709: Connection failed (RTE:connection refused: x_server not running)\n"
        "+ ping -c 2 qz-maxdb01\nPING qz-maxdb01.qz.local (10.0.0.41) 56(84) bytes of data.\n"
    )
    assert "qz-maxdb01" in _annotate(body, engine=RULES).root_cause


def test_an_access_the_server_denied_after_a_retried_connection_is_the_failure() -> None:
    denied = 'remote open("/in/qz/QZ_2026_02.xml"): Permission denied'
    body = (
        "+ sftp -b /srv/qz/put.batch qz@sftp.qz.test\n"
        "ssh: connect to host sftp.qz.test port 22: Connection timed out\n"
        "qz: sftp rc=255, retrying in 60 s (1/3)\n"
        "+ sftp -b /srv/qz/put.batch qz@sftp.qz.test\n"
        "sftp> put /srv/qz/out/QZ_2026_02.xml /in/qz/QZ_2026_02.xml\n"
        f"{denied}\n"
    )
    annotation = _annotate(body, engine=RULES)
    assert annotation.category == "permission"
    assert annotation.error_line == denied


def test_a_connection_failure_the_job_retried_does_not_explain_a_later_time_limit() -> None:
    body = (
        "+ timeout --verbose 2h rsync -a /srv/qz/archive/ qz@nas1.qz.test:/vol/archive\n"
        "kex_exchange_identification: read: Connection reset by peer\n"
        "rsync: connection unexpectedly closed (0 bytes received so far) [sender]\n"
        "qz: WARNING ssh to nas1 refused the handshake, retry 1/2 in 60 s\n"
        "+ timeout --verbose 2h rsync -a /srv/qz/archive/ qz@nas1.qz.test:/vol/archive\n"
        "sending incremental file list\n"
        "timeout: sending signal TERM to command 'rsync'\n"
    )
    annotation = _annotate(body, engine=RULES)
    assert annotation.category == "timeout"
    assert annotation.error_line == "timeout: sending signal TERM to command 'rsync'"
