"""Round 14 (rules-16), on invented lines: a localised failure message anywhere in a joblog is a candidate
line (read like a rule-hint line, under the same bounds) and beats a wrapper's localised verdict; British
spellings; a disk or target that has become full; a data row against its header; TypeScript's numbered
diagnostics; a configuration that does not parse; a refused connection that names the client's identity;
a chain's root that only repeats the start of the client's own message."""

from __future__ import annotations

import pytest

from tests.models.annotate.test_round10 import _top as _first
from tests.models.annotate.test_rules_engine import _annotate
from twspulse.models.annotate.annotation import Annotation
from twspulse.models.annotate.evidence import american_spelling
from twspulse.models.annotate.excerpt import HINT_LINE_LIMIT, read_joblog
from twspulse.models.annotate.rule_base import RULES_VERSION

# Progress lines with no failure word, enough to push a line out of the first 25 and the last 40 lines.
_PADDING = [f"2031-02-03 04:05:{n % 60:02d} lot {n} traité" for n in range(60)]


def _annotated_as(lines: list[str], category: str, error_line: str) -> Annotation:
    """The annotation of a joblog of `lines`, checked for its category and error line."""
    annotation = _annotate("".join(f"{line}\n" for line in lines))
    assert (annotation.category, annotation.error_line) == (category, error_line)
    return annotation


def test_the_rules_version_is_16() -> None:
    assert RULES_VERSION == "rules-16"


def test_a_localised_line_in_the_middle_of_a_joblog_is_a_candidate() -> None:
    cause = "psql:/srv/sql/maj_stock.sql:14: ERREUR:  droit refusé pour la table inventaire_quai"
    lines = [*_PADDING, cause, "2031-02-03 04:06:00 ERROR psql a retourné 3", *_PADDING]
    annotation = _annotated_as(lines, "permission", cause)
    assert annotation.entities.get("tables") == ["inventaire_quai"]


def test_a_localised_name_resolution_failure_beats_the_wrappers_localised_verdict() -> None:
    cause = "Resolvendo deposito-sul.exemplo (deposito-sul.exemplo)... falhou: Nome ou serviço desconhecido."
    lines = [*_PADDING, cause, *_PADDING, "2031-02-03 04:09:00 ERRO  coleta.sh terminou com erro, rc=4"]
    annotation = _annotated_as(lines, "network", cause)
    assert "deposito-sul.exemplo" in annotation.root_cause


def test_a_line_with_a_localised_word_beyond_ascii_is_a_candidate_too() -> None:
    cause = "kopia: не удалось открыть '/srv/sklad/ключ.pem': Отказано в доступе"
    lines = [*_PADDING, cause, *_PADDING, "2031-02-03 04:09:00 job ended abnormally"]
    _annotated_as(lines, "permission", cause)


_LOCALISED = {
    "curl: impossible de résoudre l'hôte serveur-nord": "network",
    "wget: não foi possível resolver endereço de máquina “arquivo.exemplo”": "network",
    "Host »lager.example« kann nicht aufgelöst werden": "network",
    "ping: nome o servizio sconosciuto": "network",
    "ERREUR:  droit refusé pour la relation ventes_jour": "permission",
}


@pytest.mark.parametrize(("line", "category"), _LOCALISED.items())
def test_localised_name_resolution_and_refused_rights(line: str, category: str) -> None:
    assert _first(line) == category


def test_a_localised_verdict_weighs_like_an_english_one() -> None:
    cause = "cp: /arquivo/entrada/lote7.dat: Arquivo ou diretório inexistente"
    verdict = "ERRO carga_lote.sh falhou com código de retorno 2: arquivo ou diretório inexistente"
    _annotated_as([verdict, cause], "missing_file", cause)  # the verdict loses even when printed first


def test_localised_hint_lines_keep_the_hint_bound() -> None:
    lines = [f"étape {n}: droit refusé pour la table t{'x' * (n % 7)}_{chr(97 + n % 26)}{n}" for n in range(400)]
    joblog = read_joblog("".join(f"{line}\n" for line in lines))
    assert 0 < len(joblog.hint_lines) <= HINT_LINE_LIMIT


def test_british_spellings_are_read_as_the_american_ones() -> None:
    assert american_spelling("Unauthorised: authorisation not recognised") == (
        "Unauthorized: authorization not recognized"
    )
    assert american_spelling("NOT AUTHORISED") == "NOT AUTHORIZED"
    assert american_spelling("the raise was authorised") == "the raise was authorized"
    assert american_spelling("a promise is a promise") == "a promise is a promise"


def test_a_refused_connection_that_names_the_clients_identity_is_auth() -> None:
    cause = "broker link: Connection refused: not authorised (client meterpub-7)"
    annotation = _annotated_as(
        ["+ pub_tool -h broker7 -u svc_zwolle -t a/b", cause, "publish step stopped, rc=5"], "auth", cause
    )
    assert annotation.entities.get("users") == ["svc_zwolle"]


