"""rules-24 (round 21). Part 1: a table is named under the schema the job names it by, and a marker file a
predecessor was to leave is what an unmet dependency names; a failing line in any language that names a marker
file is such a dependency. Part 2: a wrapper script's program is the code file it is given to run; a parser's
mark under its message ('in "x.yaml", line 47, column 22') is where, not what; a value outside its range is
invalid data. Part 3: a Kubernetes event's "Warning" is its type, not a level; a field named invalid in Hungarian,
Czech, Norwegian and Danish, Turkish or Finnish is invalid data; a read that timed out names what the job's logger
says it queried. Part 4: a wait the job announced for a dependency gives way to its report that the dependency
failed; a line that only reports a tool's exit status ("ended with status 3") is a verdict, not a cause. Part 5:
jsonschema's failed instance names the field; when no rule reads a line, one that says it failed comes before one
the finder scored for a code-shaped name; a container's index is no resource. Part 6: that order keeps a line
that says it failed in other words ("Cannot bind argument") and the message a header introduces; a predecessor in
Russian, Polish, Czech, Swedish, Danish, Norwegian, Finnish and Hungarian is a predecessor. Part 7: kubectl wait's
timeout is the client's wait: the job controller's DeadlineExceeded event says the time limit, and names the job by the
pod it created; check digits or a checksum that are wrong are invalid data (English, Estonian)."""

from __future__ import annotations

import pytest

from tests.models.annotate.test_rules_engine import _annotate
from twspulse.joblog.entities import extract_entities
from twspulse.joblog.error_lines import code_alone
from twspulse.models.annotate import rules_engine
from twspulse.models.annotate.evidence import classify_line
from twspulse.models.annotate.key_entities import (
    invalid_field,
    job_above,
    marker_file,
    program_above,
    qualified_table,
    script_runs,
    statement_table_above,
)

RULES = rules_engine.RulesEngine(line_model=None)


@pytest.mark.parametrize(
    ("table", "lines", "expected"),
    [
        ("points_book", ["qz_post: target qzledger.points_book, db qzdb01/qzledger"], "qzledger.points_book"),
        ("points_book", ['STATEMENT:  INSERT INTO "qzledger"."points_book" VALUES ($1)'], "qzledger.points_book"),
        ("POINTS_BOOK", ["-- QZ_DW.FINANCE.POINTS_BOOK", "FINANCE.POINTS_BOOK: 12"], "QZ_DW.FINANCE.POINTS_BOOK"),
        ("POINTS_BOOK", ["INSERT INTO qz_dw.finance.points_book SELECT ..."], "qz_dw.finance.POINTS_BOOK"),
        ("points_book", ["INSERT INTO [qz].[points_book] SELECT ..."], "qz.points_book"),
    ],
)
def test_a_bare_table_takes_the_schema_the_job_names_it_under(table: str, lines: list[str], expected: str) -> None:
    assert qualified_table(table, lines) == expected


@pytest.mark.parametrize(
    "lines",
    [
        [],
        ["no qualified name here: points_book"],
        ["copy qzledger.points_book to stage.points_book"],  # two schemas: which one failed is not said
        ["reading /data/qz/export.points_book", "mail qz@qz.points_book"],  # a path, an address
        ["archived qzledger.points_book.csv"],  # a file named after the table
    ],
)
def test_a_table_stays_bare_when_the_job_names_no_single_schema(lines: list[str]) -> None:
    assert qualified_table("points_book", lines) is None


