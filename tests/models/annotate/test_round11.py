"""Round 11 (rules-13) mechanisms, on invented lines: interpreters' errors in the job's code, gems a bundle
lacks, DB2 LOAD rows that do not fit, a configuration value that does not bind, a shell's report of a
signal after the program's own message, and a database code header that gives way to its message."""

from __future__ import annotations

import pytest

from tests.models.annotate.test_rules_engine import _annotate
from twspulse.models.annotate.evidence import classify_line
from twspulse.models.annotate.key_entities import extract


def _top(line: str) -> str | None:
    found = classify_line(line)
    return found[0].category if found else None


@pytest.mark.parametrize(
    ("line", "category"),
    [
        # interpreters' errors in the job's own code
        ("Undefined subroutine &Acme::Fmt::money called at /srv/x/post.pl line 88.", "script_error"),
        ('Can\'t locate object method "render" via package "Acme::Doc" at /srv/x/doc.pl line 12.', "script_error"),
        ('Can\'t call method "close" on an undefined value at lib/Out.pm line 40.', "script_error"),
        ('Global symbol "$total" requires explicit package name at /srv/x/sum.pl line 7.', "script_error"),
        ("Not a HASH reference at /srv/x/cfg.pl line 19.", "script_error"),
        ("TypeError: Cannot read properties of undefined (reading 'rows')", "script_error"),
        ("uninitialized constant Billing::Exporter", "script_error"),
        # gems a bundle lacks: a dependency, not a missing file
        ("Could not find nokogiri-1.16.2 in locally installed gems", "dependency"),
        ("Could not find gem 'redis (~> 5.0)' in any of the gem sources listed in your Gemfile.", "dependency"),
        # DB2 LOAD: a field of a row that does not fit its column
        ('SQL3191W  The field in row "12", column "3" which begins with "31.02.2030" does not match.', "data_quality"),
        ('SQL3125W  The character data in row "9" and column "2" was truncated.', "data_quality"),
        # a setting of the configuration that does not bind to its type
        ("System.InvalidOperationException: Failed to convert configuration value at 'Jobs:Retries' to type 'x'.",
         "script_error"),
    ],
)  # fmt: skip
def test_interpreter_errors_gems_db2_load_rows_and_configuration_values(line: str, category: str) -> None:
    assert _top(line) == category


def test_the_programs_exception_beats_the_shells_report_of_its_abort() -> None:
    annotation = _annotate(
        "Unhandled exception. System.InvalidOperationException: Failed to convert configuration value at "
        "'Feed:PageSize' to type 'System.Int32'.\n"
        "   at Acme.Feed.Program.Main(String[] args)\n"
        "/opt/feed/run.sh: line 7: 5120 Aborted                 (core dumped) dotnet /opt/feed/Feed.dll\n"
    )
    assert annotation.category == "script_error"
    assert annotation.error_line is not None and annotation.error_line.startswith("Unhandled exception.")
    assert "Feed:PageSize" in annotation.root_cause


def test_a_shells_report_of_a_crash_is_still_the_error_when_nothing_came_before() -> None:
    annotation = _annotate("step 1 started\n/opt/x/run.sh: line 4: 311 Segmentation fault      (core dumped) ./calc\n")
    assert annotation.category == "script_error"
    assert annotation.error_line == "/opt/x/run.sh: line 4: 311 Segmentation fault      (core dumped) ./calc"


def test_a_database_code_header_gives_way_to_its_message_and_keeps_the_codes_family() -> None:
    annotation = _annotate(
        "Msg 229, Level 14, State 3:\n"
        "Server 'DSQ1', Procedure 'p_copy', Line 12:\n"
        "UPDATE refused on object 'ledger_x', database 'fin', owner 'dbo'\n"
        "(return status = -6)\n"
    )
    assert annotation.category == "permission"
    assert annotation.error_line == "UPDATE refused on object 'ledger_x', database 'fin', owner 'dbo'"


def test_a_sql_server_header_with_its_place_on_the_same_line() -> None:
    annotation = _annotate(
        "Msg 547, Level 16, State 0, Server DBQ, Line 3\n"
        "The statement conflicted with the REFERENCE rule on table 'orders_x'.\n"
    )
    assert annotation.category == "db_error"
    assert annotation.error_line == "The statement conflicted with the REFERENCE rule on table 'orders_x'."


def test_a_dotted_constraint_in_single_quotes_names_the_constraint_and_its_table() -> None:
    found = extract(["E 4410: Duplicate key values: 'id=7' -- violates constraint 'sales.orders_x.PK_ORD'"])
    assert found["constraints"] == ["sales.orders_x.PK_ORD"]
    assert found["tables"] == ["sales.orders_x"]
    annotation = _annotate(
        "load.sql:12: ERROR 4410: Duplicate key values: 'id=7' -- violates constraint 'sales.orders_x.PK_ORD'\n"
    )
    assert "sales.orders_x" in annotation.root_cause


