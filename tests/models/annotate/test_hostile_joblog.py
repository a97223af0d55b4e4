"""A hostile joblog (thousands of distinct long lines full of hint words) costs the rules a bounded amount of
reading: hint lines are taken once per shape and at most HINT_LINE_LIMIT of them, and every line the rules read
is cut at the finder's MAX_CHARS. Before both bounds, one such joblog of 2,000 lines held the annotator (and
the worker's batch behind it) for about ten minutes; the cost is now a few seconds (measured, not asserted:
bench/annotate_latency.py is the speed figure)."""

from __future__ import annotations

from twspulse.joblog.error_lines import MAX_CHARS
from twspulse.models.annotate.excerpt import HINT_LINE_LIMIT, read_joblog
from twspulse.models.annotate.rules_engine import RulesEngine

HEADER = "===============================================================\n= JOB       : WS1#BATCH.NIGHTLY_LOAD\n"


def _joblog(body: list[str]) -> str:
    return HEADER + "\n".join(body) + "\n"


def _letters(i: int) -> str:
    """A word of letters that differs for every i (digits alone would make the lines one shape)."""
    out = ""
    for _ in range(4):
        out += "abcdefghijklmnopqrstuvwxyz"[i % 26]
        i //= 26
    return out


def test_hint_lines_repeating_one_shape_are_read_once() -> None:
    body = [f"checkpoint {i}: upstream feed not present yet, will look again" for i in range(500)]
    joblog = read_joblog(_joblog(body))
    assert len(joblog.hint_lines) == 1


def test_hint_lines_are_bounded_to_the_first_and_last_of_their_kinds() -> None:
    body = [f"note {_letters(i)}: upstream feed not present yet" for i in range(600)]
    joblog = read_joblog(_joblog(body))
    hints = joblog.hint_lines
    assert len(hints) == HINT_LINE_LIMIT
    first = joblog.frame.body_first_line
    assert hints[0] == first and hints[-1] == first + len(body) - 1  # both ends kept


def test_every_line_the_rules_read_is_cut_at_max_chars() -> None:
    long_tail = "x-" * 50_000
    body = [
        *[f"progress {i}" for i in range(30)],
        f"kinit: keytab holds no suitable keys for svc_load {long_tail}",  # a hint line, not a finder line
        *[f"progress {i}" for i in range(30, 90)],
    ]
    joblog = read_joblog(_joblog(body))
    hint = joblog.frame.body_first_line + 30
    assert hint in joblog.hint_lines and not joblog.error_lines
    matches = RulesEngine().matches(joblog)
    assert [m.line_no for m in matches] == [hint]  # the long line is still read ...
    assert len(matches[0].text) == MAX_CHARS  # ... as its first MAX_CHARS characters
