"""The account a refused login used, the application an out-of-memory program ran as, and the program a
wrapper-led command line starts (rules-20, round 17), on invented joblogs and lines."""

from __future__ import annotations

import pytest

from tests.models.annotate.test_rules_engine import FOOTER, HEADER, RUN, _annotate
from twspulse.joblog.entities import code_location
from twspulse.models.annotate.excerpt import read_joblog
from twspulse.models.annotate.key_entities import (
    application_above,
    credential_above,
    extract,
    input_above,
    program_above,
    server_near,
    statement_table_above,
    tool_path,
)
from twspulse.models.annotate.rules_engine import RulesEngine


@pytest.mark.parametrize(
    ("line", "account"),
    [
        ("qz: connect user=qzload host=db1", "qzload"),
        (
            '  "sasl.jaas.config": "ScramLoginModule required username=\\"svc-qz-sink\\" password=\\"***\\";",',
            "svc-qz-sink",
        ),
        ("qz 03:00:01 VAULT_ROLE=qz-nightly VAULT_ADDR=https://vault.qz.test:8200", "qz-nightly"),
        ("INFO qz: client credentials from /etc/qz/api.env, client_id qz-import", "qz-import"),
        ("qz: aws s3 cp /srv/qz/a.csv s3://qz-bucket/in/ --profile qz-exchange", "qz-exchange"),
        ("INFO qz: Import nach SAP P01, Benutzer RFC_QZ_IN", "RFC_QZ_IN"),
        ("[qz] connessione QZ_READER@QZPRD (password da /etc/qz/.pwd)", "QZ_READER"),
        ("+ sqlplus -s QZ_LOAD/***@QZPRD @/srv/qz/sql/load.sql", "QZ_LOAD"),
        ("+ curl --user svc-qz@qz.test:******** --url smtp://mail.qz.test:587", "svc-qz@qz.test"),
    ],
)
def test_the_account_a_job_states(line: str, account: str) -> None:
    assert credential_above(["INFO qz: start", line, "INFO qz: 12 rows read"]) == account


@pytest.mark.parametrize(
    "line",
    [
        "Error writing data to auth/approle/login: Error making API request.",  # a URL's path, then prose
        "ERROR qz - Error logging in: INVALID_LOGIN: Invalid username, password or token",
        "    client.connect(dest.host, port=dest.port, username=dest.user, password=dest.password)",  # code
        "< 250-AUTH LOGIN XOAUTH2",  # a mail server's offer, not the job's account
        "[Producer clientId=qz-publisher] Connection to node -1 failed authentication",  # Kafka's client id
        "ORA-01013: user requested cancel of current operation",
        "INFO Loaded 300 rows, account QZ-001 balance updated",  # a ledger's account, not a login
        "INFO Posted 1200 entries to account GL-4000-01",
        "WARN Login: attempt 1 of 3",
        "INFO login OK",
        "INFO records fetched for user ID 42",
        "DEBUG principal: UNAUTHENTICATED",
        '"user": null',
        "INFO auto_login: true",
        "Configured role: arn:aws:iam::123456789012:role/qz-role",
        "    user = cfg['user']",
        "    username = config.get('db', 'user')",
    ],
)
def test_what_is_not_an_account(line: str) -> None:
    assert credential_above([line]) is None


def test_a_user_outranks_a_role_or_an_account_on_its_line() -> None:
    assert credential_above(["INFO connecting account=qz-prod user=QZ_SVC role=LOADER warehouse=WH_QZ"]) == "QZ_SVC"


def test_a_refusal_that_names_its_user_adds_no_account_stated_elsewhere() -> None:
    annotation = _annotate(
        "+ aws s3 cp s3://qz-in/x.csv . --profile qz-eu\n"
        'psql: error: connection to server at "qzdb01" (10.0.0.1), port 5432 failed: FATAL:  password '
        'authentication failed for user "qzetl"\nqz: ended rc=2\n'
    )
    assert annotation.category == "auth"
    assert "qz-eu" not in annotation.root_cause


def test_a_refused_login_names_the_account_the_job_stated() -> None:
    annotation = _annotate(
        "qz: 03:00:01 publishing to kafka-qz1.qz.test:9093, SASL user svc-qz-moves, topic qz.moves\n"
        "[Producer clientId=qz-publisher] Connection to node -1 (kafka-qz1.qz.test/10.0.0.5:9093) failed "
        "authentication due to: Authentication failed during authentication due to invalid credentials with SASL "
        "mechanism SCRAM-SHA-512\nqz: ended rc=1\n"
    )
    assert annotation.category == "auth"
    assert "svc-qz-moves" in annotation.root_cause


