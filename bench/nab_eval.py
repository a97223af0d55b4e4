"""Held-out NAB table: our streaming detector beside six published detectors on the same files, from one command.

Run from the repository root:
    .venv/bin/python -m bench.nab_eval [--corpus ../shared/nab/corpus] [--defaults]

Protocol (written down in docs/anomalies.md; nothing here reads a labelled window of a file it reports on):
1. The corpus categories are split into two fixed folds by alternating their alphabetical order (``FOLDS``),
   decided before any result was seen.
2. For each fold, every parameter of ``models.anomaly_scoring.DetectorConfig`` that the protocol tunes is
   picked by an exhaustive search over ``GRID`` maximising the window F1 (the reported measure, pooled over
   files) on the *other* fold's files alone (ties: the first in grid order). No parameter is per file or per
   category.
3. The fold's files are then scored with those parameters by the real detector, point by point, exactly as
   the worker scores a series; that run gives the held-out counts and the points/s.
   The column "ours" tells the detector each file's probationary period, as NAB's harness tells every detector
   (15 % of the file, at most 750 points; the published scores were made with it): its point counts are
   scaled by that period over 750 (``DetectorConfig.for_probation``), in the search and in the scoring alike, so they
   are 1 for files of 5,000 points or more and for the worker's endless series. "ours, no probation" runs the
   same protocol without it.
4. The published detectors are flagged at their standard-profile thresholds (``published/thresholds.json``) on
   the same files. Window F1 everywhere: a window is hit when any flagged point lies in it; each run of
   consecutive flagged points outside every window is one false alarm; P = hits/(hits+false alarms),
   R = hits/windows, summed over the files of the row. A second table counts the same flags with NAB's
   scorer convention: every detector's flags inside the file's probationary period are ignored.
``--defaults`` also searches the grid on all files (how the shipped defaults were chosen: the held-out rows
estimate how that procedure does on series it has not seen; the defaults' own fit is printed separately).

NAB data is read in place and never copied into the repository (github.com/numenta/NAB, see its LICENSE).
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from twspulse.models.anomaly_scoring import (
    COMPONENTS,
    PROBATION_CAP,
    AnomalyDetector,
    DetectorConfig,
    host_metrics_config,
)

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = REPO_ROOT.parent / "shared" / "nab" / "corpus"
PUBLISHED = ("contextOSE", "ARTime", "knncad", "randomCutForest", "numenta", "windowedGaussian")
CATEGORIES = (  # alphabetical; fold = position mod 2
    "artificialNoAnomaly", "artificialWithAnomaly", "realAdExchange", "realKnownCause", "realTraffic", "realTweets",
)  # fmt: skip
FOLDS = (CATEGORIES[0::2], CATEGORIES[1::2])
# The search space of the protocol: one margin shared by the components that are on (each on or off), warm-up,
# settling, cooldown, envelope memory and follow. A margin per component fitted the tuning half better and the
# other half worse (more freedom than 20-odd files can pin down), so the margin is shared.
GRID: dict[str, Sequence[float]] = {
    "margin": (0.125, 0.25, 0.5, 1.0, 2.0),
    "warmup": (50, 150, 300, 500),
    "settle": (0.0, 300.0, 1000.0, 3000.0),
    "cooldown": (100, 300, 1000),
    "memory": (3000.0, 10000.0, 1e9),
    "follow": (1.0, 0.3),
}


# NAB's harness tells every detector a probationary period: 15 % of the file, at most 750 points
# (nab/util.py getProbationPeriod, probationPercent 0.15); the published scores were made with it.
PROBATION_SHARE = 0.15


def probation(points: int) -> int:
    """NAB's probationary period of a file of ``points`` points."""
    return min(math.floor(PROBATION_SHARE * points), PROBATION_CAP)


