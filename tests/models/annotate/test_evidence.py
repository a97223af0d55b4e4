"""General evidence of a failure's family (codes, type names, words) and the entities it needs, on synthetic lines."""

from __future__ import annotations

import pytest

from twspulse.joblog.entities import code_location, extract_entities
from twspulse.models.annotate.evidence import (
    classify_line,
    http_status,
    read_line,
    type_category,
    without_zero_counts,
)


def _top(line: str, own_job: str | None = None) -> str | None:
    found = classify_line(line, own_job)
    return found[0].category if found else None


@pytest.mark.parametrize(
    ("line", "category"),
    [
        ("PUT https://api.shop.test/v2/items -> 503 Service Unavailable", "network"),
        ("GET https://cdn.shop.test/feeds/today.xml returned 404", "missing_file"),
        ("HTTP 401 from https://auth.shop.test/token", "auth"),
        ("upload rejected: 422 Unprocessable Entity", "data_quality"),
        ("proxy answered 504 Gateway Timeout after 30 s", "timeout"),
        ("requests.exceptions.HTTPError: 502 Server Error: Bad Gateway for url: https://x.shop.test/a", "network"),
    ],
)
def test_http_status_codes_give_the_family(line: str, category: str) -> None:
    assert _top(line) == category


def test_http_status_needs_http_context_for_a_bare_number() -> None:
    assert http_status("loader returned 404 rows") is None
    assert http_status("POST /api/orders returned 409") == 409


@pytest.mark.parametrize(
    ("line", "category"),
    [
        ("System error 67 has occurred.", "network"),
        ("2026/01/02 03:04:05 ERROR 112 (0x00000070) Copying File C:\\dumps\\a.bak", "disk_full"),
        ("Copy failed with 0x80070005", "permission"),
        ("The user name or password is incorrect.", "auth"),
        ("The system cannot find the path specified.", "missing_file"),
    ],
)
def test_windows_error_codes_and_their_standard_messages(line: str, category: str) -> None:
    assert _top(line) == category


@pytest.mark.parametrize(
    ("line", "category"),
    [
        ("ERROR 1045 (28000): Access denied for user 'etl'@'10.1.1.1' (using password: YES)", "auth"),
        ("ERROR 1146 (42S02) at line 7: Table 'shop.orders_x' doesn't exist", "db_error"),
        ("ERROR 1044 (42000): Access denied for user 'rep'@'%' to database 'hr'", "permission"),
        ("ERROR 2003 (HY000): Can't connect to MySQL server on 'db9.shop.test:3306' (111)", "network"),
        ("DB2 SQL Error: SQLCODE=-551, SQLSTATE=42501, SQLERRMC=ETL", "permission"),
        ("SQLSTATE=57014 the statement was cancelled", "timeout"),
        ("SQLState = 28000, NativeError = 18456", "auth"),
    ],
)
def test_sqlstate_classes_and_mysql_error_numbers(line: str, category: str) -> None:
    assert _top(line) == category


def test_sqlstate_08001_alone_does_not_claim_a_network_failure() -> None:
    # drivers report a refused login as 08001 too: the words decide
    assert _top("390100 (08001): Incorrect username or password was specified.") == "auth"


@pytest.mark.parametrize(
    ("name", "category"),
    [
        ("SmtpAuthenticationError", "auth"),
        ("BrokerNotAvailableException", "network"),
        ("ConnectTimeoutException", "network"),
        ("QueryTimeoutException", "timeout"),
        ("UnauthorizedAccessException", "permission"),
        ("DirectoryNotFoundException", "missing_file"),
        ("CsvParserError", "data_quality"),
        ("NullReferenceException", "script_error"),
        ("KeyError", "script_error"),
        ("DuplicateKeyException", "db_error"),
        ("ValueError", None),
        ("RuntimeException", None),
    ],
)
def test_exception_type_names_are_read_as_words(name: str, category: str | None) -> None:
    assert type_category(name) == category


@pytest.mark.parametrize(
    ("line", "category"),
    [
        ("pushd: reason code 2059 (XQRC_HOST_NOT_AVAILABLE)", "network"),
        ("job exceeded its limit of 00:30:00 wall clock, killing it", "timeout"),
        ("connect to sql7.shop.test port 1433: connect timed out", "network"),
        ("UPDATE failed: lock wait timeout exceeded", "db_error"),
        ("Statement reached its statement timeout and was canceled.", "timeout"),
        ("The Access Key you provided is invalid (InvalidAccessKey)", "auth"),
        ("INSERT command denied to user 'rep'", "permission"),
        ("/srv/job.sh: line 9: [: too many arguments", "script_error"),
        ("Cannot read property of undefined value in handler", "script_error"),
        ("ERROR could not parse record 17: tag mismatch in <Item>", "data_quality"),
        ("quota of /warehouse/tmp is exceeded: 2 TB used", "disk_full"),
        ("container exceeding memory limits, killed", "oom"),
        ("Error: Cannot find module 'left-pad'", "dependency"),
        ("cp: cannot stat input file /x/y: not found", "missing_file"),
    ],
)
def test_failure_words_give_the_family(line: str, category: str) -> None:
    assert _top(line) == category


