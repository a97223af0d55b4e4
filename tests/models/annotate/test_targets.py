"""Where a full disk or a refused write was writing, and the stored routine a timed-out or refused statement
ran in (rules-19), on invented joblogs and lines; the localised and plain "not enough space" messages read."""

from __future__ import annotations

import pytest

from tests.models.annotate.test_rules_engine import _annotate
from twspulse.joblog.entities import extract_entities
from twspulse.models.annotate.key_entities import (
    job_above,
    program_above,
    routine_near,
    statement_table_above,
    target_above,
)


@pytest.mark.parametrize(
    ("line", "target"),
    [
        ("+ cp /srv/qz/out/a.csv /mnt/qzarch/2031/", "/mnt/qzarch/2031/"),
        ("D:\\qz>robocopy D:\\qz\\out \\\\qzfs\\drop$\\31 *.pdf /R:2 /W:5 /NP", "\\\\qzfs\\drop$\\31"),
        ("E:\\qz>move /Y E:\\qz\\out\\*.pdf \\\\qzfs\\arch$\\31\\", "\\\\qzfs\\arch$\\31\\"),
        ("qzpush: gsutil -m cp /srv/qz/out/*.gz gs://qz-bucket/in/31/", "gs://qz-bucket/in/31/"),
        ("PS> Copy-Item -Path D:\\qz\\a.csv -Destination Q:\\drop\\a.csv -Force", "Q:\\drop\\a.csv"),
        ("qzarch: gzip -c /srv/qz/log/a.log > /qzarch/2031/a.log.gz ... ok", "/qzarch/2031/a.log.gz"),
        ("qzdump: dumper --output=/qzbkp/db/full.dmp --level 6", "/qzbkp/db/full.dmp"),
        ("INFO  Destination : \\\\qzfs\\Docs$\\2031\\02", "\\\\qzfs\\Docs$\\2031\\02"),
        ("qzbak 2031-02-03T01:00 host=qz01 repo=/qzbkp/qz01", "/qzbkp/qz01"),
        ("[INFO] Ziel: G:\\Export\\qz_20310203.csv", "G:\\Export\\qz_20310203.csv"),
        ('D:\\qz>"C:\\Program Files\\7-Zip\\7z.exe" a -t7z -mx=5 "G:\\Arch\\qz.7z" "\\\\fs\\x\\*"', "G:\\Arch\\qz.7z"),
        ("+ tar -czf /qzarch/hr/qz_2031-02.tar.gz qz_2031-02", "/qzarch/hr/qz_2031-02.tar.gz"),
        ("+ zip -9 -q -r /qzarch/logs/qz.zip apps -i x", "/qzarch/logs/qz.zip"),
        ("Creating archive: G:\\Arch\\qz.7z", "G:\\Arch\\qz.7z"),
    ],
)
def test_where_a_job_writes(line: str, target: str) -> None:
    assert target_above(["INFO start", line, "INFO 41 files"]) == target


@pytest.mark.parametrize(
    "line",
    [
        'E:\\qz>"C:\\Program Files\\Zip\\zip.exe" a Q:\\qz.zip',  # a prompt's ">" is no redirection
        "+ psql -X -f /srv/qz/sql/load.sql qzdb",  # a script psql reads
        "+ qzbackup -f /tmp/qz_list.txt -L /var/log/qz.log",  # "-f" is read by some tools, written by others
        "INFO copying /srv/qz/out/a.csv",  # one path, no destination
        "+ cp a.csv b.csv",  # no path a disk could be found from
        "+ tar -xzf /srv/qz/in/a.tgz",  # tar reads an archive it extracts
        "zip I/O error: No space left on device",  # a message, not an archive
    ],
)
def test_what_is_not_where_a_job_writes(line: str) -> None:
    assert target_above([line]) is None


def test_the_nearest_destination_above_the_error_is_the_one_written() -> None:
    lines = ["INFO target /qzarch/old", "+ cp /srv/qz/a.csv /qzarch/new/", "gzip: stdout: write failed"]
    assert target_above(lines) == "/qzarch/new/"