@pytest.mark.parametrize(
    ("line", "application"),
    [
        ("25/12/09 02:00:03 INFO SparkContext: Submitted application: QzPairing-2031-01", "QzPairing-2031-01"),
        ("qz: spark-submit --master yarn --name qz-cashflows --num-executors 4 /srv/qz/job.py", "qz-cashflows"),
        (
            "INFO o.s.b.c.l.support.SimpleJobLauncher : Job: [SimpleJob: [name=qzExportJob]] launched with",
            "qzExportJob",
        ),
        ("CWWKY0101I: Job qzAggregation with instance ID 4711 has been submitted.", "qzAggregation"),
        ("qz: docker run --name qz-engine-20310203 --memory 24g registry.qz.test/qz/engine:4.1", "qz-engine-20310203"),
    ],
)
def test_the_application_a_job_started(line: str, application: str) -> None:
    assert application_above(["INFO qz: start", line, "INFO qz: stage 3 of 9"]) == application


def test_an_out_of_memory_names_the_application_besides_the_program() -> None:
    annotation = _annotate(
        "qz: spark-submit --master yarn --name qz-cashflows /srv/qz/cfp_job.py --day 3\n"
        "ERROR YarnScheduler: Lost executor 7 on wn-7.qz.test: Container killed by YARN for exceeding physical "
        "memory limits. 14.1 GB of 14 GB physical memory used.\nqz: ended rc=1\n"
    )
    assert annotation.category == "oom"
    assert "program /srv/qz/cfp_job.py" in annotation.root_cause
    assert "application qz-cashflows" in annotation.root_cause


@pytest.mark.parametrize(
    ("line", "program"),
    [
        (
            "qz 01:20:01 systemd-run --wait --uid=svc_qz -p MemoryMax=24G /srv/qz/bin/qz-engine --day 3",
            "/srv/qz/bin/qz-engine",
        ),
        ("+ nohup /srv/qz/bin/qzfold --all", "/srv/qz/bin/qzfold"),
        (
            "qz 01:20:01 systemd-run --scope -p MemoryMax=24G /srv/qz/venv/bin/python3 -m qz.screening --day 3",
            "qz.screening",
        ),
        ("+ python3 -m qz_tools.fold --all", "qz_tools.fold"),
    ],
)
def test_the_program_past_a_wrapper_or_a_python_module(line: str, program: str) -> None:
    assert program_above(["INFO qz: start", line, "INFO qz: 3 of 9 blocks"]) == program


def test_a_wrapper_word_in_prose_starts_no_program() -> None:
    assert program_above(["2031-02-03 01:20:01 nohup ignoring input and appending output"]) is None
    assert program_above(["WARN: numactl /usr/bin/numactl not found, skipping NUMA binding"]) is None


@pytest.mark.parametrize(
    ("lines", "program"),
    [
        (
            ["+ python3 /srv/qz/first.py", "first done", "+ nohup python3 /srv/qz/second.py --day 3"],
            "/srv/qz/second.py",
        ),
        (["+ systemd-run --working-directory /srv/qz --wait ./bin/qzengine"], "./bin/qzengine"),
        (["+ systemd-run --uid svc /srv/qz/run.sh"], "/srv/qz/run.sh"),
        (["/usr/bin/sqlplus -s qz/***@PRD @/srv/qz/sql/x.sql"], "/srv/qz/sql/x.sql"),
        (["+ python3 -m pip install -q -r /srv/qz/requirements.txt"], None),  # a tool, not the job's program
    ],
)
def test_the_program_past_wrapper_options_and_interpreters(lines: list[str], program: str | None) -> None:
    assert program_above(lines) == program


@pytest.mark.parametrize(
    "line",
    [
        "INFO Job was started by the scheduler",
        "+ conda run --name py39 python /srv/qz/aggregate.py",  # an environment
        "+ az storage blob download --name qz_2031.csv --file /srv/qz/qz.csv",  # a blob
        "INFO [name=customer_42] merged",
        "Step: [TaskletStep: [name=qzStep]] executing",  # a step, not the job
    ],
)
def test_what_is_not_an_application(line: str) -> None:
    assert application_above([line]) is None


def test_typescript_errors_are_located_in_their_file() -> None:
    annotation = _annotate("qz\nsrc/qz.ts(12,5): error TS2339: Property 'qz' does not exist on type 'Qz'.\nqz rc=2\n")
    assert annotation.category == "script_error"
    assert "(src/qz.ts:12)" in annotation.root_cause


@pytest.mark.parametrize(
    "line",
    [
        "qzimport: corrupt record: bad tag at offset 112 (0x00000070)",  # an offset, not a Windows error
        "Process exited with code 2 (0x00000002)",
    ],
)
def test_a_number_and_its_hexadecimal_without_the_word_error_is_no_windows_code(line: str) -> None:
    assert _annotate(f"qz: start\n{line}\nqz: ended rc=1\n").category not in ("disk_full", "missing_file")