def test_words_on_an_info_line_are_not_evidence() -> None:
    assert classify_line("2026-01-01 INFO connect timeout is 30 s, lock wait timeout 60 s") == []


def test_a_predecessor_not_in_succ_is_a_dependency_but_the_job_itself_is_not() -> None:
    line = "gate: WSX#NIGHT.EXTRACT_ALL is ABEND (needs SUCC)"
    assert _top(line, own_job="LOAD_ALL") == "dependency"
    assert _top(line, own_job="EXTRACT_ALL") is None


def test_entities_name_databases_columns_options_users_and_stores() -> None:
    lines = [
        "Local database alias   = SALESDB",
        "sqlplus -s app_rw@FINPRD @/x/y.sql",
        "Invalid column name 'cust_region'.",
        "run.py: error: the following arguments are required: --day",
        "binding as uid=svc_sync,ou=svc,dc=shop,dc=test",
        "logging in to mail.shop.test:587 as mailer-bot",
        "net use Q: \\\\filesrv9\\drop$",
        "Path does not exist: s3a://lake-raw/events/dt=2026-01-01",
        "GET https://api.shop.test/v1/items?page=2 failed",
    ]
    found = extract_entities(lines)
    assert {"SALESDB", "FINPRD"} <= set(found["databases"])
    assert found["columns"] == ["cust_region"]
    assert found["options"] == ["--day"]
    assert {"svc_sync", "mailer-bot"} <= set(found["users"])
    assert "filesrv9" in found["hosts"]
    assert "s3a://lake-raw/events/dt=2026-01-01" in found["paths"]
    assert found["endpoints"] == ["https://api.shop.test/v1/items"]


@pytest.mark.parametrize(
    ("line", "command"),
    [
        ("/usr/bin/env: 'python9': No such file or directory", "python9"),
        ("sh: 1: zstd: not found", "zstd"),
        ("run.sh: line 3: jq: command not found", "jq"),
    ],
)
def test_missing_commands_and_interpreters_are_named(line: str, command: str) -> None:
    assert extract_entities([line])["commands"] == [command]


@pytest.mark.parametrize(
    ("lines", "location"),
    [
        (
            [
                'File "/opt/app/run.py", line 40, in <module>',
                'File "/opt/app/calc.py", line 12, in total',
                'File "/opt/venv/lib/python3.12/site-packages/lib/x.py", line 5, in f',
            ],
            "/opt/app/calc.py:12",
        ),
        (
            [
                "\tat java.base/java.util.HashMap.put(HashMap.java:1)",
                "\tat org.apache.commons.Thing.go(Thing.java:9)",
                "\tat com.shop.job.Calc.total(Calc.java:77)",
                "\tat com.shop.job.Main.main(Main.java:5)",
            ],
            "com.shop.job.Calc.total(Calc.java:77)",
        ),
        (["At C:\\jobs\\sync.ps1:31 char:7"], "C:\\jobs\\sync.ps1:31"),
        (["oops at /opt/perl/report.pl line 88."], "/opt/perl/report.pl:88"),
        (["/opt/sh/run.sh: line 5: X: unbound variable"], "/opt/sh/run.sh:5"),
        (["/opt/ksh/run.ksh[12]: X: parameter not set"], "/opt/ksh/run.ksh:12"),
        (["\t/src/cmd/tool/main.go:61 +0x1f"], "/src/cmd/tool/main.go:61"),
    ],
)
def test_code_location_is_the_jobs_own_innermost_frame(lines: list[str], location: str) -> None:
    assert code_location(lines) == location


@pytest.mark.parametrize(
    ("line", "category"),
    [
        ("ORA-00054: resource busy and acquire with NOWAIT specified or timeout expired", "db_error"),
        ("ORA-01013: user requested cancel of current operation", "timeout"),
        ('SQL0551N  "APP" does not have the required authorization or privilege', "permission"),
        ("SQL0952N  Processing was cancelled due to an interrupt.", "timeout"),
        ("Msg 229, Level 14, State 5, Server S1, Line 1", "permission"),
        ("Msg 2627, Level 14, State 1, Line 9", "db_error"),
        ("Msg 18456, Level 14, State 1, Server S1, Line 1", "auth"),
    ],
)
def test_database_products_error_codes_settle_the_family(line: str, category: str) -> None:
    assert _top(line) == category


