"""The finder's "holds one of these words?" test: keyword sets (Aho-Corasick) against the trie regexes.

Run: .venv/bin/python -m bench.keyword_sets [--lines 10000] [--rounds 3]
The evaluation split `train`'s joblogs are padded to --lines lines with the latency benchmark's progress noise
(bench/annotate_latency.py); the lines the finder reads for words (those that are not INFO/DEBUG/TRACE/NOTICE)
are lower-cased, and each is tested for the finder's words and for the rule-hint words, once with the trie
regexes (models.annotate.keyword_filter.trie_pattern, what the finder used before) and once with the keyword
sets (KeywordSet). Prints ms per joblog for each (CPU time, the fastest of --rounds) and checks the two agree
on every line.
"""

from __future__ import annotations

import argparse
import random
import re
import time
from collections.abc import Callable

from bench.annotate_latency import padded
from twspulse.joblog.joblog_frame import joblog_lines
from twspulse.models.annotate import excerpt
from twspulse.models.annotate.evaluation import SPLITS, load_expectations
from twspulse.models.annotate.keyword_filter import KeywordSet, trie_pattern
from twspulse.models.annotate.rule_base import RULE_HINT_WORDS

Test = Callable[[str], tuple[bool, bool]]


def main() -> None:
    """Print both ways' cost per joblog and whether they agree."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=10_000, help="Lines per padded joblog.")
    parser.add_argument("--rounds", type=int, default=3, help="Times each way reads every joblog.")
    args = parser.parse_args()
    rng = random.Random(6)
    joblogs = []
    for name in sorted(load_expectations(SPLITS["train"])):
        lines = joblog_lines(padded((SPLITS["train"] / name).read_bytes(), args.lines, rng))
        joblogs.append([lines[i].lower() for i in excerpt._loud_lines(lines)])
    finder_regex = re.compile(trie_pattern(excerpt._FINDER_WORDS) + r"|-\d{3}")
    hint_regex = re.compile(trie_pattern(RULE_HINT_WORDS))
    finder_set, hint_set, code = KeywordSet(excerpt._FINDER_WORDS), KeywordSet(RULE_HINT_WORDS), re.compile(r"-\d{3}")

    def by_regex(line: str) -> tuple[bool, bool]:
        return finder_regex.search(line) is not None, hint_regex.search(line) is not None

    def by_set(line: str) -> tuple[bool, bool]:
        return finder_set.found_in(line) or code.search(line) is not None, hint_set.found_in(line)

    words = len(excerpt._FINDER_WORDS) + len(RULE_HINT_WORDS)
    read = sum(map(len, joblogs)) / len(joblogs)
    print(f"{len(joblogs)} joblogs padded to {args.lines} lines; {read:.0f} lines a joblog read for {words} words")
    answers = {}
    for label, test in (("trie regexes", by_regex), ("keyword sets", by_set)):
        best, answers[label] = _time(test, joblogs, args.rounds)
        print(f"{label:13} {best:6.2f} ms per joblog")
    agree = answers["trie regexes"] == answers["keyword sets"]
    print("same answer on every line:", "yes" if agree else "NO")


def _time(test: Test, joblogs: list[list[str]], rounds: int) -> tuple[float, list[list[tuple[bool, bool]]]]:
    best = float("inf")
    answers: list[list[tuple[bool, bool]]] = []
    for _ in range(rounds):
        started = time.process_time()
        answers = [[test(line) for line in lines] for lines in joblogs]
        best = min(best, (time.process_time() - started) * 1000 / len(joblogs))
    return best, answers


if __name__ == "__main__":
    main()