@dataclass
class Series:
    """One labelled corpus file: its values and, per point, the index of the window holding it (-1: none)."""

    key: str  # category/file.csv
    values: list[float]
    window_of: np.ndarray
    windows: int
    # how the detector's point counts are scaled on this file: its probationary period over the cap's (1 for
    # every file of 5,000 points or more, as for the worker's endless series), or 1 without the probation
    scale: float = 1.0

    def with_probation(self) -> Series:
        """The same file, its detector told NAB's probationary period (as the published detectors were)."""
        return Series(self.key, self.values, self.window_of, self.windows, probation(len(self.values)) / PROBATION_CAP)

    def config(self, config: DetectorConfig) -> DetectorConfig:
        """``config`` as this file is scored with it (told its probation or not)."""
        return config.scaled(self.scale)  # told: DetectorConfig.for_probation(probation(len(self.values)))

    @property
    def category(self) -> str:
        """The NAB category (first path part)."""
        return self.key.split("/", 1)[0]


@dataclass
class Count:
    """Windows hit, windows, false alarms and points over some files."""

    hits: int = 0
    windows: int = 0
    false_alarms: int = 0
    points: int = 0

    def add(self, other: Count) -> None:
        """Sum another count into this one."""
        self.hits += other.hits
        self.windows += other.windows
        self.false_alarms += other.false_alarms
        self.points += other.points

    @property
    def f1(self) -> float:
        """Window F1: precision hits/(hits+false alarms), recall hits/windows."""
        if self.hits == 0:
            return 0.0
        p = self.hits / (self.hits + self.false_alarms)
        r = self.hits / self.windows
        return 2 * p * r / (p + r)


def load_corpus(corpus: Path) -> list[Series]:
    """Every labelled file of the corpus, sorted by key."""
    labels: dict[str, list[list[str]]] = json.loads((corpus / "windows.json").read_text())
    out = []
    for key in sorted(labels):
        data = np.genfromtxt(corpus / key, delimiter=",", names=True, dtype=None, encoding="utf-8")
        times = data["timestamp"].astype("datetime64[ms]")
        window_of = np.full(len(times), -1)
        for i, (a, b) in enumerate(labels[key]):
            window_of[(times >= np.datetime64(a)) & (times <= np.datetime64(b))] = i
        out.append(Series(key, [float(v) for v in data["value"]], window_of, len(labels[key])))
    return out


def count_flags(flags: np.ndarray, s: Series) -> Count:
    """Window hits and false-alarm runs of one file's flags."""
    return count_indices(np.flatnonzero(flags), s)


def count_indices(flagged: np.ndarray, s: Series) -> Count:
    """Window hits and false-alarm runs of the flagged point indices (sorted) of one file."""
    where = s.window_of[flagged]
    hits = len(set(where[where >= 0].tolist()))
    outside = flagged[where < 0]
    # a run starts at an outside flag whose previous point is not an outside flag
    runs = int(np.count_nonzero(np.diff(outside, prepend=-2) != 1))
    return Count(hits, s.windows, runs, len(s.values))


def published_flags(corpus: Path, detector: str, s: Series) -> np.ndarray:
    """Flags of a published detector on one file at its standard-profile threshold."""
    threshold = json.loads((corpus / "published" / "thresholds.json").read_text())[detector]["standard_threshold"]
    scores = np.loadtxt(corpus / "published" / detector / s.key, skiprows=1, ndmin=1)
    return np.asarray(scores >= threshold)


# --- our detector ----------------------------------------------------------------------------------------
def run_detector(s: Series, config: DetectorConfig) -> tuple[np.ndarray, float]:
    """The real scoring path on one file: flags and the CPU seconds the detector took.

    CPU time of this process, not wall time: on a shared machine wall time also counts the other processes'
    turns, and points/s per core is what the figure claims."""
    detector = AnomalyDetector(s.config(config))
    update = detector.update
    started = time.process_time()
    flags = [update(v).is_anomaly for v in s.values]
    return np.array(flags, dtype=bool), time.process_time() - started


def exceedance_matrix(s: Series, config: DetectorConfig) -> np.ndarray:
    """Each component's exceedance per point (rows: points); margins, warm-up and cooldown are applied later."""
    detector = AnomalyDetector(s.config(config))
    return np.array([detector.exceedances(v) for v in s.values])


def flag_indices(candidates: np.ndarray, warmup: int, cooldown: int) -> np.ndarray:
    """Of the points over the threshold, those ``AnomalyDetector.update`` flags after warm-up and cooldown."""
    out = []
    last = -(10**12)
    for i in candidates[candidates >= warmup].tolist():
        if i - last > cooldown:
            out.append(i)
            last = i
    return np.array(out, dtype=np.int64)