@pytest.mark.parametrize(
    ("line", "path"),
    [
        (
            "qzdoc: chapters/31/ch11.md: openBinaryFile: does not exist (No such file or directory)",
            "chapters/31/ch11.md",
        ),
        ("tar: qz_2031-02/salaries.csv: Cannot open: Permission denied", "qz_2031-02/salaries.csv"),
        ("gzip: qz_in.csv: No such file or directory", "qz_in.csv"),
    ],
)
def test_a_relative_path_a_tool_names_in_its_message(line: str, path: str) -> None:
    assert tool_path(line) == path


@pytest.mark.parametrize(
    "line",
    [
        "java.io.IOException: qz/in.csv: stream closed",  # an exception's type, not a tool
        "ssh: connect to host qz01 port 22: Connection refused",
        "ERROR: qz/in.csv: rejected",
        "error: api.qz.test: Name or service not known",  # a host
        "error: text/html: unsupported media type",
        "fatal: origin/main: not a valid object name",
        "error: java.lang.String: cannot cast",
    ],
)
def test_what_is_not_a_tool_and_its_relative_path(line: str) -> None:
    assert tool_path(line) is None


def test_a_relative_path_on_a_harmless_line_near_the_error_is_not_its_entity() -> None:
    annotation = _annotate(
        "tar: qzlogs/app.log: file changed as we read it\nINFO archive written\n"
        "ERROR upload failed: Access Denied (Service: Amazon S3; Status Code: 403)\nqz: ended rc=1\n"
    )
    assert "qzlogs/app.log" not in annotation.root_cause


def test_a_relative_path_leaves_a_full_disk_named_by_where_the_job_wrote() -> None:
    annotation = _annotate(
        "qz: 01:00:01 tar -cf /qzscratch/p31/qz.tar qz/2031\n"
        "tar: qz/2031/qz_07.nc: Cannot write: Disk quota exceeded\nqz: ended rc=2\n"
    )
    assert annotation.category == "disk_full"
    assert "/qzscratch/p31/qz.tar" in annotation.root_cause


@pytest.mark.parametrize(
    ("line", "variable"),
    [
        ("Failed to bind properties under 'qz.rating.cutoff' to java.time.Duration:", "qz.rating.cutoff"),
        (
            "SRCFG00014: The config property qz.export.target-dir is required but it could not be found",
            "qz.export.target-dir",
        ),
    ],
)
def test_a_configuration_property_is_a_variable(line: str, variable: str) -> None:
    assert extract([line])["variables"] == [variable]


def test_an_out_of_memory_names_the_framework_command_the_scheduler_ran() -> None:
    body = (
        "[2031-02-03 02:30:02] production.INFO: qz statements for 2037 suppliers\n"
        "PHP Fatal error:  Allowed memory size of 536870912 bytes exhausted (tried to allocate 20480 bytes) in "
        "/srv/qz/vendor/pdf/src/Frame.php on line 153\nqz: ended rc=255\n"
    )
    header = HEADER.replace("/opt/batch/load_hr.sh", "/usr/bin/php /srv/qz/artisan qz:statements --period=2031-01")
    annotation = RulesEngine().annotate(RUN, read_joblog(header + body + FOOTER))
    assert annotation.category == "oom"
    assert "application qz:statements" in annotation.root_cause


@pytest.mark.parametrize(
    ("body", "category", "line"),
    [
        (  # Windows' decimal and hexadecimal code, whatever the language around it
            "qz 10:21:40 robocopy D:\\qz\\out \\\\qzfs\\arch$ /R:2\n"
            "2031/02/03 10:21:44 エラー 112 (0x00000070) ファイルをコピーしています D:\\qz\\out\\a.h5\n",
            "disk_full",
            "2031/02/03 10:21:44 エラー 112 (0x00000070) ファイルをコピーしています D:\\qz\\out\\a.h5",
        ),
        (
            "Export-Csv : Access to the path '\\\\qzfs-campus01\\registrar$\\grades\\2031W\\QZ_GRADES_0203.csv'"
            " is denied.\n",
            "permission",
            "Export-Csv : Access to the path '\\\\qzfs-campus01\\registrar$\\grades\\2031W\\QZ_GRADES_0203.csv'"
            " is denied.",
        ),
        (
            "ImportError: Missing optional dependency 'qzxl'.  Use pip or conda to install qzxl.\n",
            "dependency",
            "ImportError: Missing optional dependency 'qzxl'.  Use pip or conda to install qzxl.",
        ),
        (
            "ORA-00040: active time limit exceeded - call aborted\n",
            "timeout",
            "ORA-00040: active time limit exceeded - call aborted",
        ),
        (
            "Connection error: Connection Refused: not authorised.\n",
            "auth",
            "Connection error: Connection Refused: not authorised.",
        ),
        (
            "org.apache.kafka.common.config.ConfigException: No resolvable bootstrap urls given in bootstrap.servers\n",
            "network",
            "org.apache.kafka.common.config.ConfigException: No resolvable bootstrap urls given in bootstrap.servers",
        ),
        (
            "mlr: mlr: CSV header/data length mismatch 14 != 13 at filename /srv/qz/in/c.csv row 812.\n",
            "data_quality",
            "mlr: mlr: CSV header/data length mismatch 14 != 13 at filename /srv/qz/in/c.csv row 812.",
        ),
        ("\\Qz was unexpected at this time.\n", "script_error", "\\Qz was unexpected at this time."),
        (
            "Missing closing ')' after expression in 'if' statement.\n",
            "script_error",
            "Missing closing ')' after expression in 'if' statement.",
        ),
        (
            "src/qz.ts:42:31 - error TS2339: Property 'qzMinor' does not exist on type 'QzRow'.\n",
            "script_error",
            "src/qz.ts:42:31 - error TS2339: Property 'qzMinor' does not exist on type 'QzRow'.",
        ),
    ],
)
def test_round_17_readings(body: str, category: str, line: str) -> None:
    annotation = _annotate(f"qz: start\n{body}qz: ended rc=1\n")
    assert annotation.category == category
    assert annotation.error_line == line


