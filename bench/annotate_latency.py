"""Latency and memory of the offline annotation engine on 10,000-line joblogs.

Run: .venv/bin/python -m bench.annotate_latency [--lines 10000] [--rounds 3] [--split train ...]
Each case of the evaluation splits (default: train, tests/data/joblogs; any split of
models.annotate.evaluation.SPLITS can be added) is padded to --lines lines with progress noise
(INFO lines with "errors=0", DEBUG rows, warnings with retries that later succeeded) around its own body,
keeping the engine's header and footer. Times the whole offline path an operator's `twspulse annotate`
runs: decode, frame split, error lines, rules, entities (Annotator without LLM or database). Prints
p50/p95/p99 in ms per joblog of wall-clock time and of the thread's CPU time (on a machine shared with
other work, wall time includes waiting for a core; CPU time is what the annotation itself costs, though
contention for caches inflates it too, so the fastest of each joblog's rounds is printed as well), the
error-line accuracy on the padded logs (the noise must not change the answer), and peak Python memory
(tracemalloc) of one annotation.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
import tracemalloc
from pathlib import Path
from typing import Any

from twspulse.joblog.entities import forget_lines
from twspulse.joblog.joblog_frame import joblog_lines, parse_footer, parse_header
from twspulse.models.annotate.annotator import Annotator
from twspulse.models.annotate.evaluation import SPLITS, load_expectations, run_for_case
from twspulse.models.annotate.excerpt import decode_joblog
from twspulse.models.annotate.localised import Catalog, shipped_catalog
from twspulse.models.annotate.rules_engine import RulesEngine
from twspulse.settings import Settings


def noise_line(rng: random.Random, i: int) -> str:
    """A progress line of the kind that fills real joblogs; never the cause of a failure."""
    stamp = f"2026-11-24 01:{i // 600 % 60:02d}:{i % 60:02d}"
    kind = rng.random()
    if kind < 0.6:
        return f"{stamp} INFO  [JOB] processed part_{i:05d}.dat ({rng.randint(1, 99999)} rows), errors=0"
    if kind < 0.9:
        return f"{stamp} DEBUG [JOB] row {i}: id={rng.getrandbits(48):012x} status=OK"
    if kind < 0.98:
        return f"{stamp} WARN  [JOB] slow batch {i}: 1.{rng.randint(0, 9)}s over target"
    return f"{stamp} WARN  [JOB] attempt 1 failed: Connection reset, retrying in 2s"


def padded(data: bytes, lines: int, rng: random.Random) -> str:
    """The joblog with its body in the middle of `lines` noise lines, header and footer kept."""
    all_lines = joblog_lines(decode_joblog(data))
    header, start = parse_header(all_lines)
    footer, footer_start = parse_footer(all_lines[start:])
    end = start + footer_start if footer is not None else len(all_lines)
    body = all_lines[start:end]
    pad = max(0, lines - len(all_lines))
    before = [noise_line(rng, i) for i in range(pad // 2)]
    after = [noise_line(rng, i) for i in range(pad // 2, pad)]
    return "\n".join([*all_lines[:start], *before, *body, *after, *all_lines[end:]]) + "\n"


def main() -> None:
    """Print the latency percentiles, the accuracy on padded joblogs and peak memory."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=10_000, help="Lines per padded joblog.")
    parser.add_argument("--rounds", type=int, default=3, help="Times each joblog is annotated.")
    parser.add_argument(
        "--split", action="append", choices=sorted(SPLITS), help="Evaluation split(s) to pad (default: train)."
    )
    args = parser.parse_args()
    cases = [
        (SPLITS[split] / name, exp)
        for split in args.split or ["train"]
        for name, exp in sorted(load_expectations(SPLITS[split]).items())
    ]
    rng = random.Random(6)
    padded_cases = [(path, exp, padded(path.read_bytes(), args.lines, rng)) for path, exp in cases]
    print(f"offline engine, {len(cases)} joblogs padded to {args.lines} lines, {args.rounds} rounds each")
    shipped_catalog()  # loaded once per process (about half a second), not per joblog
    for label, rules in (
        ("shipped (rules + line model + localised messages)", None),
        ("without the localised messages", RulesEngine(catalog=Catalog(()))),
        ("rules alone", RulesEngine(line_model=None, catalog=Catalog(()))),
    ):
        print(f"-- {label}")
        _measure(Annotator(Settings(llm_url=None), rules=rules), padded_cases, args.rounds)


def _measure(annotator: Annotator, cases: list[tuple[Path, dict[str, Any], str]], rounds: int) -> None:
    timings: list[float] = []
    cpu: list[float] = []
    fastest: list[float] = []  # per joblog, the least CPU time of its rounds: what it costs without contention
    right = 0
    peak = 0
    text = ""
    for path, exp, text in cases:
        run = run_for_case(path.name, path.read_bytes(), exp)
        for _ in range(rounds):
            forget_lines()  # each round as cold as a joblog's one annotation: no line read in an earlier round
            started, started_cpu = time.perf_counter(), time.thread_time()
            annotation = annotator.annotate(run, text)
            timings.append((time.perf_counter() - started) * 1000)
            cpu.append((time.thread_time() - started_cpu) * 1000)
        fastest.append(min(cpu[-rounds:]))
        accepted = {line.strip() for line in [exp["error_line"], *exp.get("error_line_alternatives", [])] if line}
        right += (annotation.error_line in accepted) if accepted else annotation.error_line is None
        tracemalloc.start()
        annotator.annotate(run, text)
        peak = max(peak, tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    q, c = statistics.quantiles(timings, n=100), statistics.quantiles(cpu, n=100)
    f = statistics.quantiles(fastest, n=100)
    print(f"latency ms per joblog (wall): p50 {q[49]:.1f}  p95 {q[94]:.1f}  p99 {q[98]:.1f}  max {max(timings):.1f}")
    print(f"latency ms per joblog (CPU):  p50 {c[49]:.1f}  p95 {c[94]:.1f}  p99 {c[98]:.1f}  max {max(cpu):.1f}")
    print(
        f"CPU, fastest round per joblog: p50 {f[49]:.1f}  p95 {f[94]:.1f}  p99 {f[98]:.1f}  max {max(fastest):.1f}"
        "  (on shared cores, contention inflates even CPU time; the fastest round is the least inflated)"
    )
    print(f"error line still right on padded joblogs: {right}/{len(cases)}")
    print(f"peak Python memory of one annotation: {peak / 2**20:.1f} MiB (joblog text ~{len(text) / 2**20:.1f} MiB)")


if __name__ == "__main__":
    main()
