"""rules-25 (round 22). Part 1: what a failure happened to, read where the job's tools print it. An out-of-memory
JVM is named by the class its stack trace starts from, and a pod killed for memory by the Kubernetes job that
created it; a lock conflict names the table of the first statement its deadlock report shows, and an object of SQL
Server's default schema ("dbo.X") is a table wherever it is named; a refused Oracle wallet login names the account
the wallet's listing gives for its alias (not "login failed for ORA-01017"); a jar a sentence names is a library.
Part 2: a number out of a range of numbers, of the wrong length or that a program does not allow (in the Nordic
languages, German, Dutch, the Romance languages, Polish and Czech) is invalid data; invalid data names the record it
is about. Part 3: a range in parentheses ("INVALID (RANGE 1.0-22.0)") and a number not allowed in more
languages are invalid data; a login value that is code ("username=cfg['user']") is no user; DB2's upper-case reason is
not an FTP server's "password expired"; invalid data is not named by the program that read it nor by its settings.
Part 4: a full disk names the file system df shows full; a value out of range or over the allowed in more languages
is invalid data; a two-letter program's error message id counts; configparser's errors are the job's configuration;
pydantic's refused string is the record named; a statement or warehouse timeout names the Snowflake warehouse.
Part 5: an application's id is named by the service principal the job names; a number called invalid is invalid
data. Part 6: a refused Oracle connection names the host of the descriptor tnsping shows, not its code; the main
class a command line starts names an out-of-memory JVM without a trace; a container number with its check digit
apart is a record."""

from __future__ import annotations

import pytest

from tests.models.annotate.test_rules_engine import _annotate
from twspulse.joblog.entities import extract_entities
from twspulse.models.annotate import rules_engine
from twspulse.models.annotate.evidence import classify_line
from twspulse.models.annotate.key_entities import (
    application_above,
    class_started,
    full_mount,
    main_class,
    record_near,
    statement_table_above,
    wallet_account,
    warehouse_near,
)
from twspulse.models.annotate.rule_base import RULES as RULE_BASE

RULES = rules_engine.RulesEngine(line_model=None)

_JAVA_OOM = (
    "02:00:01 [main] INFO  Planner - building matrix 2,000 x 164 x 24\n"
    'Exception in thread "main" java.lang.OutOfMemoryError: Java heap space\n'
    "\tat java.base/java.util.HashMap.resize(HashMap.java:702)\n"
    "\tat com.quill.plan.Matrix.add(Matrix.java:88)\n"
    "\tat com.quill.plan.WeekPlanner.run(WeekPlanner.java:140)\n"
    "\tat com.quill.plan.WeekPlanner.main(WeekPlanner.java:47)\n"
    "+ rc=1\n"
)


def test_an_out_of_memory_jvm_is_named_by_the_class_its_trace_starts_from() -> None:
    annotation = _annotate(_JAVA_OOM, engine=RULES)
    assert annotation.category == "oom"
    assert "main class com.quill.plan.WeekPlanner" in annotation.root_cause


@pytest.mark.parametrize(
    ("below", "expected"),
    [
        (["\tat a.b.C.run(C.java:1)", "\tat a.b.Main.main(Main.java:9)"], "a.b.Main"),
        (["\tat app//org.x.Job.main(Job.java:3)"], "org.x.Job"),
        (["\tat a.b.C.run(C.java:1)", "+ rc=1"], None),  # a trace cut before its main frame names no program
        (["INFO calling Remote.main(args) next"], None),  # prose, not a frame
    ],
)
def test_main_class_reads_only_a_frame_of_a_main_method(below: list[str], expected: str | None) -> None:
    assert main_class(below) == expected


_POD_OOM = (
    "+ kubectl -n ml create job demand-fc-20261201 --from=cronjob/demand-fc\n"
    "job.batch/demand-fc-20261201 created\n"
    "+ kubectl -n ml describe pod -l job-name=demand-fc-20261201\n"
    "Name:             demand-fc-20261201-x7k2q\n"
    "    State:          Terminated\n"
    "      Reason:       OOMKilled\n"
    "      Exit Code:    137\n"
)