@dataclass
class Choice:
    """The parameters a search picked and their F1 on the files it searched."""

    config: DetectorConfig
    fit_f1: float
    tried: int = field(default=0)


def _margin_sets() -> list[tuple[float, ...]]:
    """Every shared margin on every non-empty set of components (inf for the components that are off)."""
    masks = [m for m in itertools.product((True, False), repeat=len(COMPONENTS)) if any(m)]
    return [tuple(k if on else math.inf for on in mask) for k in GRID["margin"] for mask in masks]


def search(series: Sequence[Series], base: DetectorConfig) -> Choice:
    """Exhaustive search of ``GRID`` for the best total window F1 on ``series`` (the tuning half only)."""
    best: Choice | None = None
    ratio = base.ratio_threshold
    tried = 0
    for memory, follow in itertools.product(GRID["memory"], GRID["follow"]):
        matrices = [exceedance_matrix(s, base.replace(memory=memory, follow=follow)) for s in series]
        seen = [np.arange(1, len(s.values) + 1) for s in series]
        for margins in _margin_sets():
            m = np.array(margins)
            ratios = [np.max(ex / m, axis=1) for ex in matrices]
            for settle in GRID["settle"]:
                candidates = [
                    np.flatnonzero(r / (1.0 + settle * s.scale / n) >= ratio)
                    for r, n, s in zip(ratios, seen, series, strict=True)
                ]
                for warmup, cooldown in itertools.product(GRID["warmup"], GRID["cooldown"]):
                    total = Count()
                    for s, c in zip(series, candidates, strict=True):
                        # as DetectorConfig.scaled rounds them
                        flagged = flag_indices(c, int(warmup * s.scale), int(cooldown * s.scale))
                        total.add(count_indices(flagged, s))
                    tried += 1
                    fit = total.f1
                    if best is None or fit > best.fit_f1 + 1e-12:
                        config = base.replace(
                            memory=memory, follow=follow, warmup=int(warmup), settle=settle, cooldown=int(cooldown),
                            k_level=margins[0], k_mean_short=margins[1], k_mean_long=margins[2],
                            k_volatility=margins[3],
                        )  # fmt: skip
                        best = Choice(config, fit)
    assert best is not None
    best.tried = tried
    return best


# --- the table ------------------------------------------------------------------------------------------
def describe(config: DetectorConfig) -> str:
    """The tuned parameters on one line."""
    margins = ", ".join(f"{n}={k:g}" for n, k in zip(COMPONENTS, config.margins, strict=True))
    return (
        f"warmup={config.warmup} settle={config.settle:g} cooldown={config.cooldown} memory={config.memory:g} "
        f"follow={config.follow:g} "
        f"margins: {margins}"
    )


def cell(c: Count) -> str:
    """hits/windows, false alarms, F1 (none without windows: there is nothing to recall)."""
    f1 = f"{c.f1:.3f}" if c.windows else "-"
    return f"{c.hits}/{c.windows} {c.false_alarms} {f1}"


def table(rows: Iterable[tuple[str, dict[str, Count]]], names: Sequence[str]) -> list[str]:
    """Markdown rows: one per category (and totals), a column per detector."""
    out = [
        "| files | " + " | ".join(names) + " |",
        "| --- | " + " | ".join("---" for _ in names) + " |",
    ]
    for label, counts in rows:
        out.append(f"| {label} | " + " | ".join(cell(counts[n]) for n in names) + " |")
    return out


# Our two columns: the detector told each file's probationary period, as NAB's harness tells every detector
# (the published columns were made so), and the same protocol with the period unknown (the worker's case).
OURS = {"ours": True, "ours, no probation": False}


def after_probation(flags: np.ndarray, s: Series) -> np.ndarray:
    """``flags`` with those inside the file's probationary period cleared: NAB's scorer ignores them."""
    out = flags.copy()
    out[: probation(len(s.values))] = False
    return out