@pytest.mark.parametrize(
    ("above", "below", "routine"),
    [
        (["+ qzsql -Q \"EXEC etl.usp_FoldRows @Day='20310203'\"", "fold: step 2/3"], [], "etl.usp_FoldRows"),
        (["qz: step 2: executing [dbo].[usp_Rebuild] @d=3"], [], "dbo.usp_Rebuild"),
        (["Msg 1205, Level 13, State 51, Server QZ01, Procedure usp_Load, Line 88"], [], "usp_Load"),
        (["Mens. 1205, Nivel 13, Estado 51, Procedimiento dbo.usp_Carga, Línea 9"], [], "dbo.usp_Carga"),
        (
            ["SQL> BEGIN qz.pkg_fold.run(DATE '2031-02-03'); END;"],
            ['ORA-06512: at "QZ.PKG_FOLD", line 2'],
            "QZ.PKG_FOLD",
        ),
        (["SQL> exec qz.pkg_fold.run;"], [], "qz.pkg_fold.run"),
    ],
)
def test_the_routine_a_statement_ran_in(above: list[str], below: list[str], routine: str) -> None:
    assert routine_near(above, below) == routine


@pytest.mark.parametrize(
    "above",
    [
        ["SQL> exec qz_ctl.log_step('FOLD');", "PL/SQL procedure successfully completed.", "SQL> INSERT INTO qz.t"],
        ["SQL> exec qz_ctl.log_step('FOLD');", "SQL> DELETE FROM qz.t WHERE d = 3;"],  # a later statement failed
        ["qz: calling the fold service"],  # no routine named
    ],
)
def test_a_call_that_completed_or_that_a_statement_followed_is_not_where_the_failure_was(above: list[str]) -> None:
    assert routine_near(above, []) is None


def test_a_full_disk_names_where_the_job_was_writing() -> None:
    body = (
        "qzarch: Quelle /srv/qz/log, Ziel /qzarch/2031-02\n"
        "qzarch: gzip -c /srv/qz/log/in_0202.log > /qzarch/2031-02/in_0202.log.gz ... ok\n"
        "qzarch: gzip -c /srv/qz/log/in_0203.log > /qzarch/2031-02/in_0203.log.gz\n"
        "gzip: stdout: No space left on device\n"
        "qzarch: ended rc=1\n"
    )
    annotation = _annotate(body)
    assert annotation.category == "disk_full"
    assert "writing to /qzarch/2031-02/in_0203.log.gz" in annotation.root_cause


def test_a_refused_upload_names_its_destination_but_a_refused_table_does_not() -> None:
    upload = (
        "+ gsutil -m cp /srv/qz/out/a.csv.gz gs://qz-landing/in/2031-02-03/\n"
        "AccessDeniedException: 403 qz@qz-prj.iam.gserviceaccount.com does not have storage.objects.create access\n"
    )
    annotation = _annotate(upload)
    assert annotation.category == "permission"
    assert "gs://qz-landing/in/2031-02-03/" in annotation.root_cause
    assert annotation.entities["targets"] == ["gs://qz-landing/in/2031-02-03/"]
    table = "+ qzexport -o /srv/qz/out/a.csv\nERROR:  permission denied for table qz_orders\n"
    annotation = _annotate(table)
    assert annotation.category == "permission"
    assert "qz_orders" in annotation.root_cause
    assert "writing to" not in annotation.root_cause


def test_a_timed_out_procedure_is_named() -> None:
    body = (
        "qz: step 2/2 executing etl.usp_FoldLedger @Day='2031-02-03'\n"
        "qz: still running after 30 min\n"
        "Unhandled exception. System.Data.SqlClient.SqlException (0x80131904): Execution Timeout Expired.\n"
    )
    annotation = _annotate(body)
    assert annotation.category == "timeout"
    assert "procedure etl.usp_FoldLedger" in annotation.root_cause


@pytest.mark.parametrize(
    "line",
    [
        "Insufficient free space to complete transaction (required: 6.1 GB, available: 1.0 GB).",
        "Insufficient disk space on current disk.",
        "Copy-Item : Il n’y a pas assez d’espace sur le disque.",
    ],
)
def test_plain_and_localised_not_enough_space_is_a_full_disk(line: str) -> None:
    annotation = _annotate(f"qz: copying 41 files to Q:\\drop\\31\n{line}\nqz: ended rc=1\n")
    assert annotation.category == "disk_full"
    assert annotation.error_line == line


@pytest.mark.parametrize(
    "line",
    [
        'Copy-Item : Der Zugriff auf den Pfad "\\\\qzfs\\hr$\\a.csv" wurde verweigert.',
        "Copy-Item : L'accès au chemin d'accès '\\\\qzfs\\hr$\\a.csv' est refusé.",
        "Copy-Item : O acesso ao caminho '\\\\qzfs\\hr$\\a.csv' foi negado.",
    ],
)
def test_dotnet_access_to_the_path_denied_in_other_languages_is_a_permission(line: str) -> None:
    annotation = _annotate(f"qz: copying 2 files\n{line}\nqz: ended rc=1\n")
    assert annotation.category == "permission"
    assert "\\\\qzfs\\hr$\\a.csv" in annotation.root_cause


