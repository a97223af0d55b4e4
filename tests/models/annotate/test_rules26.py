"""rules-26 (round 23). Part 1: a refused login names the user a sentence of the job names without quotes, in the
languages of the sets ("l'utilisateur x_y", "naudotojo X_Y", "the password of X_Y"), when the word is shaped like a
login; a statement that timed out names the view the job said it read, by the naming convention of views ("v_x"),
when no statement is echoed and no job was started. Part 2: a number outside its limits in other languages ("21,4%
FUORI LIMITE (MAX 14,5%)") is invalid data; a table a sentence names in another language ("tabelis kit_osad") is a
table, when shaped like one. Part 3: a program's error message (by its "XXX-E-nnnn" id) that compares a value with its
bound is invalid data in any language; a program of the job's own a shell's trace shows started (from a "bin"
folder, not the system's) is the program a failure names. Part 4: a lock conflict or a time limit names the
schema-qualified object the job's own summary below says it was on, when the job worked on it before; a program's
error message with the values it allows is invalid data, and so is a value that is not the number it must be and a
flat file's missing column delimiter. Part 5: a program's error message with a number over another, a comparison in
parentheses or a code it does not know (in a message naming no file) is invalid data; a file in an application's own
"etc" folder that does not parse is the job's configuration. Part 6: a Python warning is no failed attempt that
explains a time limit; "credentials" is no user, and the credentials of a login are read in prose; a service
principal is named in Portuguese, Italian and Russian; configparser's errors name the configuration the job gave.
Part 7 (masking: a status code or a label after "token:" is no token) is tested beside the masker, in
tests/joblog/test_secrets.py. Part 8: a local path after a "file:" URI's scheme ("file:/data/in/x.csv", as Spark
prints it) is a path. Part 9: the shell's report of the process it lost is read past a runtime's native stack
(Node's twenty frames). Part 10: a program's error message with the range a value must be in, in parentheses, is
invalid data in any language."""

from __future__ import annotations

import pytest

from tests.models.annotate.test_rules_engine import _annotate
from twspulse.joblog.entities import extract_entities
from twspulse.models.annotate import rules_engine
from twspulse.models.annotate.evidence import classify_line
from twspulse.models.annotate.key_entities import (
    REPORT_REACH,
    name_of_id,
    program_above,
    program_reported,
    summarised_object,
    view_above,
)

RULES = rules_engine.RulesEngine(line_model=None)


@pytest.mark.parametrize(
    ("line", "user"),
    [
        ("ERREUR - Zenit SA a refusé le mot de passe de l'utilisateur exp_docs sur sftp.zenit.example", "exp_docs"),
        ("KLAIDA - ora07/PRD atmetė naudotojo PAY_LOADER slaptažodį (pakeistas 17.12)", "PAY_LOADER"),
        ("ERROR - Snowflake rejected the password of DWH_LOAD (rotated in the vault)", "DWH_LOAD"),
        ("BŁĄD - serwer odrzucił hasło dla użytkownika svc-kasa2 (rotacja)", "svc-kasa2"),
        ("FEHLER - Passwort für Benutzer ETL01 abgelaufen", "ETL01"),
        ("access key AKIA0EXAMPLE of IAM user svc-edi-drop deleted by the key-age policy", "svc-edi-drop"),
    ],
)
def test_a_user_a_sentence_names_without_quotes_is_read(line: str, user: str) -> None:
    assert user in extract_entities([line]).get("users", [])


@pytest.mark.parametrize(
    "line",
    [
        "ERREUR - utilisateur inconnu sur le serveur",
        "Benutzer nicht gefunden",
        "naudotojo slaptažodis pakeistas",
        "the password of the service account expired",
        "kullanıcı adı veya şifre hatalı",
    ],
)
def test_a_word_of_prose_after_a_user_noun_is_no_user(line: str) -> None:
    assert not extract_entities([line]).get("users")


def test_a_refused_login_names_the_user_the_wrapper_names() -> None:
    body = (
        "+ sftp -b /opt/zen/put.batch sftp.partner.example\n"
        "paramiko.ssh_exception.AuthenticationException: Authentication failed.\n"
        "2026-12-13 03:20:09 docs_export: ERREUR - le partenaire a refusé le mot de passe de l'utilisateur zen_tn\n"
    )
    annotation = _annotate(body, engine=RULES)
    assert annotation.category == "auth"
    assert "zen_tn" in annotation.root_cause


