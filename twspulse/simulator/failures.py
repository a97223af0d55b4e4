"""Failure families: how a simulated job fails, with which return code and which joblog lines.

Return codes are what the failing tool really exits with (sqlplus exits SQL.SQLCODE modulo 256, curl
exits 7 when a connection is refused, a SIGKILLed process 137...), so the return code and the joblog
text tell the same story, as they do on a real engine.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

# Internal status a launch failure gets; every other failure family ends in ABEND.
LAUNCH_FAILURE = "launch_failure"


@dataclass(frozen=True, slots=True)
class FailureFamily:
    """A kind of failure; `marker` is text every joblog of the family contains (tests rely on it)."""

    key: str
    description: str
    marker: str


FAMILIES: dict[str, FailureFamily] = {
    family.key: family
    for family in (
        FailureFamily("missing_input_file", "input file missing", "No such file or directory"),
        FailureFamily("ora_tablespace", "Oracle tablespace full", "ORA-01653"),
        FailureFamily("ora_no_listener", "Oracle listener down", "ORA-12541"),
        FailureFamily("permission_denied", "permission denied", "Permission denied"),
        FailureFamily("disk_full", "file system full", "No space left on device"),
        FailureFamily("timeout_killed", "killed after running too long", "Killed"),
        FailureFamily("java_oom", "Java heap exhausted", "java.lang.OutOfMemoryError"),
        FailureFamily("connection_refused", "remote service refused the connection", "Connection refused"),
        FailureFamily("auth_failure", "authentication failed", "authentication failed"),
        FailureFamily("sqlstate_error", "SQL error from the database client", "SQLSTATE"),
        FailureFamily("script_syntax", "syntax error in the job script", "syntax error"),
        FailureFamily("network_timeout", "network or SFTP connection timed out", "Connection timed out"),
        FailureFamily("java_exception", "uncaught Java exception", "Caused by: "),
        FailureFamily("data_quality", "input rows rejected by data quality checks", "rejected"),
        FailureFamily("postgres_error", "PostgreSQL error", "psql:"),
        FailureFamily(LAUNCH_FAILURE, "job could not be launched", "cannot launch"),
    )
}

# (family, tech) -> return code; (family, None) is the family's default.
_RETURN_CODES: dict[tuple[str, str | None], int] = {
    ("missing_input_file", None): 12,
    ("ora_tablespace", None): 117,  # sqlplus WHENEVER SQLERROR EXIT SQL.SQLCODE: 1653 % 256
    ("ora_no_listener", None): 1,
    ("permission_denied", None): 1,
    ("disk_full", None): 1,
    ("timeout_killed", None): 137,
    ("java_oom", None): 1,
    ("connection_refused", None): 1,
    ("connection_refused", "http"): 7,
    ("connection_refused", "postgres"): 2,
    ("auth_failure", None): 1,
    ("auth_failure", "postgres"): 2,
    ("auth_failure", "http"): 22,
    ("auth_failure", "db2"): 8,
    ("sqlstate_error", None): 4,  # db2 CLP: an SQL error
    ("sqlstate_error", "postgres"): 3,  # psql ON_ERROR_STOP
    ("script_syntax", None): 2,
    ("network_timeout", None): 1,
    ("network_timeout", "sftp"): 255,  # ssh could not connect
    ("network_timeout", "http"): 28,  # curl: operation timed out
    ("auth_failure", "sftp"): 255,
    ("java_exception", None): 1,
    ("data_quality", None): 3,
    ("postgres_error", None): 3,  # psql ON_ERROR_STOP
    (LAUNCH_FAILURE, None): -1,
}


def return_code(family: str, tech: str) -> int:
    """Exit status a job of technology `tech` ends with when it fails with `family`."""
    code = _RETURN_CODES.get((family, tech))
    if code is None:
        code = _RETURN_CODES[(family, None)]
    return code


@dataclass(frozen=True, slots=True)
class CauseContext:
    """What the cause lines mention: the job's script, user, host and a timestamp prefix."""

    job_name: str
    script: str
    user: str
    host: str
    stamp: str


