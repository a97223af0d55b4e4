"""Prophet vs seasonal-naive on NAB series and on synthetic TWS-like series: rolling-origin MAPE and sMAPE.

Run from the repository root:
    .venv/bin/python -m bench.forecast_backtest [--nab-dir ../shared/nab] [--freq 1h] [--folds 5]

Each series is averaged onto the --freq grid (what the training does with host metrics), then
``models.backtest.rolling_origin`` cuts it --folds times one season apart (a day on sub-daily grids), fits the
same Prophet configuration the nightly training uses on everything before each cut, and scores the next
season against the actual values, next to seasonal-naive (the last season repeated) on the same folds.

NAB data is read in place and never copied into the repository (github.com/numenta/NAB, see its LICENSE).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

from twspulse.models.backtest import BacktestResult, rolling_origin
from twspulse.models.forecasting import ForecastConfig
from twspulse.models.series import regularize

REPO_ROOT = Path(__file__).resolve().parent.parent
NAB_FILES = (
    "nyc_taxi.csv",
    "ambient_temperature_system_failure.csv",
    "machine_temperature_system_failure.csv",
    "cpu_utilization_asg_misconfiguration.csv",
    "ec2_request_latency_system_failure.csv",
)


def synthetic_series(days: int = 30, seed: int = 0) -> dict[str, pd.DataFrame]:
    """Hourly series shaped like what the demo produces: a filling disk, a busy CPU, a drifting job runtime."""
    rng = np.random.default_rng(seed)
    ds = pd.date_range("2026-10-01", periods=days * 24, freq="h")
    hours = np.arange(len(ds))
    daily = np.sin(2 * np.pi * hours / 24)
    weekday = (ds.day_of_week < 5).astype(float)
    return {
        "synthetic disk % (growth + nightly batch)": pd.DataFrame(
            {"ds": ds, "y": 55 + 0.03 * hours + 1.5 * np.clip(-daily, 0, None) + rng.normal(0, 0.3, len(ds))}
        ),
        "synthetic cpu % (daily + weekday load)": pd.DataFrame(
            {"ds": ds, "y": 25 + 20 * np.clip(daily, 0, None) * (0.5 + weekday) + rng.normal(0, 4, len(ds))}
        ),
        "synthetic job runtime s (drift + spikes)": pd.DataFrame(
            {
                "ds": ds,
                "y": (600 + 0.4 * hours + 30 * weekday + rng.normal(0, 15, len(ds)))
                * np.where(rng.random(len(ds)) < 0.01, 3.0, 1.0),
            }
        ),
    }


def nab_series(nab_dir: Path, freq: str) -> dict[str, pd.DataFrame]:
    """The chosen NAB files, averaged onto the grid."""
    out = {}
    for name in NAB_FILES:
        path = nab_dir / name
        if path.exists():
            raw = pd.read_csv(path)
            out[f"NAB {name.removesuffix('.csv')}"] = regularize(raw["timestamp"], raw["value"], freq)
    return out


def fmt(value: float | None) -> str:
    """A percentage, or a dash when undefined (MAPE of an all-zero stretch)."""
    return "-" if value is None else f"{value:7.2f}"


def main() -> None:
    """Parse arguments, backtest every series, print a table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--nab-dir", type=Path, default=REPO_ROOT.parent / "shared" / "nab", help="NAB folder")
    parser.add_argument("--freq", default="1h", help="grid the series are averaged onto (pandas offset)")
    parser.add_argument("--folds", type=int, default=5, help="rolling origins per series")
    args = parser.parse_args()

    series = {**nab_series(args.nab_dir, args.freq), **synthetic_series()}
    config = ForecastConfig(min_points=48)
    print(f"rolling origin, {args.folds} folds, horizon one day, grid {args.freq}; errors in percent")
    print(f"{'series':<52} {'points':>6} {'MAPE':>8} {'sMAPE':>8} {'naive MAPE':>11} {'naive sMAPE':>12} {'s':>5}")
    wins = 0
    done = 0
    for name, frame in series.items():
        started = time.perf_counter()
        result = rolling_origin(frame, args.freq, config, folds=args.folds)
        seconds = time.perf_counter() - started
        if not isinstance(result, BacktestResult):
            print(f"{name:<52} {len(frame):>6} skipped: {result.reason}")
            continue
        done += 1
        wins += result.smape < result.baseline_smape
        print(
            f"{name:<52} {len(frame):>6} {fmt(result.mape):>8} {fmt(result.smape):>8} "
            f"{fmt(result.baseline_mape):>11} {fmt(result.baseline_smape):>12} {seconds:>5.1f}"
        )
    print(f"Prophet has the lower sMAPE on {wins}/{done} series")


if __name__ == "__main__":
    main()