def test_a_pod_killed_for_memory_names_the_kubernetes_job_that_created_it() -> None:
    annotation = _annotate(_POD_OOM, engine=RULES)
    assert annotation.category == "oom"
    assert "application demand-fc-20261201" in annotation.root_cause


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("+ kubectl -n ml create job demand-fc-20261201 --from=cronjob/demand-fc", "demand-fc-20261201"),
        ("job.batch/demand-fc-20261201 created", "demand-fc-20261201"),
        ("job.batch/demand-fc-20261201 condition met", None),  # a wait, not what was started
        ("+ kubectl get jobs | grep create job", None),  # no job name after it
    ],
)
def test_a_kubernetes_job_is_read_where_it_is_created(line: str, expected: str | None) -> None:
    assert application_above([line]) == expected


_INNODB_DEADLOCK = (
    "+ mysql -h db01.corp.lan -u etl -p******** shop < /opt/etl/merge.sql\n"
    "ERROR 1213 (40001) at line 14: Deadlock found when trying to get lock; try restarting transaction\n"
    "+ mysql -e 'SHOW ENGINE INNODB STATUS\\G'\n"
    "LATEST DETECTED DEADLOCK\n"
    "*** (1) TRANSACTION:\n"
    "UPDATE order_line l JOIN stage_line s ON s.id = l.id SET l.qty = s.qty\n"
    "*** (2) TRANSACTION:\n"
    "UPDATE order_line SET reserved = reserved + 1 WHERE sku = 'A'\n"
)


def test_a_lock_conflict_names_the_table_of_the_first_statement_its_deadlock_report_shows() -> None:
    annotation = _annotate(_INNODB_DEADLOCK, engine=RULES)
    assert annotation.category == "db_error"
    assert annotation.root_cause.startswith("Database deadlock or lock conflict")
    assert "order_line" in annotation.root_cause and "stage_line" not in annotation.root_cause


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (["UPDATE order_line SET qty = 1"], "order_line"),
        (["INSERT INTO order_line (id, qty) VALUES (1, 2)"], "order_line"),
        (["UPDATE order_line l JOIN s ON s.id = l.id"], "order_line"),
        (["Update available for pip"], None),  # prose: no SQL goes on after the name
        (["update complete for the nightly run"], None),
    ],
)
def test_a_bare_table_counts_only_where_sql_goes_on_after_it(lines: list[str], expected: str | None) -> None:
    assert statement_table_above(lines, first=True) == expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("FEHLER - Deadlock auf dbo.SkipassSale mit dem Webshop", ["dbo.SkipassSale"]),
        ("victim spid 87 objeto=Coop.dbo.ContaCorrente modo=X", ["dbo.ContaCorrente"]),
        ("resource=KEY Pay.dbo.ClaimPayment.PK_ClaimPayment mode=X", ["dbo.ClaimPayment"]),
        ("EXEC dbo.usp_LoadSales @Day='2026-12-02'", None),  # a stored procedure by its name
        ("calling dbo.fn_rate(1)", None),
    ],
)
def test_an_object_of_sql_servers_default_schema_is_a_table(line: str, expected: list[str] | None) -> None:
    assert extract_entities([line]).get("tables") == expected


_WALLET = (
    "+ sqlplus -S -L /@LIMSPRD_X @/opt/lab/sql/export.sql\n"
    "ERROR:\n"
    "ORA-01017: invalid username/password; logon denied\n"
    "SP2-0751: Unable to connect to Oracle, exiting SQL*Plus\n"
    "+ mkstore -wrl /opt/lab/wallet -listCredential\n"
    "List credential (index: connect_string username)\n"
    "2: LIMSPRD_Y other_user\n"
    "1: LIMSPRD_X lab_export\n"
)


def test_a_refused_wallet_login_names_the_account_the_wallet_holds_for_its_alias() -> None:
    annotation = _annotate(_WALLET, engine=RULES)
    assert annotation.category == "auth"
    assert "lab_export" in annotation.root_cause
    assert "other_user" not in annotation.root_cause
    assert not annotation.root_cause.startswith("Oracle login failed for ORA-")


def test_wallet_account_needs_the_alias_the_client_logged_in_with() -> None:
    assert wallet_account(["sqlldr userid=/@PAY control=x.ctl"], ["1: PAY pay_ldr"]) == "pay_ldr"
    assert wallet_account(["sqlplus -S /@PAY"], ["1: OTHER pay_ldr"]) is None  # another alias's account
    assert wallet_account(["sqlplus scott/***@PAY"], ["1: PAY pay_ldr"]) is None  # a login with its own user


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("ERROR - commons-csv-1.10.0.jar is missing from /opt/app/lib", ["commons-csv-1.10.0.jar"]),
        ("IBM MQ client (com.ibm.mq.allclient-9.3.jar) no longer in lib", ["com.ibm.mq.allclient-9.3.jar"]),
        ("commons-csv-1.10.0.jar", None),  # a directory listing's line: a jar that is there
        ("loading /opt/app/lib/commons-csv-1.10.0.jar", None),  # by its path, a path
    ],
)
def test_a_jar_a_sentence_names_is_a_library(line: str, expected: list[str] | None) -> None:
    assert extract_entities([line]).get("libraries") == expected


