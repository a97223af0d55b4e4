"""The account a refused login used, the application an out-of-memory program ran as, and the program a
wrapper-led command line starts (rules-20, round 17), on invented joblogs and lines."""

from __future__ import annotations

import pytest

from tests.models.annotate.test_rules_engine import _annotate
from twspulse.models.annotate.key_entities import application_above, credential_above, program_above


@pytest.mark.parametrize(
    ("line", "account"),
    [
        ("qz: connect user=qzload host=db1", "qzload"),
        (
            '  "sasl.jaas.config": "ScramLoginModule required username=\\"svc-qz-sink\\" password=\\"***\\";",',
            "svc-qz-sink",
        ),
        ("qz 03:00:01 VAULT_ROLE=qz-nightly VAULT_ADDR=https://vault.qz.test:8200", "qz-nightly"),
        ("INFO qz: client credentials from /etc/qz/api.env, client_id qz-import", "qz-import"),
        ("qz: aws s3 cp /srv/qz/a.csv s3://qz-bucket/in/ --profile qz-exchange", "qz-exchange"),
        ("INFO qz: Import nach SAP P01, Benutzer RFC_QZ_IN", "RFC_QZ_IN"),
        ("[qz] connessione QZ_READER@QZPRD (password da /etc/qz/.pwd)", "QZ_READER"),
        ("+ sqlplus -s QZ_LOAD/***@QZPRD @/srv/qz/sql/load.sql", "QZ_LOAD"),
        ("+ curl --user svc-qz@qz.test:******** --url smtp://mail.qz.test:587", "svc-qz@qz.test"),
    ],
)
def test_the_account_a_job_states(line: str, account: str) -> None:
    assert credential_above(["INFO qz: start", line, "INFO qz: 12 rows read"]) == account


@pytest.mark.parametrize(
    "line",
    [
        "Error writing data to auth/approle/login: Error making API request.",  # a URL's path, then prose
        "ERROR qz - Error logging in: INVALID_LOGIN: Invalid username, password or token",
        "    client.connect(dest.host, port=dest.port, username=dest.user, password=dest.password)",  # code
        "< 250-AUTH LOGIN XOAUTH2",  # a mail server's offer, not the job's account
        "[Producer clientId=qz-publisher] Connection to node -1 failed authentication",  # Kafka's client id
        "ORA-01013: user requested cancel of current operation",
    ],
)
def test_what_is_not_an_account(line: str) -> None:
    assert credential_above([line]) is None


def test_a_refused_login_names_the_account_the_job_stated() -> None:
    annotation = _annotate(
        "qz: 03:00:01 publishing to kafka-qz1.qz.test:9093, SASL user svc-qz-moves, topic qz.moves\n"
        "[Producer clientId=qz-publisher] Connection to node -1 (kafka-qz1.qz.test/10.0.0.5:9093) failed "
        "authentication due to: Authentication failed during authentication due to invalid credentials with SASL "
        "mechanism SCRAM-SHA-512\nqz: ended rc=1\n"
    )
    assert annotation.category == "auth"
    assert "svc-qz-moves" in annotation.root_cause


@pytest.mark.parametrize(
    ("line", "application"),
    [
        ("25/12/09 02:00:03 INFO SparkContext: Submitted application: QzPairing-2031-01", "QzPairing-2031-01"),
        ("qz: spark-submit --master yarn --name qz-cashflows --num-executors 4 /srv/qz/job.py", "qz-cashflows"),
        (
            "INFO o.s.b.c.l.support.SimpleJobLauncher : Job: [SimpleJob: [name=qzExportJob]] launched with",
            "qzExportJob",
        ),
        ("CWWKY0101I: Job qzAggregation with instance ID 4711 has been submitted.", "qzAggregation"),
        ("qz: docker run --name qz-engine-20310203 --memory 24g registry.qz.test/qz/engine:4.1", "qz-engine-20310203"),
    ],
)
def test_the_application_a_job_started(line: str, application: str) -> None:
    assert application_above(["INFO qz: start", line, "INFO qz: stage 3 of 9"]) == application


def test_an_out_of_memory_names_the_application_besides_the_program() -> None:
    annotation = _annotate(
        "qz: spark-submit --master yarn --name qz-cashflows /srv/qz/cfp_job.py --day 3\n"
        "ERROR YarnScheduler: Lost executor 7 on wn-7.qz.test: Container killed by YARN for exceeding physical "
        "memory limits. 14.1 GB of 14 GB physical memory used.\nqz: ended rc=1\n"
    )
    assert annotation.category == "oom"
    assert "program /srv/qz/cfp_job.py" in annotation.root_cause
    assert "application qz-cashflows" in annotation.root_cause


@pytest.mark.parametrize(
    ("line", "program"),
    [
        (
            "qz 01:20:01 systemd-run --wait --uid=svc_qz -p MemoryMax=24G /srv/qz/bin/qz-engine --day 3",
            "/srv/qz/bin/qz-engine",
        ),
        ("+ nohup /srv/qz/bin/qzfold --all", "/srv/qz/bin/qzfold"),
        (
            "qz 01:20:01 systemd-run --scope -p MemoryMax=24G /srv/qz/venv/bin/python3 -m qz.screening --day 3",
            "qz.screening",
        ),
        ("+ python3 -m qz_tools.fold --all", "qz_tools.fold"),
    ],
)
def test_the_program_past_a_wrapper_or_a_python_module(line: str, program: str) -> None:
    assert program_above(["INFO qz: start", line, "INFO qz: 3 of 9 blocks"]) == program


def test_a_wrapper_word_in_prose_starts_no_program() -> None:
    assert program_above(["2031-02-03 01:20:01 nohup ignoring input and appending output"]) is None