def heldout(corpus: Path, series: list[Series], base: DetectorConfig) -> list[str]:
    """The protocol: tune on one fold, report on the other, both ways; the printed lines.

    A second, smaller table counts the same flags with NAB's scorer convention (every detector's flags inside
    the probationary period ignored): the published detectors were scored so, and "ours" is told the period.
    """
    names = (*OURS, *PUBLISHED)
    lines: list[str] = []
    per_category: dict[str, dict[str, Count]] = {}
    per_fold: list[tuple[str, dict[str, Count]]] = []
    nab_per_fold: list[tuple[str, dict[str, Count]]] = []
    overall = {n: Count() for n in names}
    nab_overall = {n: Count() for n in names}

    def add(name: str, flags: np.ndarray, s: Series, fold: dict[str, Count], nab_fold: dict[str, Count]) -> None:
        counted = count_flags(flags, s)
        for total in (per_category.setdefault(s.category, {n: Count() for n in names}), fold, overall):
            total[name].add(counted)
        ignored = count_flags(after_probation(flags, s), s)
        for total in (nab_fold, nab_overall):
            total[name].add(ignored)

    for f, report in enumerate(FOLDS):
        tune = FOLDS[1 - f]
        fold_total = {n: Count() for n in names}
        nab_total = {n: Count() for n in names}
        for name, told in OURS.items():
            files = [s.with_probation() if told else s for s in series]
            choice = search([s for s in files if s.category in tune], base)
            lines.append(
                f"fold {f + 1}, {name}: tuned on {', '.join(tune)} ({choice.tried} settings, fit F1 "
                f"{choice.fit_f1:.3f}); reported on {', '.join(report)}"
            )
            lines.append(f"  picked: {describe(choice.config)}")
            for s in files:
                if s.category in report:
                    add(name, run_detector(s, choice.config)[0], s, fold_total, nab_total)
        for s in series:
            if s.category in report:
                for n in PUBLISHED:
                    add(n, published_flags(corpus, n, s), s, fold_total, nab_total)
        per_fold.append((f"**held-out fold {f + 1}**", fold_total))
        nab_per_fold.append((f"held-out fold {f + 1}", nab_total))
    rows = [(c, per_category[c]) for c in CATEGORIES if c in per_category]
    rows += [*per_fold, ("**held-out total (all 41 files)**", overall)]
    lines.append("")
    lines.append("cells: windows hit/windows, false alarms, window F1")
    lines += table(rows, names)
    lines.append("")
    lines.append(
        "the same flags, NAB's scorer convention: every detector's flags inside the probationary period ignored"
    )
    lines += table([*nab_per_fold, ("held-out total (all 41 files)", nab_overall)], names)
    return lines


def speed(series: Sequence[Series], config: DetectorConfig, passes: int = 3) -> tuple[int, float]:
    """Points and the seconds of the fastest of ``passes`` scorings of every file (the held-out run is slower:
    it also flags the published detectors' files in between)."""
    points = sum(len(s.values) for s in series)
    return points, min(sum(run_detector(s, config)[1] for s in series) for _ in range(passes))


def main() -> None:
    """Run the protocol and print the side-by-side table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="NAB corpus folder (windows.json)")
    parser.add_argument("--defaults", action="store_true", help="also search all files (the shipped defaults)")
    args = parser.parse_args()

    series = load_corpus(args.corpus)
    base = DetectorConfig()
    print("\n".join(heldout(args.corpus, series, base)))
    points, seconds = speed(series, base)
    state = AnomalyDetector(base)
    for v in series[0].values:
        state.update(v)
    print(
        f"\nour detector: {points:,} points in {seconds:.2f} CPU s = {points / seconds:,.0f} points/s per core (best "
        f"of 3 passes over the corpus, the worker's per-point path); state {len(json.dumps(state.to_dict()))} bytes "
        "as JSON per series"
    )
    for name, told in OURS.items():
        worker = Count()
        for s in series:
            worker.add(count_flags(run_detector(s.with_probation() if told else s, host_metrics_config())[0], s))
        print(
            f"\nthe worker's host-metric config (the defaults, memory {host_metrics_config().memory:g}) on all files, "
            f"{name} (a fit, not held out): {cell(worker)}"
        )
    if args.defaults:
        for name, told in OURS.items():
            choice = search([s.with_probation() if told else s for s in series], base)
            print(f"\ngrid on all files, {name} (a fit, not held out): F1 {choice.fit_f1:.3f}")
            print(f"  picked: {describe(choice.config)}")
        print(f"  shipped: {describe(base)}")


if __name__ == "__main__":
    main()