def test_a_refused_table_is_named_with_its_schema() -> None:
    annotation = _annotate(
        "qz_post: target qzledger.points_book\n"
        "psql:/opt/qz/sql/post.sql:41: ERROR:  permission denied for table points_book\n",
        engine=RULES,
    )
    assert annotation.category == "permission"
    assert "qzledger.points_book" in annotation.root_cause


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("LỖI - QZ_EXPORT_T08.ok không có sau 6 lần kiểm tra", "QZ_EXPORT_T08.ok"),
        ("BŁĄD - brak /data/qz/ok/QZ_20260902.done po 8 sprawdzeniach", "/data/qz/ok/QZ_20260902.done"),
        ("hdfs:///qz/events/dt=2026-04-07/_SUCCESS is missing", "hdfs:///qz/events/dt=2026-04-07/_SUCCESS"),
        (r"waiting for D:\qz\flags\qz_feed.ready", r"D:\qz\flags\qz_feed.ready"),
        ("if (!response.ok) throw new Error(status)", None),  # a property, not a file
        ("results.csv.done", None),  # no digit, "_" or directory: could be anything
    ],
)
def test_a_marker_file_is_found_by_its_extension(line: str, expected: str | None) -> None:
    assert marker_file(line) == expected


@pytest.mark.parametrize(
    "line",
    [
        "2026-09-02 01:20:00 qz_publish: BŁĄD - brak /data/qz/ok/QZ_20260902.done po 8 sprawdzeniach",
        "[2026-08-19 00:45:01] qz_calc: LỖI - QZ_EXPORT_T08.ok không có sau 6 lần kiểm tra",
        "2026-10-21 01:30:01 qz_plan: FEHLER - Steuerdatei /srv/qz/out/QZ_20261020.done fehlt nach 30 Minuten",
    ],
)
def test_a_failing_line_that_names_a_marker_file_is_an_unmet_dependency(line: str) -> None:
    assert classify_line(line)[0].category == "dependency"
    annotation = _annotate(f"qz: start\n{line}\nqz: exit 3\n", engine=RULES)
    assert annotation.category == "dependency"
    assert annotation.error_line == line
    assert marker_file(line) in annotation.root_cause


@pytest.mark.parametrize(
    "line",
    [
        "2026-07-21 23:30:01 qz_publish: check 1/6: QZ_S31_20260721.ok not yet present, errors=0",  # progress
        "2026-07-21 23:30:01 INFO qz_publish: wrote /data/qz/ok/QZ_20260721.done",  # a quiet line
    ],
)
def test_a_marker_file_on_a_line_that_reports_no_failure_is_no_dependency(line: str) -> None:
    assert all(evidence.category != "dependency" for evidence in classify_line(line))


def test_an_unmet_predecessor_names_the_marker_before_the_job() -> None:
    annotation = _annotate(
        "qz_publish: ERROR QZ_S31_20260721.ok not present after 6 checks (predecessor QZLX02#QZ_S31.QZ_VALUE)\n",
        engine=RULES,
    )
    assert annotation.category == "dependency"
    assert "QZ_S31_20260721.ok" in annotation.root_cause


def test_a_predecessor_in_the_german_genitive_is_a_predecessor() -> None:
    line = "FEHLER - Ausgabe des Vorgängers QZ_EXTRACT fehlt nach 30 Minuten"
    annotation = _annotate(f"qz: start\n{line}\n", engine=RULES)
    assert annotation.category == "dependency"
    assert annotation.error_line == line


@pytest.mark.parametrize(
    ("command", "program"),
    [
        ("/opt/qz/bin/run_node.sh stock_count.js 2031-02-03", "stock_count.js"),
        ("/opt/pdi/kitchen.sh -file=/opt/qz/jobs/fill_line.kjb -param:DAY=20310203", "/opt/qz/jobs/fill_line.kjb"),
    ],
)
def test_a_wrapper_script_runs_the_code_file_it_is_given(command: str, program: str) -> None:
    assert script_runs(command.split()) == program
    assert program_above([f"+ {command}"]) == program


def test_a_wrapper_script_given_no_code_file_or_another_script_is_the_program() -> None:
    assert script_runs("/opt/qz/bin/run_load.sh fill_line 20310203".split()) is None
    assert script_runs("D:\\qz\\run.cmd D:\\qz\\etl\\load.ps1 -Day 3".split()) is None
    assert program_above(["+ /opt/qz/bin/run_load.sh fill_line 20310203"]) is None