def test_mysql_names_the_violated_index_with_its_table() -> None:
    line = "ERROR 1062 (23000) at line 4: Duplicate entry '7-DE' for key 'region_sales.PRIMARY'"
    assert extract_entities([line])["constraints"] == ["region_sales.PRIMARY"]


def test_a_windows_prompt_is_not_a_path_of_the_failure() -> None:
    found = extract_entities(["C:\\jobs\\hr>copy /Y C:\\in\\staff.xml C:\\work\\"])
    assert found["paths"] == ["C:\\in\\staff.xml", "C:\\work\\"]


@pytest.mark.parametrize(
    ("line", "category"),
    [
        ("FAILED: SemanticException Line 2:7 Table not found 'stage_x' (state=42S02,code=10001)", "db_error"),
        ("E11000 duplicate key error collection: shop.users index: login_1", "db_error"),
        ("Error in loadNamespace(x) : there is no package called 'zoo'", "dependency"),
        ("Error: org.example.fs.DiskErrorException: no usable local directory", "disk_full"),
        ("import failed: row 88 has 9 fields, but the header has 8 fields", "data_quality"),
        ("ls: no matches found: /in/*.xml", "missing_file"),
        ("CommandException: No URLs matched: s3://bucket/in/*.gz", "missing_file"),
        ("dial tcp: lookup store9.example.test: no such host", "network"),
        ("GET https://api.shop.test/v1/admin -> 403 Forbidden", "permission"),
        ('Error from server (Forbidden): jobs is forbidden: User "sa" cannot list resource "jobs"', "permission"),
        ("* invalid role or secret id", "auth"),
    ],
)
def test_more_general_evidence(line: str, category: str) -> None:
    assert _top(line) == category


def test_command_line_user_flags_name_the_login_user() -> None:
    found = extract_entities(["smbclient //fs9.example.test/in -U CORP/svc_in -c 'ls'", "mysql -u rep_ro -p shop"])
    assert found["users"] == ["CORP/svc_in", "rep_ro"]


def test_node_prints_its_innermost_frame_first() -> None:
    lines = ["    at load (/opt/app/lib/load.js:12:5)", "    at main (/opt/app/bin/run.js:3:1)"]
    assert code_location(lines) == "/opt/app/lib/load.js:12"


@pytest.mark.parametrize(
    ("line", "category"),
    [
        ("Error: getaddrinfo EAI_AGAIN api.shop.test", "network"),
        ("Error: connect ETIMEDOUT 10.2.3.4:443", "network"),
        ("scp: lost connection", "network"),
        ("Error: socket hang up", "network"),
        ("Get https://x.shop.test/: net/http: TLS handshake timeout", "network"),
        ("ERROR:  canceling statement due to lock timeout", "db_error"),
    ],
)
def test_network_idioms_of_runtimes_and_lock_timeouts(line: str, category: str) -> None:
    assert _top(line) == category


@pytest.mark.parametrize(
    ("line", "category"),
    [
        ("ERROR:  must be owner of table staff_x", "permission"),
        ("SQL compilation error: Object 'DB.S.T' does not exist or not authorized.", "db_error"),
        ("sqlite3.OperationalError: database is locked", "db_error"),
        ("ValueError: '31/02' does not match format '%d/%m'", "data_quality"),
        ("Execution of /opt/x.pl aborted due to compilation errors.", "script_error"),
        ("PHP Fatal error:  Uncaught Error: Call to a member function go() on null", "script_error"),
        ('FATAL:  role "rep_x" does not exist', "auth"),
        ("390100 (08004): Incorrect username or password was specified.", "auth"),
    ],
)
def test_ownership_missing_objects_locks_formats_compilation_and_unknown_logins(line: str, category: str) -> None:
    assert _top(line) == category


@pytest.mark.parametrize(
    ("line", "category"),
    [
        ("step 3 failed: the remote peer closed the socket", "network"),
        ("cannot continue: the heap is exhausted", "oom"),
        ("import aborted: encoding of record 12 unexpected", "data_quality"),
    ],
)
def test_a_failing_line_nothing_else_classifies_gets_its_vocabulary_family(line: str, category: str) -> None:
    found = classify_line(line)
    assert [e.category for e in found] == [category] and found[0].strength == 1


def test_vocabulary_needs_a_failing_line_and_a_clear_majority() -> None:
    assert classify_line("copied the file to the remote host") == []  # nothing failed
    assert classify_line("error: file on host") == []  # one word of each family: a tie


