"""Prophet forecasts of one series, and when a forecast crosses a threshold.

Two verbs like Prophet itself (``fit``, ``predict``) with ``ds, y`` frames in and ``ds, yhat, yhat_lower,
yhat_upper`` out. A series that cannot be modelled (too short, constant, all missing) is a normal outcome of a
nightly run over hundreds of series, so it comes back as a :class:`Skipped` value with the reason, never as an
exception: the caller records the reason and moves on.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime

import numpy as np
import pandas as pd

# Prophet's import logs "Importing plotly failed" and cmdstanpy logs every fit at INFO; one nightly run fits
# hundreds of models, so both are quietened once, here, rather than at every call.
logging.getLogger("prophet.plot").setLevel(logging.CRITICAL)  # plots are not used here
from cmdstanpy.utils import get_logger as _cmdstanpy_logger  # noqa: E402 - after prophet.plot is quietened
from prophet import Prophet  # noqa: E402

# cmdstanpy installs its own INFO handler on first use and sets its logger to DEBUG; do that first, then lower it.
_cmdstanpy_logger().setLevel(logging.WARNING)
logging.getLogger("prophet").setLevel(logging.WARNING)

INTERVAL_WIDTH = 0.8  # the "80% interval" every crossing date is quoted with


@contextmanager
def _prophet_on_pandas3() -> Iterator[None]:
    """Prophet 1.x calls ``DataFrame.drop(inplace=True)``, deprecated in pandas 3: one warning per fit and predict,
    hundreds per training run, about code that is not ours."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The inplace keyword", module="prophet")
        yield


@dataclass(frozen=True)
class ForecastConfig:
    """How a series is modelled; the defaults are what the nightly training uses."""

    min_points: int = 48
    interval_width: float = INTERVAL_WIDTH
    # Few samples: intervals are read as "earliest/latest plausible date", not as precise quantiles, and
    # sampling dominates predict time (1,000 samples x 720 points per series).
    uncertainty_samples: int = 200
    holidays: tuple[date, ...] = ()  # days the scheduler runs differently (closing days, freeze weeks)
    changepoint_prior_scale: float = 0.05
    floor: float | None = None  # clip the forecast (a runtime is never negative; a percentage stays in 0..100)
    cap: float | None = None


@dataclass(frozen=True)
class Skipped:
    """A series not modelled, and why (stored in ``forecast_models.skip_reason``)."""

    reason: str


@dataclass(frozen=True)
class FittedModel:
    """A fitted Prophet model and the facts about its history a forecast needs."""

    model: Prophet
    freq: str
    n_points: int
    train_start: datetime
    train_end: datetime
    config: ForecastConfig = field(default_factory=ForecastConfig)


@dataclass(frozen=True)
class Crossing:
    """When a forecast reaches a threshold: the central date and the plausible range from the interval.

    ``earliest`` is where ``yhat_upper`` first reaches it, ``latest`` where ``yhat_lower`` does; either may be
    ``None`` when the bound never gets there inside the horizon.
    """

    threshold: float
    at: datetime | None
    earliest: datetime | None
    latest: datetime | None

    def describe(self, what: str, interval_width: float = INTERVAL_WIDTH) -> str:
        """``disk /data on web01 reaches 90% on 2027-01-14, 80% interval 2027-01-02..2027-01-29``."""
        day = "%Y-%m-%d"
        at = self.at.strftime(day) if self.at else "beyond the horizon"
        lo = self.earliest.strftime(day) if self.earliest else "?"
        hi = self.latest.strftime(day) if self.latest else "beyond the horizon"
        return f"{what} reaches {self.threshold:g}% on {at}, {interval_width:.0%} interval {lo}..{hi}"


def check_history(history: pd.DataFrame, min_points: int) -> Skipped | pd.DataFrame:
    """The usable ``ds, y`` rows (finite y, sorted, naive ds), or why the series cannot be modelled."""
    if history.empty or "y" not in history:
        return Skipped("no history")
    y = pd.to_numeric(history["y"], errors="coerce").astype(float)
    finite = np.isfinite(y.to_numpy())
    if not finite.any():
        return Skipped("all values missing")
    clean = pd.DataFrame({"ds": pd.to_datetime(history["ds"]), "y": y}).loc[finite]
    if clean["ds"].dt.tz is not None:
        clean["ds"] = clean["ds"].dt.tz_convert("UTC").dt.tz_localize(None)
    clean = clean.sort_values("ds").drop_duplicates("ds", keep="last").reset_index(drop=True)
    if len(clean) < min_points:
        return Skipped(f"too few points ({len(clean)} < {min_points})")
    if float(clean["y"].max()) == float(clean["y"].min()):
        return Skipped(f"constant series (every value {float(clean['y'].iloc[0]):g})")
    return clean