@pytest.mark.parametrize(
    "line",
    [
        "'qzput' is not recognized as an internal or external command,",
        "'qzput' n'est pas reconnu en tant que commande interne",
        "'qzput' non è riconosciuto come comando interno o esterno,",
        '"qzput" no se reconoce como un comando interno o externo,',
        'Der Befehl "qzput" ist entweder falsch geschrieben oder',
    ],
)
def test_cmd_unrecognised_command_in_windows_languages_is_a_missing_command(line: str) -> None:
    annotation = _annotate(f"D:\\qz>qzput D:\\qz\\out\\a.csv C:\\qz\\keys\\k.ppk\n{line}\nD:\\qz>exit /b 9009\n")
    assert annotation.category == "dependency"
    assert annotation.error_line == line
    assert annotation.root_cause.startswith("Missing dependency qzput:")


@pytest.mark.parametrize(
    ("lines", "user"),
    [
        (
            "Sqlcmd: Fehler: Microsoft ODBC Driver 17 for SQL Server : Fehler bei der Anmeldung für den Benutzer "
            "'svc_qz'..",
            "svc_qz",
        ),
        (
            "D:\\qz>net use Q: \\\\qzfs\\drop$ /user:QZDOM\\svc_qz ****\nNeznámé uživatelské jméno nebo chybné heslo.",
            "QZDOM\\svc_qz",
        ),
        (
            "D:\\qz>net use Q: \\\\qzfs\\drop$ /user:QZDOM\\svc_qz ****\nAnvändarnamnet eller lösenordet är felaktigt.",
            "QZDOM\\svc_qz",
        ),
        ("Échec de l'ouverture de session de l'utilisateur 'svc_qz'.", "svc_qz"),
    ],
)
def test_logon_failures_in_windows_and_sql_server_languages_name_the_login(lines: str, user: str) -> None:
    annotation = _annotate(f"qz: connecting\n{lines}\nqz: ended rc=1\n")
    assert annotation.category == "auth"
    assert annotation.error_line == lines.splitlines()[-1]
    assert user in annotation.root_cause


@pytest.mark.parametrize(
    "line",
    [
        "Export-Csv : A parameter cannot be found that matches parameter name 'Delimitr'.",
        "Export-Csv : Impossibile trovare un parametro corrispondente al nome 'Delimitr'.",
        'Export-Csv : Es wurde kein Parameter gefunden, der dem Parameternamen "Delimitr" entspricht.',
    ],
)
def test_a_parameter_a_command_does_not_have_is_a_script_error(line: str) -> None:
    annotation = _annotate(f"PS D:\\qz> .\\Export.ps1\n{line}\n+ CategoryInfo : InvalidArgument: (:) [Export-Csv]\n")
    assert annotation.category == "script_error"
    assert annotation.error_line == line


@pytest.mark.parametrize(
    ("line", "category", "named"),
    [
        ("curl: (78) RETR response: 550", "missing_file", None),  # curl's remote file not found
        ("curl: (67) Access denied: 530", "auth", None),  # curl's login denied
        (
            "ERROR 9107 (HY000) at line 9: Write conflict, txnStartTS=4501",
            "db_error",
            None,
        ),  # a MySQL-protocol server's own
        ("   > Could not find com.qz.fin:qz-core:2.4.1.", "dependency", "com.qz.fin:qz-core:2.4.1"),
        (
            "System.IO.FileNotFoundException: No se puede cargar el archivo o ensamblado 'Qz.Data, Version=4.1.0.0' "
            "ni una de sus dependencias.",
            "dependency",
            "Missing dependency Qz.Data",
        ),
    ],
)
def test_codes_and_coordinates_other_tools_print(line: str, category: str, named: str | None) -> None:
    annotation = _annotate(f"qz: start\n{line}\nqz: ended rc=1\n")
    assert annotation.category == category
    assert annotation.error_line == line.strip()
    assert named is None or named in annotation.root_cause


