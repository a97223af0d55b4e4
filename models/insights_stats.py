"""The statistics behind insights: a trend test for short, count-like series, lagged correlation of detrended
series, and the Benjamini-Hochberg correction for the many pairs tested at once.

Pure functions on numbers (numpy arrays, pandas series); no database, no model code. Choices and why:
- Trend: Mann-Kendall (Kendall's tau of value against time) with Sen's slope and its confidence interval
  (``scipy.stats.kendalltau`` / ``theilslopes``). Rank-based, so one outlying week moves it little, it needs
  no distribution (weekly error rates are small counts with many zeros and ties) and it is exact for small n.
- Links: Spearman correlation of the first differences at lags ``-max_lag..max_lag``. Differencing removes
  the trend both series share by coincidence (two things growing in the same 8 weeks correlate at ~0.9 with no
  causal tie); what is left is whether they move together from one day to the next. The best lag's p-value
  is multiplied by the number of lags tried (Bonferroni), so searching for a lag does not buy significance.
- Many pairs: Benjamini-Hochberg q-values over every test of a run keep the share of false insights at the
  chosen level however many jobs and hosts are tested.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

SLOPE_CONFIDENCE = 0.95  # the confidence interval quoted with every Sen's slope


@dataclass(frozen=True)
class Trend:
    """Mann-Kendall test and Sen's slope of one series (slope per step of ``x``)."""

    n: int
    tau: float
    p_value: float  # two-sided
    slope: float
    slope_low: float  # SLOPE_CONFIDENCE interval of the slope
    slope_high: float
    intercept: float

    def at(self, x: float, slope: float | None = None) -> float:
        """The Sen line's value at ``x`` (with another slope, e.g. a CI bound, through the same median point)."""
        return self.intercept + (self.slope if slope is None else slope) * x

    def as_evidence(self) -> dict[str, float | int]:
        """The numbers an insight's evidence quotes."""
        return {
            "n": self.n,
            "tau": _round(self.tau),
            "p_value": _round(self.p_value, 6),
            "sen_slope": _round(self.slope),
            "slope_ci_low": _round(self.slope_low),
            "slope_ci_high": _round(self.slope_high),
            "slope_ci": SLOPE_CONFIDENCE,
        }


@dataclass(frozen=True)
class LaggedCorrelation:
    """The strongest lagged Spearman correlation of two detrended series.

    ``lag`` > 0: the second series follows the first by that many steps (y at t + lag moves with x at t).
    """

    lag: int
    r: float
    p_value: float  # Bonferroni-adjusted over the lags tried
    n: int
    lags_tried: int

    def as_evidence(self) -> dict[str, float | int | str]:
        """The numbers an insight's evidence quotes."""
        return {
            "method": "spearman of first differences",
            "lag": self.lag,
            "r": _round(self.r),
            "p_value": _round(self.p_value, 6),
            "n": self.n,
            "lags_tried": self.lags_tried,
        }


def _round(value: float, digits: int = 4) -> float:
    return round(float(value), digits) if math.isfinite(value) else float("nan")


def trend_test(y: np.ndarray | list[float], x: np.ndarray | list[float] | None = None) -> Trend:
    """Mann-Kendall trend test and Sen's slope of ``y`` over ``x`` (default 0, 1, 2, ...).

    A constant series has no trend: p = 1, slope 0. Fewer than 3 points cannot be tested (ValueError).
    """
    yv = np.asarray(y, dtype=float)
    xv = np.arange(len(yv), dtype=float) if x is None else np.asarray(x, dtype=float)
    if len(yv) != len(xv):
        raise ValueError(f"x and y differ in length: {len(xv)} vs {len(yv)}")
    keep = np.isfinite(yv) & np.isfinite(xv)
    yv, xv = yv[keep], xv[keep]
    if len(yv) < 3:
        raise ValueError(f"a trend needs at least 3 finite points, got {len(yv)}")
    if np.ptp(yv) == 0:
        return Trend(len(yv), 0.0, 1.0, 0.0, 0.0, 0.0, float(yv[0]))
    tau, p = stats.kendalltau(xv, yv)
    sen = stats.theilslopes(yv, xv, alpha=SLOPE_CONFIDENCE)
    return Trend(
        n=len(yv),
        tau=float(tau),
        p_value=1.0 if not math.isfinite(p) else float(p),
        slope=float(sen.slope),
        slope_low=float(sen.low_slope),
        slope_high=float(sen.high_slope),
        intercept=float(sen.intercept),
    )


def _spearman(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    if np.ptp(a) == 0 or np.ptp(b) == 0:
        return 0.0, 1.0
    r, p = stats.spearmanr(a, b)
    return float(r), float(p) if math.isfinite(p) else 1.0


def lagged_correlation(x: pd.Series, y: pd.Series, max_lag: int, min_pairs: int) -> LaggedCorrelation | None:
    """Strongest correlation of the first differences of ``x`` and ``y`` over lags ``-max_lag..max_lag``.

    Both series are indexed by the instants of one regular grid (missing steps may simply be absent: they are
    reindexed to the common grid, and a difference across a gap is not taken). None when no lag leaves at least
    ``min_pairs`` pairs.
    """
    if x.empty or y.empty:
        return None
    index = x.index.union(y.index).sort_values()
    step = pd.Series(index).diff().min()
    if pd.isna(step) or step <= pd.Timedelta(0):
        return None
    grid = pd.date_range(index[0], index[-1], freq=step)
    dx = x.reindex(grid).astype(float).diff().to_numpy()
    dy = y.reindex(grid).astype(float).diff().to_numpy()
    best: tuple[float, int, float, int] | None = None  # (|r|, lag, p, n)
    r_best = 0.0
    lags = range(-max_lag, max_lag + 1)
    for lag in lags:
        a, b = (dx[: len(dx) - lag], dy[lag:]) if lag >= 0 else (dx[-lag:], dy[: len(dy) + lag])
        ok = np.isfinite(a) & np.isfinite(b)
        if ok.sum() < min_pairs:
            continue
        r, p = _spearman(a[ok], b[ok])
        if best is None or abs(r) > best[0]:
            best, r_best = (abs(r), lag, p, int(ok.sum())), r
    if best is None:
        return None
    _, lag, p, n = best
    return LaggedCorrelation(lag=lag, r=r_best, p_value=min(1.0, p * len(lags)), n=n, lags_tried=len(lags))


def benjamini_hochberg(p_values: list[float] | np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg q-values (adjusted p-values) in the input order."""
    p = np.asarray(p_values, dtype=float)
    m = len(p)
    if m == 0:
        return p
    order = np.argsort(p)
    ranked = p[order] * m / np.arange(1, m + 1)
    q = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty(m)
    out[order] = np.clip(q, 0.0, 1.0)
    return out
