"""Rolling-origin backtest of the forecast on the series' own history, against a seasonal-naive baseline.

A forecast error only means something next to what a trivial forecaster gets on the same folds: a job whose
runtime repeats day after day is "predicted" well by yesterday's value, and a model that cannot beat that adds
nothing. So every fold is scored for Prophet and for seasonal-naive (the last season repeated), and both are
stored (``forecast_models.smape`` vs ``baseline_smape``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from twspulse.models.forecasting import ForecastConfig, Skipped, check_history, fit, predict_at
from twspulse.models.series import points_per_day


@dataclass(frozen=True)
class BacktestResult:
    """Mean errors (percent) over the folds; MAPE ignores actual values of zero, sMAPE does not need to."""

    folds: int
    horizon_points: int
    mape: float | None
    smape: float
    baseline_mape: float | None
    baseline_smape: float

    def as_dict(self) -> dict[str, float | int | None]:
        """For the metrics jsonb of a training run."""
        return dict(self.__dict__)


def mape(actual: np.ndarray, predicted: np.ndarray) -> float | None:
    """Mean absolute percentage error over the points whose actual value is not zero (None if none is)."""
    mask = actual != 0
    if not mask.any():
        return None
    return float(np.mean(np.abs((actual[mask] - predicted[mask]) / actual[mask])) * 100)


def smape(actual: np.ndarray, predicted: np.ndarray) -> float:
    """Symmetric MAPE in [0, 200]; a point where both are zero counts as a perfect forecast."""
    denom = np.abs(actual) + np.abs(predicted)
    ratio = np.divide(2 * np.abs(actual - predicted), denom, out=np.zeros_like(denom, dtype=float), where=denom != 0)
    return float(np.mean(ratio) * 100)


def season_points(freq: str) -> int:
    """The baseline's season in grid points: a day for sub-daily grids, a week for daily ones."""
    per_day = points_per_day(freq)
    return max(1, round(per_day)) if per_day > 1 else 7


def seasonal_naive(history: np.ndarray, horizon: int, season: int) -> np.ndarray:
    """The last ``season`` values repeated over the horizon (the last value when history is shorter)."""
    if len(history) < season:
        return np.full(horizon, history[-1], dtype=float)
    last = history[-season:]
    return np.resize(last, horizon).astype(float)


def rolling_origin(
    history: pd.DataFrame,
    freq: str,
    config: ForecastConfig | None = None,
    folds: int = 3,
    horizon_points: int | None = None,
) -> BacktestResult | Skipped:
    """Cut the history ``folds`` times (one horizon apart, latest last), forecast the next horizon, score both.

    The horizon defaults to one season; each training part must still hold ``min_points``, so a short series
    gets fewer folds, and one with no room for a single fold is skipped with the reason. Fits here draw no
    uncertainty samples: only ``yhat`` is scored, and sampling is most of a predict's cost.
    """
    config = config or ForecastConfig()
    clean = check_history(history, config.min_points)
    if isinstance(clean, Skipped):
        return clean
    season = season_points(freq)
    horizon = horizon_points or season
    room = (len(clean) - config.min_points) // horizon
    n_folds = min(folds, room)
    if n_folds < 1:
        return Skipped(f"too short to backtest ({len(clean)} points, horizon {horizon}, min {config.min_points})")
    quick = ForecastConfig(
        min_points=config.min_points,
        interval_width=config.interval_width,
        uncertainty_samples=0,
        holidays=config.holidays,
        changepoint_prior_scale=config.changepoint_prior_scale,
        floor=config.floor,
        cap=config.cap,
    )
    actuals: list[np.ndarray] = []
    model_preds: list[np.ndarray] = []
    naive_preds: list[np.ndarray] = []
    y = clean["y"].to_numpy(dtype=float)
    for k in range(n_folds, 0, -1):
        cut = len(clean) - k * horizon
        train, test = clean.iloc[:cut], clean.iloc[cut : cut + horizon]
        fitted = fit(train, freq, quick)
        if isinstance(fitted, Skipped):  # e.g. a training part that happens to be constant
            continue
        # Predict at the test rows' own instants: the grid may have gaps, and a gap must not shift the fold.
        pred = predict_at(fitted, test["ds"])["yhat"].to_numpy(dtype=float)
        actuals.append(test["y"].to_numpy(dtype=float))
        model_preds.append(pred)
        naive_preds.append(seasonal_naive(y[:cut], len(test), season))
    if not actuals:
        return Skipped("no fold could be fitted")
    a, m, b = np.concatenate(actuals), np.concatenate(model_preds), np.concatenate(naive_preds)
    return BacktestResult(
        folds=len(actuals),
        horizon_points=horizon,
        mape=mape(a, m),
        smape=smape(a, m),
        baseline_mape=mape(a, b),
        baseline_smape=smape(a, b),
    )