def test_a_decimal_code_whose_hexadecimal_differs_is_no_windows_code() -> None:
    assert _annotate("qz: start\nqz 112 (0x00000071) blocks copied\nqz: ended rc=1\n").category != "disk_full"


def test_a_dependency_named_in_quotes_on_a_failing_line_but_not_a_loaded_one() -> None:
    assert extract(["Error in library(qz.tab) : there is no package called ‘qz.tab’"])["modules"][0] == "qz.tab"
    loaded = "WARNING: The names of some imported commands from the module 'QzBatch' include unapproved verbs"
    assert "QzBatch" not in extract([loaded]).get("modules", [])


def test_a_java_chain_whose_driver_repeats_the_message_quotes_the_first_to_say_it() -> None:
    line = "java.sql.SQLTimeoutException: ORA-01013: user requested cancel of current operation"
    frames = "".join(f"\tat qz.Step{i}.run(Step{i}.java:{i})\n" for i in range(12))
    annotation = _annotate(
        f"qz: MERGE INTO QZ.RATED ... started\n{line}\n{frames}"
        "Caused by: oracle.jdbc.OracleDatabaseException: ORA-01013: user requested cancel of current operation\n"
        f"{frames}qz: ended rc=1\n"
    )
    assert annotation.category == "timeout"
    assert annotation.error_line == line


def test_a_go_panic_is_located_at_the_first_frame_of_its_goroutine() -> None:
    annotation = _annotate(
        "qz: start\npanic: runtime error: invalid memory address or nil pointer dereference\n"
        "[signal SIGSEGV: segmentation violation code=0x1 addr=0x28 pc=0x8a1f3c]\n\ngoroutine 1 [running]:\n"
        "qz.test/plan.(*Planner).assign(0xc0001b6000)\n\t/build/internal/plan/qzplanner.go:214 +0x3c\n"
        "main.main()\n\t/build/cmd/qz/main.go:41 +0x1b8\nqz: ended rc=2\n"
    )
    assert annotation.category == "script_error"
    assert "/build/internal/plan/qzplanner.go:214" in annotation.root_cause


@pytest.mark.parametrize(
    ("above", "below", "server"),
    [
        (
            [],
            ["Attempting to contact (DESCRIPTION = (ADDRESS = (PROTOCOL = TCP)(HOST = qzora01.qz.test)(PORT = 1521)))"],
            "qzora01.qz.test",
        ),
        (["qz: sqlplus -S qz_exp@//qzora02.qz.test:1521/QZP @/srv/qz/x.sql"], [], "qzora02.qz.test"),
        ([], ["qz 03:04:05 ping -c1 qzora03.qz.test: 1 packets transmitted, 1 received"], "qzora03.qz.test"),
        ([], ["PS> Test-NetConnection -ComputerName qzapi.qz.test -Port 443"], "qzapi.qz.test"),
        (["INFO nothing here"], ["qz: 3 of 9 done"], None),
    ],
)
def test_the_server_a_job_states_near_a_network_failure(above: list[str], below: list[str], server: str | None) -> None:
    assert server_near(above, below) == server


def test_an_oracle_listener_failure_names_the_server_its_diagnostics_show() -> None:
    annotation = _annotate(
        "qz: sqlplus -S -L qz_exp@QZP @/srv/qz/lista.sql\nERROR:\nORA-12541: TNS:no listener\n\n"
        "qz: tnsping QZP\n"
        "Attempting to contact (DESCRIPTION = (ADDRESS = (PROTOCOL = TCP)(HOST = qzora01.qz.test)(PORT = 1521)))\n"
        "TNS-12541: TNS:no listener\nqz: ended rc=1\n"
    )
    assert annotation.category == "network"
    assert "qzora01.qz.test" in annotation.root_cause