@pytest.mark.parametrize(
    ("line", "kind", "value"),
    [
        ('SQL0204N  "HR.STG_STAFF" is an undefined name.  SQLSTATE=42704', "tables", "HR.STG_STAFF"),
        ("Cannot insert duplicate key in object 'dbo.Staff'.", "tables", "dbo.Staff"),
        ("refresh failed: invalid_grant for client hr-sync", "users", "hr-sync"),
        ("Input resource must exist: class path resource [in/staff.csv]", "paths", "in/staff.csv"),
        ("ERROR: No matching distribution found for polars==9.9", "modules", "polars"),
    ],
)
def test_quoted_objects_clients_bracketed_resources_and_packages_are_named(line: str, kind: str, value: str) -> None:
    assert extract_entities([line])[kind] == [value]


@pytest.mark.parametrize(
    ("line", "category"),
    [
        ("worker 7 is running beyond its memory allowance of 2 GB", "oom"),
        ("stage 3: 7.9 GB of 8 GB memory used, killing the worker", "oom"),
        ("batch is not permitted to write to /srv/out/report.txt", "permission"),
        ("launcher: cannot execute /opt/tools/bin/convert", "dependency"),
        ("watcher: /in/flags/ready.ok never arrived, giving up", "dependency"),
    ],
)
def test_memory_beyond_its_limit_rights_refused_programs_that_cannot_start_and_inputs_that_never_came(
    line: str, category: str
) -> None:
    assert _top(line) == category


def test_prose_after_user_is_not_a_user_and_a_domain_user_is_whole() -> None:
    assert "users" not in extract_entities(["Logon failure: the user has not been granted that right"])
    found = extract_entities(['net use Z: \\\\files01\\drop /user:ACME\\batchsvc "secret"'])
    assert found["users"] == ["ACME\\batchsvc"]


def test_windows_command_switches_are_not_paths_and_embedded_databases_are_databases() -> None:
    found = extract_entities(['runas /noprofile /user:ACME\\rep "C:\\apps\\rep.exe /nightly"'])
    assert found["paths"] == ["C:\\apps\\rep.exe"]
    assert "/etc" in extract_entities(["mkdir: cannot create directory /etc: Permission denied"])["paths"]
    found = extract_entities(["queue /srv/jobs/state.sqlite3 is locked"])
    assert found["databases"] == ["/srv/jobs/state.sqlite3"]


def test_a_library_version_that_is_not_found_is_named_with_the_library() -> None:
    line = "/opt/x/bin/fit: /usr/lib64/libstdc++.so.6: version `GLIBCXX_3.4.30' not found (required by /opt/x/bin/fit)"
    assert extract_entities([line])["libraries"][0] == "libstdc++.so.6 version GLIBCXX_3.4.30"


@pytest.mark.parametrize(
    ("line", "category"),
    [
        ("JOB12 STEP4 - ABEND=SB37 U0000 REASON=00000004", "disk_full"),
        ("SYSTEM COMPLETION CODE=806  REASON CODE=00000004", "dependency"),
        ("gpg: signing failed: No secret key", "auth"),
        ("*** Failure 9999 Duplicate row unique key in STG.X.", "db_error"),
        ("550 Data set PROD.ORDERS.IN not found", "missing_file"),
        ("Record 12 :Value 'A#' of characteristic ZCOLOR contains invalid characters", "data_quality"),
        ("reader: failed to deserialize record 17 of topic events-in", "data_quality"),
        ("start: parse /etc/app/app.toml: line 3: expected '=' after key", "script_error"),
        ("Cannot insert the value NULL into column 'Id', table 'dbo.T'; column does not allow nulls.", "data_quality"),
    ],
)
def test_abend_codes_missing_keys_duplicates_data_sets_invalid_characters_serialisation_configs_and_nulls(
    line: str, category: str
) -> None:
    assert _top(line) == category


def test_a_type_name_word_that_repeats_its_package_names_the_framework_not_the_failure() -> None:
    assert type_category("ConnectException", "org.apache.kafka.connect.errors.") is None
    assert type_category("ConnectException", "java.net.") == "network"
    found = classify_line("org.example.connect.errors.ConnectException: Tolerance exceeded in error handler")
    assert not any(evidence.source.startswith("type ") for evidence in found)


