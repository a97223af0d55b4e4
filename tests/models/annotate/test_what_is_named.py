"""rules-22, part 1 (round 19): what an annotation names, on invented lines. A cloud service's refusal names the
object and the identity (an AWS role by its name, not "arn"; an Azure storage account and container), a URL a
message points to for reading or a Java namespace URI is no server, an Azure application is named by its id, and
a tool's own settings in the home directory are not what the failure is about."""

from __future__ import annotations

import pytest

from tests.models.annotate.test_rules_engine import _annotate
from twspulse.joblog.entities import extract_entities
from twspulse.models.annotate.rules_engine import RulesEngine

RULES_ONLY = RulesEngine(line_model=None)

RULES_LINE = (
    "upload failed: ./out/q.csv to s3://qz-bucket/in/q.csv An error occurred (AccessDenied) when calling the "
    "PutObject operation: User: arn:aws:sts::111122223333:assumed-role/qz-publisher/botocore-session-1 is not "
    "authorized to perform: kms:GenerateDataKey on resource: arn:aws:kms:eu-west-1:111122223333:key/k-1"
)


def test_an_aws_principal_is_its_role_not_the_word_arn() -> None:
    assert extract_entities([RULES_LINE])["users"] == ["qz-publisher"]
    line = "User: arn:aws:iam::111122223333:user/etl-qz is not authorized to perform: s3:ListBucket"
    assert extract_entities([line])["users"] == ["etl-qz"]


def test_a_cloud_refusal_names_the_object_and_the_identity() -> None:
    annotation = _annotate(f"{RULES_LINE}\n")
    assert annotation.category == "permission"
    assert annotation.root_cause.startswith("Cloud authorization failed for s3://qz-bucket/in/q.csv")
    assert "qz-publisher" in annotation.root_cause
    assert "database" not in annotation.root_cause


def test_an_azure_storage_refusal_names_the_account_and_container_of_the_command() -> None:
    annotation = _annotate(
        "+ az storage blob upload --account-name qzlake --container-name sales-q --name a/b.parquet "
        "--file /data/out/b.parquet --auth-mode login\n"
        "ERROR: This request is not authorized to perform this operation using this permission.\n"
        "ErrorCode:AuthorizationPermissionMismatch\n"
    )
    assert annotation.category == "permission"
    assert "qzlake/sales-q" in annotation.root_cause


@pytest.mark.parametrize(
    "line",
    [
        "cURL error 28: Operation timed out after 120002 ms (see https://curl.qz.example/errors.html)",
        "SLF4J(W): See https://www.logging.qz.example/codes.html#multiple_bindings for an explanation.",
        "WARN Entity 'Q' has a query filter. See https://go.qz.example/fwlink/?linkid=1 for more information.",
        "Visit the portal to create new keys for your app: https://qz.example/NewSecret",
        "WARN SAX Feature unsupported [http://javax.xml.XMLConstants/property/accessExternalDTD]",
    ],
)
def test_a_url_to_read_or_a_namespace_is_no_server(line: str) -> None:
    entities = extract_entities([line])
    assert "hosts" not in entities and "urls" not in entities


def test_a_server_the_line_calls_is_still_one() -> None:
    entities = extract_entities(["POST https://api.qz.example/v2/batch failed; see the log for details"])
    assert entities["hosts"] == ["api.qz.example"]
    assert extract_entities(["GET http://Srv01.Qz.Local/x timed out"])["hosts"] == ["Srv01.Qz.Local"]


def test_an_azure_application_is_named_by_its_id() -> None:
    line = "ERROR: AADSTS7000222: The client secret keys for app '5b1e8c2a-41f3-4d0b-9c77-2e6a0f9d1b38' expired."
    assert extract_entities([line])["principals"] == ["5b1e8c2a-41f3-4d0b-9c77-2e6a0f9d1b38"]


def test_a_tools_settings_in_the_home_directory_are_not_what_failed() -> None:
    annotation = _annotate(
        "+ smbclient -A /home/qzsvc/.smbcred //qz-fs01/pay -c 'put out/PAY_1.pdf'\n"
        "NT_STATUS_ACCESS_DENIED opening remote file \\PAY_1.pdf\n"
    )
    assert annotation.category == "permission"
    assert ".smbcred" not in annotation.root_cause


def test_a_settings_file_the_error_line_names_is_still_named() -> None:
    annotation = _annotate("psql: error: /home/qzsvc/.pgpass: Permission denied\n")
    assert "/home/qzsvc/.pgpass" in annotation.root_cause


def test_a_refused_remote_file_names_the_share_not_the_local_folder() -> None:
    annotation = _annotate(
        "+ smbclient //qz-fs01/pay -A /home/qzsvc/.smbcred -c 'lcd /data/pay/out; mput PAY_*.pdf'\n"
        "NT_STATUS_ACCESS_DENIED opening remote file \\2026\\PAY_1.pdf\n"
    )
    assert annotation.root_cause.startswith("Permission denied on //qz-fs01/pay")


def test_a_share_in_the_slash_form_is_a_path() -> None:
    assert "//qz-fs01/pay" in extract_entities(["+ mount -t cifs //qz-fs01/pay /mnt/pay -o ro"])["paths"]
    assert "paths" not in extract_entities(["x = 1 // a comment"])


ROBOCOPY_HEADER = (
    "-------------------------------------------------------------------------------\n"
    "   ROBOCOPY     ::     Robust File Copy for Windows\n"
    "-------------------------------------------------------------------------------\n"
    "   Source : D:\\Qz\\Out\\20260602\\\n"
    "     Dest : \\\\qz-nas03\\Archiv\\2026\\06\\\n"
    "    Files : *.zip\n"
)


@pytest.mark.parametrize(
    ("line", "category"),
    [
        ("2026/06/03 02:19:12 ERROR 112 (0x00000070) Copying File D:\\Qz\\Out\\20260602\\A_0008.zip", "disk_full"),
        ("2026/06/03 02:19:12 ERROR 5 (0x00000005) Copying File D:\\Qz\\Out\\20260602\\A_0008.zip", "permission"),
        ("2026/06/03 02:19:12 エラー 112 (0x00000070) ファイルをコピーしています D:\\Qz\\Out\\A_0008.zip", "disk_full"),
    ],
)
def test_a_file_robocopy_could_not_copy_names_where_it_was_going(line: str, category: str) -> None:
    body = ROBOCOPY_HEADER.replace("Dest :", "コピー先 :") if "エラー" in line else ROBOCOPY_HEADER
    annotation = _annotate(f"{body}\n{line}\n", engine=RULES_ONLY)
    assert annotation.category == category
    assert "\\\\qz-nas03\\Archiv\\2026\\06\\" in annotation.root_cause


def test_a_source_robocopy_could_not_read_is_still_the_source() -> None:
    line = "2026/06/03 02:19:12 ERROR 5 (0x00000005) Accessing Source Directory \\\\qz-fs01\\exports\\"
    annotation = _annotate(f"{ROBOCOPY_HEADER}\n{line}\nAccess is denied.\n", engine=RULES_ONLY)
    assert annotation.root_cause.startswith("Access denied on \\\\qz-fs01\\exports\\")


def test_a_mailbox_signs_in_by_its_whole_address() -> None:
    line = "INFO mailer: SMTP smtp.qz.example:587 STARTTLS, user pay.notices@qz.example"
    assert extract_entities([line])["users"][0] == "pay.notices@qz.example"
    assert extract_entities(["+ ssh etl@db01.qz.example uptime"])["users"] == ["etl"]