@pytest.mark.parametrize(
    ("above", "table"),
    [
        (["04:30:56 INFO qz.refresh: REFRESH MATERIALIZED VIEW CONCURRENTLY qz.berth_daily ..."], "qz.berth_daily"),
        (["04:30:02 INFO qz.load: INSERT INTO qz.moves SELECT * FROM qz.stage ... ok (41,2 s)"], None),  # it completed
        (["04:30:02 INFO qz: update available for qz.tool"], None),  # prose
    ],
)
def test_the_table_of_the_last_statement_a_logger_reports(above: list[str], table: str | None) -> None:
    assert statement_table_above(above) == table


@pytest.mark.parametrize(
    ("lines", "data"),
    [
        (
            ["INFO qz: lese QZ_0108_IK2611.csv (sep=';', 14 Spalten erwartet)", "INFO qz: 5000 rows"],
            "QZ_0108_IK2611.csv",
        ),
        (["INFO qz: reading /srv/qz/in/qz_0108.csv", "INFO qz: for feed qz_0108.csv"], "/srv/qz/in/qz_0108.csv"),
    ],
)
def test_the_data_file_read_by_its_path_else_by_its_name(lines: list[str], data: str) -> None:
    assert input_above(lines) == data


def test_idcams_entry_not_found_is_a_missing_data_set_unless_a_delete_looked_for_it() -> None:
    body = (
        "  DELETE QZ.PROD.WORK.D310203 NONVSAM PURGE\n"
        "0IDC3012I ENTRY QZ.PROD.WORK.D310203 NOT FOUND\n"
        "0IDC0001I FUNCTION COMPLETED, HIGHEST CONDITION CODE WAS 8\n"
        "  REPRO INDATASET(QZ.PROD.IN.D310203) OUTDATASET(QZ.PROD.KSDS) REPLACE\n"
        "0IDC3012I ENTRY QZ.PROD.IN.D310203 NOT FOUND\n"
    )
    annotation = _annotate(f"qz: start\n{body}qz: ended rc=12\n")
    assert annotation.category == "missing_file"
    assert annotation.error_line == "0IDC3012I ENTRY QZ.PROD.IN.D310203 NOT FOUND"
    assert "QZ.PROD.IN.D310203" in annotation.root_cause


def test_a_connection_to_a_host_that_timed_out_is_the_network() -> None:
    annotation = _annotate('qz: start\nNetwork error: Connection to "sftp.qz.test" timed out.\nqz: ended rc=1\n')
    assert annotation.category == "network"
    assert "sftp.qz.test" in annotation.root_cause


def test_a_java_headline_whose_driver_quotes_it_with_more_detail_is_quoted() -> None:
    line = "java.sql.SQLException: ORA-00054: resource busy and acquire with NOWAIT specified or timeout expired"
    frames = "".join(f"\tat qz.Step{i}.run(Step{i}.java:{i})\n" for i in range(6))
    annotation = _annotate(
        f"qz: TRUNCATE TABLE QZ.STG\n{line}\n{frames}Caused by: Error : 54, Position : 15, SQL = TRUNCATE TABLE "
        "QZ.STG, Error Msg = ORA-00054: resource busy and acquire with NOWAIT specified or timeout expired\n"
        f"{frames}qz: ended rc=1\n"
    )
    assert annotation.category == "db_error"
    assert annotation.error_line == line


@pytest.mark.parametrize(
    ("line", "account"),
    [
        ("INFO qz: conectando a smtp.qz.test:587 como avisos-qz@qz.test (STARTTLS)", "avisos-qz@qz.test"),
        ("INFO qz: invio a 23 destinatari via smtp.qz.test:587 (STARTTLS) come svc-qz", "svc-qz"),
        ("[qz] principal de service sp-qz-ingest (appId 3f2a9c1e), secret lu dans /etc/qz/sp.env", "sp-qz-ingest"),
        ("DBI connect('//qzora01.qz.test:1521/QZP','SVC_QZ',...) failed: ORA-01017", "SVC_QZ"),
    ],
)
def test_a_login_stated_as_the_job_connects(line: str, account: str) -> None:
    assert credential_above([line]) == account


@pytest.mark.parametrize("line", ["INFO saved as report_2031.csv", "INFO treated as null_value when missing"])
def test_as_without_a_connection_states_no_login(line: str) -> None:
    assert credential_above([line]) is None