def test_a_quoted_name_not_found_is_no_shell_command() -> None:
    pattern = next(rule.pattern for rule in RULE_BASE if rule.name == "command_not_found")
    assert pattern.search("sh: 1: sqlcmd: not found")
    assert not pattern.search('rpc error: code = NotFound desc = failed to find container "etl": not found')


@pytest.mark.parametrize(
    "line",
    [
        "XW-E-4410 RET_20261208.txt rec 311: cask PX-2612-0438 strength 163.5 %abv out of range (0.0-94.8)",
        "AB-E-2217 PAY_20261205.txt line 41: tax id '05114000812' has 11 digits, 12 required",
        "QT-E-2210 RAD 26-118402/3 VOLYM -12,40 M3FUB EJ TILLATEN",
        "PT-E-2107 TILAUS 4471203 RIVI 3: NELIOPAINO 0 G/M2 EI SALLITTU (40-400)",
        "Satz 12: Menge -4 nicht zulässig",
        "riga 7: quantità -3 non consentita",
    ],
)
def test_a_number_out_of_range_of_the_wrong_length_or_not_allowed_is_invalid_data(line: str) -> None:
    assert classify_line(line)[0].category == "data_quality"


@pytest.mark.parametrize(
    "line",
    ["IndexError: list index out of range", "HTTP 405 Method Not Allowed", "Zugriff nicht zulässig für Benutzer etl"],
)
def test_an_index_a_method_or_an_access_not_allowed_is_no_invalid_data(line: str) -> None:
    assert all(evidence.category != "data_quality" for evidence in classify_line(line))


@pytest.mark.parametrize(
    ("error", "above", "below", "expected"),
    [
        ("BD-E-2207 EAB regel 1412 (brief 8712-26-0044817, kweker 4711): stelen = 0", [], [], "8712-26-0044817"),
        ("ValueError: bad", ["INFO validating order 23/64 DO-AT-2612-0318 (6 lines)"], [], "DO-AT-2612-0318"),
        ("ValueError: bad", [], ["ERROR - waybill LDL-WB-88412 has litres=-1200"], "LDL-WB-88412"),
        ("row 142 (TGHU8812043;45R1;-18,5) rejected", [], [], "TGHU8812043"),
        ("2026-12-10 00:02:41 ERROR bad value", [], [], None),  # a date, not a record
        ("XW-E-2107 value not allowed", [], [], None),  # the program's message id
        ("id 3F2A1B4C-1111-2222-3333-444455556666 invalid", [], [], None),  # a GUID
        ("ValueError: bad", ["INFO order DO-AT-2612-0318", "a", "b", "c"], [], None),  # too far above
    ],
)
def test_record_near_names_the_record_invalid_data_is_about(
    error: str, above: list[str], below: list[str], expected: str | None
) -> None:
    assert record_near(error, above, below) == expected


def test_invalid_data_names_its_record_in_the_root_cause() -> None:
    body = (
        "INFO import: validating booking ALP-SA-2612-004127\n"
        "jsonschema.exceptions.ValidationError: -2 is less than the minimum of 1\n"
    )
    annotation = _annotate(body, engine=RULES)
    assert annotation.category == "data_quality"
    assert "record ALP-SA-2612-004127" in annotation.root_cause


# Part 3


@pytest.mark.parametrize(
    "line",
    [
        "SZ-E-4107 LOT NGT-26-BT-0912 ALC 0.0% INVALID (RANGE 1.0-22.0)",
        "NB-E-4107 NARUDZBA 26-NAR-04417 STAVKA 2: KOLICINA -12 KOM NIJE DOZVOLJENA (1-99999)",
        "tétel 3: mennyiség -5 nem megengedett",
    ],
)
def test_a_range_in_parentheses_and_a_number_not_allowed_in_more_languages_are_invalid_data(line: str) -> None:
    assert classify_line(line)[0].category == "data_quality"


