"""Entities read for naming the thing to fix (key_entities.extract), on synthetic lines."""

from __future__ import annotations

import pytest

from tests.models.annotate.test_rules_engine import RUN, _annotate
from twspulse.models.annotate.key_entities import extract


@pytest.mark.parametrize(
    ("line", "login"),
    [
        ("loader: connecting to amqps://svc_feed@bus9.shop.test:5671/vh", "svc_feed"),
        ("connect postgresql://rep_x:****@db9.shop.test/shop", "rep_x"),
        ("INFO cfg - crm.username=feed.bot@shop.test", "feed.bot@shop.test"),
        ('{"host": "db9.shop.test", "user": "svc_json"}', "svc_json"),
        ("Driver={X};Server=db9;UID=odbc_x;PWD=****", "odbc_x"),
    ],
)
def test_a_login_stated_as_a_setting_or_in_a_url_is_the_first_user(line: str, login: str) -> None:
    found = extract([line])
    assert found["logins"] == [login] and found["users"][0] == login


def test_message_codes_and_numbers_are_not_stated_logins() -> None:
    assert "logins" not in extract(["E: BAD_USER: the account cannot be used", "uid=1001(batch) gid=1001"])


def test_the_object_of_a_message_is_the_table_not_a_step_label_with_a_copy_number() -> None:
    assert extract(["12:00 - Read rows.2 - Table lookup.1 - ERROR: access refused on table ledger_x"])["tables"] == [
        "ledger_x"
    ]


def test_a_label_key_domain_is_not_a_host_but_a_host_with_its_address_is() -> None:
    assert "hosts" not in extract(["+ kubectl get pods -l team.shop.io/app=feed-x"])
    assert extract(["Connection to node 2 (kb2.shop.test/10.1.2.3:9092) failed"])["hosts"] == ["kb2.shop.test"]


def test_a_resource_scope_path_names_its_last_segment_and_an_action_path_is_not_a_file() -> None:
    found = extract(
        ["caller may not run action 'Vendor.Things/widgets/read' over scope '/tenants/t1/groups/g2/widgets/w-42'"]
    )
    assert found["resources"] == ["w-42"] and "paths" not in found


@pytest.mark.parametrize(
    ("line", "kind", "value"),
    [
        ('Error: deployment "feed-api" exceeded its progress deadline', "resources", "feed-api"),
        (
            "resolve failed: could not find artifact org.shop:feed-core:jar:2.0 in mirror",
            "modules",
            "org.shop:feed-core:jar:2.0",
        ),
        ("   Target : /mnt/archive/daily/", "destinations", "/mnt/archive/daily/"),
        ("IEF472I JOBX STEP2 - COMPLETION CODE - SYSTEM=B37 USER=0000 ABEND=SB37", "error_codes", "SB37"),
    ],
)
def test_kind_objects_artifacts_destinations_and_abend_codes_are_named(line: str, kind: str, value: str) -> None:
    assert extract([line])[kind] == [value]


def test_a_stated_login_nearby_outranks_a_word_after_user_in_prose() -> None:
    body = "INFO cfg - api.username=feed.bot@shop.test\nERROR login refused: bad password, or user suspended.\n"
    assert "feed.bot@shop.test" in _annotate(body).root_cause


def test_a_time_limit_names_the_object_it_waited_for_not_a_label_domain() -> None:
    body = 'Rollout "feed-api" started\nError: deployment "feed-api" wait failed: context deadline exceeded\n'
    body += "+ kubectl get pods -l team.shop.io/app=feed-api\n"
    annotation = _annotate(body, RUN)
    assert annotation.category == "timeout" and "Time limit exceeded on feed-api" in annotation.root_cause


def test_a_write_that_ran_out_of_space_names_the_labelled_destination() -> None:
    body = "copy job\n  Target : /mnt/archive/daily/\ncopy of /data/out/big.dmp failed: No space left on device\n"
    assert "/mnt/archive/daily/" in _annotate(body).root_cause


def test_a_schema_or_sequence_a_right_is_missing_on_is_the_object_of_the_message() -> None:
    assert extract(["psql:/opt/x/load.sql:3: ERROR:  permission denied for schema mart_x"])["tables"] == ["mart_x"]