@pytest.mark.parametrize(
    ("body", "category", "line"),
    [
        (
            "qz: kinit -kt /etc/qz/qz.keytab qz@QZ.TEST\n"
            "Error: FAILED: HiveAccessControlException Permission denied: user [qz] does not have [UPDATE] privilege\n",
            "permission",
            "Error: FAILED: HiveAccessControlException Permission denied: user [qz] does not have [UPDATE] privilege",
        ),  # a kinit command line is no Kerberos failure
        (
            "memory allocation of 34560000000 bytes failed\n"
            "qz.sh: line 47: 2911 Aborted                 (core dumped) systemd-run --scope -p MemoryMax=24G "
            "/srv/qz/bin/qzpack compact --day 3\n",
            "oom",
            "memory allocation of 34560000000 bytes failed",
        ),
        (
            "slurmstepd: error: *** JOB 4412 ON c21 CANCELLED AT 2031-02-03T04:00:14 DUE TO TIME LIMIT ***\n",
            "timeout",
            "slurmstepd: error: *** JOB 4412 ON c21 CANCELLED AT 2031-02-03T04:00:14 DUE TO TIME LIMIT ***",
        ),
        (
            "unzip:  cannot find or open /srv/qz/in/a.zip, /srv/qz/in/a.zip.zip or /srv/qz/in/a.zip.ZIP.\n",
            "missing_file",
            "unzip:  cannot find or open /srv/qz/in/a.zip, /srv/qz/in/a.zip.zip or /srv/qz/in/a.zip.ZIP.",
        ),
        (
            "qz: converting /srv/qz/in/a.txt\niconv: illegal input sequence at position 4821\n"
            "qz: /srv/qz/in/a.txt moved to /srv/qz/rejected\n",
            "data_quality",
            "iconv: illegal input sequence at position 4821",
        ),
        (
            "tree connect failed: NT_STATUS_ACCESS_DENIED\n",
            "permission",
            "tree connect failed: NT_STATUS_ACCESS_DENIED",
        ),
        ("session setup failed: NT_STATUS_LOGON_FAILURE\n", "auth", "session setup failed: NT_STATUS_LOGON_FAILURE"),
        ("163     Illegal character in numeric field\n", "data_quality", "163     Illegal character in numeric field"),
    ],
)
def test_round_16_readings(body: str, category: str, line: str) -> None:
    annotation = _annotate(f"qz: start\n{body}qz: ended rc=1\n")
    assert annotation.category == category
    assert annotation.error_line == line


def test_an_out_of_memory_names_the_program_bash_reports_it_lost_past_its_wrappers() -> None:
    annotation = _annotate(
        "qz: start\nmemory allocation of 34560000000 bytes failed\n"
        "qz.sh: line 47: 2911 Aborted                 (core dumped) systemd-run --scope -p MemoryMax=24G "
        "/srv/qz/bin/qzpack compact --day 3\nqz: ended rc=134\n"
    )
    assert "program /srv/qz/bin/qzpack" in annotation.root_cause


@pytest.mark.parametrize(
    ("body", "category", "line"),
    [
        (
            "qz: kinit -kt /etc/qz/qz.keytab qz@QZ.TEST\n"
            "kinit: Preauthentication failed while getting initial credentials\n"
            "qz: hdfs dfs -put /srv/qz/out/a.csv /lake/qz/\n"
            "put: Failed on local exception: java.io.IOException: org.apache.hadoop.security.AccessControlException: "
            'Client cannot authenticate via:[TOKEN, KERBEROS]; destination host is: "nn01.qz.test":8020;\n',
            "auth",
            "kinit: Preauthentication failed while getting initial credentials",
        ),  # the refusals that follow are kinit's consequences
        (
            "mount error(113): could not connect to 10.52.8.17Unable to find suitable address.\n"
            "qz: ping -c 2 10.52.8.17\nFrom 10.52.8.1 icmp_seq=1 Destination Host Unreachable\n",
            "network",
            "mount error(113): could not connect to 10.52.8.17Unable to find suitable address.",
        ),
        (
            "DSNT408I SQLCODE = -904, ERROR:  UNSUCCESSFUL EXECUTION CAUSED BY AN\n"
            "         UNAVAILABLE RESOURCE. REASON 00C90081\n"
            "DSNT418I SQLSTATE   = 57011 SQLSTATE RETURN CODE\n",
            "db_error",
            "DSNT408I SQLCODE = -904, ERROR:  UNSUCCESSFUL EXECUTION CAUSED BY AN",
        ),
        (
            "ERROR: Insufficient space in file WORK.'SASTMP-000000187'n.UTILITY.\n"
            "ERROR: File WORK.'SASTMP-000000187'n.UTILITY is damaged. I/O processing did not complete.\n",
            "disk_full",
            "ERROR: Insufficient space in file WORK.'SASTMP-000000187'n.UTILITY.",
        ),
    ],
)
def test_causes_before_their_consequences(body: str, category: str, line: str) -> None:
    annotation = _annotate(f"qz: start\n{body}qz: ended rc=1\n")
    assert annotation.category == category
    assert annotation.error_line == line