def test_a_quoted_object_and_a_bracketed_policy_resource_are_tables() -> None:
    assert extract(["DELETE permission denied on object 'pay_hist', database 'fin', owner 'dbo'"])["tables"][0] == (
        "pay_hist"
    )
    line = "FAILED: AccessControl: user [u1] does not have [SELECT] privilege on [mart/fact_sales/region=eu]"
    assert extract([line])["tables"][0] == "mart/fact_sales"


def test_a_refused_permission_on_a_database_object_names_the_object_not_a_file_nearby() -> None:
    annotation = _annotate(
        "loading /data/in/pay_hist.bcp\n"
        "Msg 229, Level 14, State 3:\n"
        "Server 'DSQ1', Line 1:\n"
        "DELETE permission denied on object 'pay_hist', database 'fin', owner 'dbo'\n"
    )
    assert annotation.category == "permission"
    assert annotation.root_cause.startswith("Permission denied on pay_hist")


def test_a_stated_service_account_is_the_login_of_a_refused_token() -> None:
    found = extract(["Activated service account credentials for: [ldr@proj-x.iam.example.com]"])
    assert found["logins"] == ["ldr@proj-x.iam.example.com"]


@pytest.mark.parametrize(
    ("line", "name"),
    [
        ("+ cloud jobs start-run --job-name rollup_daily --region r1", "rollup_daily"),
        ("engine - Created flow run 'quiet-owl' for flow 'sync-accounts'", "sync-accounts"),
        ("wrapper: starting Glue job refresh_dims (--day=3)", "refresh_dims"),
    ],
)
def test_the_job_or_flow_a_wrapper_runs_remotely_is_named(line: str, name: str) -> None:
    assert extract([line])["remote_jobs"] == [name]


def test_a_remote_job_that_ran_out_of_time_is_named_with_the_timeout() -> None:
    annotation = _annotate(
        "+ cloud jobs start-run --job-name rollup_daily\n"
        "poll: RUNNING\n"
        "poll: final state TIMEOUT, Job run timed out after 60 minutes\n"
    )
    assert annotation.category == "timeout"
    assert "rollup_daily" in annotation.root_cause


@pytest.mark.parametrize(
    "line",
    [
        "Datei oder Verzeichnis '/in/kunden_0301.csv' existiert nicht.",
        "Il file '/in/clienti.csv' non esiste",
        "O arquivo '/in/clientes.csv' não existe",
    ],
)
def test_a_file_that_does_not_exist_in_german_italian_and_portuguese(line: str) -> None:
    assert _top(line) == "missing_file"


def test_the_localised_line_that_names_the_file_beats_the_servers_bare_message() -> None:
    annotation = _annotate(
        "Suche Dateien...\n"
        "Datei oder Verzeichnis '/out/LIEF_0301.xml' existiert nicht.\n"
        "Fehlercode: 2\n"
        "Antwort der Gegenstelle: 550 No such file\n"
    )
    assert annotation.category == "missing_file"
    assert annotation.error_line == "Datei oder Verzeichnis '/out/LIEF_0301.xml' existiert nicht."


def test_a_deep_driver_link_that_repeats_a_links_message_with_the_statement_gives_way_to_it() -> None:
    annotation = _annotate(
        "com.acme.batch.ReadException: read of next row failed\n"
        "\tat com.acme.batch.Reader.read(Reader.java:40)\n"
        "Caused by: java.sql.SQLException: ORA-01555: snapshot too old: rollback segment number 3 too small\n"
        "\tat com.acme.dbx.Wire.raise(Wire.java:31)\n"
        "Caused by: Error : 1555, Position : 0, Sql = SELECT a FROM SALES.ORDERS_X, Error Msg = ORA-01555: "
        "snapshot too old: rollback segment number 3 too small\n"
        "\tat com.acme.dbx.Wire.raise(Wire.java:44)\n"
    )
    assert annotation.category == "db_error"
    assert annotation.error_line == (
        "Caused by: java.sql.SQLException: ORA-01555: snapshot too old: rollback segment number 3 too small"
    )


def test_a_utilitys_summary_that_it_reached_its_limit_gives_way_to_the_row_level_message() -> None:
    annotation = _annotate(
        'SQL3502N  The import tool stopped at "4" warnings, the most allowed by its options.\n'
        "+ cat /work/load.msg\n"
        'SQL3191W  The field in row "7", column "2" which begins with "2030-02-31" does not match the user '
        "specified DATEFORMAT.  The row will be rejected.\n"
        'SQL3502N  The import tool stopped at "4" warnings, the most allowed by its options.\n'
    )
    assert annotation.category == "data_quality"
    assert annotation.error_line is not None and annotation.error_line.startswith("SQL3191W")