@pytest.mark.parametrize(
    ("line", "kind", "value"),
    [
        ("Not authorized to access topics: [orders.paid]", "resources", "orders.paid"),
        ("index [audit-2026.01] blocked by: [FORBIDDEN/8/index write (api)]", "resources", "audit-2026.01"),
        ("no such bucket 'acme-in-prod'", "resources", "acme-in-prod"),
        ("gpg: encrypted with rsa3072 key, ID 0011AABBCCDDEEFF, created 2024-02-01", "keys", "0011AABBCCDDEEFF"),
    ],
)
def test_service_objects_after_their_kind_and_key_ids_are_named(line: str, kind: str, value: str) -> None:
    assert extract_entities([line])[kind] == [value]


def test_a_bare_word_after_a_resource_kind_is_not_a_resource_and_a_config_file_line_is_a_location() -> None:
    assert "resources" not in extract_entities(["the index has a read-only block"])
    assert code_location(['  on network.tf line 8, in resource "x" "y":']) == "network.tf:8"


@pytest.mark.parametrize(
    ("line", "category"),
    [
        # "could not resolve" is a name lookup only when a host follows it
        ("fetch: could not resolve host: files.shop.test", "network"),
        ("sync: unable to resolve 'repo.shop.test': no address", "network"),
        ("QueryError: could not resolve column reference 'amt_x' in view sales", "db_error"),
        ("build: Could not resolve dependencies for module shop-core: artifact shop-util:1.2 missing", "dependency"),
        ("installer: failed to download artifact shop-util-1.2.jar from the mirror", "dependency"),
        # a peer that stopped answering is the link, a limit the message names stays a time limit
        ("Timeout: remote host gw2.shop.test is not responding", "network"),
        ("Query cancelled: the timeout expired while the server is not responding", "timeout"),
        # a missing right on a resource is permission, an invalid authorization specification auth
        ("Error: principal 'svc-x' does not have authorization to run 'stores/read' on scope '/a/b/c'", "permission"),
        ("ERROR: (AuthorizationFailed) caller lacks the required permission on vault kv-9", "permission"),
        ("java.sql.SQLInvalidAuthorizationSpecException: bad login for etl_x", "auth"),
        ("org.shop.TopicAuthorizationException: not allowed on orders_x", "permission"),
        # disk words on a structured line
        ('{"status":429,"reason":"write blocked: disk usage exceeded the high limit on node n3"}', "disk_full"),
        ("upload refused: 507 Insufficient Storage from https://dav.shop.test/in", "disk_full"),
        ("copy aborted: insufficient disk space on target share", "disk_full"),
        # a truncated or corrupt input is bad data, a shell script's own end of file is not
        ("unzip: /in/feed_x.csv.gz: unexpected end of file", "data_quality"),
        ("extract: archive /in/bundle.tar appears truncated", "data_quality"),
        ("reader.BadZipFile: File is not a zip file", "data_quality"),
        ("/opt/x/run.sh: line 40: syntax error: unexpected end of file", "script_error"),
        # the server's access rules have no line for the client; the peer cannot be verified
        ('FATAL:  no access entry for host "10.9.8.7", user "rep_x"', "auth"),
        ("fetch failed: SSL certificate problem: certificate has expired", "auth"),
        ("Host key verification failed.", "auth"),
        # a database that does not exist; an SQL syntax error type is the database's
        ('connection failed: FATAL:  database "dwh_x" does not exist', "db_error"),
        ("java.sql.SQLSyntaxErrorException: unexpected keyword near 'FORM'", "db_error"),
        # codes: HTTP 5xx, errno names and numbers, Windows, Oracle, SQL Server, MySQL
        ("POST https://api.shop.test/v1/orders -> 500 Internal Server Error", "network"),
        ("OSError: [Errno 110] Connection timed out", "network"),
        ("Error: ESOCKETTIMEDOUT while reading the feed", "timeout"),
        ("System error 1314 has occurred.", "permission"),
        ("System error 1907 has occurred.", "auth"),
        ("ORA-12560: TNS:protocol adapter error", "network"),
        ("ORA-01950: no privileges on tablespace 'USERS'", "permission"),
        ("ORA-29283: invalid file operation", "missing_file"),
        ("Msg 916, Level 14, State 1, Line 1", "permission"),
        ("ERROR 1049 (42000): Unknown database 'shop_x'", "db_error"),
    ],
)
def test_rules_10_lexicon_and_codes(line: str, category: str) -> None:
    assert _top(line) == category


def test_vague_http_codes_leave_room_for_the_words_of_the_message() -> None:
    assert [(e.category, e.strength) for e in classify_line("GET https://x.shop.test/a returned 500")] == [
        ("network", 2)
    ]
    assert _top("PUT https://x.shop.test/a -> 429 Too Many Requests: memory limit exceeded on the node") == "oom"