def test_a_network_failure_names_the_server_the_job_states_before_a_local_host_nearby() -> None:
    annotation = _annotate(
        "qz 2031-02-03 00:15:01 MQSERVER=QZ.SVRCONN/TCP/mq-qz01.corp.test(1414)\n"
        "qz: putting 12 messages\n"
        "MQCONNX ended with reason code 2538\n"
        "AMQERR01.LOG: Host(qz-app02.corp.test) Installation(Installation1)\n"
    )
    assert annotation.category == "network"
    assert annotation.root_cause.startswith("Cannot reach mq-qz01.corp.test:1414")


@pytest.mark.parametrize(
    ("above", "table"),
    [
        (["SQL> DELETE FROM qz.agg WHERE d = 3;", "INSERT /*+ APPEND */ INTO QZ.AGG.MONTHLY (A, B)"], "QZ.AGG.MONTHLY"),
        (["1> UPDATE [dbo].[QzFact] SET x = 1"], "dbo.QzFact"),
        (["qzdb=> CREATE INDEX qz_i ON qz.orders (d);"], "qz.orders"),
        (['REFRESH MATERIALIZED VIEW CONCURRENTLY "qz"."mv_sales";'], "qz.mv_sales"),
        (["qz: updating the monthly table"], None),  # prose names no statement
    ],
)
def test_the_table_of_the_last_statement_echoed(above: list[str], table: str | None) -> None:
    assert statement_table_above(above) == table


def test_a_timed_out_statement_names_its_table_when_no_routine_ran() -> None:
    annotation = _annotate(
        "qz: snowsql -f /srv/qz/monthly.sql\n"
        "INSERT INTO QZ.AGG.MONTHLY (A, B)\n"
        "SELECT a, b FROM QZ.RAW.DAILY;\n"
        "000630 (57014): 01c0: Statement reached its statement or warehouse timeout of 3,600 second(s) and was "
        "canceled.\n"
    )
    assert annotation.category == "timeout"
    assert annotation.root_cause.startswith("Time limit exceeded on QZ.AGG.MONTHLY:")  # the statement's table first


@pytest.mark.parametrize(
    ("body", "program"),
    [
        (
            "Traceback (most recent call last):\n"
            '  File "/srv/qz/bin/qz_var.py", line 212, in <module>\n    main()\n'
            '  File "/srv/qz/bin/qz_var.py", line 198, in main\n    m = np.zeros((n, n))\n'
            "numpy.core._exceptions._ArrayMemoryError: Unable to allocate 3.08 GiB for an array\n",
            "/srv/qz/bin/qz_var.py",
        ),
        (
            'D:\\qz>"D:\\Apps\\QzRecon\\QzRecon.exe" --date 3 --out E:\\qz\n'
            "Unhandled Exception: System.OutOfMemoryException: Exception of type "
            "'System.OutOfMemoryException' was thrown.\n",
            "D:\\Apps\\QzRecon\\QzRecon.exe",
        ),
        (
            "ERROR: LoadError: OutOfMemoryError()\nStacktrace:\n  [1] Array\n    @ ./boot.jl:459\n"
            "in expression starting at /srv/qz/julia/qz_sim.jl:52\n",
            "/srv/qz/julia/qz_sim.jl",
        ),
        (
            "qzpdf: 2031-02-03 03:00:01 php -d memory_limit=512M /srv/qz/bin/render.php --cycle 11\n"
            "PHP Fatal error:  Allowed memory size of 536870912 bytes exhausted (tried to allocate 20480 bytes) "
            "in /srv/qz/vendor/pdf/pdf.php on line 209\n",
            "/srv/qz/bin/render.php",
        ),
    ],
)
def test_an_out_of_memory_names_the_program_its_runtime_or_prompt_shows(body: str, program: str) -> None:
    annotation = _annotate(f"qz: start\n{body}qz: ended rc=1\n")
    assert annotation.category == "oom"
    assert annotation.entities["programs"] == [program]


@pytest.mark.parametrize(
    ("body", "category", "line"),
    [
        (
            "Meldung 9002, Ebene 17, Status 4, Server QZSQL01, Prozedur dbo.usp_Qz, Zeile 188\n"
            "Das Transaktionsprotokoll für die 'QzDb'-Datenbank ist aufgrund von 'LOG_BACKUP' voll.\n",
            "db_error",
            "Das Transaktionsprotokoll für die 'QzDb'-Datenbank ist aufgrund von 'LOG_BACKUP' voll.",
        ),
        (
            "psql:/srv/qz/sql/lot.sql:18: ERREUR:  blocage détecté\n",
            "db_error",
            "psql:/srv/qz/sql/lot.sql:18: ERREUR:  blocage détecté",
        ),
        (
            "Copy-Item : No se encuentra la ruta de acceso '\\\\qzfs\\in$\\a.xml' porque no existe.\n",
            "missing_file",
            "Copy-Item : No se encuentra la ruta de acceso '\\\\qzfs\\in$\\a.xml' porque no existe.",
        ),
    ],
)
def test_sql_server_and_powershell_in_other_languages(body: str, category: str, line: str) -> None:
    annotation = _annotate(f"qz: start\n{body}qz: ended rc=1\n")
    assert annotation.category == category
    assert annotation.error_line == line


