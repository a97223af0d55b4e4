"""Grouping Accuracy of our PatternMiner against plain Drain3 on the LogHub 2k samples, and lines/s.

Run from the repository root:
    .venv/bin/python -m bench.patterns_loghub [--loghub ../shared/loghub] [--synthetic-lines 500000]

For each LogHub system folder (`*_2k.log_structured.csv`, columns Content and EventId) the Content
column is mined by (a) streams.patterns.PatternMiner and (b) drain3.TemplateMiner with Drain3's default
settings and no masking, and each line's cluster is compared with its EventId by Grouping Accuracy as
the LogHub README defines it. lines/s is ours, on a fresh miner (so it includes learning every shape).

Then throughput on large inputs, for the project's goal of 100,000 joblog lines/s on 2 cores:
- LogHub lines repeated to --synthetic-lines with every number re-drawn, free-standing ones with a
  random width (so lines repeat as messages, not as strings, and the masker's shape cache sees new
  widths),
- joblogs of failed runs from the repository's simulator (header, body, footer), repeated the same way.
A single process is measured; the second core is left to the stream worker's I/O.

LogHub data is read in place and never copied into the repository (see its LICENSE: cite
github.com/logpai/loghub when publishing numbers).
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import statistics
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from drain3 import TemplateMiner
from drain3.template_miner_config import TemplateMinerConfig

from streams.patterns.grouping_accuracy import grouping_accuracy
from streams.patterns.miner import PatternMiner

REPO_ROOT = Path(__file__).resolve().parent.parent
_NUMBER = re.compile(r"(?<![\w-])\d+(?![\w-])")


def load_dataset(folder: Path) -> tuple[list[str], list[str]] | None:
    """(Content, EventId) columns of the folder's *_2k.log_structured.csv; None if it has none."""
    found = sorted(folder.glob("*_2k.log_structured.csv"))
    if not found:
        return None
    with found[0].open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = {"Content", "EventId"} - set(reader.fieldnames or ())
        if missing:
            raise SystemExit(f"{found[0]} lacks the columns {sorted(missing)}")
        rows = list(reader)
    return [row["Content"] for row in rows], [row["EventId"] for row in rows]


def ours(lines: list[str]) -> tuple[list[str], float]:
    """Pattern id of every line from a fresh PatternMiner, and the seconds it took."""
    miner = PatternMiner()
    start = time.perf_counter()
    ids = [miner.add(line).pattern_id for line in lines]
    return ids, time.perf_counter() - start


def drain3_default(lines: list[str]) -> list[int]:
    """Cluster id of every line from Drain3 as shipped: default config (built in code: no drain3.ini)."""
    miner = TemplateMiner(persistence_handler=None, config=TemplateMinerConfig())
    return [miner.add_log_message(line)["cluster_id"] for line in lines]


def perturbed(lines: list[str], count: int, seed: int = 7) -> Iterator[str]:
    """`count` lines cycling through `lines`, each free-standing number replaced by a random one.

    Digits glued to letters, "_" or "-" (ORA-01653, ssh2, ETL_DWH_001) name things and stay. A number
    inside a structure (next to ":", "." or "/": times, IPs, versions) keeps its width, as timestamps
    do; others (pids, counts, sizes) get a random width too.
    """
    rng = random.Random(seed)

    def number(match: re.Match[str]) -> str:
        text, start, end = match.string, match.start(), match.end()
        structured = (start > 0 and text[start - 1] in ":./") or (end < len(text) and text[end] in ":./")
        width = len(match.group(0)) if structured else rng.randint(1, len(match.group(0)) + 1)
        return "".join(rng.choice("0123456789") for _ in range(width))

    for index in range(count):
        yield _NUMBER.sub(number, lines[index % len(lines)])


def simulated_joblog_lines(runs: int = 400) -> list[str]:
    """The job's own output lines of up to `runs` failed runs of the simulator.

    The engine's header and footer are left out, as the stream stage splits them off before mining.
    """
    from simulator.config import SimConfig
    from simulator.joblogs import JoblogStore
    from simulator.plan import PlanBook

    config = SimConfig(seed=7, start=datetime(2026, 11, 24, tzinfo=UTC), job_streams=60, failure_rate=0.5)
    book = PlanBook(config)
    store = JoblogStore(config.huge_joblog_bytes)
    lines: list[str] = []
    for day in range(3):
        for stream in book.plan(day).streams:
            for job in stream.jobs:
                for run in job.runs:
                    if run.family is not None and runs > 0:
                        runs -= 1
                        joblog = store.at(job, run, run.end + 1)
                        lines += [raw.decode("utf-8", "replace") for raw in joblog.lines(content_only=True)]
    return lines


def _letters(index: int) -> str:
    """A word unique to `index` made of letters only, so that it changes the line's shape."""
    word = ""
    while True:
        index, rest = divmod(index, 26)
        word += chr(ord("a") + rest)
        if not index:
            return "q" + word


def throughput(label: str, lines: Iterator[str], count: int) -> None:
    """Mine `count` generated lines with a fresh miner and print lines/s (generation time excluded)."""
    batch = list(lines)
    miner = PatternMiner()
    start = time.perf_counter()
    for line in batch:
        miner.add(line)
    took = time.perf_counter() - start
    print(f"{label:<44} {count:>9,} lines {count / took:>10,.0f} lines/s  {len(miner):>6,} patterns")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--loghub", type=Path, default=REPO_ROOT / ".." / "shared" / "loghub")
    parser.add_argument("--synthetic-lines", type=int, default=500_000)
    args = parser.parse_args()
    folders = sorted(path for path in args.loghub.resolve().iterdir() if path.is_dir())
    print(f"{'dataset':<12} {'GA ours':>8} {'GA drain3':>10} {'lines/s ours':>13}")
    rows: list[tuple[float, float, float]] = []
    every_line: list[str] = []
    for folder in folders:
        data = load_dataset(folder)
        if data is None:
            continue
        lines, truth = data
        every_line += lines
        ids, took = ours(lines)
        row = (grouping_accuracy(ids, truth), grouping_accuracy(drain3_default(lines), truth), len(lines) / took)
        rows.append(row)
        print(f"{folder.name:<12} {row[0]:>8.3f} {row[1]:>10.3f} {row[2]:>13,.0f}")
    if not rows:
        raise SystemExit(f"no *_2k.log_structured.csv under {args.loghub}")
    means = [statistics.fmean(column) for column in zip(*rows, strict=True)]
    print(f"{'mean':<12} {means[0]:>8.3f} {means[1]:>10.3f} {means[2]:>13,.0f}")
    print()
    count = args.synthetic_lines
    throughput("LogHub lines, numbers re-drawn", perturbed(every_line, count), count)
    joblog = simulated_joblog_lines()
    throughput(f"simulated failed joblogs ({len(joblog):,} lines)", perturbed(joblog, count), count)
    cold = [f"{line} {_letters(index)}" for index, line in enumerate(every_line)]  # every shape new
    throughput("cold: LogHub lines, every shape new", iter(cold), len(cold))


if __name__ == "__main__":
    main()
