"""The review of rules-22 (round 19): each finding, on invented lines, as it now reads."""

from __future__ import annotations

import re
import time

import pytest

from tests.models.annotate.test_rules_engine import _annotate
from twspulse.joblog.entities import extract_entities
from twspulse.models.annotate import rule_base
from twspulse.models.annotate.rules_engine import _RETRY, RulesEngine

RULES = RulesEngine(line_model=None)


def test_another_programs_refusal_after_a_refused_connection_is_a_cascade_not_a_failover() -> None:
    annotation = _annotate(
        "+ curl -sf https://vault.qz.example:8200/v1/secret/etl\n"
        "curl: (7) Failed to connect to vault.qz.example port 8200: Connection refused\n"
        "INFO connecting to warehouse\n"
        "+ psql -h db01.qz.example -U etl -f load.sql\n"
        'psql: error: connection to server at "db01.qz.example" (10.0.0.5), port 5432 failed: FATAL:  password '
        'authentication failed for user "etl"\n',
        engine=RULES,
    )
    assert annotation.category == "network"


@pytest.mark.parametrize(
    "line",
    [
        "ERROR: Failover to standby db02 failed: no standby configured",
        "ERROR: Reconnecting to MQ queue manager QM1 failed: MQRC_HOST_NOT_AVAILABLE (2538)",
        "AuthenticationFailed: Server failed to authenticate the request using the primary access key of account qz",
        "ERROR: session to sftp.qz.example was not reconnected; transfer of pay.csv aborted",
        "错误: 重试次数已用完, 连接被拒绝 db01:5432",
        "Chyba: opakování selhalo, spojení odmítnuto db01:5432",
    ],
)
def test_a_failover_or_retry_word_that_then_failed_is_no_retry_notice(line: str) -> None:
    assert _RETRY.search(line) is None


@pytest.mark.parametrize(
    ("line", "category"),
    [
        ("PLS-00904: insufficient privilege to access object QZ.PKG_LOAD", "permission"),
        ('PLS-00103: Encountered the symbol "END" when expecting one of the following:', "script_error"),
    ],
)
def test_only_a_compile_error_of_plsql_is_the_codes(line: str, category: str) -> None:
    assert _annotate(f"{line}\n", engine=RULES).category == category


@pytest.mark.parametrize(
    ("line", "host"),
    [
        ("Failed to load reference data from https://ref.qz.example/rates.csv: Connection refused", "ref.qz.example"),
        ("ERROR: request failed (details: POST https://billing.qz.example/api/invoices -> 503)", "billing.qz.example"),
        (
            "curl: (28) Operation timed out fetching docs from https://docs-api.qz.example/v2/export",
            "docs-api.qz.example",
        ),
        (
            "HTTP 401 Unauthorized from https://api.qz.example/v1/orders for more details see the audit log",
            "api.qz.example",
        ),
        ("ERROR: Connection refused: http://SqlProd01:8080/api/load", "SqlProd01"),
    ],
)
def test_a_server_the_job_called_stays_a_server(line: str, host: str) -> None:
    assert host in extract_entities([line]).get("hosts", [])


@pytest.mark.parametrize(
    "line",
    [
        "ORA-12541: Cannot connect. No listener at host 10.0.0.5 port 1521. Help: https://docs.qz.example/ora-12541/",
        "Troubleshooting: https://learn.qz.example/troubleshoot/sql",
        "Read more at https://aka.qz.example/x",
    ],
)
def test_a_help_link_is_no_server(line: str) -> None:
    assert "urls" not in extract_entities([line])


@pytest.mark.parametrize(
    ("command", "resource"),
    [
        ("az storage blob upload-batch --source out --destination pay --account-name qzacct", "qzacct/pay"),
        ("az storage blob download-batch --destination ./in --source pay --account-name qzacct", "qzacct/pay"),
        ("az storage blob upload --container-name $CONTAINER --account-name qzacct --file x", "qzacct"),
        ("az storage blob upload-batch --destination C:\\data\\in --account-name qzacct", "qzacct"),
    ],
)
def test_an_azure_storage_command_names_its_account_and_container_not_a_folder(command: str, resource: str) -> None:
    assert extract_entities([f"+ {command}"]).get("resources") == [resource]


@pytest.mark.parametrize(
    ("line", "user"),
    [
        ("User: arn:aws:iam::1:user/finance/etl-batch is not authorized to perform: s3:GetObject", "etl-batch"),
        ("User: arn:aws:iam::1:role/service-role/QzGlueRole is not authorized to perform: s3:GetObject", "QzGlueRole"),
        ("User: arn:aws:iam::123456789012:root is not authorized to perform: s3:GetObject", "root"),
    ],
)
def test_an_aws_principal_with_a_path_is_its_last_name(line: str, user: str) -> None:
    assert extract_entities([line])["users"] == [user]


