"""A safety property of every module-level regular expression of the annotator and the shared joblog readers:
no catastrophic backtracking. A joblog line may be 100,000 characters (a dumped JSON document, a progress bar
without newlines); a pattern with overlapping repeats would stall the worker on such a line.

Each pattern is searched on adversarial 20,000-character lines (runs of one character, of a character and a
separator, and of the pattern's own literal words). The bound is deliberately generous: a linear search takes
about a millisecond, a backtracking one seconds to hours. This is no speed figure, only a guard against
super-linear patterns.
"""

from __future__ import annotations

import re
import time
from types import ModuleType

import pytest

from twspulse.joblog import entities, error_lines, secrets
from twspulse.joblog.error_lines import MAX_CHARS
from twspulse.models.annotate import (
    annotation,
    annotator,
    cli,
    evaluation,
    evidence,
    excerpt,
    key_entities,
    keyword_filter,
    openai_engine,
    prompt,
    rerun,
    rule_base,
    rules_engine,
    similar_cases,
    store,
    track_record,
)

MODULES: tuple[ModuleType, ...] = (
    annotation, annotator, cli, evaluation, evidence, excerpt, key_entities, keyword_filter, openai_engine,
    prompt, rerun, rule_base, rules_engine, similar_cases, store, track_record, entities, error_lines, secrets,
)  # fmt: skip
LENGTH = 20_000
BOUND_SECONDS = 1.0
_BASE_LINES = (" ", "a", "x.", "a-", '"', "A_", "1", "a ", "A.", "a/", "'", "9 ", "-", "a1", "A ", "\t", ":")
_WORD = re.compile(r"[A-Za-z]{2,}")


def _patterns() -> list[tuple[str, re.Pattern[str]]]:
    found: list[tuple[str, re.Pattern[str]]] = []
    for module in MODULES:
        for name, value in vars(module).items():
            if isinstance(value, re.Pattern) and isinstance(value.pattern, str):
                found.append((f"{module.__name__.rsplit('.', 1)[-1]}.{name}", value))
            elif isinstance(value, tuple) and module is secrets:  # its rules hold their patterns (_RULES); masking
                # reads whole lines, while the lexicon's tables read lines cut to error_lines.MAX_CHARS
                for index, item in enumerate(value):
                    held = getattr(item, "pattern", None)
                    if isinstance(held, re.Pattern) and isinstance(held.pattern, str):
                        found.append((f"{module.__name__.rsplit('.', 1)[-1]}.{name}[{index}]", held))
    return found


def _adversarial_lines(pattern: re.Pattern[str]) -> list[str]:
    units = list(_BASE_LINES)
    words = sorted({word.lower() for word in _WORD.findall(pattern.pattern)})[:60]
    for word in words:
        units += [f"{word} ", f"{word}-", f"{word}.", f"{word} A_", f"{word}: ", f"{word} 1 "]
    lines = []
    for unit in units:
        lines.append((unit * (LENGTH // len(unit) + 1))[:LENGTH])
    return lines


PATTERNS = _patterns()


def test_patterns_are_collected() -> None:
    assert len(PATTERNS) > 50


@pytest.mark.parametrize(("name", "pattern"), PATTERNS, ids=[name for name, _ in PATTERNS])
def test_no_catastrophic_backtracking(name: str, pattern: re.Pattern[str]) -> None:
    for line in _adversarial_lines(pattern):
        started = time.perf_counter()
        pattern.search(line)
        pattern.search(line.upper())
        elapsed = time.perf_counter() - started
        assert elapsed < BOUND_SECONDS, f"{name} took {elapsed:.2f} s on {line[:40]!r}..."


# The rules' and the lexicon's tables read lines cut to error_lines.MAX_CHARS (1,000 characters), many of them per
# joblog: a pattern quadratic in its line costs tens of milliseconds there. Each is searched on lines four times as
# long, where a linear search takes a few milliseconds and a quadratic one (as rules-23 found one) half a second.
TABLE_LENGTH = 4 * MAX_CHARS
TABLE_BOUND_SECONDS = 0.2
TABLES: list[tuple[str, re.Pattern[str]]] = [
    *((f"rule:{rule.name}", rule.pattern) for rule in rule_base.RULES),
    *(
        (f"evidence.{table}[{index}]", reading.pattern)
        for table in ("_LEXICON", "_TRANSLATED", "_TRANSLATED_MORE")
        for index, reading in enumerate(getattr(evidence, table))
    ),
]


def test_tables_are_collected() -> None:
    assert len(TABLES) > 50


@pytest.mark.parametrize(("name", "pattern"), TABLES, ids=[name for name, _ in TABLES])
def test_no_table_pattern_is_quadratic_in_its_line(name: str, pattern: re.Pattern[str]) -> None:
    for unit in _BASE_LINES:
        line = (unit * (TABLE_LENGTH // len(unit) + 1))[:TABLE_LENGTH]
        started = time.perf_counter()
        pattern.search(line)
        pattern.search(line.upper())
        elapsed = time.perf_counter() - started
        assert elapsed < TABLE_BOUND_SECONDS, f"{name} took {elapsed:.3f} s on {line[:40]!r}..."
