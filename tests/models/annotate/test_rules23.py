"""rules-23, part 2 (round 20): messages and names. A message id that carries an error or fatal severity is an
error line; a field named invalid in another language is invalid data; ssh's answer to a wrong password and an
"invalid/incorrect password" are a refused login; a playbook its tool can read neither as JSON nor YAML is the
job's own configuration; SAP's connector error is the network failure its detail block explains; a legend of a
tool's exit codes is no event; pydantic's invalid field, a predecessor's marker file and a .NET runtime are
named as operators quote them."""

from __future__ import annotations

import pytest

from tests.models.annotate.test_rules_engine import _annotate
from twspulse.joblog.entities import extract_entities
from twspulse.joblog.error_lines import pick_error_lines
from twspulse.models.annotate import rules_engine
from twspulse.models.annotate.key_entities import invalid_field, name_of_id

RULES = rules_engine.RulesEngine(line_model=None)


def test_a_message_id_with_an_error_severity_is_an_error_line() -> None:
    lines = [
        "QZM010-I-020 VALIDATED 000417 RECORDS",
        "QZM010-W-014 RECORD 000077 HOURS 0000 - ACCEPTED",
        "QZM010-E-023 RECORD 000418 FIELD START-DATE '20260732' BAD - BATCH REFUSED",
        "QZM010-I-099 END 0008",
    ]
    found = pick_error_lines(lines, 1)
    assert [line.text for line in found] == [
        "QZM010-E-023 RECORD 000418 FIELD START-DATE '20260732' BAD - BATCH REFUSED"
    ]


@pytest.mark.parametrize(
    "line",
    [
        "QZM010-E-023 REGISTRO 000418 CAMPO FECHA-INICIO '20260732' INVALIDA - LOTE RECHAZADO",
        "Satz 418: Feld Lieferdatum '2026-07-32' ungültig",
        "ligne 418 : valeur invalide pour le champ date_debut ('2026-07-32')",
        "riga 418: valore non valido nel campo data_inizio",
        "rad 418: ogiltigt värde i fältet startdatum",
    ],
)
def test_a_field_named_invalid_in_another_language_is_invalid_data(line: str) -> None:
    annotation = _annotate(f"qz_load: reading /in/orders_0203.csv\n{line}\n", engine=RULES)
    assert annotation.category == "data_quality"
    assert annotation.error_line == line


def test_a_word_for_invalid_alone_is_no_invalid_field() -> None:
    annotation = _annotate("qz_load: lote procesado, 0 registros\nqz_load: clave de licencia inválida\n", engine=RULES)
    assert annotation.category != "data_quality"


@pytest.mark.parametrize(
    "line",
    [
        'fatal: [qz-21]: UNREACHABLE! => {"changed": false, "msg": "Invalid/incorrect password: Permission denied, '
        'please try again.", "unreachable": true}',
        "qzuser@qz-fs01's password: Permission denied, please try again.",
    ],
)
def test_a_wrong_password_over_ssh_is_a_refused_login(line: str) -> None:
    assert _annotate(line + "\n", engine=RULES).category == "auth"


def test_a_playbook_read_neither_as_json_nor_yaml_is_the_jobs_own_configuration() -> None:
    headline = "ERROR! We were unable to read either as JSON nor YAML, these are the errors we got from each:"
    annotation = _annotate(
        f"{headline}\nJSON: Expecting value: line 1 column 1 (char 0)\n\nSyntax Error while loading YAML.\n"
        "  mapping values are not allowed in this context\n\n"
        "The error appears to be in '/srv/qz/playbooks/site.yml': line 34, column 28, but may\n",
        engine=RULES,
    )
    assert annotation.category == "script_error"
    assert annotation.error_line == headline


def test_sap_connector_error_is_the_network_failure_its_detail_block_explains() -> None:
    headline = "com.sap.conn.jco.JCoException: (102) JCO_ERROR_COMMUNICATION: Connect to SAP gateway failed"
    annotation = _annotate(
        f"{headline}\nConnection parameters: TYPE=A DEST=QZP ASHOST=qzp-ci.qz.local SYSNR=00 PCS=1\n\n"
        "LOCATION    CPIC (TCP/IP) on local host qzlx03 with Unicode\n"
        "ERROR       partner '10.41.2.60:3300' not reached\n"
        "ERRNO       110\nERRNO TEXT  Connection timed out\n",
        engine=RULES,
    )
    assert annotation.category == "network"
    assert annotation.error_line == headline
    assert "qzp-ci.qz.local" in annotation.root_cause


