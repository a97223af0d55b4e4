"""Codes and runtime messages read in rules-21 (round 18), on invented lines and joblogs: a statement's syntax is
the job's own code, .NET's missing runtime and unreachable remote server (in their languages), Rust's number
parsing."""

from __future__ import annotations

import pytest

from tests.models.annotate.test_rules_engine import _annotate
from twspulse.joblog.entities import extract_entities
from twspulse.models.annotate.evidence import read_line
from twspulse.models.annotate.key_entities import configuration_near
from twspulse.models.annotate.rules_engine import RulesEngine

RULES = RulesEngine(line_model=None)


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("Msg 102, Level 15, State 1, Server QZ1, Line 48", "Incorrect syntax near ','."),
        ("Msg 102, Niveau 15, État 1, Serveur QZ1, Ligne 48", "Syntaxe incorrecte vers ','."),
        ("Msg 156, Level 15, State 1, Server QZ1, Line 3", "Incorrect syntax near the keyword 'FROM'."),
    ],
)
def test_a_statement_s_syntax_is_the_job_s_own_code(header: str, message: str) -> None:
    body = f"+ sqlcmd -S QZ1 -i /srv/qz/sql/export_hours.sql\n{header}\n{message}\n"
    annotation = _annotate(body, engine=RULES)
    assert annotation.category == "script_error"
    assert annotation.error_line == message


@pytest.mark.parametrize(
    "line",
    [
        "ERROR 1064 (42000) at line 12: You have an error in your SQL syntax; check the manual near 'FROM qz'",
        "ORA-00933: SQL command not properly ended",
        'psql:/srv/qz/sql/load.sql:7: ERROR:  syntax error at or near "FROM" (SQLSTATE 42601)',
    ],
)
def test_a_syntax_code_of_any_database_reads_as_the_job_s_code(line: str) -> None:
    strongest = max(read_line(line).evidence, key=lambda e: e.strength)
    assert strongest.category == "script_error"


@pytest.mark.parametrize(
    ("message", "detail"),
    [
        ("You must install or update .NET to run this application.",
         "Framework: 'Microsoft.NETCore.App', version '8.0.0' (x64)"),
        ("The framework 'Microsoft.NETCore.App', version '8.0.0' (x64) was not found.",
         "  - No frameworks were found."),
    ],
)  # fmt: skip
def test_a_missing_net_runtime_is_a_dependency_named_by_its_framework(message: str, detail: str) -> None:
    body = f'D:\\Batch>"D:\\Apps\\Qz\\Qz.exe" --date 2026-02-01\n{message}\n\nApp: D:\\Apps\\Qz\\Qz.exe\n{detail}\n'
    annotation = _annotate(body, engine=RULES)
    assert annotation.category == "dependency"
    assert annotation.error_line == message
    assert "Microsoft.NETCore.App" in annotation.root_cause


def test_a_framework_line_names_the_runtime_and_its_version() -> None:
    found = extract_entities(["Framework: 'Microsoft.AspNetCore.App', version '8.0.2' (x64)"])
    assert found["libraries"] == ["Microsoft.AspNetCore.App 8.0.2"]  # as `dotnet --list-runtimes` names it


@pytest.mark.parametrize(
    "line",
    [
        "Invoke-RestMethod : Unable to connect to the remote server",
        "Invoke-RestMethod : No es posible conectar con el servidor remoto",
        "Invoke-RestMethod : Impossible de se connecter au serveur distant",
        "Invoke-RestMethod : Impossibile connettersi al server remoto",
        "Invoke-RestMethod : Não é possível conectar-se ao servidor remoto",
    ],
)
def test_net_s_unreachable_remote_server_is_the_network_in_any_language(line: str) -> None:
    body = f"ADVERTENCIA: TCP connect to (203.0.113.45 : 443) failed\n{line}\n"
    annotation = _annotate(body, engine=RULES)
    assert annotation.category == "network"
    assert annotation.error_line == line