_TABLES = ("DWH.FACT_SALES", "FIN.GL_BALANCES", "SALES.ORDER_LINES", "RISK.EXPOSURES", "BILL.USAGE_EVENTS")
_FILES = ("employees.csv", "sales_{d}.csv", "orders_{d}.dat", "gl_extract_{d}.txt", "partner_feed_{d}.xml")
_SFTP_HOSTS = ("sftp.partner.example.com", "mft.bank.example.com", "backup-dr.example.com")
_DQ_CHECKS = (
    ("HIRE_DATE", "invalid date"),
    ("CUSTOMER_ID", "NULL in NOT NULL column"),
    ("AMOUNT", "value out of range"),
    ("IBAN", "checksum mismatch"),
    ("COUNTRY_CODE", "unknown code"),
)
_HOSTS = (
    ("api.partner.example.com", 8443),
    ("crm.internal.example.com", 443),
    ("pgdwh01.example.com", 5432),
    ("mq01.example.com", 1414),
)


def cause_lines(family: str, tech: str, ctx: CauseContext, rng: random.Random) -> list[str]:
    """The joblog lines that show why a run failed (the part an operator greps for)."""
    day = ctx.stamp[:10].replace("-", "")
    if family == "missing_input_file":
        path = f"/data/in/{rng.choice(_FILES).format(d=day)}"
        return [
            f"cat: {path}: No such file or directory",
            f"{ctx.stamp} ERROR [{ctx.job_name}] input file {path} not found, aborting with RC=12",
        ]
    if family == "ora_tablespace":
        table = rng.choice(_TABLES)
        tablespace = table.split(".")[0] + "_DATA"
        return [
            "ERROR at line 1:",
            f"ORA-01653: unable to extend table {table} by 8192 in tablespace {tablespace}",
            "",
            "Disconnected from Oracle Database 19c Enterprise Edition Release 19.0.0.0.0 - Production",
        ]
    if family == "ora_no_listener":
        return [
            "ERROR:",
            "ORA-12541: TNS:no listener",
            "",
            "SP2-0751: Unable to connect to Oracle.  Exiting SQL*Plus",
        ]
    if family == "permission_denied":
        path = f"/data/out/{ctx.job_name.lower()}_{day}.csv"
        line = rng.randint(20, 140)
        return [f"{ctx.script}: line {line}: {path}: Permission denied"]
    if family == "disk_full":
        path = f"/backup/{ctx.job_name.lower()}/dump_{day}.dmp"
        return [
            f"cp: error writing '{path}': No space left on device",
            f"{ctx.stamp} ERROR [{ctx.job_name}] copy failed",
        ]
    if family == "timeout_killed":
        pid = rng.randint(2000, 65000)
        line = rng.randint(20, 140)
        return [
            f"{ctx.stamp} WARN  [{ctx.job_name}] maximum duration exceeded, sending SIGKILL to {pid}",
            f"{ctx.script}: line {line}: {pid} Killed                  {ctx.script.replace('.sh', '.bin')}",
        ]
    if family == "java_oom":
        return [
            'Exception in thread "main" java.lang.OutOfMemoryError: Java heap space',
            "\tat java.base/java.util.Arrays.copyOf(Arrays.java:3537)",
            "\tat java.base/java.util.ArrayList.grow(ArrayList.java:237)",
            "\tat java.base/java.util.ArrayList.add(ArrayList.java:486)",
            "\tat com.example.batch.RecordBuffer.add(RecordBuffer.java:88)",
            "\tat com.example.batch.ChunkReader.read(ChunkReader.java:131)",
            "\tat com.example.batch.Runner.run(Runner.java:142)",
            "\tat com.example.batch.Runner.main(Runner.java:57)",
        ]
    if family == "connection_refused":
        host, port = rng.choice(_HOSTS)
        if tech == "http":
            return [f"curl: (7) Failed to connect to {host} port {port} after 3 ms: Connection refused"]
        if tech == "postgres":
            return [
                f'psql: error: connection to server at "{host}" (10.20.1.15), port {port} failed: Connection refused',
                "\tIs the server running on that host and accepting TCP/IP connections?",
            ]
        return [
            f"{ctx.stamp} ERROR [main] c.e.batch.Client - call to {host}:{port} failed",
            "java.net.ConnectException: Connection refused",
            "\tat java.base/sun.nio.ch.Net.connect0(Native Method)",
            "\tat java.base/sun.nio.ch.Net.connect(Net.java:579)",
            "\tat com.example.batch.Client.open(Client.java:64)",
            "\tat com.example.batch.Runner.main(Runner.java:57)",
        ]
    if family == "auth_failure":
        if tech == "sftp":
            host = rng.choice(_SFTP_HOSTS)
            return [
                f"{ctx.user}@{host}: Permission denied (publickey,password).",
                "Connection closed",
                f"{ctx.stamp} ERROR [{ctx.job_name}] SFTP authentication failed for user {ctx.user} on {host}",
            ]
        if tech == "oracle":
            return [
                "ERROR:",
                "ORA-01017: invalid username/password; logon denied",
                f"{ctx.stamp} ERROR [{ctx.job_name}] database authentication failed for user BATCH_{ctx.user.upper()}",
            ]
        if tech == "postgres":
            return [
                'psql: error: connection to server at "pgdwh01.example.com" (10.20.1.15), port 5432 failed: '
                f'FATAL:  password authentication failed for user "{ctx.user}"'
            ]
        if tech == "db2":
            return [
                'SQL30082N  Security processing failed with reason "24" ("USERNAME AND/OR PASSWORD '
                'INVALID").  SQLSTATE=08001',
                f"{ctx.stamp} ERROR [{ctx.job_name}] DB2 authentication failed for user {ctx.user}",
            ]
        return [
            "curl: (22) The requested URL returned error: 401",
            f"{ctx.stamp} ERROR [{ctx.job_name}] API authentication failed: token rejected (HTTP 401)",
        ]
    if family == "sqlstate_error":
        if tech == "postgres":
            constraint = rng.choice(("fact_orders_pkey", "dim_customer_pkey", "stage_lines_uk"))
            key = rng.randint(100000, 999999)
            return [
                f"psql:/opt/batch/sql/{ctx.job_name.lower()}.sql:{rng.randint(10, 200)}: ERROR:  23505: "
                f'duplicate key value violates unique constraint "{constraint}"',
                f"DETAIL:  Key (id)=({key}) already exists.",
                "SQLSTATE 23505",
            ]
        if rng.random() < 0.5:
            return [
                "SQL0911N  The current transaction has been rolled back because of a deadlock or timeout.  "
                'Reason code "2".  SQLSTATE=40001'
            ]
        return [
            "SQL0803N  One or more values in the INSERT statement, UPDATE statement, or foreign key update "
            "caused by a DELETE statement are not valid because the primary key, unique constraint or "
            'unique index identified by "1" constrains table "DWH.FACT_LEDGER" from having duplicate '
            "values for the index key.  SQLSTATE=23505"
        ]
    if family == "script_syntax":
        line = rng.randint(20, 140)
        return [
            f"{ctx.script}: line {line}: syntax error near unexpected token `fi'",
            f"{ctx.script}: line {line}: `fi'",
        ]
    if family == "network_timeout":
        return _network_timeout(tech, ctx, rng)
    if family == "java_exception":
        return _java_exception(ctx, rng)
    if family == "data_quality":
        return _data_quality(ctx, rng)
    if family == "postgres_error":
        return _postgres_error(ctx, rng)
    if family == LAUNCH_FAILURE:
        return [
            f'jobmanrc: cannot launch "{ctx.script}" on {ctx.host}: user "{ctx.user}" is not defined on '
            "this workstation"
        ]
    raise KeyError(f"unknown failure family {family!r}")


