"""What a failure happened to when its own line does not say (rules-18), on invented joblogs and lines:
the program that ran out of memory, the data file an invalid-data failure read, the port a host was reached at."""

from __future__ import annotations

import pytest

from tests.models.annotate.test_rules_engine import FOOTER, HEADER, RUN, _annotate
from twspulse.joblog.entities import extract_entities
from twspulse.models.annotate.excerpt import read_joblog
from twspulse.models.annotate.key_entities import host_port, input_above, program_above
from twspulse.models.annotate.rules_engine import RulesEngine


@pytest.mark.parametrize(
    ("line", "program"),
    [
        ("+ python3 /srv/qz/bin/fold_rows.py --day 2031-02-03", "/srv/qz/bin/fold_rows.py"),
        (
            "wrap: java -Xmx3g -XX:HeapDumpPath=/var/d -jar /srv/qz/lib/qz-fold-1.2.jar --all",
            "/srv/qz/lib/qz-fold-1.2.jar",
        ),
        ('wrap: java -Xmx9g -cp "/srv/qz/lib/*" org.qz.fold.FoldMain --day 3', "org.qz.fold.FoldMain"),
        ("+ spark-submit --jars /srv/a.jar,/srv/b.jar --py-files /srv/dep.py /srv/qz/job.py", "/srv/qz/job.py"),
        ('D:\\qz>"C:\\Py\\python.exe" D:\\qz\\fold.py --day 3', "D:\\qz\\fold.py"),
        ("$ /usr/bin/php8.3 /srv/qz/bin/fold.php --store=x", "/srv/qz/bin/fold.php"),
        ("+ duckdb -bail /srv/qz/qz.duckdb -f /srv/qz/sql/fold.sql", "/srv/qz/sql/fold.sql"),
        ("wrap.sh: line 9: 4411 Killed     python3 /srv/qz/fold.py --day 3", "/srv/qz/fold.py"),
        ("[qz] 2031-02-03T01:00:00Z script=/srv/qz/feeds/fold.js market=DE", "/srv/qz/feeds/fold.js"),
    ],
)
def test_the_program_a_command_line_starts(line: str, program: str) -> None:
    assert program_above(["INFO nothing started here", line, "INFO rows=10 rss=3.1 GB"]) == program


@pytest.mark.parametrize(
    "line",
    [
        "PHP Fatal error:  Allowed memory size exhausted in /srv/qz/vendor/Cells.php on line 4",  # a message
        "+ python3 -c 'import qz' | tee /srv/qz/fold.py",  # the program is inline; the file is tee's
        "+ java -cp /srv/qz/lib/qz.jar",  # a library path, no program
        '  File "/srv/qz/fold.py", line 3, in main',  # a frame
    ],
)
def test_what_is_not_a_started_program(line: str) -> None:
    assert program_above([line]) is None


def test_the_nearest_command_line_above_the_error_is_the_one_that_failed() -> None:
    lines = ["+ python3 /srv/qz/prepare.py", "INFO prepared", "+ python3 /srv/qz/fold.py", "MemoryError"]
    assert program_above(lines) == "/srv/qz/fold.py"


@pytest.mark.parametrize(
    ("lines", "data_file"),
    [
        (
            ["INFO reading /srv/in/rows_0203.csv (88 MB)", "INFO rows=12", "ValueError: bad row"],
            "/srv/in/rows_0203.csv",
        ),
        (["+ load --src s3://bkt/in/part-7.csv.gz", "row 4: invalid digit"], "s3://bkt/in/part-7.csv.gz"),
        (["INFO reading /srv/in/a.json", "INFO reading /srv/in/b.json", "bad token"], "/srv/in/b.json"),
        (["see /srv/log/fold.log for details", "bad token"], None),  # a log is not data the job read
        (["INFO version 4.1.2 started", "bad token"], None),
    ],
)
def test_the_data_file_a_failure_read(lines: list[str], data_file: str | None) -> None:
    assert input_above(lines) == data_file


@pytest.mark.parametrize(
    ("lines", "named"),
    [
        (["INFO target q7.corp.test:7007 (tls)", "connect to q7.corp.test refused"], "q7.corp.test:7007"),
        (["(DESCRIPTION=(ADDRESS=(PROTOCOL=TCP)(HOST=q7.corp.test)(PORT=1527)))", "no listener"], "q7.corp.test:1527"),
        (["INFO run at 02:00", "connect to q7.corp.test refused"], "q7.corp.test"),  # no port stated
        (["INFO q7.corp.test:99999", "connect to q7.corp.test refused"], "q7.corp.test"),  # not a port
        (["INFO q7.corp.test.old:7007", "connect to q7.corp.test refused"], "q7.corp.test"),  # another host
    ],
)
def test_a_host_is_named_with_the_port_the_job_reached_it_at(lines: list[str], named: str) -> None:
    assert host_port("q7.corp.test", lines) == named