def test_a_legend_of_exit_codes_is_no_event() -> None:
    legend = "Exit codes: 0 = success, 1 = configuration error, 2 = WMS unreachable (network)"
    annotation = _annotate(f"+ grep 'Exit codes' /opt/vendor/doc/README.txt\n{legend}\n+ exit 3\n", engine=RULES)
    assert annotation.category == "unknown"
    assert rules_engine._CODE_LEGEND.search(legend)
    # a message's numbered inserts are no legend
    inserts = "JmqiException: CC=2;RC=2538;AMQ9213: error. [1=java.net.ConnectException[refused],3=connect,4=TCP]"
    assert rules_engine._CODE_LEGEND.search(inserts) is None


def test_pydantic_names_the_field_it_refused() -> None:
    header = "pydantic_core._pydantic_core.ValidationError: 1 validation error for Assay"
    below = ["cu_pct", "  Input should be less than or equal to 100 [type=less_than_equal, input_value=182.4]"]
    assert invalid_field(header, below) == "cu_pct"
    assert invalid_field(header, ["Traceback (most recent call last):", "  File x"]) is None
    annotation = _annotate("qz_lab: reading /in/assays_0203.csv\n" + "\n".join([header, *below]) + "\n", engine=RULES)
    assert annotation.category == "data_quality"
    assert "cu_pct" in annotation.root_cause


def test_a_missing_predecessor_names_its_marker_file_too() -> None:
    annotation = _annotate(
        "2031-02-03 01:30:02 publish: ERROR /data/qz/ctl/PLAN_20310203.ok not found - predecessor QZ_PLAN_OPTIMISER "
        "did not complete, plan not published\n",
        engine=RULES,
    )
    assert annotation.category == "dependency"
    assert "QZ_PLAN_OPTIMISER" in annotation.root_cause
    assert "/data/qz/ctl/PLAN_20310203.ok" in annotation.root_cause


def test_a_net_runtime_is_named_as_dotnet_lists_it() -> None:
    found = extract_entities(["Framework: 'Microsoft.NETCore.App', version '6.0.0' (x64)"])
    assert found["libraries"] == ["Microsoft.NETCore.App 6.0.0"]


def test_a_database_error_names_the_table_of_the_statement_that_ran() -> None:
    annotation = _annotate(
        "UPDATE QZ.ACCOUNT_BALANCE s SET (BALANCE) = (SELECT t.NEW FROM QZ.BALANCE_DAY t WHERE t.NR = s.NR)\n\n"
        "qz_run 23:41:49 waiting\nqz_run 23:41:50 still waiting\n"
        'SQL0911N  The current transaction has been rolled back because of a deadlock or timeout.  Reason code "2".  '
        "SQLSTATE=40001\n\nINSERT INTO QZ.RUN_LOG (RUN, STATUS) VALUES ('BALANCES', 'OK')\n",
        engine=RULES,
    )
    assert annotation.category == "db_error"
    assert "statement on QZ.ACCOUNT_BALANCE" in annotation.root_cause


def test_a_line_that_announces_the_error_under_it_gives_way_to_that_error() -> None:
    annotation = _annotate(
        'ORA-31693: Table data object "QZ"."MEASURES" failed to load/unload and is being skipped due to error:\n'
        "ORA-02354: error in exporting/importing data\nORA-27072: File I/O error\n"
        "Linux-x86_64 Error: 28: No space left on device\n",
        engine=RULES,
    )
    assert annotation.category == "disk_full"
    assert annotation.error_line == "Linux-x86_64 Error: 28: No space left on device"


def test_a_message_id_of_informational_severity_is_a_progress_line() -> None:
    lines = ["QZX-I-002 LOT GR-0804-091 DAP N 18.1 P2O5 46.3 OK", "QZX-I-099 END"]
    assert pick_error_lines(lines, 1) == []
    annotation = _annotate(
        "QZX-I-002 LOT GR-0804-091 DAP N 18.1 P2O5 46.3 OK\n"
        "QZX-E-041 LOT GR-0804-117 : TENEUR P2O5 '4G.2' NON NUMERIQUE - CERTIFICAT REJETE\n",
        engine=RULES,
    )
    assert annotation.category == "data_quality"
    assert annotation.error_line.startswith("QZX-E-041")


def test_a_go_template_that_uses_a_field_its_type_lacks_is_the_jobs_code() -> None:
    annotation = _annotate(
        '2031/02/03 01:40:01 qzgen: render notice: template: notice.tmpl:41:18: executing "notice.tmpl" at '
        "<.Lessee.Name>: can't evaluate field Lessee in type model.Lease\n",
        engine=RULES,
    )
    assert annotation.category == "script_error"