@pytest.mark.parametrize(
    ("line", "category"),
    [
        # the phase of a timeout: a connect or login that timed out is the link, a read that timed out a limit
        ("Caused by: shop.net.SocketTimeoutException: connect timed out", "network"),
        ("shop.db.ConnectionTimeout: caused by ReadTimeoutError(pool(host='db9'), port=1): Read timed out.", "timeout"),
        ("odbc: Error: Shop Driver 9 : Login timeout expired.", "network"),
        ("ERROR: step failed: execution took longer than 2h0m0s", "timeout"),
        # a service that throttles, an object store's missing bucket or key
        ("An error occurred (Throttled) when calling the PutRecords operation: Rate exceeded", "network"),
        ("An error occurred (NoSuchBucket) when calling the ListObjects operation: bucket missing", "missing_file"),
        ("GetObject failed: The specified key does not exist.", "missing_file"),
        ("fatal error: An error occurred (404) when calling the HeadObject operation: Not Found", "missing_file"),
        # archives that end early, crashes, a class built for another runtime or another jar version
        ("tar: Unexpected EOF in archive", "data_quality"),
        ("bunzip2: Compressed file ends unexpectedly;", "data_quality"),
        ("watchdog: the monitored command dumped core", "script_error"),
        ("java.lang.UnsupportedClassVersionError: shop/Main has been compiled by a more recent version", "dependency"),
        ("Exception in thread \"main\" java.lang.NoSuchMethodError: 'void shop.Util.go()'", "dependency"),
        ('runc: exec: "feed.sh": executable file not found in $PATH', "dependency"),
        # a child's exit status that names a signal or the shell's own codes
        ("Error: Process completed with exit code 137.", "oom"),
        ("worker exited with status 139", "script_error"),
    ],
)
def test_timeout_phases_throttling_object_stores_archives_crashes_and_exit_statuses(line: str, category: str) -> None:
    assert _top(line) == category


def test_words_that_shadow_a_family_drop_its_type_name_evidence_but_not_a_settled_code() -> None:
    reading = read_line("Caused by: shop.net.SocketTimeoutException: connect timed out")
    assert reading.shadowed == {"timeout"} and [e.category for e in reading.evidence] == ["network"]
    assert {e.category for e in read_line("ORA-01013: connection timed out at user request").evidence} >= {"timeout"}


@pytest.mark.parametrize(
    ("line", "category"),
    [
        (
            'psql: error: connection to server on socket "/run/pg/.s.PGSQL.5433" failed: No such file or directory',
            "network",
        ),
        ("consumer.errors.NoBrokersAvailable: NoBrokersAvailable", "network"),
        ('java.io.IOException: Cannot run program "feedtool": error=2, No such file or directory', "dependency"),
        ("EXP-00099: export client is incompatible with server version 9.1", "dependency"),
        (
            "ERROR 1290 (HY000): The server is running with the --read-only option so it cannot execute this statement",
            "permission",
        ),
        ("load failed: Provided Schema does not match Table shop.orders_x", "data_quality"),
        ("producer.RecordTooLargeException: The message is 3000000 bytes, larger than the limit", "data_quality"),
        ("shop.exceptions.NotFound: 404 Not found: Table shop:ds.orders_x was not found", "db_error"),
        ("GET https://cdn.shop.test/feeds/x.xml -> 404 Not Found", "missing_file"),
    ],
)
def test_sockets_brokers_programs_versions_read_only_servers_schemas_sizes_and_what_a_404_misses(
    line: str, category: str
) -> None:
    assert _top(line) == category


def test_a_busy_device_is_not_a_database_lock() -> None:
    assert "db_error" not in {
        e.category for e in classify_line("OSError: [Errno 16] Device or resource busy: '/mnt/x'")
    }


@pytest.mark.parametrize(
    ("line", "category"),
    [
        ("Invoke-Thing : The remote server returned an error: (404) Not Found.", "missing_file"),
        (
            "Shop.Loader.FileNotFoundException: Could not load file or assembly 'Shop.Json, Version=9.0.0.0'",
            "dependency",
        ),
        ("tls: x509: certificate signed by unknown authority", "auth"),
        ("parse: SyntaxError: Unexpected token } in JSON at position 88", "data_quality"),
        ("Container killed on request. Exit code is 137", "oom"),
        ('fatal: [web9]: FAILED! => {"msg": "Destination /srv/conf not writable"}', "permission"),
    ],
)
def test_windows_http_errors_assemblies_certificates_parsers_exit_codes_and_unwritable_targets(
    line: str, category: str
) -> None:
    assert _top(line) == category