@pytest.mark.parametrize(
    ("above", "expected"),
    [
        (["INFO consultando v_saldo_cupo (temporada 2026/27) ..."], "v_saldo_cupo"),
        (["INFO truy vấn vw_san_luong (22/12/2026)", "DEBUG rows fetched=0"], "vw_san_luong"),
        (["stage 3/4 compute forecast per window (view berth.v_move_forecast)"], "berth.v_move_forecast"),
        (["+ psql -f /opt/x/sql/v_refresh.sql", "loading v_export.csv"], None),  # files, not views
        (["calling v_rebuild(2026)"], None),  # a call
        (["INFO nothing read yet"], None),
    ],
)
def test_the_view_the_job_said_it_read(above: list[str], expected: str | None) -> None:
    assert view_above(above) == expected


def test_a_statement_timeout_names_the_view_the_job_read() -> None:
    body = (
        "03:00:03.122 [main] INFO  com.fpl.Saldo - consultando v_saldo_cupo (temporada 2026/27) ...\n"
        "org.postgresql.util.PSQLException: ERROR: canceling statement due to statement timeout\n"
        "\tat org.postgresql.core.v3.QueryExecutorImpl.receiveErrorResponse(QueryExecutorImpl.java:2725)\n"
    )
    annotation = _annotate(body, engine=RULES)
    assert annotation.category == "timeout"
    assert "view v_saldo_cupo" in annotation.root_cause


def test_a_started_job_comes_before_a_view_the_job_read_earlier() -> None:
    body = (
        "03:10:38  3 of 5 START sql view model marts.v_unclaimed .......................... [RUN]\n"
        "03:10:39  3 of 5 OK created sql view model marts.v_unclaimed ..................... [CREATE VIEW in 0.61s]\n"
        "03:40:10  4 of 5 ERROR creating sql table model marts.fct_claims .................. [ERROR in 1800.04s]\n"
        "03:40:11    Database Error in model fct_claims (models/marts/fct_claims.sql)\n"
        "  canceling statement due to statement timeout\n"
    )
    annotation = _annotate(body, engine=RULES)
    assert annotation.category == "timeout"
    assert "fct_claims" in annotation.root_cause and "v_unclaimed" not in annotation.root_cause


@pytest.mark.parametrize(
    "line",
    [
        "AGR-E-0415 SILO S04 LOTTO GD-26-0912 UMIDITA' 21,4% FUORI LIMITE (MAX 14,5%)",
        "PM-E-3310 SP-121-009 KORGUS 28000 MM VALJASPOOL PIIRE (MAX 3600 MM)",
        "FEHLER Position 4: Temperatur 312 C außerhalb der Toleranz",
        "ERROR lote 88: humedad 19,2 % fuera del límite",
        "HIBA: nedvesség 21 % határértéken kívül",
    ],
)
def test_a_number_outside_its_limits_is_invalid_data(line: str) -> None:
    evidence = classify_line(line)
    assert evidence and evidence[0].category == "data_quality"


@pytest.mark.parametrize("line", ["INFO: humedad fuera del límite de la planta (aviso)", "kívül esik a hálózaton"])
def test_limit_words_without_a_number_say_nothing(line: str) -> None:
    assert all(e.category != "data_quality" for e in classify_line(line))


@pytest.mark.parametrize(
    ("line", "table"),
    [
        ("VIGA - ummikseis tabelis kit_osad (laoseisu sünkroniseerimine)", "kit_osad"),
        ("FEHLER in Tabelle auftrag_pos gesperrt", "auftrag_pos"),
        ("ERRO: a tabela vendas.itens está bloqueada", "vendas.itens"),
        ("HATA: tablo siparis_2026 kilitli", "siparis_2026"),
    ],
)
def test_a_table_a_sentence_names_in_another_language(line: str, table: str) -> None:
    assert table in extract_entities([line]).get("tables", [])


@pytest.mark.parametrize(
    "line",
    ["error en la tabla de precios", "lisatud tabelisse 120 rida", 'NOTA:  la tabella "stg_x" non esiste, saltata'],
)
def test_a_word_of_prose_or_a_quoted_name_after_a_table_noun_is_not_read_here(line: str) -> None:
    assert not extract_entities([line]).get("tables")


@pytest.mark.parametrize(
    "line",
    [
        "PMT-E-2207 KUORMA 4471882 TILAVUUS 412,6 M3 YLI AJONEUVON KAPASITEETIN (MAX 64,0 M3)",
        "MES-E-2207 LOT ZT6C2907 WAFER 14 BIN COUNT 2231 > GROSS DIE 2198",
        "QA-E-118 PARTIE 77 TEPLOTA 412 C (MIN. 380)",
    ],
)
def test_a_program_message_comparing_a_value_with_its_bound_is_invalid_data(line: str) -> None:
    evidence = classify_line(line)
    assert evidence and evidence[0].category == "data_quality"