def test_snowflake_names_its_message_under_the_code_and_query_id() -> None:
    annotation = _annotate(
        "003001 (42501): 01b6a2c4-0306-8e11-0000-4d2b0012f3a6: SQL access control error:\n"
        "Insufficient privileges to operate on table 'QZ_ASSETS'\n",
        engine=RULES,
    )
    assert annotation.category == "permission"
    assert annotation.error_line == "Insufficient privileges to operate on table 'QZ_ASSETS'"


@pytest.mark.parametrize(
    "pairing",
    [
        "qz_upload 01:00:01 az login --service-principal -u {id} -p ******** --tenant qz.example (sp-qz-export)",
        "qz_upload 01:00:04 az login rc=1 (sp-qz-export, appId {id})",
        "sp-qz-export  appId {id}",
    ],
)
def test_an_application_id_is_named_by_the_name_the_log_pairs_with_it(pairing: str) -> None:
    app = "3f9c2b71-5e0a-4d18-a6c3-81b2e7d4f905"
    refusal = (
        f"ERROR: AADSTS7000222: The provided client secret keys for app '{app}' are expired. Visit the Azure portal."
    )
    lines = [refusal, pairing.format(id=app)]
    assert name_of_id(app, lines) == "sp-qz-export"
    annotation = _annotate("\n".join(lines) + "\n", engine=RULES)
    assert annotation.category == "auth"
    assert f"sp-qz-export ({app})" in annotation.root_cause


def test_no_name_when_the_log_pairs_none_with_the_id() -> None:
    app = "3f9c2b71-5e0a-4d18-a6c3-81b2e7d4f905"
    assert name_of_id(app, [f"az login --service-principal -u {app} (retry 1)", f"appId {app}"]) is None


@pytest.mark.parametrize(
    "line",
    [
        "ValueError: curtailment notice QZ-03: block 18:00-20:00 has stage 9, allowed 0-8",
        "qz_check: ERROR FIT-104 consumo diario calculado -1884003,2 m3 fuera de rango (0 - 45000)",
        "qz_check: ERROR month 13 not in valid range 1..12",
    ],
)
def test_a_value_outside_the_range_it_should_be_in_is_invalid_data(line: str) -> None:
    annotation = _annotate(f"qz_check: reading /in/notices_0203.csv\n{line}\n", engine=RULES)
    assert annotation.category == "data_quality"
    assert annotation.error_line == line


def test_a_range_of_times_or_dates_is_no_range_of_values() -> None:
    assert _annotate("qz: ERROR expected 01:00-02:00 window missed\n", engine=RULES).category != "data_quality"


def test_a_project_whose_packages_were_never_installed_is_missing_a_dependency() -> None:
    line = (
        'dbt found 2 package(s) specified in packages.yml, but only 0 package(s) installed in dbt_packages. Run "dbt '
        'deps" to install package dependencies.'
    )
    annotation = _annotate(f"Encountered an error:\nCompilation Error\n  {line}\n", engine=RULES)
    assert annotation.category == "dependency"
    assert annotation.error_line == line


def test_a_connection_failure_the_rerun_got_past_gives_way_to_the_jobs_own_failure() -> None:
    annotation = _annotate(
        "+ curl -sf https://qz-api.qz.local/v2/health\ncurl: (22) The requested URL returned error: 503\n+ sleep 15\n"
        '+ curl -sf https://qz-api.qz.local/v2/health\n{"status":"UP"}\n+ jq .tickets /in/open_tickets.json\n'
        "/opt/qz/bin/dispatch.sh: line 37: SHIFT_END: unbound variable\n",
        engine=RULES,
    )
    assert annotation.category == "script_error"
    assert annotation.error_line == "/opt/qz/bin/dispatch.sh: line 37: SHIFT_END: unbound variable"


def test_a_rerun_that_fails_the_same_way_leaves_the_connection_failure() -> None:
    annotation = _annotate(
        "+ curl -sf https://qz-api.qz.local/v2/health\ncurl: (7) Failed to connect to qz-api.qz.local port 443: "
        "Connection refused\n+ sleep 15\n+ curl -sf https://qz-api.qz.local/v2/health\ncurl: (7) Failed to connect "
        "to qz-api.qz.local port 443: Connection refused\n/opt/qz/bin/dispatch.sh: line 37: SHIFT_END: unbound "
        "variable\n",
        engine=RULES,
    )
    assert annotation.category == "network"