def _seasonalities(ds: pd.Series) -> tuple[bool, bool, bool]:
    """Daily, weekly, yearly seasonality: on only when the history covers at least two cycles of it.

    One cycle cannot tell a season from a trend; the grid must also be finer than the season (a daily series
    has no daily shape).
    """
    span = ds.iloc[-1] - ds.iloc[0]
    step = ds.diff().median()
    daily = span >= pd.Timedelta(days=2) and step < pd.Timedelta(days=1)
    weekly = span >= pd.Timedelta(weeks=2) and step < pd.Timedelta(weeks=1)
    yearly = span >= pd.Timedelta(days=730)
    return bool(daily), bool(weekly), bool(yearly)


def fit(history: pd.DataFrame, freq: str, config: ForecastConfig | None = None) -> FittedModel | Skipped:
    """Fit Prophet to a ``ds, y`` history on a ``freq`` grid, or say why not."""
    config = config or ForecastConfig()
    clean = check_history(history, config.min_points)
    if isinstance(clean, Skipped):
        return clean
    daily, weekly, yearly = _seasonalities(clean["ds"])
    holidays = (
        pd.DataFrame({"holiday": "holiday", "ds": pd.to_datetime(list(config.holidays))}) if config.holidays else None
    )
    model = Prophet(
        growth="linear",
        daily_seasonality=daily,
        weekly_seasonality=weekly,
        yearly_seasonality=yearly,
        holidays=holidays,
        interval_width=config.interval_width,
        uncertainty_samples=config.uncertainty_samples,
        changepoint_prior_scale=config.changepoint_prior_scale,
    )
    with _prophet_on_pandas3():
        model.fit(clean)
    return FittedModel(
        model=model,
        freq=freq,
        n_points=len(clean),
        train_start=clean["ds"].iloc[0].to_pydatetime(),
        train_end=clean["ds"].iloc[-1].to_pydatetime(),
        config=config,
    )


def predict(fitted: FittedModel, periods: int) -> pd.DataFrame:
    """The ``periods`` grid points after the history: ``ds, yhat, yhat_lower, yhat_upper`` (no history rows)."""
    start = pd.Timestamp(fitted.train_end) + pd.tseries.frequencies.to_offset(fitted.freq)
    return predict_at(fitted, pd.Series(pd.date_range(start, periods=periods, freq=fitted.freq)))


def predict_at(fitted: FittedModel, instants: pd.Series) -> pd.DataFrame:
    """The forecast at given instants (a backtest fold's own timestamps, which may have gaps)."""
    future = pd.DataFrame({"ds": pd.to_datetime(instants).reset_index(drop=True)})
    with _prophet_on_pandas3():
        out = fitted.model.predict(future)
    if "yhat_lower" not in out:  # uncertainty_samples=0 (backtests): no interval, only the central line
        out["yhat_lower"] = out["yhat_upper"] = out["yhat"]
    frame = out[["ds", "yhat", "yhat_lower", "yhat_upper"]].reset_index(drop=True)
    cfg = fitted.config
    if cfg.floor is not None or cfg.cap is not None:
        cols = ["yhat", "yhat_lower", "yhat_upper"]
        frame[cols] = frame[cols].clip(lower=cfg.floor, upper=cfg.cap)
    return frame


def forecast(
    history: pd.DataFrame, freq: str, periods: int, config: ForecastConfig | None = None
) -> pd.DataFrame | Skipped:
    """Fit and predict in one call (the CLI's and the backtest's shape of use)."""
    fitted = fit(history, freq, config)
    return fitted if isinstance(fitted, Skipped) else predict(fitted, periods)


def threshold_crossing(forecast_frame: pd.DataFrame, threshold: float) -> Crossing:
    """First forecast instants at which ``yhat``, ``yhat_upper`` and ``yhat_lower`` reach ``threshold``.

    With a rising series the upper bound gets there first (earliest plausible date) and the lower bound last
    (latest plausible date); this is what "disk full in 3 weeks, somewhere between 2 and 5" means.
    """

    def first(column: str) -> datetime | None:
        hit = forecast_frame.loc[forecast_frame[column] >= threshold, "ds"]
        return None if hit.empty else pd.Timestamp(hit.iloc[0]).to_pydatetime()

    return Crossing(threshold, first("yhat"), first("yhat_upper"), first("yhat_lower"))