def test_a_login_value_that_is_code_is_no_user() -> None:
    line = '    client.connect(cfg["host"], port=22, username=cfg["user"], password=cfg["password"])'
    assert "users" not in extract_entities([line])
    assert extract_entities(["connect user=etl_load host=db01"])["users"] == ["etl_load"]


def test_an_ftp_servers_password_expired_is_no_db2_refusal() -> None:
    annotation = _annotate("< 530 Login incorrect: password expired.\ncurl: (67) Access denied: 530\n", engine=RULES)
    assert annotation.category == "auth"
    assert "DB2" not in annotation.root_cause


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("+ /opt/qa/venv/bin/python /opt/qa/src/load.py /data/qa/in/LOTS_1206.json", "/data/qa/in/LOTS_1206.json"),
        ("+ /opt/ds/bin/dxbatch /P=20261212 /KURA=NGT", None),  # the program and its settings are no data
    ],
)
def test_invalid_data_is_not_named_by_its_program(command: str, expected: str | None) -> None:
    annotation = _annotate(f"{command}\nValueError: could not convert string to float: '<0,02'\n", engine=RULES)
    assert annotation.category == "data_quality"
    subject = annotation.root_cause.split(":", 1)[0]
    assert ("bin/" not in subject) and ("/P=" not in subject) and ("/KURA" not in subject)
    if expected:
        assert subject == f"Invalid data in {expected}"


# Part 4


def test_a_full_disk_names_the_file_system_dfs_report_shows_full() -> None:
    body = (
        "failed to register layer: write /usr/local/lib/python3.11/site-packages/x.so: no space left on device\n"
        "+ df -h /var/lib/docker\n"
        "Filesystem                 Size  Used Avail Use% Mounted on\n"
        "/dev/mapper/vg_app-docker   80G   80G   20K 100% /var/lib/docker\n"
    )
    annotation = _annotate(body, engine=RULES)
    assert annotation.category == "disk_full"
    assert "file system /var/lib/docker" in annotation.root_cause


@pytest.mark.parametrize(
    ("below", "expected"),
    [
        (["/dev/sdb1  40G  40G  0 100% /backup"], "/backup"),
        (["tmpfs  1.6G  1.6G  1.0M  99% /run"], "/run"),
        (["/dev/sdb1  ext4  40G  12G  28G  30% /backup"], None),  # not full
        (["used 100% of /backup quota"], None),  # prose, not a df line
    ],
)
def test_full_mount_reads_only_a_df_line_of_a_full_file_system(below: list[str], expected: str | None) -> None:
    assert full_mount([], below) == expected


@pytest.mark.parametrize(
    "line",
    [
        "RP-E-4127 PARTIYA KVR-26-0912 VINOGRADNIK 114: SAKHAR 0.0 BRIX VNE DIAPAZONA 14.0-30.0",
        "KB-E-4120 VAGONAS 31 51 5358 012-4 SASTATAS 2604: NETO SVORIS 71,4 T VIRSIJA LEIDZIAMA 66,0 T",
        "pozycja 4: ilość -2 poza zakresem",
        "tétel 3: 120 kg tartományon kívül",
    ],
)
def test_a_value_out_of_range_or_over_the_allowed_in_more_languages_is_invalid_data(line: str) -> None:
    assert classify_line(line)[0].category == "data_quality"


def test_a_two_letter_programs_error_message_is_the_error_line() -> None:
    body = (
        "RP-I-0100 START RUN 20261216\n"
        "RP-E-4127 PARTIYA KVR-26-0912: SAKHAR 0.0 BRIX VNE DIAPAZONA 14.0-30.0\n"
        "RP-I-0900 RUN ABORTED, RC=8\n"
    )
    annotation = _annotate(body, engine=RULES)
    assert annotation.error_line.startswith("RP-E-4127")
    assert annotation.category == "data_quality"
    assert "KVR-26-0912" in annotation.root_cause


def test_an_ini_files_missing_option_is_the_jobs_configuration() -> None:
    line = "configparser.NoOptionError: No option 'umbral_so2_ppm' in section: 'chimenea_ch2'"
    assert classify_line(line)[0].category == "script_error"
    assert extract_entities([line])["variables"] == ["umbral_so2_ppm"]


