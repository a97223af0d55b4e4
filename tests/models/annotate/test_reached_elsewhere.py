"""rules-22, part 2 (round 19): a connection failure the job got past. A client that failed over to another node
and was answered there, a refusal about an object on the far side, and a client's own "trying next node" make
the connection failure one the job survived; a later refusal that shows nothing of a server does not. And the line
model never swaps the rules' first failure for a later copy of the same message (the next file of one refused copy)."""

from __future__ import annotations

import pytest

from tests.models.annotate.test_rules_engine import _annotate
from twspulse.models.annotate import rules_engine
from twspulse.models.annotate.excerpt import read_joblog
from twspulse.models.annotate.line_model import Preference

RULES = rules_engine.RulesEngine(line_model=None)
REFUSED = "Code: 210. DB::NetException: Connection refused (qz-ch02.qz.local:9000). (NETWORK_ERROR)\n"


def test_a_refusal_from_another_node_means_the_client_failed_over() -> None:
    annotation = _annotate(
        "+ clickhouse-client --host qz-ch02.qz.local --query 'INSERT INTO st.lb SELECT 1'\n"
        + REFUSED
        + "qz_load: trying qz-ch01.qz.local\n"
        "+ clickhouse-client --host qz-ch01.qz.local --query 'INSERT INTO st.lb SELECT 1'\n"
        "Code: 497. DB::Exception: Received from qz-ch01.qz.local:9000. DB::Exception: svc_lb: Not enough "
        "privileges. To execute this query, it's necessary to have the grant INSERT ON st.lb. (ACCESS_DENIED)\n",
        engine=RULES,
    )
    assert annotation.category == "permission"
    assert annotation.error_line.startswith("Code: 497.")


def test_a_refusal_of_a_remote_object_means_the_server_was_reached() -> None:
    annotation = _annotate(
        "+ smbclient //qz-fs04/scan$ -k -c 'ls'\n"
        "do_connect: Connection to qz-fs04 failed (Error NT_STATUS_IO_TIMEOUT)\n"
        "qz_archive: share on qz-fs04 not reachable, using qz-fs03\n"
        "+ smbclient //qz-fs03/archiv$ -k -c 'mkdir Archiv\\2026'\n"
        "NT_STATUS_ACCESS_DENIED making remote directory \\Archiv\\2026\n",
        engine=RULES,
    )
    assert annotation.category == "permission"


def test_a_later_refusal_that_shows_no_server_leaves_the_connection_failure() -> None:
    refused_write = "cp: cannot create regular file '/srv/qz/out.csv': Permission denied\n"
    annotation = _annotate(REFUSED + refused_write, engine=RULES)
    assert annotation.category == "network"


@pytest.mark.parametrize(
    "notice",
    ["trying next node", "failing over to qz-db02", "switching to the standby", "trying another broker"],
)
def test_a_client_that_moves_to_another_node_survived_the_first(notice: str) -> None:
    annotation = _annotate(
        f"01:20:13 ERROR Pool: connection to qz-db01.qz.local:9042 failed (Connection refused), {notice}\n"
        "01:20:14 INFO Pool: connected\n"
        'ERROR: duplicate key value violates unique constraint "qz_pk"\n',
        engine=RULES,
    )
    assert annotation.category == "db_error"


def test_the_line_model_is_never_offered_a_later_copy_of_the_same_message(monkeypatch: pytest.MonkeyPatch) -> None:
    offered: list[set[int]] = []

    def record(model: object, body: object, indexes: set[int], chosen: int) -> Preference | None:
        offered.append(set(indexes))
        return None

    monkeypatch.setattr(rules_engine, "preferred_line", record)
    body = "".join(
        f"2026/02/04 03:15:{second:02d} ERROR 5 (0x00000005) Copying File E:\\Out\\F-{number}.pdf\nAccess is denied.\n"
        for second, number in ((3, 31877), (8, 31878), (13, 31879))
    )
    engine = rules_engine.RulesEngine()
    joblog = read_joblog(body)
    matches = engine.matches(joblog, own_job=None)
    best = rules_engine._best(matches, joblog.lines)
    assert best is not None and best.text.endswith("F-31877.pdf")
    rules_engine._learned_choice(engine.line_model, best, matches, joblog)  # type: ignore[arg-type]
    first = joblog.frame.body_first_line
    copies = {m.line_no - first for m in matches if m.text.startswith("2026/02/04") and m.line_no != best.line_no}
    assert copies and offered and not copies & offered[0]


@pytest.mark.parametrize(
    "notice",
    ["ponowienie 1/3", "uusintayritys 30 s kuluttua", "nieuwe poging over 30 s", "nytt försök om 30 s", "再試行します"],
)
def test_a_retry_notice_in_other_languages_is_a_retry(notice: str) -> None:
    annotation = _annotate(
        f"2026/04/29 00:45:13 qzimport: write tcp 10.0.0.1:51422->10.0.0.2:5432: connection reset by peer - {notice}\n"
        "2026/04/29 00:45:14 qzimport: batch 6 written\n"
        '2026/04/29 00:45:38 qzimport: ERROR: duplicate key value violates unique constraint "qz_pk"\n',
        engine=RULES,
    )
    assert annotation.category == "db_error"


def test_a_replica_the_client_replaced_by_the_primary_explains_no_time_limit() -> None:
    annotation = _annotate(
        "warn: Qz.Report[0] Connection attempt 1 to replica QZ-SQL02 failed: A network-related or instance-specific "
        "error occurred while establishing a connection to SQL Server (error 53) - using primary\n"
        "Unhandled exception. Microsoft.Data.SqlClient.SqlException (0x80131904): Execution Timeout Expired.  The "
        "timeout period elapsed prior to completion of the operation or the server is not responding.\n",
        engine=RULES,
    )
    assert annotation.category == "timeout"


@pytest.mark.parametrize(
    "line",
    [
        'qzimport: file Q_20260428.csv row 1187: parsing time "2026-04-28T24:10:00+02:00": hour out of range',
        'qzimport: parsing time "28.04.2026" as "2006-01-02": cannot parse "28.04.2026" as "2006"',
        'qzimport: row 4: strconv.ParseFloat: parsing "7,43": invalid syntax',
    ],
)
def test_a_value_go_could_not_parse_is_invalid_data(line: str) -> None:
    assert _annotate(f"{line}\n", engine=RULES).category == "data_quality"