@pytest.mark.parametrize(
    "line",
    [
        "MAX ERROR COUNT EXCEEDED - the counts above are those of an incomplete load",
        "bulk load stopped: too many rejected rows",
        "import: maximum number of errors reached (10)",
    ],
)
def test_a_limit_summary_is_penalised_like_a_pointer_back(line: str) -> None:
    from twspulse.models.annotate.rules_engine import _LIMIT_SUMMARY

    assert _LIMIT_SUMMARY.search(line) is not None


@pytest.mark.parametrize(
    ("line", "category"),
    [
        ("LoadError: cannot load such file -- oci8", "dependency"),
        ("Gem::MissingSpecVersionError: Could not find 'rake' (13.1.0) required by your Gemfile.lock.", "dependency"),
        ("Error in summarise(tbl) : object 'net_amt' not found", "script_error"),
        ('Error in run_report(x) : could not find function "run_report"', "script_error"),
    ],
)
def test_ruby_requires_and_r_names_the_code_never_defined(line: str, category: str) -> None:
    assert _top(line) == category


def test_a_snowflake_code_header_gives_way_to_the_message_on_the_next_line() -> None:
    annotation = _annotate(
        "002003 (42S02): SQL compilation error:\nObject 'MART.PUBLIC.SALES_Y' does not exist or not authorized.\n"
    )
    assert annotation.category == "db_error"
    assert annotation.error_line == "Object 'MART.PUBLIC.SALES_Y' does not exist or not authorized."


@pytest.mark.parametrize(
    ("line", "table"),
    [
        ("ERROR 1146 (42S02) at line 9: Table 'shop.items_y' doesn't exist", "shop.items_y"),
        ("SemanticException [Error 10001]: Line 1:14 Table not found 'items_y'", "items_y"),
        ("AnalysisException: The table or view `mart`.`items_y` cannot be found.", "mart.items_y"),
        ("Not found: Table proj-q:mart.items_y was not found in location US", "proj-q:mart.items_y"),
    ],
)
def test_a_table_named_after_its_kind_in_single_quotes_backticks_or_project_form(line: str, table: str) -> None:
    assert extract([line])["tables"][0] == table


def test_the_table_the_error_line_names_beats_the_statements_table_nearby() -> None:
    annotation = _annotate(
        "running INSERT INTO stage.a1 SELECT * FROM shop.b1\n"
        "ERROR 1146 (42S02) at line 3: Table 'shop.items_y' doesn't exist\n"
    )
    assert annotation.root_cause.startswith("Database error on shop.items_y")


def test_a_cause_that_names_nothing_carries_the_message() -> None:
    annotation = _annotate("ftp> get IN_0301.csv\n550 IN_0301.csv: No such file or directory\n")
    assert annotation.category == "missing_file"
    assert "IN_0301.csv" in annotation.root_cause


def test_a_refused_upload_names_where_it_was_to_go() -> None:
    annotation = _annotate(
        "upload failed: /data/out/b.csv to s3://bkt-q/in/b.csv An error occurred (AccessDenied) when calling the "
        "PutObject operation: Access Denied\n"
    )
    assert annotation.category == "permission"
    assert annotation.root_cause.startswith("Cloud authorization failed for s3://bkt-q/in/b.csv")


def test_a_write_the_device_took_only_part_of_is_a_full_file_system() -> None:
    annotation = _annotate("tar: /bkp/q/part-0007: Wrote only 2048 of 10240 bytes\ntar: Error is not recoverable\n")
    assert annotation.category == "disk_full"
    assert annotation.error_line == "tar: /bkp/q/part-0007: Wrote only 2048 of 10240 bytes"


def test_postgres_copy_context_names_the_table_loaded() -> None:
    assert extract(['CONTEXT:  COPY stg_orders_q, line 12, column qty: "1,5"'])["tables"] == ["stg_orders_q"]


def test_the_job_named_after_predecessor_comes_before_the_waiting_job() -> None:
    found = extract(["The job WS1#NIGHT.EXPORT_Q is waiting for the predecessor WS1#NIGHT.LOAD_Q which ended in ABEND"])
    assert found["tws_jobs"][0] == "WS1#NIGHT.LOAD_Q"
    assert extract(["Predecessor job LOAD_FEED_Q has not completed"])["tws_jobs"][0] == "LOAD_FEED_Q"


def test_a_windows_account_with_its_domain_is_named_whole() -> None:
    assert extract(["Invoke-Sqlcmd : Login failed for user 'ACME\\svc_rep'."])["logins"] == ["ACME\\svc_rep"]
    annotation = _annotate("Invoke-Sqlcmd : Login failed for user 'ACME\\svc_rep'.\nAt D:\\jobs\\r.ps1:3 char:1\n")
    assert annotation.category == "auth"
    assert "ACME\\svc_rep" in annotation.root_cause


def test_sql_servers_unreachable_server_is_a_network_failure_whatever_the_exception_type() -> None:
    line = (
        "Microsoft.Data.SqlClient.SqlException (0x80131904): A network-related or instance-specific error occurred "
        "while establishing a connection to SQL Server."
    )
    assert _top(line) == "network"