def test_the_program_a_killed_wrapper_ran_is_named() -> None:
    annotation = _annotate(
        "+ /opt/pdi/pan.sh -file=/opt/qz/ktr/stock_moves.ktr -level=Basic\n"
        "2031-02-03 03:58:21 qz: reading 4,400,000 rows\n"
        'Exception in thread "main" java.lang.OutOfMemoryError: Java heap space\n',
        engine=RULES,
    )
    assert annotation.category == "oom"
    assert "/opt/qz/ktr/stock_moves.ktr" in annotation.root_cause


def test_a_parsers_mark_gives_way_to_its_message_and_names_the_file() -> None:
    message = "yaml.scanner.ScannerError: mapping values are not allowed here"
    annotation = _annotate(
        "Traceback (most recent call last):\n"
        '  File "/opt/qz/lib/qz/config.py", line 22, in load\n'
        "    return yaml.safe_load(handle)\n"
        f"{message}\n"
        '  in "/etc/qz/plan.yaml", line 47, column 22\n'
        "qz: FEIL rc=1\n",
        engine=RULES,
    )
    assert annotation.category == "script_error"
    assert annotation.error_line == message
    assert "/etc/qz/plan.yaml:47" in annotation.root_cause


@pytest.mark.parametrize(
    "line",
    [
        "Error: 3 sample(s) with fat_pct outside 2.0-9.0: site 31077 vat 1 fat_pct=48.2",
        "qz.validation.Valideringsfeil: merd 7: voksne hunnlus 41.0 per fisk er utenfor gyldig område 0-10",
        "qz_check: FEL - temperatur 412 utanför giltigt intervall (-40..60)",
        "ValueError: reading 'depth_m' outside the valid range",
    ],
)
def test_a_value_outside_its_range_is_invalid_data(line: str) -> None:
    assert classify_line(line)[0].category == "data_quality"


def test_outside_a_window_of_time_is_no_range() -> None:
    assert all(e.category != "data_quality" for e in classify_line("qz: job started outside 02:00-04:00 window"))


def test_a_kubernetes_warning_event_is_read_as_the_failure_it_reports() -> None:
    event = (
        '  Warning  Failed     8m31s (x4 over 10m)  kubelet            Failed to pull image "reg.qz.test/qz/m:2.4.0":'
        " rpc error: code = NotFound desc = reg.qz.test/qz/m:2.4.0: not found"
    )
    annotation = _annotate(
        "+ kubectl wait --for=condition=complete --timeout=10m job/qz-model-0203\n"
        "error: timed out waiting for the condition on jobs/qz-model-0203\n"
        "+ kubectl describe pod qz-model-0203-7kq2n\n"
        "Events:\n"
        "  Type     Reason     Age                  From               Message\n"
        "  ----     ------     ----                 ----               -------\n"
        "  Normal   Scheduled  10m                  default-scheduler  Successfully assigned qz/qz-model-0203-7kq2n\n"
        f"{event}\n",
        engine=RULES,
    )
    assert annotation.category == "dependency"
    assert annotation.error_line == event.strip()


@pytest.mark.parametrize(
    "line",
    [
        "QZB-E-0415 Rekord 9217: ervenytelen datum a mezoben ERV_KEZDET: '2031.12.32'",
        "Řádek 12: neplatná hodnota v poli MNOZSTVI_HL ('12,5 hl')",
        "linje 12: ugyldig verdi i feltet dato ('31.02.2031')",
        "kayıt 12: geçersiz tarih alanı TESLIM_TARIHI",
        "rivi 12: virheellinen arvo kentässä toimituspvm",
    ],
)
def test_a_field_named_invalid_in_more_languages_is_invalid_data(line: str) -> None:
    assert classify_line(line)[0].category == "data_quality"


def test_a_word_for_invalid_without_a_field_is_no_invalid_data() -> None:
    assert all(e.category != "data_quality" for e in classify_line("qz: lisens ugyldig, kontakt leverandør"))