@pytest.mark.parametrize(
    "line",
    [
        "[2026-02-01T03:00:06Z ERROR qz_ingest] qz.csv: CSV deserialize error: record 18 (line: 19, byte: 1276): "
        "field 4: invalid float literal",
        "Error: ParseIntError { kind: InvalidDigit }: invalid digit found in string",
    ],
)
def test_rust_s_number_parsing_is_invalid_data(line: str) -> None:
    body = f"qz: reading /srv/qz/in/qz.csv\n{line}\nError: feed /srv/qz/in/qz.csv could not be loaded\n"
    annotation = _annotate(body, engine=RULES)
    assert annotation.category == "data_quality"
    assert annotation.error_line == line


def test_sap_hana_s_schema_colon_table_names_the_table_in_its_schema() -> None:
    line = (
        "* 301: unique constraint violated: TrexUpdate failed on table 'QZ:ORDERS' with error: unique constraint "
        "violation in self check for table QZ:ORDERS, constraint='$uc_PK_ORDERS$', value='1;2' SQLSTATE: 23000"
    )
    annotation = _annotate(f"+ hdbsql -U QZBATCH -I /srv/qz/sql/load.sql\n{line}\n", engine=RULES)
    assert annotation.category == "db_error"
    assert "QZ.ORDERS" in annotation.root_cause


@pytest.mark.parametrize(
    "line",
    [
        "ERROR qz.Check - QZ.edi: segment 12: check digit invalid for container QZCU1234567 (expected 6, found 3)",
        "ERROR qz.Pruefung - QZ.edi: Segment 12: Prüfziffer ungültig für Containernummer QZCU1234567",
        "ERROR qz.Validator - QZ.edi: segment 12: containernummer QZCU1234567 har ugyldig kontrollsiffer",
        "ERREUR qz.Controle - QZ.edi : segment 12 : chiffre de contrôle invalide pour le conteneur QZCU1234567",
    ],
)
def test_an_identifier_whose_check_digit_does_not_match_is_invalid_data(line: str) -> None:
    annotation = _annotate(f"qz: validating /srv/qz/in/QZ.edi\n{line}\n", engine=RULES)
    assert annotation.category == "data_quality"
    assert annotation.error_line == line


@pytest.mark.parametrize(
    "line",
    [
        "qz: ERROR result of predecessor job QZ_CHECK missing: /srv/qz/status/QZ_CHECK_20260201.ok",
        "qz: FEHLER Ergebnis des Vorgängerjobs QZ_CHECK fehlt: /srv/qz/status/QZ_CHECK_20260201.ok",
        "qz: ERREUR résultat du job prédécesseur QZ_CHECK absent après 30 min : /srv/qz/status/QZ_CHECK_20260201.ok",
        "qz: ERROR resultado del job predecesor QZ_CHECK no disponible: /srv/qz/status/QZ_CHECK_20260201.ok",
    ],
)
def test_a_predecessor_s_missing_result_in_any_language_is_a_dependency_on_that_job(line: str) -> None:
    body = f"ls: cannot access '/srv/qz/status/QZ_CHECK_20260201.ok': No such file or directory\n{line}\n"
    annotation = _annotate(body, engine=RULES)
    assert annotation.category == "dependency"
    assert annotation.error_line == line
    assert "QZ_CHECK" in annotation.root_cause


@pytest.mark.parametrize(
    ("above", "below", "config"),
    [
        # the file an option gave the command, not the logging configuration named nearer
        (["+ /usr/share/qz/bin/qz -f /srv/qz/pipelines/load.conf --path.data /var/lib/qz",
          "Using log4j2 configuration /etc/qz/log4j2.properties"], [], "/srv/qz/pipelines/load.conf"),
        (["+ qzctl run -c=/srv/qz/config/prod/daily.yaml"], [], "/srv/qz/config/prod/daily.yaml"),
        # where the failing property came from, under the error
        ([], ["    Origin: URL [file:/srv/qz/config/application-prod.yml] - 14:21"],
         "/srv/qz/config/application-prod.yml"),
        # the file a deployment copied into place
        (["D:\\Apps\\Qz>copy /Y D:\\Deploy\\Qz\\5.2\\Qz.exe.config D:\\Apps\\Qz\\Qz.exe.config"], [],
         "D:\\Apps\\Qz\\Qz.exe.config"),
        (["qz: reading /srv/qz/in/orders.csv"], [], None),
    ],
)  # fmt: skip
def test_the_configuration_file_of_a_configuration_error(
    above: list[str], below: list[str], config: str | None
) -> None:
    assert configuration_near(above, below) == config