def test_an_out_of_memory_cause_names_the_program_that_ran_out() -> None:
    body = (
        "qzwrap: start, host qz01\n"
        "qzwrap: python3 /srv/qz/bin/fold_rows.py --day 2031-02-03 --out /srv/qz/out\n"
        + "".join(f"INFO fold: chunk {i}/90 rows={i * 1000} rss={i / 10:.1f} GB\n" for i in range(1, 60))
        + "qzwrap.sh: line 12: 77 Killed     python3 /srv/qz/bin/fold_rows.py --day 2031-02-03\n"
        "Out of memory: Killed process 77 (python3) total-vm:9000000kB, anon-rss:8800000kB\n"
        "qzwrap: ended rc=137\n"
    )
    annotation = _annotate(body)
    assert annotation.category == "oom"
    assert "program /srv/qz/bin/fold_rows.py" in annotation.root_cause
    assert annotation.entities["programs"] == ["/srv/qz/bin/fold_rows.py"]


def test_an_invalid_data_cause_names_the_file_that_was_read() -> None:
    body = (
        "qzload: file /srv/qz/in/rates_20310203.csv (4812 rows, header included)\n"
        "qzload: psql -v ON_ERROR_STOP=1 -f /srv/qz/sql/load_rates.sql\n"
        'psql:/srv/qz/sql/load_rates.sql:7: ERROR:  invalid input syntax for type numeric: "12,5"\n'
        "qzload: 0 rows loaded, rc=3\n"
    )
    annotation = _annotate(body)
    assert annotation.category == "data_quality"
    assert annotation.root_cause.startswith("Invalid data in /srv/qz/in/rates_20310203.csv:")  # not the script


def test_a_refused_connection_names_host_and_port_and_other_families_keep_the_host() -> None:
    network = _annotate(
        "qzsend: target qzmq07.corp.test:7119, queue Q.IN\nqzsend: connect to qzmq07.corp.test: Connection refused\n"
    )
    assert network.category == "network"
    assert "qzmq07.corp.test:7119" in network.root_cause
    auth = _annotate("qzsend: target qzmq07.corp.test:7119\nqzsend: login to qzmq07.corp.test: authentication failed\n")
    assert auth.category == "auth" and "qzmq07.corp.test:7119" not in auth.root_cause


def test_sql_modifiers_are_not_the_name_of_the_object() -> None:
    found = extract_entities(
        ["REFRESH MATERIALIZED VIEW CONCURRENTLY rpt.mv_rates;", "DROP TABLE IF EXISTS stg.tmp_q;"]
    )
    assert found["tables"][:2] == ["rpt.mv_rates", "stg.tmp_q"]


def test_without_a_command_line_the_program_is_the_command_the_scheduler_ran() -> None:
    body = "qzagg 2.1 starting, workers=16\nfatal error: runtime: out of memory\n"
    header = HEADER.replace("/opt/batch/load_hr.sh", "/srv/qz/bin/qzagg -date 2031-02-03 -in /srv/qz/events")
    annotation = RulesEngine().annotate(RUN, read_joblog(header + body + FOOTER))
    assert annotation.category == "oom"
    assert "program /srv/qz/bin/qzagg" in annotation.root_cause
    bare = RulesEngine().annotate(RUN, read_joblog(body))  # no header, no command line: nothing to name
    assert bare.category == "oom" and "program" not in bare.root_cause


def test_a_missing_perl_module_is_named_as_installed_and_as_the_file_searched() -> None:
    annotation = _annotate("Can't locate Qz/Fold_XS.pm in @INC (@INC contains: /srv/qz/lib) at /srv/qz/f.pl line 3.\n")
    assert annotation.category == "dependency"
    assert "Qz::Fold_XS" in annotation.root_cause and "file Qz/Fold_XS.pm" in annotation.root_cause


def test_a_path_given_as_a_place_in_code_is_not_what_the_line_failed_on() -> None:
    line = "Can't open /srv/qz/in/rows_0203.edi: No such file or directory at /srv/qz/bin/split.pl line 12."
    annotation = _annotate(f"{line}\n")
    assert annotation.category == "missing_file"
    assert annotation.root_cause.startswith("Missing file: /srv/qz/in/rows_0203.edi")
    moved = _annotate("mv: cannot move '/srv/qz/a.csv' to '/srv/qz/out/a.csv': No such file or directory\n")
    assert "/srv/qz/out/a.csv" in moved.root_cause.split("(")[0]  # no place in code: the last path still wins