@pytest.mark.parametrize(
    ("above", "table"),
    [
        (["2031-02-03 01:00:22 INFO qz_rollup: S2152 querying ERP.V_ISSUE_LINES ..."], "ERP.V_ISSUE_LINES"),
        (["00:15:04 INFO qz.Publisher : statement_timeout=600s, query wms.stock_v for 2 sites"], "wms.stock_v"),
        (["qz: select site, sum(qty) from dw.stock_moves group by site"], "dw.stock_moves"),
    ],
)
def test_a_read_names_what_the_job_says_it_queried(above: list[str], table: str) -> None:
    assert statement_table_above(above) == table


@pytest.mark.parametrize(
    "line",
    [
        "querying dns01.qz.example for qz-db01",  # a host
        "+ aws athena get-query-execution --query QueryExecution.Status",  # an option of a CLI
        "  FROM (SELECT id, SUM(qty) AS total FROM qz.moves GROUP BY id) v",  # a subquery of the statement above
        "2031-02-03 01:00:22 INFO qz_rollup: querying ERP.V_ISSUE_LINES ... done (41 s)",  # it completed
    ],
)
def test_no_queried_table_from_a_host_an_option_a_subquery_or_a_finished_query(line: str) -> None:
    assert statement_table_above([line]) is None


def test_an_announced_wait_gives_way_to_the_report_that_the_dependency_failed() -> None:
    failed = (
        "2031-02-03 01:20:02 qz_cost: EROARE - QZ_OVEN_20310202.done de la predecesorul QZ_OVEN_CLOSE negăsit după "
        "60 min, rc=4"
    )
    annotation = _annotate(
        "2031-02-03 00:20:01 qz_cost: aștept /srv/qz/flags/QZ_OVEN_20310202.done (predecesor QZ_OVEN_CLOSE), "
        "max 60 min\n"
        "2031-02-03 00:50:01 qz_cost: încă aștept, 30 min\n"
        f"{failed}\n",
        engine=RULES,
    )
    assert annotation.category == "dependency"
    assert annotation.error_line == failed
    assert "QZ_OVEN_20310202.done" in annotation.root_cause


@pytest.mark.parametrize(
    "line",
    [
        "2031-02-03 03:00:29 qz_recon: ERROR - qzbatch ended with status 3, recon file not handed to finance, rc=3",
        "2031-02-03 00:31:12 qz_export: ERROR - qzexport ended with code 7, file not renamed, rc=7",
    ],
)
def test_a_tools_exit_status_with_its_effects_is_no_cause(line: str) -> None:
    annotation = _annotate(f"qz: start, errors=0\n{line}\n", engine=RULES)
    assert annotation.category == "unknown"


def test_jsonschema_names_the_field_of_the_instance_that_failed() -> None:
    below = [
        "",
        "Failed validating 'minimum' in schema['properties']['logs']['items']['properties']['top_mm']:",
        "    {'type': 'integer', 'minimum': 0}",
        "",
        "On instance['logs'][4117]['top_mm']:",
        "    -32",
    ]
    assert invalid_field("jsonschema.exceptions.ValidationError: -32 is less than the minimum of 0", below) == "top_mm"
    assert invalid_field("jsonschema.exceptions.ValidationError: -32 is less than the minimum of 0", below[:3]) is None
    annotation = _annotate(
        "qz: reading /data/qz/in/LOGS_20310203.json\n"
        "jsonschema.exceptions.ValidationError: -32 is less than the minimum of 0\n" + "\n".join(below) + "\n",
        engine=RULES,
    )
    assert annotation.category == "data_quality"
    assert "top_mm" in annotation.root_cause


def test_with_no_rule_a_line_that_says_it_failed_comes_before_a_code_shaped_name() -> None:
    failed = "QZB-E-2210 SETTLEMENT ROW 26-118402/3 VOLUME -12,40 M3 NOT ACCEPTED"
    annotation = _annotate(
        f"Checking prices against price list PL-2026-N4 (north)\n{failed}\nQZB-I-0100 Processed: 842\n",
        engine=RULES,
    )
    assert annotation.error_line == failed


