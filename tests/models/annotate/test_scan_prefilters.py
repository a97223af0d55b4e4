"""The literal tests that spare the 1,000-line scans above a failure their regexes, and the line cache of the
entity reader: each must give the answer the regex alone gives (a prefilter may let a line through that the
regex then refuses, never stop one the regex would match)."""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterator

import pytest

from twspulse.joblog import entities
from twspulse.joblog.entities import CACHED_LINE_CHARS, extract_entities, forget_lines
from twspulse.joblog.error_lines import ErrorLine, pick_error_lines
from twspulse.models.annotate import excerpt, key_entities
from twspulse.models.annotate.evaluation import SPLITS
from twspulse.models.annotate.excerpt import decode_joblog
from twspulse.models.annotate.key_entities import job_above, routine_near
from twspulse.models.annotate.keyword_filter import KeywordSet, trie_pattern
from twspulse.models.annotate.rule_base import RULE_HINT_WORDS

# _AFTER_CALL as it was written before it was split into a literal test and an anchored match
_AFTER_CALL = re.compile(
    rf"^\s*{key_entities._ECHO_PROMPT}?(?i:select|insert|update|delete|merge|create|alter|drop|truncate|"
    r"copy|with|grant)\b|successfully completed"
)
SYNTHETIC = [
    "EXEC dbo.usp_load_orders @day='2026-12-01'",
    "exec etl.usp_x;",
    "2026-12-01 02:00:01 executing stage.refresh_all on dwh01",
    "CALL s.p(1, 2)",
    "Calling finance.post_journals(2026, 11)",
    "BEGIN pkg.proc(:a); END;",
    "begin etl.run_all;",
    "εκτέλεση dbo.usp_year @Year=2026",
    "step 3 usp_x @Day='d'",
    "  SQL> select * from t;",
    "dwh=> INSERT INTO x SELECT 1;",
    "1> WITH a AS (SELECT 1) SELECT * FROM a",
    "PL/SQL procedure successfully completed.",
    "Selected rows: 12",
    "kubectl create job nightly-recon --from=cronjob/recon",
    "job.batch/recon-20261201 created",
    "Executing <Task(PythonOperator): load_gl>",
    "START sql table model fin.gl_daily",
    "submitted job 4711 to the cluster",
    "helm upgrade --install settle-batch ./chart",
    "Database Error in model stg_orders (models/stg_orders.sql)",
    "Name:             recon-20261201",
    "  Normal  SuccessfulCreate  Created pod: recon-20261201-6kq2w",
    "triggered flow ingest_daily",
    "2026-12-01 02:00:01 INFO  [JOB] processed part_00001.dat (12 rows), errors=0",
    "",
]


def _registered_lines() -> Iterator[str]:
    for folder in SPLITS.values():
        for path in sorted(folder.glob("*.log")):
            yield from decode_joblog(path.read_bytes()).replace("\r", "").split("\n")


@pytest.fixture(scope="module")
def lines() -> list[str]:
    return list(dict.fromkeys([*SYNTHETIC, *_registered_lines()]))


def test_no_line_a_call_regex_reads_is_stopped_by_the_literal_test(lines: list[str]) -> None:
    missed = [line for line in lines if key_entities._ROUTINE_CALL.search(line) and not key_entities._may_call(line)]
    assert missed == []
    assert sum(1 for line in lines if key_entities._ROUTINE_CALL.search(line)) > 20  # the check has cases to check


def test_the_split_test_of_a_later_statement_agrees_with_the_one_regex(lines: list[str]) -> None:
    disagree = [line for line in lines if key_entities._after_call(line) != bool(_AFTER_CALL.search(line))]
    assert disagree == []
    assert sum(1 for line in lines if key_entities._after_call(line)) > 20


@pytest.mark.parametrize(
    "above, expected",
    [
        (["EXEC dbo.usp_load @d='x'", *["INFO progress row"] * 1500], None),  # beyond SUBJECT_REACH
        (["EXEC dbo.usp_load @d='x'", *["INFO progress row"] * 900], "dbo.usp_load"),
        (["Calling fin.post(2026)", "SQL> select 1 from dual;"], None),  # a statement followed the call
        (["exec etl.a;", "PL/SQL procedure successfully completed.", "noise"], None),
        (["BEGIN pkg.run(:a); END;", "noise"], "pkg.run"),
    ],
)
def test_routine_near_still_reads_the_last_call_within_reach(above: list[str], expected: str | None) -> None:
    assert routine_near(above, []) == expected


@pytest.mark.parametrize(
    "above, expected",
    [
        (["kubectl create job recon-1 --from=cronjob/recon", *["noise"] * 500], "recon-1"),
        (["Name:             recon-20261201", "Events:"], "recon-20261201"),
        (["JOB STARTED", "RUNNING"], None),
    ],
)
def test_job_above_still_reads_the_last_started_job(above: list[str], expected: str | None) -> None:
    assert job_above(above) == expected


def test_the_line_cache_gives_what_reading_the_line_gives(lines: list[str]) -> None:
    sample = lines[::7][:3000]
    forget_lines()
    cold = [extract_entities([line]) for line in sample]
    warm = [extract_entities([line]) for line in sample]
    fresh = [
        {kind: list(dict.fromkeys(v for k, v in entities._line_entities(line) if k == kind)) for kind in kinds}
        for line, kinds in ((line, dict.fromkeys(k for k, _ in entities._line_entities(line))) for line in sample)
    ]
    assert cold == warm == [{k: v for k, v in f.items()} for f in fresh]
    assert sum(1 for found in cold if found) > 500


