"""Prophet forecasts: a crossing date on a known trend, and series that are skipped with their reason."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from twspulse.models.backtest import BacktestResult, rolling_origin, seasonal_naive, smape
from twspulse.models.forecasting import ForecastConfig, Skipped, forecast, threshold_crossing


def _hourly(values: np.ndarray, start: str = "2026-11-01") -> pd.DataFrame:
    return pd.DataFrame({"ds": pd.date_range(start, periods=len(values), freq="h"), "y": values})


def test_linear_disk_growth_crosses_threshold_near_the_extrapolated_date() -> None:
    hours = np.arange(21 * 24)
    rng = np.random.default_rng(7)
    history = _hourly(60 + hours * (10 / (14 * 24)) + rng.normal(0, 0.3, len(hours)))  # +10 points per 14 days
    result = forecast(history, "1h", 30 * 24, ForecastConfig(cap=100.0))
    assert isinstance(result, pd.DataFrame)
    assert list(result.columns) == ["ds", "yhat", "yhat_lower", "yhat_upper"]
    assert len(result) == 30 * 24 and result["ds"].iloc[0] > history["ds"].iloc[-1]

    crossing = threshold_crossing(result, 90.0)
    expected = history["ds"].iloc[0] + pd.Timedelta(hours=(90 - 60) * 14 * 24 / 10)  # 42 days after the start
    assert crossing.at is not None
    assert abs(pd.Timestamp(crossing.at) - expected) <= pd.Timedelta(days=2)
    assert crossing.earliest is not None and crossing.earliest <= crossing.at
    assert crossing.latest is None or crossing.latest >= crossing.at
    text = crossing.describe("disk /data on web01")
    assert text.startswith("disk /data on web01 reaches 90% on ") and "80% interval" in text


def test_flat_series_has_no_crossing() -> None:
    rng = np.random.default_rng(1)
    result = forecast(_hourly(40 + rng.normal(0, 1, 24 * 10)), "1h", 24 * 7)
    assert isinstance(result, pd.DataFrame)
    crossing = threshold_crossing(result, 90.0)
    assert crossing.at is None and crossing.earliest is None and crossing.latest is None


@pytest.mark.parametrize(
    ("values", "reason"),
    [
        (np.arange(10, dtype=float), "too few points (10 < 48)"),
        (np.full(200, 42.0), "constant series"),
        (np.full(200, np.nan), "all values missing"),
    ],
)
def test_unmodellable_series_is_skipped_with_reason_not_raised(values: np.ndarray, reason: str) -> None:
    result = forecast(_hourly(values), "1h", 24)
    assert isinstance(result, Skipped)
    assert result.reason.startswith(reason)


def test_backtest_reports_model_and_seasonal_naive_errors_on_the_same_folds() -> None:
    hours = np.arange(14 * 24)
    rng = np.random.default_rng(3)
    history = _hourly(100 + 0.2 * hours + 10 * np.sin(2 * np.pi * hours / 24) + rng.normal(0, 1, len(hours)))
    result = rolling_origin(history, "1h", folds=3)
    assert isinstance(result, BacktestResult)
    assert result.folds == 3 and result.horizon_points == 24
    assert result.mape is not None and result.baseline_mape is not None
    assert 0 <= result.smape < 10 and 0 <= result.baseline_smape < 20
    # the trend makes yesterday's values systematically low: the model must beat the baseline here
    assert result.smape < result.baseline_smape


def test_backtest_of_too_short_history_is_skipped() -> None:
    assert isinstance(rolling_origin(_hourly(np.arange(60, dtype=float)), "1h"), Skipped)


def test_seasonal_naive_repeats_last_season_and_smape_is_symmetric() -> None:
    assert seasonal_naive(np.array([1.0, 2, 3, 4, 5]), 5, 2).tolist() == [4, 5, 4, 5, 4]
    a, b = np.array([100.0, 0.0]), np.array([110.0, 0.0])
    assert smape(a, b) == pytest.approx(smape(b, a))