def test_a_containers_index_is_no_resource() -> None:
    line = 'Warning: spec.template.spec.containers[0].env[3]: hides previous definition of "QZ_THREADS"'
    assert "resources" not in extract_entities([line])
    assert extract_entities(["queue 'qz.orders.in' is full"]).get("resources") == ["qz.orders.in"]


def test_a_code_shaped_name_alone_is_told_from_a_failure() -> None:
    assert code_alone("Checking prices against price list PL-2026-N4 (north)")
    assert not code_alone("ORA-00942: table or view does not exist")
    assert not code_alone("Join-Path : Cannot bind argument to parameter 'Path' because it is null.")


def test_with_no_rule_a_failure_in_other_words_and_a_message_under_its_header_are_kept() -> None:
    refused = "Join-Path : Cannot bind argument to parameter 'Path' because it is null."
    annotation = _annotate(f"qz: start\n{refused}\nqz: ERROR - advisory not sent, rc=1\n", engine=RULES)
    assert annotation.error_line == refused
    message = "lot 0818-L07-112: sample_size=0 for lot_size=3200 (AQL 2.5 requires 125)"
    annotation = _annotate(f"Error in check_sample(dt) :\n  {message}\nqz rc=1\n", engine=RULES)
    assert annotation.error_line == message


@pytest.mark.parametrize(
    "line",
    [
        "ОШИБКА - предшественник QZ_LAB_LOAD завершён ABEND",
        "BŁĄD - poprzednik QZ_LAB_LOAD zakończył się błędem",
        "CHYBA - předchůdce QZ_LAB_LOAD skončil chybou",
        "FEL - föregångaren QZ_LAB_LOAD avbröts",
        "VIRHE - edeltäjä QZ_LAB_LOAD keskeytyi",
        "HIBA - az előd QZ_LAB_LOAD hibával állt le",
    ],
)
def test_a_predecessor_in_more_languages_is_an_unmet_dependency(line: str) -> None:
    annotation = _annotate(f"qz: start\n{line}\n", engine=RULES)
    assert annotation.category == "dependency"
    assert annotation.error_line == line


def test_the_job_controllers_deadline_event_outranks_kubectl_waits_timeout() -> None:
    event = "  Warning  DeadlineExceeded  1m    job-controller  Job was active longer than specified deadline"
    annotation = _annotate(
        "+ kubectl -n qz wait --for=condition=complete --timeout=3700s job/qz-plan-w50\n"
        "error: timed out waiting for the condition on jobs/qz-plan-w50\n"
        "+ kubectl -n qz describe job qz-plan-w50\n"
        "Name:             qz-plan-w50\n"
        "Events:\n"
        "  Type     Reason            Age   From            Message\n"
        "  ----     ------            ----  ----            -------\n"
        "  Normal   SuccessfulCreate  61m   job-controller  Created pod: qz-plan-w50-6kq2w\n"
        f"{event}\n",
        engine=RULES,
    )
    assert annotation.category == "timeout"
    assert annotation.error_line == event.strip()
    assert "qz-plan-w50" in annotation.root_cause


def test_kubectl_describe_and_the_job_controller_name_the_job_started() -> None:
    assert job_above(["Name:             qz-plan-w50", "Events:"]) == "qz-plan-w50"
    assert job_above(["  Normal  SuccessfulCreate  61m  job-controller  Created pod: qz-plan-w50-6kq2w"]) == (
        "qz-plan-w50-6kq2w"
    )
    assert job_above(["Name: Ada Lovelace"]) is None  # a person, not an object kubectl describes


@pytest.mark.parametrize(
    "line",
    [
        "QZB-E-5120 PAY_20310203.txt rec 219: member 40318 IBAN GR1601101250000000012300695 check digits invalid",
        "QZB-E-1147 PAY_20310203.xml rida 57 (kaupmees M-00418): IBAN 'EE382200221012345679' kontrollsumma vale",
        "record 12: invalid checksum for account 4711",
    ],
)
def test_wrong_check_digits_are_invalid_data(line: str) -> None:
    assert classify_line(line)[0].category == "data_quality"