def test_prose_after_user_colon_is_not_a_login() -> None:
    assert "logins" not in extract(["auth failed for user: the password has expired"])


def test_a_java_class_is_named_once_and_by_its_entry_in_a_jar() -> None:
    found = extract(
        [
            "Caused by: java.lang.ClassNotFoundException: org.shop.feed.Parser",
            'Exception in thread "main" java.lang.NoClassDefFoundError: org/shop/feed/Parser',
        ]
    )
    assert found["classes"] == ["org.shop.feed.Parser"]
    assert found["jar_entries"] == ["org/shop/feed/Parser.class"]
    annotation = _annotate("Caused by: java.lang.ClassNotFoundException: org.shop.feed.Parser\n")
    assert "org/shop/feed/Parser.class" in annotation.root_cause


@pytest.mark.parametrize(
    ("line", "kind", "name"),
    [
        ("+ vault-sync --password-file /etc/sync/x9.pw pull", "keys", "/etc/sync/x9.pw"),
        ("backup: --key-file=/opt/bk/keys/k1.key used", "keys", "/opt/bk/keys/k1.key"),
        ("credentials_file: /srv/app/gcp/cred.json", "keys", "/srv/app/gcp/cred.json"),
        ("INFO fetch: key=eu/dt=2031-01-02/orders_0102.json.gz", "resources", "eu/dt=2031-01-02/orders_0102.json.gz"),
        ("Key: daily/orders_0102.parquet", "resources", "daily/orders_0102.parquet"),
        ("uploader: blob_name=exports/a/x.csv", "resources", "exports/a/x.csv"),
        ("Copying file:///out/a.parquet to gs://land-x/a/a.parquet", "destinations", "gs://land-x/a/a.parquet"),
        ("upload: /out/b.csv to s3://land-y/in/b.csv", "destinations", "s3://land-y/in/b.csv"),
    ],
)
def test_credential_files_given_as_options_are_keys_and_stated_store_objects_resources(
    line: str, kind: str, name: str
) -> None:
    assert name in extract([line])[kind]


def test_a_setting_called_key_with_a_plain_value_is_not_an_object() -> None:
    assert "resources" not in extract(["cache: key=orders, ttl=60"])


_LOGIN_ABOVE = (
    "push: connecting to sftp.one.test:22 as first_acct\npush: sent a.csv\n"
    "push: connecting to sftp.two.test:22 as second_acct (password from /etc/p.cred)\n"
    "paramiko.ssh_exception.AuthenticationException: Authentication failed.\n"
)
_OBJECT_ABOVE_A_TRACE = (
    "INFO fetch: key=in/dt=2031-01-02/orders_0102.csv.gz\nTraceback (most recent call last):\n"
    '  File "/opt/app/main.py", line 8, in main\n    fetch(key)\n'
    "botocore.exceptions.ClientError: An error occurred (404) when calling the HeadObject operation: Not Found\n"
)
_TRUNCATED_COLUMN = (
    "Msg 2628, Level 16, State 1, Server S1, Procedure dbo.p_load, Line 4\n"
    "String or binary data would be truncated in table 'Db.dbo.Cust', column 'Zip'. Truncated value: '1'.\n"
)

_REFUSED_UPLOAD = (
    "Copying file:///out/a.parquet to gs://land-x/a/a.parquet\n"
    "ERROR: (gcloud.storage.cp) HTTPError 403: svc@p.test does not have storage.objects.create access\n"
)


@pytest.mark.parametrize(
    ("body", "category", "name"),
    [
        (_LOGIN_ABOVE, "auth", "second_acct"),  # the login stated last above the refusal
        (_OBJECT_ABOVE_A_TRACE, "missing_file", "orders_0102.csv.gz"),  # the object, not the job's code
        (_TRUNCATED_COLUMN, "data_quality", "Zip"),  # the column of a truncated value
        (_REFUSED_UPLOAD, "permission", "gs://land-x/"),  # where a refused write was to go
    ],
)
def test_the_login_above_a_refusal_the_object_of_a_store_error_and_a_truncated_column_are_named(
    body: str, category: str, name: str
) -> None:
    annotation = _annotate(body)
    assert annotation.category == category and name in annotation.root_cause