def test_a_zos_data_management_message_names_its_data_set_as_the_file() -> None:
    message = "J0077  IEC030I B37-04,IFG0554A,QZJOB01,STEP2,SYSUT2,0A45,VOL123,QZ.OUT.DAILY.D310203"
    assert extract_entities([message])["paths"] == ["QZ.OUT.DAILY.D310203"]
    assert "paths" not in extract_entities(["insert into STG.QZ_ROWS failed, see QZ.OUT.LOG"])  # no z/OS message
    body = (
        f"{message}\n   SYSTEM COMPLETION CODE=B37  REASON CODE=00000004\nJ0077  IEF450I QZJOB01 STEP2 - ABEND=SB37\n"
    )
    annotation = _annotate(body)
    assert annotation.category == "disk_full"
    assert annotation.error_line == message  # the line that names the data set, also with the line model
    assert "QZ.OUT.DAILY.D310203" in annotation.root_cause


@pytest.mark.parametrize(
    ("lines", "program"),
    [
        (["+ java -Xmx2g -Dlogging.config=/srv/qz/log.groovy -jar /srv/qz/fold.jar"], "/srv/qz/fold.jar"),
        (["+ sas -autoexec /srv/qz/auto.sas -sysin /srv/qz/fold.sas -log /srv/qz/fold.log"], "/srv/qz/fold.sas"),
        (["+ duckdb -init /srv/qz/init.sql /srv/qz/w.duckdb -f /srv/qz/fold.sql"], "/srv/qz/fold.sql"),
        (["+ flink run -p 8 /srv/qz/fold.jar"], "/srv/qz/fold.jar"),  # a subcommand
        (["+ python3 /srv/qz/fold.py", "INFO configuring python logging from /srv/qz/logsetup.py"], "/srv/qz/fold.py"),
        (["+ java -jar /srv/qz/fold.jar", "INFO wrapper: java heap raised by /srv/qz/setenv.sh"], "/srv/qz/fold.jar"),
    ],
)
def test_option_values_and_prose_are_not_the_program(lines: list[str], program: str) -> None:
    assert program_above(lines) == program


@pytest.mark.parametrize(
    "after",
    [
        "writing rejects to /srv/qz/rej/rows_rejects.csv",
        "INFO log file is /var/log/qz/run_0203.txt",
        "INFO schema loaded from /etc/qz/schema.json",
    ],
)
def test_a_file_written_logged_to_or_configuring_is_not_the_data_read(after: str) -> None:
    assert input_above(["INFO reading /srv/qz/in/rows_0203.csv", after, "ValueError: bad row"]) == (
        "/srv/qz/in/rows_0203.csv"
    )


def test_the_port_the_error_line_gives_wins_in_its_other_forms() -> None:
    lines = ["INFO health http://q7:8080/health OK", "Connection refused: q7/10.0.0.7:9443"]
    assert host_port("q7", lines) == "q7:9443"
    libpq = 'psql: error: connection to server at "q7.corp.test" (10.0.0.5), port 6432 failed: Connection refused'
    assert host_port("q7.corp.test", [libpq]) == "q7.corp.test:6432"
    assert host_port("10.0.0.5", [libpq]) == "10.0.0.5:6432"


def test_a_zos_message_id_in_prose_names_no_data_set() -> None:
    assert "paths" not in extract_entities(["ERROR see the manual QZ28.1234 for IEC030I: no room in A.B"])


def test_the_exception_a_python_program_raised_while_handling_another_is_its_failure() -> None:
    handled = "KeyError: 'spool_dir'"
    raised = "qzconf.NoSettingError: No setting 'spool_dir' in section: 'paths'"
    body = (
        "Traceback (most recent call last):\n"
        '  File "/srv/qz/qzconf.py", line 40, in get\n'
        "    value = self._data[section][key]\n"
        f"{handled}\n"
        "\n"
        "During handling of the above exception, another exception occurred:\n"
        "\n"
        "Traceback (most recent call last):\n"
        '  File "/srv/qz/fold.py", line 12, in <module>\n'
        "    spool = conf.get('paths', 'spool_dir')\n"
        f"{raised}\n"
    )
    annotation = _annotate(body)
    assert annotation.error_line == raised and annotation.category == "script_error"
    alone = _annotate(body.split("\nDuring handling")[0] + "\n")  # no other exception raised: the KeyError
    assert alone.error_line == handled