@pytest.mark.parametrize(
    ("line", "category"),
    [
        ('ERROR:  date/time field value out of range: "2026-14-02"', "data_quality"),
        ("IndexError: list index out of range", "script_error"),
        ("Msg 4864, Level 16, State 1, Line 1 Bulk load data conversion error for row 2, column 3", "data_quality"),
        ("ERROR:  extra data after last expected column", "data_quality"),
        ("ERROR: file /in/feed_x.csv is empty", "data_quality"),
        ("pandas.errors.EmptyDataError: No columns to parse from file", "data_quality"),
        ("loader: Physical record in data file (/in/x.dat) is longer than the maximum(65536)", "data_quality"),
        ("check: duplicate rows found in staging table stg_x", "data_quality"),
        ("org.shop.io.ParquetDecodingException: Can not read value at 0 in block -1", "data_quality"),
    ],
)
def test_values_out_of_range_conversions_empty_inputs_oversized_and_duplicate_rows_are_bad_data(
    line: str, category: str
) -> None:
    assert _top(line) == category


@pytest.mark.parametrize(
    ("line", "category"),
    [
        ('Network error: Connection to "sftp.partner-x.test" timed out.', "network"),
        ("ls: cannot access '/mnt/nas9/in': Stale file handle", "network"),
        ("mount: /mnt/feed_x: mount point does not exist.", "missing_file"),
        ("launcher: the script /opt/x/run_x.sh is not executable", "permission"),
        ("sudo: a password is required", "auth"),
    ],
)
def test_host_names_in_a_timed_out_connection_stale_handles_mount_points_modes_and_required_passwords(
    line: str, category: str
) -> None:
    assert _top(line) == category


@pytest.mark.parametrize(
    ("line", "category"),
    [
        ("Query exceeded per-node memory limit of 2GB", "oom"),
        ("job exceeded its limit of 02:00:00 wall clock", "timeout"),
        ("The pod was evicted: The node was low on resource: memory.", "oom"),
        ('ERROR:  could not resize shared memory segment "/PG.77" to 1048576 bytes: No space left on device', "oom"),
        ("Timeout waiting for lock on table orders_x", "db_error"),
        ("step killed by signal 15 after timeout of 7200 s", "timeout"),
        ("Job was cancelled by the scheduler after 3600 seconds", "timeout"),
    ],
)
def test_memory_limits_in_bytes_are_memory_time_limits_time_and_a_lock_wait_is_contention(
    line: str, category: str
) -> None:
    assert _top(line) == category


@pytest.mark.parametrize(
    "line",
    [
        "Number of rows discarded    = 0",
        "stage 2 done (records in 120034, rejected 0)",
        "summary: errors: 0, warnings: 3",
        "tests: 0 failed, 41 passed",
        "copied 12 files, 0 files were rejected",
    ],
)
def test_a_counter_that_reports_zero_failures_is_no_evidence(line: str) -> None:
    assert without_zero_counts(line) != line
    assert classify_line(without_zero_counts(line)) == []


@pytest.mark.parametrize(
    "line",
    ["loaded 800 rows, rejected 10", "2031/04/05 07:08:00 ERROR 5 (0x00000005) Accessing x", "error 0x80070005"],
)
def test_a_non_zero_counter_a_time_of_day_and_a_hex_code_are_kept(line: str) -> None:
    assert without_zero_counts(line) == line


@pytest.mark.parametrize(
    ("line", "category"),
    [
        ("ERROR: LoadError: ArgumentError: Package Plotz not found in current path.", "dependency"),
        ("Error: reading manifest 2.1.0 in registry.corp.test/apps/mover: manifest unknown", "dependency"),
        ("ERROR: No matching distribution found for shopkit==9.1", "dependency"),
        ("E: Unable to locate package libshop-dev", "dependency"),
        ("Error in library(shoptools) : there is no package called 'shoptools'", "dependency"),
        ("Error response from daemon: manifest for corp/mover:7.2 not found: manifest unknown", "dependency"),
        ("ldap_bind: Can't contact LDAP server (-1)", "network"),
        ("smbclient: could not contact the file server fs9.corp.test", "network"),
        ('/opt/x/roll.sh: line 9: 09: value too great for base (error token is "09")', "script_error"),
        ("/opt/x/roll.sh: line 12: 3 + : arithmetic syntax error: operand expected", "script_error"),
        ("/opt/x/roll.sh: line 4: ${out: bad substitution", "script_error"),
        ("/opt/x/roll.sh: line 7: $target: ambiguous redirect", "script_error"),
        ("Macro error: we couldn't find /srv/share/rates_0101.xlsx. Was it renamed?", "missing_file"),
        ("Word cannot find C:\\docs\\letter.docx", "missing_file"),
        ("Scheduled 4 tasks: 2 were left pending because of missing external dependencies", "dependency"),
        ("task load_x is an upstream data dependency that is not ready", "dependency"),
    ],
)
def test_packages_images_contacts_shell_arithmetic_and_paths_not_found(line: str, category: str) -> None:
    assert _top(line) == category


