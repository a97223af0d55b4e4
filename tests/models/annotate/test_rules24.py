"""rules-24, part 1 (round 21): a table is named under the schema the job names it by, and a marker file a
predecessor was to leave is what an unmet dependency names; a failing line in any language that names a marker
file is such a dependency."""

from __future__ import annotations

import pytest

from tests.models.annotate.test_rules_engine import _annotate
from twspulse.models.annotate import rules_engine
from twspulse.models.annotate.evidence import classify_line
from twspulse.models.annotate.key_entities import marker_file, qualified_table

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