@pytest.mark.parametrize(
    ("body", "category", "line", "named"),
    [
        (
            "qz: WARN classpath entry /srv/qz/lib/qzdb-jdbc-1.2.jar does not exist\n"
            "java.sql.SQLException: No suitable driver found for jdbc:qzdb://qzdb01.corp.test:5000/QZ\n",
            "dependency",
            "java.sql.SQLException: No suitable driver found for jdbc:qzdb://qzdb01.corp.test:5000/QZ",
            None,
        ),
        (
            "MSGID      TYPE                    SEV  DATE      TIME             FROM PGM     LIBRARY     INST\n"
            "                    Message . . . . :   Record 18433 in use by job 741233/QUSER/QZJOB.\n"
            "                    Cause . . . . . :   Record 18433 in member QZORDH file QZORDH in library\n",
            "db_error",
            "Message . . . . :   Record 18433 in use by job 741233/QUSER/QZJOB.",
            "QZORDH",  # the file in its library, not "PGM" of the column header
        ),
        ("r(909);\nop. sys. refuses to provide memory\n", "oom", "op. sys. refuses to provide memory", None),
    ],
)
def test_drivers_records_in_use_and_memory_refused(body: str, category: str, line: str, named: str | None) -> None:
    annotation = _annotate(f"qz: start\n{body}qz: ended rc=1\n")
    assert annotation.category == category
    assert annotation.error_line == line
    assert named is None or f"on {named}" in annotation.root_cause


def test_a_sql_modifier_before_a_placeholder_is_no_table() -> None:
    lines = ['    cur.execute(sql.SQL("REFRESH MATERIALIZED VIEW CONCURRENTLY {}").format(name))']
    assert "CONCURRENTLY" not in extract_entities(lines).get("tables", [])


@pytest.mark.parametrize(
    ("body", "category", "line"),
    [
        (
            "SQLState = 22018, NativeError = 0\n"
            "Error = [Microsoft][ODBC Driver 18 for SQL Server]Invalid character value for cast specification\n"
            "BCP copy in failed\n",
            "data_quality",
            "Error = [Microsoft][ODBC Driver 18 for SQL Server]Invalid character value for cast specification",
        ),  # bcp's code header gives way to its message
        (
            "Error: /undefinedfilename in (/srv/qz/pages/a07.pdf)\nLast OS error: No such file or directory\n",
            "missing_file",
            "Error: /undefinedfilename in (/srv/qz/pages/a07.pdf)",
        ),
    ],
)
def test_bcp_and_ghostscript(body: str, category: str, line: str) -> None:
    annotation = _annotate(f"qz: start\n{body}qz: ended rc=1\n")
    assert annotation.category == category
    assert annotation.error_line == line


@pytest.mark.parametrize(
    ("above", "job"),
    [
        (["qz 02:15:01 kubectl -n qz create job qz-weighting-w49 --from=cronjob/qz-tpl"], "qz-weighting-w49"),
        (["job.batch/qz-weighting-w49 created"], "qz-weighting-w49"),
        (["{taskinstance.py:2214} INFO - Executing <Task(PythonOperator): load_qz> on 2031-02-03"], "load_qz"),
        (["+ helm upgrade --install qz-scoring ./charts/qz --wait --timeout 15m0s"], "qz-scoring"),
        (
            [
                "00:34:59  131 of 164 START sql table model qz.fct_a ....... [RUN]",
                "00:35:10  140 of 164 START sql view model qz.rpt_b ....... [RUN]",
                "01:35:00    Database Error in model fct_a (models/qz/fct_a.sql)",
            ],
            "fct_a",
        ),  # the model that failed, not the last one started
        (["qz: waiting for the batch to finish"], None),
    ],
)
def test_the_job_a_time_limit_stopped(above: list[str], job: str | None) -> None:
    assert job_above(above) == job