def test_a_configuration_error_names_its_file_rather_than_the_tool_s_code() -> None:
    body = (
        "+ /usr/share/qz/bin/qz -f /srv/qz/pipelines/load.conf\n"
        '[2026-02-01T03:00:05,741][ERROR][qz.agent] Failed to execute action {:exception=>"Qz::ConfigurationError", '
        ":message=>\"Expected one of '#', '{' at line 27\", :backtrace=>[\"/usr/share/qz/lib/qz/compiler.rb:32:in "
        "`compile'\"]}\n"
    )
    annotation = _annotate(body, engine=RULES)
    assert annotation.category == "script_error"
    assert "/srv/qz/pipelines/load.conf" in annotation.root_cause


@pytest.mark.parametrize(
    "line",
    [
        "Error in library(sf) : there is no package called ‘sf’",
        "Błąd w library(sf) : nie ma pakietu o nazwie ‘sf’",
        "Fehler in library(sf) : es gibt kein Paket namens ‘sf’",
        "Erreur dans library(sf) : aucun package nommé ‘sf’ n'est trouvé",
    ],
)
def test_an_r_package_that_is_not_installed_is_a_dependency_named_by_the_package(line: str) -> None:
    body = f"+ Rscript /srv/qz/R/maps.R\n{line}\nWykonywanie wstrzymane\n+ ls -d /usr/lib64/R/library/sf\n"
    body += "ls: cannot access '/usr/lib64/R/library/sf': No such file or directory\n"
    annotation = _annotate(body, engine=RULES)
    assert annotation.category == "dependency"
    assert annotation.error_line == line
    assert "sf" in annotation.root_cause


@pytest.mark.parametrize(
    "line",
    [
        "Import-Module : Le module spécifié « SqlServer » n'a pas été chargé, car aucun fichier de module valide n'a "
        "été trouvé dans aucun répertoire de module.",
        'Import-Module : Das angegebene Modul "SqlServer" wurde nicht geladen, da in einem Modulverzeichnis keine '
        "gültige Moduldatei gefunden wurde.",
    ],
)
def test_powershell_s_module_that_is_not_installed_in_its_languages(line: str) -> None:
    annotation = _annotate(f"qz: export started\n{line}\nAu caractère D:\\qz\\export.ps1:3 : 1\n", engine=RULES)
    assert annotation.category == "dependency"
    assert annotation.error_line == line
    assert "SqlServer" in annotation.root_cause


@pytest.mark.parametrize(
    ("line", "named"),
    [
        ("Write operations on database 'qz' are not allowed for user 'svc_qz' with FULL overridden by READ.", "svc_qz"),
        ("no permission for INSERT access to TABLE QZ_RESULTS", "QZ_RESULTS"),
        ("ERROR qz: status=403 type=security_exception reason=action [indices:data/write/bulk[s]] is unauthorized "
         "for user [svc_qz] with effective roles [qz_writer] on indices [qz-2026.02]", "svc_qz"),
    ],
)  # fmt: skip
def test_a_role_or_grant_that_forbids_the_action_is_a_permission(line: str, named: str) -> None:
    annotation = _annotate(f"qz: loading\n{line}\n", engine=RULES)
    assert annotation.category == "permission"
    assert annotation.error_line == line
    assert named in annotation.root_cause


def test_a_service_that_says_unauthorized_still_rejects_the_credentials() -> None:
    line = "requests.exceptions.HTTPError: 401 Client Error: Unauthorized for url: https://api.qz.test/v1/orders"
    assert _annotate(f"{line}\n", engine=RULES).category == "auth"