@pytest.mark.parametrize(
    "line", ["INFO: loaded 2231 rows > 2198 expected", "MES-I-2207 BIN COUNT 2231 > 2198", "step 4 (max 5 retries)"]
)
def test_a_comparison_without_a_program_error_id_is_not_read_as_such(line: str) -> None:
    assert all(e.category != "data_quality" for e in classify_line(line))


@pytest.mark.parametrize(
    ("above", "expected"),
    [
        (["+ /opt/cds/bin/rolhas-visao --linha B3 --data 2026-12-28", "2026/12/29 02:30:02 starting"],
         "/opt/cds/bin/rolhas-visao"),
        (["+ /usr/bin/find /data -mtime +3", "x"], None),  # the system's, a tool the job used
        (["+ /bin/ls /data"], None),
    ],
)  # fmt: skip
def test_a_program_of_the_job_s_own_a_shell_trace_started(above: list[str], expected: str | None) -> None:
    assert program_above(above) == expected


_ABOVE = ["2026-12-30 00:45:07 INFO dmc_link: batch 1/4 -> trace.dmc_link 5000 rows committed", "+ python x.py"]


@pytest.mark.parametrize(
    ("summaries", "expected"),
    [
        (["dmc_link: CHYBA - deadlock v trace.dmc_link so súbežným prečíslovaním"], "trace.dmc_link"),
        (["dmc_link: CHYBA - deadlock v trace.other_table"], None),  # not an object the job worked on
        (["CHYBA - see db01.corp.lan and dmc_link.py"], None),  # a host, a code file
        ([], None),
    ],
)
def test_the_object_the_job_s_summary_names(summaries: list[str], expected: str | None) -> None:
    assert summarised_object(summaries, _ABOVE) == expected


def test_a_deadlock_names_the_object_the_job_s_summary_names() -> None:
    body = (
        "2026-12-30 00:45:07,902 INFO dmc_link: batch 1/4 -> trace.dmc_link 5000 rows committed\n"
        "psycopg2.errors.DeadlockDetected: deadlock detected\n"
        "DETAIL:  Process 4121 waits for ShareLock on transaction 99812; blocked by process 4377.\n"
        "2026-12-30 00:45:19 dmc_link: CHYBA - deadlock v trace.dmc_link so súbežným prečíslovaním šarže\n"
    )
    annotation = _annotate(body, engine=RULES)
    assert annotation.category == "db_error"
    assert "trace.dmc_link" in annotation.root_cause


@pytest.mark.parametrize(
    "line",
    [
        "QTM-E-3107 ANLANDUNG LND-26-8829 ZEILE 9 ARTCODE HMK UNBEKANNT (ERLAUBT: HKC HKP HMC MON KNG)",
        'DELJIT_AMS_2.edi: segment 418 "QTY+1:-4:PCE\'": quantity -4 is not a positive integer (SEQ 0044302)',
        '   Description: The column delimiter for column "NettoKg" was not found.',
    ],
)
def test_more_invalid_data(line: str) -> None:
    evidence = classify_line(line)
    assert evidence and evidence[0].category == "data_quality"


@pytest.mark.parametrize(
    "line",
    [
        "BR-E-2170 TOCYN PYG-884213: PWYSAU NET -12.40 T (TARA 31.62 > GROS 19.22)",
        "SP-E-3110 ZAKAZKA BR-26-0917 POL.4: POCET KUSU 1200 PREKRACUJE POCET POLOTOVARU 120",
        "MB-E-2207 ZAMOWIENIE NH-PO-7781204 POZ 12: KOD WYROBU VIKA-3D-DSO NIE ISTNIEJE W KARTOTECE",
        "QX-E-0042 LOTE 77 CODIGO PRODUTO ZZ-9 NAO EXISTE",
    ],
)
def test_a_program_message_of_numbers_over_others_or_unknown_codes_is_invalid_data(line: str) -> None:
    evidence = classify_line(line)
    assert evidence and evidence[0].category == "data_quality"


def test_a_program_message_naming_a_file_that_does_not_exist_is_no_unknown_code() -> None:
    assert classify_line("XX-E-0101 FILE /data/x.csv DOES NOT EXIST")[0].category == "missing_file"