# The round's review: invented inputs that the first version of these readings got wrong.
@pytest.mark.parametrize(
    ("body", "category", "absent"),
    [
        (  # a download refused: the job was reading, not writing
            "+ aws s3 cp s3://qz-landing/in/a.csv /srv/qz/in/a.csv\n"
            "fatal error: An error occurred (403) when calling the HeadObject operation: Forbidden\n",
            "permission",
            "writing to",
        ),
        (  # the line names the file; the job's own log is not where its data went
            "+ echo 'sorting' >> /var/log/qz/qz.log\n"
            "sort: write failed: /scratch/qz/sortAb1: No space left on device\n",
            "disk_full",
            "writing to",
        ),
        (  # a service connected to is not a place a file is written
            "INFO Connecting to https://feeds.qz.test/api\nOSError: [Errno 28] No space left on device\n",
            "disk_full",
            "writing to",
        ),
        (  # a script run is no stored routine
            "INFO Executing extract_qz.py against QZPROD\n"
            "requests.exceptions.ReadTimeout: HTTPSConnectionPool(host='x', port=443): Read timed out.\n",
            "timeout",
            "procedure",
        ),
        (
            "begin model.train epoch=1\n"
            "slurmstepd: error: *** JOB 1 ON c1 CANCELLED AT 2031-01-01T00:00:00 DUE TO TIME LIMIT ***\n",
            "timeout",
            "procedure",
        ),
        (
            "Update available for pandas 2.2.1\nERROR: operation timed out after 3600 seconds\n",
            "timeout",
            "statement on",
        ),
        (  # a job's own machine is not the peer that reset the connection
            "INFO agent start hostname=qz01.corp.test pid=4411\nINFO fetching https://feeds.qz.test/a.csv\n"
            "ERROR Connection reset by peer\n",
            "network",
            "qz01.corp.test",
        ),
    ],
)
def test_what_a_reading_must_not_name(body: str, category: str, absent: str) -> None:
    annotation = _annotate(f"qz: start\n{body}qz: ended rc=1\n")
    assert annotation.category == category
    assert absent not in annotation.root_cause


@pytest.mark.parametrize(
    "line",
    [
        "Das Transaktionsprotokoll der Datenbank 'QZ' wurde voll gesichert.",  # "fully backed up"
        "Vérification des verrous : aucun blocage détecté",  # "no deadlock detected"
    ],
)
def test_localised_words_in_harmless_lines_read_no_failure(line: str) -> None:
    annotation = _annotate(f"{line}\nqz: step LOAD ended with return code 12\n")
    assert annotation.category == "unknown"


@pytest.mark.parametrize(
    ("body", "program"),
    [
        (
            "std::bad_alloc\nqz.sh: line 3: 44 Aborted (core dumped) sudo -u qzsvc /srv/qz/bin/qzidx --all\n",
            "/srv/qz/bin/qzidx",
        ),
        (
            "memory allocation of 100 bytes failed\n"
            "qz.sh: line 3: 44 Aborted (core dumped) timeout -s KILL 2h /srv/qz/bin/qzidx\n",
            "/srv/qz/bin/qzidx",
        ),
        (
            "Traceback (most recent call last):\n"
            '  File "/srv/qz/run_model.py", line 3, in <module>\n    import features\n'
            '  File "/srv/qz/features.py", line 9, in <module>\n    TABLE = np.zeros((n, n))\n'
            "MemoryError: Unable to allocate 30.0 GiB for an array\n",
            "/srv/qz/run_model.py",
        ),  # the script that was run, not the module it imported
    ],
)
def test_the_program_past_wrapper_options_and_imports(body: str, program: str) -> None:
    annotation = _annotate(f"qz: start\n{body}qz: ended rc=1\n")
    assert annotation.category == "oom"
    assert annotation.entities["programs"] == [program]


@pytest.mark.parametrize(
    ("body", "line"),
    [
        (
            "+ beeline -u 'jdbc:hive2://hs2:10000/;principal=hive/_HOST@QZ' -f /srv/qz/q.hql\n"
            "Server not found in Kerberos database (7) - LOOKING_UP_SERVER\n",
            "Server not found in Kerberos database (7) - LOOKING_UP_SERVER",
        ),
        (
            "java.lang.IllegalArgumentException: Can't get Kerberos realm\n",
            "java.lang.IllegalArgumentException: Can't get Kerberos realm",
        ),
        (  # kinit recovered: the later refusal is a database password's, not kinit's consequence
            "kinit: Cannot contact any KDC for realm 'QZ' while getting initial credentials\nretrying kinit (2/3)\n"
            "ticket obtained for qz_loader@QZ\nconnecting to QZDB as qz_loader\n"
            "ORA-01017: invalid username/password; logon denied\n",
            "ORA-01017: invalid username/password; logon denied",
        ),
    ],
)
def test_kerberos_failures_and_a_kinit_that_recovered(body: str, line: str) -> None:
    annotation = _annotate(f"qz: start\n{body}qz: ended rc=1\n")
    assert annotation.category == "auth"
    assert annotation.error_line == line