@pytest.mark.parametrize(
    ("body", "category", "line"),
    [
        (
            "Invoke-RestMethod : L'opération a expiré.\n",
            "timeout",
            "Invoke-RestMethod : L'opération a expiré.",
        ),
        (
            "Impossible d’appeler une méthode dans une expression Null.\n",
            "script_error",
            "Impossible d’appeler une méthode dans une expression Null.",
        ),
        (
            "You cannot call a method on a null-valued expression.\n",
            "script_error",
            "You cannot call a method on a null-valued expression.",
        ),
    ],
)
def test_dotnet_timeouts_and_null_expressions_in_their_languages(body: str, category: str, line: str) -> None:
    annotation = _annotate(f"qz: start\n{body}qz: ended rc=1\n")
    assert annotation.category == category
    assert annotation.error_line == line


def test_a_refused_connection_quotes_the_headline_that_names_the_server() -> None:
    line = "org.postgresql.util.PSQLException: Connection to qzdb02.qz.test:5432 refused. Check the hostname and port."
    frames = "".join(f"\tat qz.Step{i}.run(Step{i}.java:{i})\n" for i in range(6))
    annotation = _annotate(
        f"qz: start\n{line}\n{frames}Caused by: java.net.ConnectException: Connection refused\n{frames}qz: rc=1\n"
    )
    assert annotation.category == "network"
    assert annotation.error_line == line
    assert "qzdb02.qz.test:5432" in annotation.root_cause


def test_invalid_data_names_the_file_a_database_error_reports_below_not_the_script() -> None:
    annotation = _annotate(
        "qz 00:45:01 files received: QZ_0211.csv, QZ_0305.csv, QZ_0417.csv\n"
        "qz 00:45:02 psql -f /srv/qz/sql/load.sql\n"
        'psql:/srv/qz/sql/load.sql:14: ERROR:  invalid input syntax for type numeric: "12,50"\n'
        "qz 00:45:03 row 1843 of QZ_0417.csv (row 1 = header):\nqz: ended rc=3\n"
    )
    assert annotation.category == "data_quality"
    assert annotation.root_cause.startswith("Invalid data in QZ_0417.csv:")


def test_a_sql_keyword_is_no_table() -> None:
    assert "TABLE" not in extract(['qz db2 "SELECT ... FROM TABLE(MON_GET_APPL_LOCKWAIT(NULL, -2))"']).get("tables", [])


# The second review of round 17 (parts 3 and 4), its findings as tests.


def test_a_network_failure_that_names_its_host_adds_no_other_server() -> None:
    annotation = _annotate(
        "INFO qz db config host=qzdb01.qz.test port=5432\n"
        "curl: (7) Failed to connect to api.qzpartner.test port 443 after 3 ms: Connection refused\nqz: rc=7\n"
    )
    assert annotation.category == "network"
    assert "qzdb01" not in annotation.root_cause


def test_a_server_stated_far_above_is_not_the_one_a_failure_missed() -> None:
    filler = "INFO qz: working\n" * 300
    annotation = _annotate(
        f"{filler[:1020]}INFO qz: ftp host=ftp.qzpartner.test user=qz\n{filler}"
        "psycopg2.OperationalError: could not connect to server: Connection refused\n"
        '\tIs the server running on host "qzdb01.qz.test" (10.0.0.5) and accepting\nqz: rc=2\n'
    )
    assert "ftp.qzpartner.test" not in annotation.root_cause


def test_a_handled_exception_in_another_trace_is_not_the_chain_headline() -> None:
    frames = "".join(f"\tat qz.Step{i}.run(Step{i}.java:{i})\n" for i in range(8))
    annotation = _annotate(
        "WARN qz: spill to /tmp failed, falling back to memory\n"
        f"java.io.IOException: No space left on device\n{frames}INFO qz: continuing\n"
        f"qz.batch.StepFailedException: step EXPORT did not complete\n{frames}"
        f"Caused by: java.io.FileNotFoundException: /srv/qz/out/orders_0203.csv (No space left on device)\n{frames}"
        "qz: rc=1\n"
    )
    assert annotation.error_line.startswith("Caused by: java.io.FileNotFoundException")


@pytest.mark.parametrize(
    "delete",
    [
        "  DELETE (QZ.PROD.WORK.SORTED) NONVSAM PURGE",
        "  DELETE 'QZ.PROD.WORK.SORTED' PURGE",
        "  DEL QZ.PROD.WORK.SORTED",
    ],
)
def test_an_idcams_delete_in_any_form_looked_for_what_it_did_not_find(delete: str) -> None:
    annotation = _annotate(
        f"{delete}\n0IDC3012I ENTRY QZ.PROD.WORK.SORTED NOT FOUND\n0IDC0001I FUNCTION COMPLETED, HIGHEST CONDITION "
        "CODE WAS 8\n  SET MAXCC = 0\nIEC030I B37-04,IFG0554A,QZJOB,STEP3,OUTFILE,3390,PRD001,QZ.PROD.OUT.D310203\n"
        "SYSTEM COMPLETION CODE=B37  REASON CODE=00000004\n"
    )
    assert annotation.category == "disk_full"