@pytest.mark.parametrize(
    ("line", "category"),
    [
        ("cp: '/in/a.csv' kann nicht geöffnet werden: Keine Berechtigung", "permission"),
        ("Zugriff verweigert", "permission"),
        ("cat: /in/a.csv: Permission non accordée", "permission"),
        ("Acceso denegado.", "permission"),
        ("ls: Zugriff auf '/in/x' nicht möglich: Datei oder Verzeichnis nicht gefunden", "missing_file"),
        ("Das System kann die angegebene Datei nicht finden.", "missing_file"),
        ("cat: /in/a.csv: Aucun fichier ou dossier de ce type", "missing_file"),
        ("Le fichier spécifié est introuvable.", "missing_file"),
        ("cat: /in/a.csv: No existe el archivo o el directorio", "missing_file"),
        (
            "cp: Fehler beim Schreiben von '/out/a.csv': Auf dem Gerät ist kein Speicherplatz mehr verfügbar",
            "disk_full",
        ),
        ("écriture de /out/a.csv: Aucun espace disponible sur le périphérique", "disk_full"),
        ("escribiendo /out/a.csv: No queda espacio en el dispositivo", "disk_full"),
        ("ssh: connect to host h1 port 22: Verbindungsaufbau abgelehnt", "network"),
        ("ssh: connect to host h1 port 22: Connexion refusée", "network"),
        ("ssh: connect to host h1 port 22: Conexión rehusada", "network"),
        ("ssh: connect to host h1 port 22: Die Wartezeit für die Verbindung ist abgelaufen", "network"),
        ("Fehler: Zeitüberschreitung bei der Abfrage nach 600 Sekunden", "timeout"),
        ("Erreur : délai d'attente dépassé pour la requête", "timeout"),
        ("Error: se agotó el tiempo de espera de la operación", "timeout"),
        ("Anmeldung für Benutzer batch1 fehlgeschlagen", "auth"),
        ("Erreur : mot de passe incorrect pour l'utilisateur batch1", "auth"),
        ("java: Nicht genügend Arbeitsspeicher", "oom"),
        ("malloc: Impossible d'allouer de la mémoire", "oom"),
    ],
)
def test_localised_messages_of_common_tools_get_their_family(line: str, category: str) -> None:
    assert _top(line) == category


@pytest.mark.parametrize(
    ("line", "category"),
    [
        ("worker: failed to start container: exec format error", "dependency"),
        ("Warning  Failed  kubelet  Error: ErrImagePull", "dependency"),
        ('Back-off pulling image "corp/mover:7.2": ImagePullBackOff', "dependency"),
        ("An error occurred (SignatureDoesNotMatch) when calling the PutObject operation", "auth"),
        ("login: Account has been locked", "auth"),
        ("fatal: could not read Username for 'https://git.corp.test': terminal prompts disabled", "auth"),
        ("dial tcp 10.9.8.7:443: i/o timeout", "network"),
        ("sh: /usr/bin/find: Argument list too long", "script_error"),
        ("ERROR: (x.cp) HTTPError 403: svc@p.test cannot write there", "permission"),
        ("svc@p.test does not have storage.objects.create access to the object", "permission"),
    ],
)
def test_common_messages_without_a_family_word_images_signatures_accounts_dials_and_arguments(
    line: str, category: str
) -> None:
    assert _top(line) == category


@pytest.mark.parametrize(
    ("line", "category"),
    [
        ("J0000001  IEC030I D37-04,IFG0554A,NIGHTLY1,STEP2,SYSUT2,1A2B,VOL001,PROD.X.OUT.D310101", "disk_full"),
        ("ORA-19625: error identifying file /arch/1_77_999.dbf", "missing_file"),
        ("ORA-27037: unable to obtain file status", "missing_file"),
        ("ORA-19809: limit exceeded for recovery files", "disk_full"),
        ("jq: parse error: Invalid numeric literal at line 12, column 7", "data_quality"),
    ],
)
def test_zos_data_set_messages_oracle_file_codes_and_a_parse_error_at_a_position(line: str, category: str) -> None:
    assert _top(line) == category


def test_a_capitalised_state_name_is_not_a_time_limit_but_the_words_are() -> None:
    assert _top("run 7: TERMINATING (task t1: TIMEDOUT)") is None
    assert _top("Error: task t1 timed out after 600 seconds") == "timeout"