def test_a_table_in_a_schema_named_temp_is_a_table() -> None:
    assert extract_entities(["dwh=> INSERT INTO temp.qz_stage SELECT * FROM qz.src;"])["tables"][0] == "temp.qz_stage"


def test_hostile_command_lines_cost_linear_time() -> None:
    import time

    for reader, unit in ((target_above, "/ + cp x "), (program_above, "03:00:01 python ")):
        start = time.process_time()
        reader([unit * (40_000 // len(unit))] * 5)
        assert time.process_time() - start < 1.0


@pytest.mark.parametrize(
    ("body", "category", "line"),
    [
        (  # the program meant to write x was killed: "cannot access x" is the consequence
            "[qz] 01:20:01 timeout --verbose 5400 qzshape -m bus -o /srv/qz/out/shaped /srv/qz/in/feed.zip\n"
            "timeout: sending signal TERM to command ‘qzshape’\n"
            "[qz] 02:50:01 ls /srv/qz/out/shaped\n"
            "ls: cannot access '/srv/qz/out/shaped': No such file or directory\n",
            "timeout",
            "timeout: sending signal TERM to command ‘qzshape’",
        ),
        (
            "qz: java -jar /srv/qz/lib/qz-validator.jar -i /srv/qz/in/feed.zip -o /srv/qz/out/validation\n"
            "java.lang.UnsupportedClassVersionError: org/qz/Main has been compiled by a more recent version of the "
            "Java Runtime (class file version 61.0)\n"
            "jq: error: Could not open /srv/qz/out/validation/report.json: No such file or directory\n",
            "dependency",
            "java.lang.UnsupportedClassVersionError: org/qz/Main has been compiled by a more recent version of the "
            "Java Runtime (class file version 61.0)",
        ),
        (
            "java.io.FileNotFoundException: /mnt/qz/in/a.csv (Brak dostępu)\n",
            "permission",
            "java.io.FileNotFoundException: /mnt/qz/in/a.csv (Brak dostępu)",
        ),
    ],
)
def test_a_missing_output_of_a_failed_command_is_its_consequence(body: str, category: str, line: str) -> None:
    annotation = _annotate(f"qz: start\n{body}qz: ended rc=1\n")
    assert annotation.category == category
    assert annotation.error_line == line


@pytest.mark.parametrize(
    ("body", "category", "named"),
    [
        (
            "        4 //QZIN     DD DSN=QZ.PROD.IN.&DAY,DISP=SHR\n"
            "          IEFC653I SUBSTITUTION JCL - DSN=QZ.PROD.IN.D310203,DISP=SHR\n"
            "IEF212I QZJOB01 STEP010 QZIN - DATA SET NOT FOUND\n",
            "missing_file",
            "QZ.PROD.IN.D310203",
        ),  # the DD's data set, symbols substituted
        (
            "mc: <ERROR> Failed to copy `/srv/qz/a.mp4`. Storage backend has reached its minimum free drive "
            "threshold. Please delete a few objects to proceed.\n",
            "disk_full",
            None,
        ),
        (
            "sox FAIL formats: can't open input file `/srv/qz/in/spot.wav': WAVE: RIFF header not found\n",
            "data_quality",
            "/srv/qz/in/spot.wav",
        ),
        (
            "Caused by: org.apache.camel.ResolveEndpointFailedException: Failed to resolve endpoint: "
            "ftps://qz.test:990/in?passiveModee=true due to: There are 1 parameters that couldn't be set on the "
            "endpoint. Unknown parameters=[{passiveModee=true}]\n",
            "script_error",
            None,
        ),
    ],
)
def test_data_sets_thresholds_headers_and_unknown_parameters(body: str, category: str, named: str | None) -> None:
    annotation = _annotate(f"qz: start\n{body}qz: ended rc=1\n")
    assert annotation.category == category
    assert named is None or named in annotation.root_cause


def test_an_echoed_statement_is_not_read_for_its_identifiers() -> None:
    annotation = _annotate(
        "IMPORT FROM CSV FILE '/srv/qz/in/hdr.csv' INTO \"QZ\".\"HDR\" WITH ERROR LOG '/srv/qz/in/hdr.err'\n"
        "* 258: insufficient privilege: Detailed info for this error can be found with guid '4E1B9C2D'\n"
        "CALL SYS.GET_INSUFFICIENT_PRIVILEGE_ERROR_DETAILS('4E1B9C2D', ?)\n"
    )
    assert annotation.category == "permission"
    assert annotation.error_line.startswith("* 258: insufficient privilege")