@pytest.mark.parametrize(
    "line",
    [
        '"message": "ErrorCode=UserErrorSourceBlobNotExist,Message=The required Blob is missing. ContainerName: qz"',
        "azure.core.exceptions.ResourceNotFoundError: The specified blob does not exist. ErrorCode:BlobNotFound",
        "botocore.errorfactory.NoSuchKey: An error occurred (NoSuchKey) when calling the GetObject operation",
    ],
)
def test_an_object_store_s_missing_object_is_a_missing_file(line: str) -> None:
    assert _annotate(f"qz: copying the export\n{line}\n", engine=RULES).category == "missing_file"


@pytest.mark.parametrize(
    "line",
    [
        "Could not allocate space for object 'dbo.Qz'.'PK_Qz' in database 'Qz' because the 'PRIMARY' filegroup is "
        "full. Create disk space by deleting unneeded files, dropping objects in the filegroup, adding additional "
        "files to the filegroup, or setting autogrowth on for existing files in the filegroup.",
        'Für das Objekt "dbo.Qz" in der Datenbank "Qz" konnte kein Speicherplatz zugeordnet werden, weil die '
        "PRIMARY-Dateigruppe voll ist. Erstellen Sie Speicherplatz, indem Sie Dateien löschen.",
        "Nie można przydzielić miejsca dla obiektu 'dbo.Qz' w bazie danych 'Qz', ponieważ grupa plików 'FG_QZ' "
        "jest pełna. Utwórz miejsce na dysku, usuwając niepotrzebne pliki.",
    ],
)
def test_sql_server_s_full_filegroup_is_the_database_s_not_a_full_disk(line: str) -> None:
    assert _annotate(f"qz: loading\n{line}\n", engine=RULES).category == "db_error"


def test_deno_s_type_check_is_the_job_s_code_at_its_place() -> None:
    body = (
        "+ deno run --check src/main.ts\n"
        "error: TS2551 [ERROR]: Property 'schemeRef' does not exist on type 'Case'. Did you mean 'schemeReference'?\n"
        "    const ref = c.schemeRef ?? c.arn;\n"
        "                  ~~~~~~~~~\n"
        "    at file:///srv/qz/src/export_cases.ts:64:19\n"
    )
    annotation = _annotate(body, engine=RULES)
    assert annotation.category == "script_error"
    assert "/srv/qz/src/export_cases.ts:64" in annotation.root_cause


def test_powershell_7_s_error_view_quotes_the_message_under_its_script_line() -> None:
    message = "     | Missing closing '}' in statement block or type definition."
    body = (
        "+ pwsh -File /srv/qz/bin/restock.ps1\n"
        "ParserError: /srv/qz/bin/restock.ps1:57\n"
        "Line |\n"
        "  57 |      foreach ($item in $items) {\n"
        "     |                                ~\n"
        f"{message}\n"
    )
    annotation = _annotate(body, engine=RULES)
    assert annotation.category == "script_error"
    assert annotation.error_line == message.strip()
    assert "/srv/qz/bin/restock.ps1:57" in annotation.root_cause


def test_a_notice_at_a_localised_progress_level_is_no_failure() -> None:
    timeout = "psql:/srv/qz/sql/waves.sql:21: CHYBA:  rušení příkazu z důvodu vypršení časového limitu příkazu"
    body = f'psql:/srv/qz/sql/waves.sql:3: POZNÁMKA:  tabulka "tmp_qz" neexistuje, přeskakuji\n{timeout}\n'
    annotation = _annotate(body, engine=RULES)
    assert annotation.category == "timeout"
    assert annotation.error_line == timeout


@pytest.mark.parametrize(
    ("line", "category"),
    [
        ("Na disku není dostatek místa.", "disk_full"),
        ("OSError: [Errno 28] Δεν απομένει χώρος στη συσκευή", "disk_full"),
        ("* 258: insufficient privilege: Detailed info for this error can be found with guid '7A3C'", "permission"),
    ],
)
def test_more_messages_in_their_languages(line: str, category: str) -> None:
    assert category in {e.category for e in read_line(line).evidence} or _annotate(line + "\n").category == category