def test_a_cloud_refusal_names_the_resource_of_the_policy() -> None:
    annotation = _annotate(
        "User: arn:aws:iam::1:user/etl is not authorized to perform: secretsmanager:GetSecretValue on resource: "
        "qz/db because no identity-based policy allows it\n",
        engine=RULES,
    )
    assert annotation.root_cause.startswith("Cloud authorization failed for qz/db")
    assert "etl" in annotation.root_cause


@pytest.mark.parametrize(
    "line",
    [
        "An error occurred (403) when calling the HeadObject operation: Forbidden",
        "An error occurred (AccessDeniedException) when calling the GetSecretValue operation: denied",
        "google.api_core.exceptions.Forbidden: 403 PERMISSION_DENIED: The caller does not have permission",
        "Access Denied: Project qz: User does not have bigquery.jobs.create permission in project qz.",
    ],
)
def test_other_cloud_refusals_are_read(line: str) -> None:
    annotation = _annotate(f"{line}\n", engine=RULES)
    assert annotation.category == "permission"
    assert annotation.entities["rule"] == "cloud_access"


def test_an_entra_code_is_quoted_not_explained_as_an_expired_secret() -> None:
    annotation = _annotate("AADSTS90002: Tenant 'qz.example' not found.\n", engine=RULES)
    assert annotation.category == "auth"
    assert "AADSTS90002: Tenant 'qz.example' not found." in annotation.root_cause
    assert "expired" not in annotation.root_cause
    line = "AADSTS700016: Application with identifier 'qz-app-1' was not found in the directory 'qz.example'."
    assert extract_entities([line])["principals"] == ["qz-app-1"]


@pytest.mark.parametrize(
    ("line", "category"),
    [
        ("'C:\\Users\\etl\\load_qz.cmd' is not recognized as an internal or external command,", "dependency"),
        ("'C:\\Users\\John' is not recognized as an internal or external command,", "script_error"),
        ("Impossible de trouver l'étiquette de lot spécifiée - fin", "script_error"),
        ("'C:\\Program' wird nicht als interner oder externer Befehl erkannt", "script_error"),
    ],
)
def test_a_cut_path_is_the_scripts_a_missing_script_a_missing_dependency(line: str, category: str) -> None:
    assert _annotate(f"{line}\n", engine=RULES).category == category


def test_an_empty_setting_go_cannot_parse_is_no_invalid_data() -> None:
    line = 'fatal: invalid BATCH_SIZE: strconv.Atoi: parsing "": invalid syntax'
    assert _annotate(f"{line}\n", engine=RULES).category != "data_quality"


def test_a_credentials_file_stays_named_for_a_refused_login() -> None:
    annotation = _annotate(
        "INFO using credentials file /home/etl/.netrc\ncurl: (67) Login denied\n",
        engine=RULES,
    )
    assert annotation.category == "auth"
    assert "/home/etl/.netrc" in annotation.root_cause


@pytest.mark.parametrize("notice", ["connection re-established", "Verbindung wiederhergestellt", "connexion rétablie"])
def test_a_link_made_again_in_other_words_was_survived(notice: str) -> None:
    annotation = _annotate(
        f"ERROR: lost connection to mq01.qz.example:1414: Connection reset by peer - {notice}\n"
        "cp: cannot stat '/data/qz/in/pay.csv': No such file or directory\n",
        engine=RULES,
    )
    assert annotation.category == "missing_file"


@pytest.mark.parametrize(
    "line",
    [
        "error: package org.apache.commons.lang3 does not exist",
        "in function pandas.concat",
        "Unable to locate package libssl.so",
    ],
)
def test_only_an_oracle_unit_is_a_plsql_unit(line: str) -> None:
    assert "units" not in extract_entities([line])


def test_an_unqualified_unit_in_sqlplus_errors_is_named() -> None:
    assert extract_entities(["Errors for PROCEDURE LOAD_ORDERS:"])["units"] == ["LOAD_ORDERS"]


def test_the_xml_schema_code_reading_is_linear() -> None:
    pattern = next(rule.pattern for rule in rule_base.RULES if rule.name == "bad_value")
    line = "cvc-" * 10_000
    started = time.perf_counter()
    pattern.search(line)
    assert time.perf_counter() - started < 0.2
    assert re.search(pattern, "cvc-pattern-valid: Value 'x' is not facet-valid") is not None
