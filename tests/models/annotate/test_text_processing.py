"""Masking, entity extraction and the token-budgeted excerpt."""

from __future__ import annotations

import pytest

from twspulse.joblog.entities import extract_entities
from twspulse.joblog.secrets import mask_secrets
from twspulse.models.annotate.excerpt import build_excerpt, read_joblog

HEADER = "=" * 63 + "\n= JOB       : WS1#STREAM.JOB1\n= USER      : batch\n" + "=" * 63 + "\n"
FOOTER = "=" * 63 + "\n= Exit Status           : 12\n" + "=" * 63 + "\n"


@pytest.mark.parametrize(
    ("line", "secret"),
    [
        ("export DB_PASSWORD=S3cr3t!", "S3cr3t!"),
        ("sqlplus -s scott/tiger@ORCL @load.sql", "tiger"),
        ("jdbc:oracle:thin:scott/tiger2@db01:1521/ORCL", "tiger2"),
        ('curl -H "Authorization: Bearer abcdef123456" https://x.example.com', "abcdef123456"),
        ("postgresql://etl:hunter2@db:5432/dwh", "hunter2"),
        ("Server=db;User Id=sa;Password=P@ssw0rd;", "P@ssw0rd"),
        ('{"password": "pw-in-json", "user": "a"}', "pw-in-json"),
        ("--password hunter3 --user x", "hunter3"),
        ("ALTER USER x IDENTIFIED BY pw4;", "pw4"),
        ("db2 connect to DWH user etl using pw5", "pw5"),
        ("aws key AKIAABCDEFGHIJKLMNOP", "AKIAABCDEFGHIJKLMNOP"),
        ("client_secret=cs-123&grant_type=x", "cs-123"),
        ("X-Api-Key: 0123456789abcdef", "0123456789abcdef"),
        ("-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----", "MIIEpAIBAAKCAQEA"),
    ],
)
def test_credentials_are_masked(line: str, secret: str) -> None:
    masked = mask_secrets(line)
    assert secret not in masked and "***" in masked


@pytest.mark.parametrize(
    "line",
    [
        "/opt/batch/load_hr.sh: line 27: /data/hr/employees.csv: No such file or directory",
        "ORA-01017: invalid username/password; logon denied",
        "payments@sftp.bank.example.com: Permission denied (publickey,password).",
        "INFO config loaded, error=0 warnings=0, using Java 17",
        "kinit -kt /etc/etl.keytab etl/host01.example.com@EXAMPLE.COM",
        'SQL0803N ... unique index identified by "1" constrains table "DWH.ORDERS"',
        "db2 connect to WHPROD user whbatch using ********",
    ],
)
def test_lines_without_secrets_stay_verbatim(line: str) -> None:
    assert mask_secrets(line) == line


def test_entities_name_files_codes_hosts_tables_users() -> None:
    entities = extract_entities(
        [
            "cp: error writing '/backup/dwh.dmp': No space left on device",
            "ORA-01653: unable to extend table DWH.SALES_FACT by 8192 in tablespace DWH_DATA",
            "curl: (7) Failed to connect to api.example.net port 8443 after 2 ms: Connection refused",
            'psql: error: connection to server at "pg01.example.com" (10.20.3.11), port 5432 failed: '
            'FATAL:  password authentication failed for user "etl_loader"',
            "Caused by: java.net.UnknownHostException: mq01.corp.example.com",
            "SQL0911N  The current transaction has been rolled back.  SQLSTATE=40001",
            "PermissionError: [Errno 13] Permission denied: '/var/lock/x.lock'",
            "2026-11-24 01:00:00 INFO processed part_001.dat, exit code 3",
        ]
    )
    assert entities["paths"][:1] == ["/backup/dwh.dmp"] and "/var/lock/x.lock" in entities["paths"]
    assert {"ORA-01653", "curl: (7)", "SQL0911N"} <= set(entities["error_codes"])
    assert entities["sqlstates"] == ["40001"]
    assert {"ENOSPC", "ECONNREFUSED", "EACCES"} <= set(entities["errno"])
    assert {"api.example.net", "pg01.example.com", "mq01.corp.example.com"} <= set(entities["hosts"])
    assert "java.net" not in entities["hosts"]
    assert entities["ips"] == ["10.20.3.11"] and {"8443", "5432"} <= set(entities["ports"])
    assert "DWH.SALES_FACT" in entities["tables"] and entities["tablespaces"] == ["DWH_DATA"]
    assert "etl_loader" in entities["users"]
    assert "java.net.UnknownHostException" in entities["exceptions"]
    assert "3" in entities["exit_codes"]


def test_excerpt_keeps_header_error_window_and_tail_within_budget() -> None:
    noise = [f"2026-11-24 INFO row {i} ok" for i in range(10_000)]
    body = noise[:5000] + ["ORA-01653: unable to extend table DWH.SALES_FACT"] + noise[5000:] + ["done, rc=117"]
    joblog = read_joblog(HEADER + "\n".join(body) + "\n" + FOOTER)
    excerpt = build_excerpt(joblog, token_budget=600)
    assert len(excerpt.text) <= 600 * 4 + 200  # omission markers are not budgeted
    assert "= JOB       : WS1#STREAM.JOB1" in excerpt.text
    assert "= Exit Status           : 12" in excerpt.text
    assert "ORA-01653: unable to extend table DWH.SALES_FACT" in excerpt.text
    assert "INFO row 4999 ok" in excerpt.text  # context before the error
    assert "done, rc=117" in excerpt.text  # the tail
    assert "lines omitted ..." in excerpt.text


@pytest.mark.parametrize("data", [b"", b"\r\n\r\n", b"\xff\xfe\x00\x01" * 100, "plain text without frame\n"])
def test_excerpt_survives_odd_input(data: bytes | str) -> None:
    excerpt = build_excerpt(read_joblog(data), token_budget=300)
    assert isinstance(excerpt.text, str)
    assert "\x00" not in excerpt.text


def test_excerpt_of_crlf_joblog_has_no_carriage_returns() -> None:
    joblog = read_joblog((HEADER + "x: No such file or directory\n" + FOOTER).replace("\n", "\r\n"))
    assert "\r" not in build_excerpt(joblog, 300).text
    assert joblog.error_lines[0].text == "x: No such file or directory"