@pytest.mark.parametrize(
    "line",
    [
        "2031-02-03 04:30:01 qz.py:40 INFO reading extract as latin-1",
        "qzload.py:42 INFO decoding input as utf-8",
        "INFO upload to sftp.qz.test.example:22 as orders_0203.csv.gz",
        "INFO Using service principal from environment",
        "INFO Using service principal authentication",
    ],
)
def test_encodings_files_and_words_after_as_or_service_principal_are_no_account(line: str) -> None:
    assert credential_above([line]) is None


def test_a_service_principal_by_its_name() -> None:
    assert credential_above(["Service principal name: sp-qz-ingest"]) == "sp-qz-ingest"


def test_an_italian_timeout_setting_is_no_timeout() -> None:
    annotation = _annotate(
        "qz: timeout dell'operazione impostato a 300 secondi\nqz: step LOAD terminato con RC=8\nqz: rc=8\n"
    )
    assert annotation.category != "timeout"


@pytest.mark.parametrize(
    ("lines", "location"),
    [
        (
            ["/build/cmd/qz/main.go:31: config loaded", "panic: runtime error: invalid memory address",
             "goroutine 1 [running]:", "\t/build/internal/plan/qzplan.go:214 +0x3c", "\t/build/cmd/qz/main.go:41"],
            "/build/internal/plan/qzplan.go:214",
        ),
        (
            ["panic: runtime error: invalid memory address", "goroutine 1 [running]:",
             "\t/usr/local/go/src/database/sql/sql.go:1290 +0x3c", "\t/build/cmd/qz/main.go:41 +0x1b8"],
            "/build/cmd/qz/main.go:41",
        ),
        (
            ["src/load/qz.ts(12,5): error TS2339: Property 'a' does not exist on type 'Q'.",
             "src/report/qzsum.ts(7,1): error TS2304: Cannot find name 'moment'."],
            "src/load/qz.ts:12",
        ),
    ],
)  # fmt: skip
def test_where_go_and_typescript_fail(lines: list[str], location: str) -> None:
    assert code_location(lines) == location


@pytest.mark.parametrize(
    ("lines", "below", "data"),
    [
        (["INFO qz processing qz_0203.csv", "ValueError: could not convert string to float: '12,50'"],
         ["INFO qz processing qz_0204.csv"], "qz_0203.csv"),
        (["+ pip install -r requirements.txt", "pandas.errors.ParserError: Error tokenizing data."], [], None),
        (["INFO Loading logback.xml", 'java.lang.NumberFormatException: For input string: "12,50"'], [], None),
        (["qz: reading /srv/qz/in/lookup_rates.csv", "qz: parse.py: malformed row 1843 in qz_0203.csv: 15 fields"],
         [], "qz_0203.csv"),
    ],
)  # fmt: skip
def test_the_data_file_a_failure_read(lines: list[str], below: list[str], data: str | None) -> None:
    assert input_above(lines, below) == data


@pytest.mark.parametrize(
    ("above", "table"),
    [
        (["04:30:02 INFO qz.load: DELETE FROM qz.tmp_moves WHERE day = '2031-02-03' - 1200 rows deleted"], None),
        (
            ["04:30:02 INFO qz.load: UPDATE qz.orders SET state = 'DONE' WHERE batch_id = 4", "INFO qz: 3 of 9"],
            "qz.orders",
        ),
        (
            ["04:30:02 INFO qz.load: UPDATE qz.orders SET state = 'X' WHERE batch_id = 4", *["INFO qz: working"] * 80],
            None,
        ),
    ],
)
def test_a_logged_statement_that_finished_or_is_far_above_is_not_the_one_running(
    above: list[str], table: str | None
) -> None:
    assert statement_table_above(above) == table