def test_a_long_line_is_read_but_not_kept() -> None:
    forget_lines()
    long_line = "cannot open /data/in/x.csv " + "y" * CACHED_LINE_CHARS
    assert "/data/in/x.csv" in extract_entities([long_line])["paths"]
    assert entities._cached_line_entities.cache_info().currsize == 0
    extract_entities(["cannot open /data/in/x.csv"])
    assert entities._cached_line_entities.cache_info().currsize == 1


# the finder's and the hints' words as the trie regexes they were read with before the keyword sets
_FINDER_REGEX = re.compile(trie_pattern(excerpt._FINDER_WORDS) + r"|-\d{3}")
_HINT_REGEX = re.compile(trie_pattern(RULE_HINT_WORDS))


def _finder_line_by_line(body: list[str], first_line_no: int) -> tuple[list[ErrorLine], list[int]]:
    """find_error_lines as it was written before its quiet test ran over the lines in C and its words were read
    by keyword sets: line by line, with trie regexes (and
    without skipping a block equal to an earlier one up to digits, which only gives collapsed near-duplicates)."""
    hits, keep, hints = [False] * len(body), [False] * len(body), []
    for index, line in enumerate(body):
        hit = False
        if not excerpt._is_quiet(line):
            lowered = line.lower()
            hit = _FINDER_REGEX.search(lowered) is not None
            if _HINT_REGEX.search(lowered) is not None:
                hints.append(first_line_no + index)
        hits[index] = hit
        follows = index > 0 and (hits[index - 1] or (keep[index - 1] and (not line.strip() or line[:1] in " \t")))
        keep[index] = hit or follows
    found: list[ErrorLine] = []
    start: int | None = None
    for index, kept in enumerate([*keep, False]):
        if kept and start is None:
            start = index
        elif not kept and start is not None:
            found += pick_error_lines(body[start:index], first_line_no + start, excerpt.ERROR_LINE_LIMIT)
            start = None
    unique = list({re.sub(r"\d+", "0", e.text): e for e in reversed(found)}.values())
    best = sorted(unique, key=lambda e: (-e.score, e.line_no))[: excerpt.ERROR_LINE_LIMIT]
    return sorted(best, key=lambda e: e.line_no), excerpt._distinct_hints(body, first_line_no, hints)


QUIET_EDGES = [
    "XINFO INFO: cannot open x", "XINFO error", "  INFO error here", "[INFO] error", "INFOerror", "DEBUG", "x DEBUG",
    "a" * 1005 + " INFO error", "a" * 1000 + " INFO kinit failed", "a" * 999 + " INFO keytab error",
    "XINFO: kinit", "x [DEBUG] keytab", "DETAIL: INFO error", "Caused by: INFO failed",
    "\tINFO failed", "", "   ", "ERROR:", "x\u2003INFO failed", "xx\x1cINFO: failed", "NOTICE: relation does not exist",
    "fooTRACE: failed", "TRACE", "LINE 3: INFO failed", "Reason: INFO denied", "2026-12-01 02:00 WARN retry 1 failed",
    "ORA-00942: table or view does not exist", "  at com.x.Y.run(Y.java:12)", "rc=8",
]  # fmt: skip


@pytest.mark.parametrize("seed", range(40))
def test_the_finder_finds_what_it_found_line_by_line(seed: int) -> None:
    rng = random.Random(seed)
    body = [rng.choice(QUIET_EDGES) for _ in range(rng.randint(1, 60))]
    assert excerpt.find_error_lines(body, 7) == _finder_line_by_line(body, 7)


def test_the_finder_finds_what_it_found_line_by_line_on_every_registered_joblog() -> None:
    checked = 0
    for folder in SPLITS.values():
        for path in sorted(folder.glob("*.log"))[::3]:
            body = decode_joblog(path.read_bytes()).replace("\r", "").split("\n")
            assert excerpt.find_error_lines(body, 1) == _finder_line_by_line(body, 1), path.name
            checked += 1
    assert checked > 1000


@pytest.mark.parametrize(
    "text, found",
    [
        ("cannot open x", True),
        ("all fine", False),
        ("", False),
        ("x can't", True),
        ("Cannot", False),
        ("ab\u00e9c", True),
    ],  # fmt: skip
)
def test_a_keyword_set_finds_any_of_its_words(text: str, found: bool) -> None:
    assert KeywordSet(["cannot", "can't", "b\u00e9"]).found_in(text) is found
    assert KeywordSet([]).found_in(text) is False


@pytest.mark.parametrize(
    "pattern, may_match",
    [
        ("_LAUNCHER", lambda line: key_entities._LAUNCHER_WORDS.found_in(line)),
        ("_WRAPPER_START", lambda line: key_entities._WRAPPER_WORDS.found_in(line)),
        ("_STATED_PROGRAM", key_entities._may_state_program),
        ("_SAP_STEP", lambda line: "Step " in line),
        ("_STARTED_JOB", lambda line: line.startswith("Name:") or key_entities._STARTED_JOB_WORDS.found_in(line)),
    ],
)
def test_no_line_a_program_reader_reads_is_stopped_by_its_literal_test(
    lines: list[str], pattern: str, may_match: Callable[[str], bool]
) -> None:
    regex = getattr(key_entities, pattern)
    extra = [
        "+ /usr/bin/python3.11 /opt/x/run.py --day 1", "nohup /opt/x/bin/feed.sh &", "PowerShell.exe -File x.ps1",
        "SCRIPT=/opt/x/load.js", "\u017fcript: /opt/x/run.sh", "Step 001 started (program ZFI_POST, variant V, user B)",
        "java -jar /opt/x/app.jar", "setsid -f /opt/x/daemon", "main: /opt/x/main.py",
    ]  # fmt: skip
    read = [line for line in [*lines, *extra] if regex.search(line)]
    assert [line for line in read if not may_match(line)] == []
    assert len(read) > 5