def test_an_exception_type_that_names_the_configuration_is_a_script_error() -> None:
    line = (
        r'[ERROR][qz.agent] Failed to execute action {:exception=>"Qz::ConfigurationError", '
        r':message=>"Expected one of [ \\t\\r\\n] at line 12"}'
    )
    annotation = _annotate(f"[INFO][qz.runner] starting pipeline main\n{line}\n[INFO][qz.runner] shutdown\n")
    assert annotation.category == "script_error" and annotation.error_line == line
    assert "paths" not in extract_entities([r"Expected one of [ \\t\\r\\n] at line 12"])  # escapes, no UNC path
    assert extract_entities([r"copy to \\fs01\out$\a.csv failed"])["paths"] == [r"\\fs01\out$\a.csv"]


def test_a_code_trailer_after_its_message_gives_way_to_the_message() -> None:
    message = "Invoke-Sqlcmd : The transaction log for database 'QzStage' is full due to 'ACTIVE_TRANSACTION'."
    body = (
        "INFO merging qz rows\n"
        f"{message}\n"
        " Msg 9002, Level 17, State 4, Procedure stg.usp_QzMerge, Line 12.\n"
        "At D:\\qz\\load.ps1:73 char:5\n"
    )
    annotation = _annotate(body)
    assert annotation.error_line == message and annotation.category == "db_error"


def test_does_not_exist_answering_a_drop_is_no_failure() -> None:
    failure = " *** Failure 2801 Duplicate unique prime key error in QZ_CORE.ROWS."
    body = (
        "DROP TABLE QZ_WRK.ROWS_DELTA;\n"
        " *** Failure 3807 Object 'QZ_WRK.ROWS_DELTA' does not exist.\n"
        "CREATE TABLE QZ_WRK.ROWS_DELTA AS (SELECT * FROM QZ_STG.ROWS) WITH DATA;\n"
        " *** Table has been created.\n"
        "INSERT INTO QZ_CORE.ROWS SELECT * FROM QZ_WRK.ROWS_DELTA;\n"
        f"{failure}\n"
    )
    assert _annotate(body).error_line == failure.strip()
    read = "SELECT * FROM QZ_WRK.ROWS_DELTA;\n *** Failure 3807 Object 'QZ_WRK.ROWS_DELTA' does not exist.\n"
    assert "3807" in (_annotate(read).error_line or "")  # a missing object the job reads is its failure


def test_a_message_read_more_strongly_than_its_code_keeps_its_own_family() -> None:
    message = 'Write on "F:\\qzbak\\Qz_FULL.bak" failed: 112(There is not enough space on the disk.)'
    body = f"Msg 3202, Level 16, State 1, Server QZSQL01, Line 1\n{message}\nMsg 3013, Level 16, State 1\n"
    annotation = _annotate(body)
    assert annotation.category == "disk_full" and annotation.error_line == message


def test_a_device_that_has_become_full_is_a_full_disk() -> None:
    line = 'SQL2419N  The target disk "/srv/qzbackup/QZDB" has become full.'
    assert _annotate(f"backup of QZDB started\n{line}\n").category == "disk_full"


def _chain(first: str, *raised: str) -> str:
    blocks = [f'Traceback (most recent call last):\n  File "/srv/qz/a.py", line 3, in f\n    g()\n{first}\n']
    for line in raised:
        blocks.append(
            "\nDuring handling of the above exception, another exception occurred:\n\n"
            f'Traceback (most recent call last):\n  File "/srv/qz/main.py", line 9, in <module>\n    f()\n{line}\n'
        )
    return "".join(blocks)


def test_a_handled_exception_keeps_its_reading_when_the_raised_one_says_something_else_or_exits() -> None:
    refused = "psycopg2.OperationalError: could not connect to server: Connection refused"
    assert _annotate(_chain(refused, "RuntimeError: step 3 failed")).error_line == refused
    missing = "FileNotFoundError: [Errno 2] No such file or directory: '/srv/qz/prod.ini'"
    assert _annotate(_chain(missing, "KeyError: 'section'", "SystemExit: 3")).category == "missing_file"
    bad = "ValueError: invalid literal for int() with base 10: 'N/A'"
    assert _annotate(_chain(bad, "SystemExit: 2")).error_line == bad


def test_a_trailer_does_not_give_way_to_a_progress_line_and_a_drop_of_another_object_does_not_excuse() -> None:
    trailer = "Msg 2627, Level 14, State 1, Line 40."
    assert _annotate(f"Starting qz load\n{trailer}\n").error_line == trailer
    absent = "ORA-00942: table or view does not exist"
    body = (
        "SQL> DROP TABLE stg.qz_work;\nTable dropped.\nSQL> INSERT INTO dwh.qz SELECT * FROM src.qz_feed@QZLINK;\n"
        f"{absent}\nORA-02063: preceding line from QZLINK\n"
    )
    assert _annotate(body).error_line == absent