def test_pydantics_refused_string_is_the_record_named() -> None:
    below = ["mrn", "  String should match pattern '^[0-9]{2}[A-Z]{2}' [type=string_pattern_mismatch, "
             "input_value='26LT21000T1K04491', input_type=str]"]  # fmt: skip
    assert record_near("ValidationError: 1 validation error for Declaration", [], below) == "26LT21000T1K04491"


@pytest.mark.parametrize(
    ("above", "below", "expected"),
    [
        (["USE WAREHOUSE RPT_WH;"], [], "RPT_WH"),
        ([], ["+ snowsql -q \"SHOW WAREHOUSES LIKE 'WH_FACT_XS'\""], "WH_FACT_XS"),
        (["-- the warehouse is shared"], [], None),  # prose, not a warehouse's name
    ],
)
def test_warehouse_near_reads_the_snowflake_warehouse(above: list[str], below: list[str], expected: str | None) -> None:
    assert warehouse_near(above, below) == expected


def test_a_statement_or_warehouse_timeout_names_the_warehouse() -> None:
    body = (
        "USE WAREHOUSE RPT_WH;\n"
        "000630 (57014): Statement reached its statement or warehouse timeout of 3,600 second(s) and was canceled.\n"
    )
    annotation = _annotate(body, engine=RULES)
    assert annotation.category == "timeout"
    assert "warehouse RPT_WH" in annotation.root_cause


# Part 5


def test_an_application_id_is_named_by_the_service_principal_the_job_names() -> None:
    body = (
        "+ az login --service-principal -u 6b1f0c2e-4a7d-4c1e-9a55-2f0d8e3b7c41 -p ******** --tenant t.example\n"
        "ERROR: AADSTS7000222: The provided client secret keys for app '6b1f0c2e-4a7d-4c1e-9a55-2f0d8e3b7c41' are "
        "expired.\n"
        "ERREUR - secret du principal de service sp-portail-clients expiré le 18/12\n"
    )
    annotation = _annotate(body, engine=RULES)
    assert annotation.category == "auth"
    assert "sp-portail-clients" in annotation.root_cause


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("TP-E-2207 COMMANDE CO-26-44817 POS 3: QUANTITE -250 INVALIDE", "data_quality"),
        ("Satz 4: Menge -4 ungültig", "data_quality"),
        ('level=INFO msg="resumo" validos=1787 invalidos=1', None),  # a counter's value, not a value called invalid
        ("processed 120 rows, 0 invalid", None),  # a count of zero
    ],
)
def test_a_number_called_invalid_is_invalid_data(line: str, expected: str | None) -> None:
    found = classify_line(line)
    assert (found[0].category if found else None) == expected


# Part 6


def test_a_refused_oracle_connection_names_the_descriptors_host_not_its_code() -> None:
    body = (
        "ORA-12541: TNS:no listener\n"
        "+ tnsping RBTFIN\n"
        "Attempting to contact (DESCRIPTION = (ADDRESS = (PROTOCOL = TCP)(HOST = rbt-ora01)(PORT = 1521)))\n"
    )
    annotation = _annotate(body, engine=RULES)
    assert annotation.category == "network"
    assert "rbt-ora01" in annotation.root_cause
    assert "(ORA-12541)" not in annotation.root_cause


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("+ spark-submit --master yarn --class jo.lab.AssayTrends /opt/lab/trends.jar", "jo.lab.AssayTrends"),
        ("+ java -Xmx2g -cp '/opt/whs/lib/*' com.tm.whs.RegisterExport --site PEL", "com.tm.whs.RegisterExport"),
        ("+ java -Xmx2g -jar /opt/whs/lib/register.jar", None),  # a jar: its manifest names the class
        ("INFO running on java 21 (vendor org.Eclipse)", None),
    ],
)
def test_class_started_reads_the_main_class_a_command_line_starts(line: str, expected: str | None) -> None:
    assert class_started([line]) == expected


def test_a_spark_driver_out_of_memory_names_its_main_class() -> None:
    body = (
        "+ spark-submit --master local[8] --driver-memory 4g --class jo.lab.AssayTrends /opt/lab/trends.jar\n"
        "java.lang.OutOfMemoryError: GC overhead limit exceeded\n"
    )
    annotation = _annotate(body, engine=RULES)
    assert annotation.category == "oom"
    assert "jo.lab.AssayTrends" in annotation.root_cause


def test_a_container_number_with_its_check_digit_apart_is_a_record() -> None:
    assert record_near("bad", [], ["  contenedor FMPU 302418-6 consigna 13.5"]) == "FMPU 302418-6"