@pytest.mark.parametrize(
    ("path", "error", "expected"),
    [
        ("/opt/cpm/etc/lanes.json", "json.decoder.JSONDecodeError: Expecting property name: line 58 column 5", True),
        ("/opt/singer/etc/deals.catalog.json", "ValidationError: 'TBD' is not valid under any of the schemas", False),
        ("/data/in/lanes.json", "json.decoder.JSONDecodeError: Expecting property name: line 58 column 5", False),
        ("/etc/x/app.json", "anything", True),
    ],
)
def test_a_file_of_an_application_s_etc_folder_that_does_not_parse_is_configuration(
    path: str, error: str, expected: bool
) -> None:
    assert rules_engine._is_configuration(path, error) is expected


def test_a_python_warning_does_not_explain_a_time_limit() -> None:
    body = (
        "/opt/tqu/wf/report.py:73: UserWarning: pandas only supports SQLAlchemy connectable (engine/connection) or\n"
        "  df = pd.read_sql(sql, conn)\n"
        "psycopg2.errors.QueryCanceled: canceling statement due to statement timeout\n"
    )
    annotation = _annotate(body, engine=RULES)
    assert annotation.category == "timeout"
    assert annotation.error_line.startswith("psycopg2.errors.QueryCanceled")


def test_credentials_are_no_user_and_a_login_s_credentials_are_read() -> None:
    assert not extract_entities(["Authentication unsuccessful, the user credentials were incorrect."]).get("users")
    line = "ERRORE: credenziali di export@agrumi.example.it rifiutate dal server di posta"
    assert "export@agrumi.example.it" in extract_entities([line]).get("users", [])


@pytest.mark.parametrize(
    "line",
    [
        "docs_archive: сервисный принципал vkt-archive-sp (appId 5f0c2a71-9b3e-4d2a-8e61-0c7d4b19a3f2)",
        "principal de serviço vkt-archive-sp (appId 5f0c2a71-9b3e-4d2a-8e61-0c7d4b19a3f2)",
    ],
)
def test_a_service_principal_named_in_more_languages(line: str) -> None:
    assert name_of_id("5f0c2a71-9b3e-4d2a-8e61-0c7d4b19a3f2", [line]) == "vkt-archive-sp"


def test_a_configparser_error_names_the_configuration_the_job_gave() -> None:
    body = (
        "+ python3 /opt/vkt/bin/decl_prepare.py --plan KP-27-0005 --config /etc/vkt/vkt_muita.ini\n"
        "Traceback (most recent call last):\n"
        '  File "/opt/vkt/bin/decl_prepare.py", line 41, in <module>\n'
        '    code = cfg.get("eksports", "muitas_kods")\n'
        '  File "/usr/lib64/python3.11/configparser.py", line 808, in get\n'
        "    raise NoOptionError(option, section)\n"
        "configparser.NoOptionError: No option 'muitas_kods' in section: 'eksports'\n"
    )
    annotation = _annotate(body, engine=RULES)
    assert annotation.category == "script_error"
    assert "/etc/vkt/vkt_muita.ini" in annotation.root_cause


def test_a_local_path_after_a_file_uri_scheme_is_a_path() -> None:
    line = "AnalysisException: [PATH_NOT_FOUND] Path does not exist: file:/data/zbb/in/HOTELPASS_20270105.csv."
    assert extract_entities([line]).get("paths") == ["/data/zbb/in/HOTELPASS_20270105.csv"]
    assert "paths" not in extract_entities(["ratio a:/b/c"])


def test_the_shell_s_report_is_read_past_a_runtime_s_native_stack() -> None:
    stack = [f" {i}: 0xb8d4f1 node::Abort() [node]" for i in range(1, 21)]
    report = (
        "/opt/slg/bin/run_agg.sh: line 22: 41822 Aborted (core dumped) node --max-old-space-size=2048 /opt/x/agg.js"
    )
    assert program_reported([*stack, report]) == "/opt/x/agg.js"
    assert program_reported([*([""] * REPORT_REACH), report]) is None  # too far below to be this error's


@pytest.mark.parametrize(
    ("line", "invalid"),
    [
        ("PN-E-0207 UKIS UK-0317 CISTERNA CIS-04 RIEBALAI 38,6 % NEATITINKA RIBU (2,50 - 6,50)", True),
        ("AB-E-0001 RUN (2026-12-01) ENDED", False),  # a date
        ("AB-E-0001 STEP 3 (10:00-11:00) ENDED", False),  # a time window
    ],
)
def test_a_program_message_with_the_range_a_value_must_be_in(line: str, invalid: bool) -> None:
    assert any(e.category == "data_quality" for e in classify_line(line)) is invalid