def _network_timeout(tech: str, ctx: CauseContext, rng: random.Random) -> list[str]:
    if tech == "sftp":
        host = rng.choice(_SFTP_HOSTS)
        return [
            f"ssh: connect to host {host} port 22: Connection timed out",
            "Connection closed",
            f"{ctx.stamp} ERROR [{ctx.job_name}] sftp to {host} failed after 3 attempts",
        ]
    host, port = rng.choice(_HOSTS)
    if tech == "http":
        waited = rng.randint(30_000, 130_000)
        return [f"curl: (28) Failed to connect to {host} port {port} after {waited} ms: Connection timed out"]
    return [
        f"{ctx.stamp} ERROR [main] c.e.batch.Client - call to {host}:{port} failed",
        "java.net.ConnectException: Connection timed out",
        "\tat java.base/sun.nio.ch.Net.connect0(Native Method)",
        "\tat java.base/sun.nio.ch.Net.connect(Net.java:579)",
        "\tat com.example.batch.Client.open(Client.java:64)",
        "\tat com.example.batch.Runner.main(Runner.java:57)",
    ]


def _java_exception(ctx: CauseContext, rng: random.Random) -> list[str]:
    """A wrapped exception with its cause: the multi-line shape log parsers must keep together."""
    cause = rng.choice(
        (
            ("java.lang.NumberFormatException", 'For input string: "12,50"', "RecordMapper.mapLine", 42),
            (
                "java.lang.NullPointerException",
                'Cannot invoke "String.trim()" because "value" is null',
                "Cleaner.clean",
                77,
            ),
            (
                "java.time.format.DateTimeParseException",
                "Text '31/02/2026' could not be parsed at index 0",
                "DateField.parse",
                31,
            ),
        )
    )
    exception, message, method, line = cause
    more = rng.randint(8, 30)
    return [
        f"{ctx.stamp} ERROR [main] c.e.batch.Runner - step {ctx.job_name} failed",
        "org.springframework.batch.core.step.skip.NonSkippableReadException: Non-skippable exception during read",
        "\tat org.springframework.batch.core.step.item.FaultTolerantChunkProvider.read("
        "FaultTolerantChunkProvider.java:105)",
        "\tat org.springframework.batch.core.step.item.SimpleChunkProvider.provide(SimpleChunkProvider.java:119)",
        "\tat org.springframework.batch.core.step.item.ChunkOrientedTasklet.execute(ChunkOrientedTasklet.java:71)",
        "\tat com.example.batch.Runner.main(Runner.java:57)",
        f"Caused by: {exception}: {message}",
        f"\tat com.example.batch.{method}({method.split('.')[0]}.java:{line})",
        "\tat com.example.batch.ChunkReader.read(ChunkReader.java:131)",
        f"\t... {more} more",
    ]