# A full disk or target named by its path, and a data row against its header: (category, the path named).
_NAMED = {
    'SQL9999N  The target disk "/bak/vol3" has become full.': ("disk_full", "/bak/vol3"),
    "backup: the target volume /bak/vol4 has become full": ("disk_full", "/bak/vol4"),
    "The disk '/export/arch' is full.": ("disk_full", "/export/arch"),
    "tsvtool: data length 9 exceeds header length 8 at /in/kunden.tsv line 77": ("data_quality", "/in/kunden.tsv"),
    "reader: expected 6 fields, saw 5 in /in/lager.csv": ("data_quality", "/in/lager.csv"),
    "tool: CSV header/data length mismatch 6 != 5 at filename /in/bestand.csv row 12.": (
        "data_quality",
        "/in/bestand.csv",
    ),
}


@pytest.mark.parametrize(("line", "expected"), _NAMED.items())
def test_a_full_target_and_a_row_against_its_header(line: str, expected: tuple[str, str]) -> None:
    category, path = expected
    annotation = _annotated_as([line, "step ended abnormally rc=4"], category, line)
    assert annotation.entities.get("paths", [None])[0] == path
    assert path in annotation.root_cause


def test_a_typescript_diagnostic_is_a_script_error() -> None:
    cause = "src/load.ts:7:12 - error TS2322: Type 'string' is not assignable to type 'number'."
    annotation = _annotated_as(["tsc-runner: compile of src/load.ts stopped", cause], "script_error", cause)
    assert "src/load.ts" in annotation.root_cause


def test_a_configuration_that_does_not_parse_is_a_script_error() -> None:
    cause = (
        '[ERROR][pipe.agent] Failed to execute action {:exception=>"Pipe::ConfigurationError", '
        ':message=>"Expected one of [ \\t], \\"#\\" at line 8, column 3 (byte 120) after input {"}'
    )
    _annotated_as(["starting pipeline from /etc/pipe/conf.d/a.conf", cause], "script_error", cause)
    assert _first("parser: Expected one of [ ], '=>' at line 4, column 9") == "script_error"


def test_the_clients_message_that_names_the_target_beats_a_root_that_repeats_its_start() -> None:
    headline = "netlib.AnnotatedConnectException: Connection refused: kade-mq2/10.9.8.7:61617"
    lines = [headline, "Caused by: acme.net.LinkRefusedException: Connection refused", "\tat x.y.Z.run(Z.java:1)"]
    annotation = _annotated_as(lines, "network", headline)
    assert "kade-mq2" in annotation.root_cause


def test_a_root_that_says_more_still_wins() -> None:
    cause = "Caused by: acme.net.LinkRefusedException: Connection refused: kade-mq2/10.9.8.7:61617"
    lines = ["netlib.SomeClientException: Connection refused", cause, "\tat x.y.Z.run(Z.java:1)"]
    _annotated_as(lines, "network", cause)


_MSG_HEADERS = {
    "Mens. 1205, Nivel 13, Estado 51, Servidor SRVX, Procedimiento dbo.p_carga, Línea 4": (
        "Su transacción fue elegida como víctima del otro proceso. Ejecute de nuevo la transacción.",
        "db_error",
    ),
    "Meldung 229, Ebene 14, Status 5, Zeile 2": (
        "Die SELECT-Erlaubnis fehlt für das Objekt 'lager_saldo'.",
        "permission",
    ),
    "Сообщение 18456, уровень 14, состояние 1, строка 1": ("Вход не выполнен для 'kassa_bot'.", "auth"),
    "メッセージ 208、レベル 16、状態 1、行 1": ("名前 'dbo.tabelle9' の参照が解決できません。", "db_error"),
}


@pytest.mark.parametrize(("header", "expected"), _MSG_HEADERS.items())
def test_a_localised_sql_server_header_is_read_through_the_msg_code_table(
    header: str, expected: tuple[str, str]
) -> None:
    message, category = expected
    padding = [f"({n} ligne(s) affectée(s))" for n in range(30)]
    annotation = _annotated_as([*padding, header, message, *padding, "sqlcmd rc=1"], category, message)
    assert annotation.entities.get("rule") == f"evidence:{category}"
    assert _annotate(f"{message}\nsqlcmd rc=1\n").category == "unknown"  # the header's code says it, not the words


def test_a_host_is_named_with_the_port_the_joblog_gives_for_it() -> None:
    cause = "netlib.AnnotatedConnectException: Connection refused: kade-mq2/10.9.8.7:61617"
    annotation = _annotated_as([cause, "producer exit code 1"], "network", cause)
    assert "kade-mq2:61617" in annotation.root_cause
    timeout = "acme.http.ReadTimeoutException: Read timed out after 60000 ms"
    lines = ["INFO client endpoint https://tarief-api.voorbeeld.intern:9443/v2/prijs", *_PADDING[:20], timeout]
    assert "tarief-api.voorbeeld.intern:9443" in _annotated_as(lines, "timeout", timeout).root_cause


def test_the_full_path_of_a_file_the_line_also_abbreviates_is_named() -> None:
    cause = 'Error reading "conf/sleutel.pem": open /opt/kluis/conf/sleutel.pem: permission denied'
    annotation = _annotated_as([cause, "backup failed rc=1"], "permission", cause)
    assert annotation.root_cause.startswith("Permission denied on /opt/kluis/conf/sleutel.pem")