@pytest.mark.parametrize(
    ("body", "category", "line"),
    [
        (
            "22:50:17  Failure in test accepted_values_stg_qz_kind__A__B (models/staging/qz/_stg_qz.yml)\n",
            "data_quality",
            "22:50:17  Failure in test accepted_values_stg_qz_kind__A__B (models/staging/qz/_stg_qz.yml)",
        ),
        (
            "pandera.errors.SchemaError: Column 'QZ_AGE' failed element-wise validator number 0: <Check in_range: "
            "in_range(0, 110)> failure cases: 199, 207\n",
            "data_quality",
            "pandera.errors.SchemaError: Column 'QZ_AGE' failed element-wise validator number 0: <Check in_range: "
            "in_range(0, 110)> failure cases: 199, 207",
        ),
        (
            "/srv/qz/bin/qz_export.sh: Zeile 131: Syntaxfehler: Unerwartetes Dateiende.\n",
            "script_error",
            "/srv/qz/bin/qz_export.sh: Zeile 131: Syntaxfehler: Unerwartetes Dateiende.",
        ),
        (
            "/srv/qz/bin/qz_export.sh: line 118: unexpected EOF while looking for matching `\"'\n",
            "script_error",
            "/srv/qz/bin/qz_export.sh: line 118: unexpected EOF while looking for matching `\"'",
        ),
        (
            '   Beschreibung: Die Datendatei "\\\\qz-fs01\\export$\\QZ_0114.csv" kann nicht geöffnet werden.\n',
            "missing_file",
            'Beschreibung: Die Datendatei "\\\\qz-fs01\\export$\\QZ_0114.csv" kann nicht geöffnet werden.',
        ),
    ],
)
def test_data_tests_shell_syntax_and_unopened_files_in_their_languages(body: str, category: str, line: str) -> None:
    annotation = _annotate(f"qz: start\n{body}qz: ended rc=1\n")
    assert annotation.category == category
    assert annotation.error_line == line


def test_a_configuration_that_does_not_bind_outranks_its_conversion_reason() -> None:
    annotation = _annotate(
        "***************************\nAPPLICATION FAILED TO START\n***************************\n\nDescription:\n\n"
        "Failed to bind properties under 'qz.export.batch-size' to int:\n\n    Property: qz.export.batch-size\n"
        '    Value: "5OO"\n    Reason: failed to convert java.lang.String to int (caused by '
        'java.lang.NumberFormatException: For input string: "5OO")\nqz: rc=1\n'
    )
    assert annotation.category == "script_error"
    assert annotation.error_line == "Failed to bind properties under 'qz.export.batch-size' to int:"
    assert "qz.export.batch-size" in annotation.root_cause


def test_sql_server_names_the_object_in_its_schema_in_any_language() -> None:
    line = "Die SELECT-Berechtigung wurde für das Objekt 'QzWaage', Datenbank 'QzDB', Schema 'dbo' verweigert."
    assert extract([line])["tables"][0] == "dbo.QzWaage"


def test_invalid_data_in_a_configuration_file_is_the_jobs_configuration() -> None:
    annotation = _annotate(
        "qz: reading /etc/qz/grade/qz_channels.json\n"
        "json.decoder.JSONDecodeError: Expecting ',' delimiter: line 47 column 9 (char 1388)\nqz: rc=1\n"
    )
    assert annotation.category == "script_error"
    assert "/etc/qz/grade/qz_channels.json" in annotation.root_cause


@pytest.mark.parametrize(
    ("body", "category", "line"),
    [
        (
            "SQL0968C  The file system is full.  SQLSTATE=57011\n",
            "disk_full",
            "SQL0968C  The file system is full.  SQLSTATE=57011",
        ),
        (
            "gawk: /srv/qz/awk/qz.awk:37: erreur de syntaxe\n",
            "script_error",
            "gawk: /srv/qz/awk/qz.awk:37: erreur de syntaxe",
        ),
        (
            'qz 412  11  constraint-error  The cell "2062-03-14" in row at position "412" does not conform to a '
            'constraint: constraint "maximum" is "2031-01-21"\n',
            "data_quality",
            'qz 412  11  constraint-error  The cell "2062-03-14" in row at position "412" does not conform to a '
            'constraint: constraint "maximum" is "2031-01-21"',
        ),
    ],
)
def test_round_17_last_readings(body: str, category: str, line: str) -> None:
    annotation = _annotate(f"qz: start\n{body}qz: ended rc=1\n")
    assert annotation.category == category
    assert annotation.error_line == line


def test_ssh_names_the_port_it_could_not_reach() -> None:
    annotation = _annotate("ssh: connect to host sftp.qz.test port 22: Connection timed out\nqz: rc=255\n")
    assert "sftp.qz.test:22" in annotation.root_cause


def test_a_refusal_that_names_only_an_apps_id_still_names_the_service_principal() -> None:
    annotation = _annotate(
        "qz 00:05:01 subir: entidad de servicio sp-qz-ingesta (appId 7c1e2f44-9a0b-4d6e-b3c1-52a8e0d19f73)\n"
        "ERROR: AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the "
        "client secret value, for a secret added to app '7c1e2f44-9a0b-4d6e-b3c1-52a8e0d19f73'.\nqz: rc=1\n"
    )
    assert annotation.category == "auth"
    assert "sp-qz-ingesta" in annotation.root_cause


def test_a_constraint_violated_is_no_constraint_name() -> None:
    line = "* 301: unique constraint violated: TrexUpdate failed on table 'QZ:RATES' with error: unique constraint"
    assert not extract([line]).get("constraints")
