"""The error line is the one naming the problem, not the TWS frame or the last line."""

from __future__ import annotations

from twspulse.joblog.first_error import first_error_line

JOBLOG = """===============================================================
= JOB       : MDM#DAILY[(0005 11/24/26),(0AAAAAAAAAAAAB3)].LOAD_SALES
= USER      : twsuser
===============================================================
2026-11-24 01:15:02 starting load_sales
2026-11-24 01:15:03 reading input
cat: /data/in/employees.csv: No such file or directory
2026-11-24 01:15:03 load failed, exit 12
===============================================================
= Exit Status           : 12
===============================================================
"""


def test_first_error_line_skips_frame_and_finds_the_cause() -> None:
    assert first_error_line(JOBLOG) == "cat: /data/in/employees.csv: No such file or directory"


def test_no_error_vocabulary_gives_none() -> None:
    assert first_error_line("all good\nrows loaded: 10\n") is None


def test_info_lines_do_not_count_and_a_specific_cause_beats_a_generic_failure() -> None:
    log = (
        "2026-11-24 04:15:22 INFO  [FETCH] target https://api.example.com (timeout 120 s)\n"
        "step 3 failed\n"
        "curl: (28) Operation timed out after 120001 milliseconds\n"
    )
    assert first_error_line(log) == "curl: (28) Operation timed out after 120001 milliseconds"


def test_after_a_bare_error_label_the_line_that_names_the_cause_is_kept_verbatim() -> None:
    assert first_error_line('ERROR:\n  relation "stage.sales" does not exist\n') == (
        'relation "stage.sales" does not exist'
    )
