"""The streaming anomaly scorer on the NAB sample: hits in labelled windows vs false alarms outside, and points/s.

Run from the repository root:
    .venv/bin/python -m bench.nab_eval [--nab-dir ../shared/nab] [--window 288 --z-scale 3] [--grid]

Every CSV of the NAB folder (``timestamp,value``) is scored point by point by a fresh
``models.anomaly_scoring.RobustScorer``, exactly as the stream worker would, and a point is flagged when its
score reaches the threshold. Per file and in total it prints:
- windows detected: labelled anomaly windows (``windows.json``) holding at least one flagged point / all windows,
- false alarms: flagged points outside every window, and per 1,000 scored points,
- points/s of the scorer alone (CSV parsing excluded).
``--grid`` prints the totals for a few parameter choices, the same for every file (no per-file tuning), which
is how the defaults were picked.

NAB data is read in place and never copied into the repository (github.com/numenta/NAB, see its LICENSE).
"""

from __future__ import annotations

import argparse
import csv
import json
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from models.anomaly_scoring import RobustScorer, ScorerConfig

REPO_ROOT = Path(__file__).resolve().parent.parent
GRID = [  # window, z_scale, spread_quantile
    (288, 3.0, 0.0),  # plain median + MAD
    (288, 3.0, 0.05),
    (96, 3.0, 0.05),
    (144, 3.0, 0.05),  # the defaults
    (144, 2.5, 0.05),
    (144, 3.5, 0.05),
    (144, 3.0, 0.025),
]


@dataclass
class FileResult:
    """What the scorer did on one file."""

    name: str
    points: int
    windows: int
    windows_hit: int
    false_alarms: int
    seconds: float

    @property
    def false_per_1k(self) -> float:
        """False alarms per 1,000 scored points."""
        return 1000 * self.false_alarms / self.points if self.points else 0.0


def read_nab(path: Path) -> tuple[list[datetime], list[float]]:
    """Timestamps and values of a NAB CSV."""
    times: list[datetime] = []
    values: list[float] = []
    with path.open(newline="") as f:
        for row in csv.DictReader(f):
            times.append(datetime.fromisoformat(row["timestamp"]))
            values.append(float(row["value"]))
    return times, values


def evaluate_file(
    name: str, times: list[datetime], values: list[float], windows: list[tuple[datetime, datetime]], cfg: ScorerConfig
) -> FileResult:
    """Score one file causally and count window hits and false alarms."""
    scorer = RobustScorer(cfg)
    started = time.perf_counter()
    scores = [scorer.score(v) for v in values]
    seconds = time.perf_counter() - started
    hit = [False] * len(windows)
    false_alarms = 0
    for t, s in zip(times, scores, strict=True):
        if s < cfg.threshold:
            continue
        inside = [i for i, (a, b) in enumerate(windows) if a <= t <= b]
        for i in inside:
            hit[i] = True
        if not inside:
            false_alarms += 1
    return FileResult(name, len(values), len(windows), sum(hit), false_alarms, seconds)


def load_dataset(nab_dir: Path) -> list[tuple[str, list[datetime], list[float], list[tuple[datetime, datetime]]]]:
    """Every CSV of the folder with its labelled windows."""
    labels = json.loads((nab_dir / "windows.json").read_text())
    out = []
    for path in sorted(nab_dir.glob("*.csv")):
        times, values = read_nab(path)
        windows = [(datetime.fromisoformat(a), datetime.fromisoformat(b)) for a, b in labels.get(path.name, [])]
        out.append((path.name, times, values, windows))
    return out


def run(dataset: list, cfg: ScorerConfig) -> list[FileResult]:  # type: ignore[type-arg]
    """Results of one configuration over the whole dataset."""
    return [evaluate_file(name, t, v, w, cfg) for name, t, v, w in dataset]


def totals(results: list[FileResult]) -> FileResult:
    """Sum over files."""
    return FileResult(
        "TOTAL",
        sum(r.points for r in results),
        sum(r.windows for r in results),
        sum(r.windows_hit for r in results),
        sum(r.false_alarms for r in results),
        sum(r.seconds for r in results),
    )


def line(r: FileResult) -> str:
    """One printed row."""
    rate = r.points / r.seconds if r.seconds else 0.0
    return (
        f"{r.name:<45} {r.points:>7} {r.windows_hit:>3}/{r.windows:<3} {r.false_alarms:>8} "
        f"{r.false_per_1k:>9.2f} {rate:>10,.0f}"
    )


def main() -> None:
    """Parse arguments, evaluate, print."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--nab-dir", type=Path, default=REPO_ROOT.parent / "shared" / "nab", help="NAB folder")
    defaults = ScorerConfig()
    parser.add_argument("--window", type=int, default=defaults.window, help="points of history per series")
    parser.add_argument("--min-points", type=int, default=defaults.min_points, help="warm-up points (score 0)")
    parser.add_argument("--z-scale", type=float, default=defaults.z_scale, help="robust z mapped to score 0.68")
    parser.add_argument("--threshold", type=float, default=defaults.threshold, help="score that flags a point")
    parser.add_argument("--grid", action="store_true", help="also print totals for a few parameter choices")
    args = parser.parse_args()

    dataset = load_dataset(args.nab_dir)
    cfg = ScorerConfig(window=args.window, min_points=args.min_points, z_scale=args.z_scale, threshold=args.threshold)
    print(
        f"robust scorer: window={cfg.window} min_points={cfg.min_points} z_scale={cfg.z_scale} "
        f"spread_quantile={cfg.spread_quantile} threshold={cfg.threshold}"
    )
    print(f"{'file':<45} {'points':>7} {'windows':>7} {'false':>8} {'false/1k':>9} {'points/s':>10}")
    results = run(dataset, cfg)
    for r in results:
        print(line(r))
    print(line(totals(results)))
    if args.grid:
        print("\nparameter choices (each the same for every file): windows hit, false alarms outside windows")
        for window, z_scale, q in GRID:
            c = ScorerConfig(
                window=window,
                min_points=min(args.min_points, window),
                z_scale=z_scale,
                threshold=args.threshold,
                spread_quantile=q,
            )
            t = totals(run(dataset, c))
            print(
                f"  window={window:<5} z_scale={z_scale:<4} spread_quantile={q:<6} {t.windows_hit:>2}/{t.windows} "
                f"windows, {t.false_alarms:>5} false alarms ({t.false_per_1k:.2f}/1k)"
            )


if __name__ == "__main__":
    main()