def _data_quality(ctx: CauseContext, rng: random.Random) -> list[str]:
    column, problem = rng.choice(_DQ_CHECKS)
    total = rng.choice((50_000, 120_000, 200_000, 1_250_000))
    rejected = rng.randint(total // 1000, total // 50)
    sample = rng.randint(2, total)
    return [
        f"{ctx.stamp} WARN  [{ctx.job_name}] row {sample}: {column} failed check: {problem}",
        f"{ctx.stamp} ERROR [{ctx.job_name}] rejected {rejected} of {total} rows: {problem} in column {column} "
        "(threshold 0.1%)",
    ]


def _postgres_error(ctx: CauseContext, rng: random.Random) -> list[str]:
    where = f"psql:/opt/batch/sql/{ctx.job_name.lower()}.sql:{rng.randint(10, 200)}"
    variant = rng.randrange(4)
    if variant == 0:
        pids = rng.randint(1000, 60000), rng.randint(1000, 60000)
        return [
            f"{where}: ERROR:  40P01: deadlock detected",
            f"DETAIL:  Process {pids[0]} waits for ShareLock on transaction {rng.randint(10**6, 10**7)}; "
            f"blocked by process {pids[1]}.",
            "HINT:  See server log for query details.",
            'CONTEXT:  while updating tuple (1832,7) in relation "fact_orders"',
        ]
    if variant == 1:
        return [f"{where}: ERROR:  57014: canceling statement due to statement timeout"]
    if variant == 2:
        return [
            f'{where}: ERROR:  42P01: relation "stage.{ctx.job_name.lower()}_tmp" does not exist',
            f"LINE 1: INSERT INTO stage.{ctx.job_name.lower()}_tmp SELECT * FROM ...",
        ]
    return [
        'psql: error: connection to server at "pgdwh01.example.com" (10.20.1.15), port 5432 failed: '
        "FATAL:  53300: sorry, too many clients already"
    ]
