"""The statistics behind insights: a trend test for short, count-like series, lagged correlation of detrended
series, and the Benjamini-Hochberg correction for the many pairs tested at once.

Pure functions on numbers (numpy arrays, pandas series); no database, no model code. Choices and why:
- Trend: Mann-Kendall (Kendall's tau of value against time) with Sen's slope and its confidence interval
  (``scipy.stats.kendalltau`` / ``theilslopes``). Rank-based, so one outlying week moves it little, it needs
  no distribution (weekly error rates are small counts with many zeros and ties) and it is exact for small n.
  For autocorrelated series (daily host means) its variance is corrected by the effective sample size.
- Links: positive Spearman correlation of the detrended series at lags ``-max_lag..max_lag``. Detrending
  (each value minus its centred 7-step rolling mean) removes the trend both series share by coincidence (two
  things growing in the same 8 weeks correlate at ~0.9 with no causal tie), whatever its shape; what is left
  is whether they move together from one day to the next. First differences would do that too, but they
  correlate each step with the next at -0.5, which turns an opposite movement into a "link" one step off.
  The p-value uses the effective number of pairs (Bartlett's correction for the two series' autocorrelation:
  a wandering host metric correlates by chance far more often than independent points would), and the best
  lag's p-value is multiplied by the number of lags tried (Bonferroni), so searching for a lag does not buy
  significance.
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
ACF_LAGS = 5  # autocorrelation lags in the effective-sample-size correction of a correlation
DETREND_WINDOW = 7  # steps of the rolling mean links are detrended by (a week of days: also drops weekly swings)


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
    n_effective: float = 0.0  # n corrected for the two series' autocorrelation (what the p-value uses)

    def as_evidence(self) -> dict[str, float | int | str]:
        """The numbers an insight's evidence quotes."""
        return {
            "method": f"spearman of residuals from a centred {DETREND_WINDOW}-step rolling mean",
            "lag": self.lag,
            "r": _round(self.r),
            "p_value": _round(self.p_value, 6),
            "n": self.n,
            "n_effective": self.n_effective,
            "lags_tried": self.lags_tried,
        }


def _round(value: float, digits: int = 4) -> float:
    return round(float(value), digits) if math.isfinite(value) else float("nan")


def trend_test(
    y: np.ndarray | list[float], x: np.ndarray | list[float] | None = None, autocorrelated: bool = False
) -> Trend:
    """Mann-Kendall trend test and Sen's slope of ``y`` over ``x`` (default 0, 1, 2, ...).

    ``autocorrelated``: the variance of the statistic is inflated by the effective-sample-size factor of the
    detrended series (Yue & Wang 2004, significant autocorrelations only), so a series that wanders (daily host
    means) is not taken for a trend. A constant series has no trend: p = 1, slope 0. Fewer than 3 points cannot
    be tested (ValueError).
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
    low, high = float(sen.low_slope), float(sen.high_slope)
    if autocorrelated and math.isfinite(p):
        factor = _ess_factor(yv - (sen.intercept + sen.slope * xv))
        z = stats.norm.isf(max(p, 1e-300) / 2) / math.sqrt(factor)
        p = float(2 * stats.norm.sf(z))
        # the interval comes from the same variance as the test: n/n* more variance, sqrt(n/n*) wider
        widen = math.sqrt(factor)
        low, high = sen.slope - (sen.slope - low) * widen, sen.slope + (high - sen.slope) * widen
    return Trend(
        n=len(yv),
        tau=float(tau),
        p_value=1.0 if not math.isfinite(p) else float(p),
        slope=float(sen.slope),
        slope_low=float(low),
        slope_high=float(high),
        intercept=float(sen.intercept),
    )


@dataclass(frozen=True)
class ProportionTrend:
    """Cochran-Armitage test for a rising share of successes (hits among runs) across ordered groups."""

    z: float
    p_value: float  # one-sided: the share rises
    dispersion: float  # Armitage's departure-from-trend chi2 / df, at least 1 (the z is divided by its root)

    def as_evidence(self) -> dict[str, float]:
        """The numbers an insight's evidence quotes."""
        return {"ca_z": _round(self.z), "ca_p_value": _round(self.p_value, 6), "dispersion": _round(self.dispersion)}


def proportion_trend(
    hits: np.ndarray, runs: np.ndarray, x: np.ndarray, dispersion: float | None = None
) -> ProportionTrend:
    """Cochran-Armitage trend test of ``hits``/``runs`` over scores ``x``, corrected for overdispersion.

    Written here because scipy has no Cochran-Armitage test (statsmodels would be a dependency for one
    formula). It reads counts, not shares, so a week of 2 runs weighs less than one of 14; the dispersion
    factor (Armitage's chi2 for departure from a linear trend over its k - 2 degrees of freedom, at least 1)
    widens the test when groups scatter more than binomial counts can (bursts), so one bad week is not a trend.
    ``dispersion`` given: used instead (the factor of coarser groups, for a test on finer ones).
    """
    h, n, t = (np.asarray(v, dtype=float) for v in (hits, runs, x))
    keep = n > 0
    h, n, t = h[keep], n[keep], t[keep]
    total = n.sum()
    p_bar = h.sum() / total if total else 0.0
    if len(h) < 3 or p_bar in (0.0, 1.0):
        return ProportionTrend(0.0, 1.0, 1.0)
    t_bar = float((n * t).sum() / total)
    stat = float((t * (h - n * p_bar)).sum())
    var = p_bar * (1 - p_bar) * float((n * (t - t_bar) ** 2).sum())
    if var <= 0:
        return ProportionTrend(0.0, 1.0, 1.0)
    if dispersion is None:  # Armitage's partition: heterogeneity left once the linear trend is taken out
        homogeneity = float(((h - n * p_bar) ** 2 / (n * p_bar * (1 - p_bar))).sum())
        departure = max(0.0, homogeneity - stat**2 / var)
        dispersion = max(1.0, departure / (len(h) - 2))
    z = stat / math.sqrt(var * dispersion)
    return ProportionTrend(z, float(stats.norm.sf(z)), dispersion)


def _ess_factor(residuals: np.ndarray, max_lag: int = 10) -> float:
    """n / n*: the larger of Yue-Wang's sum over significant lags, 1 + 2 * sum (1 - k/n) * rho_k, and the AR(1)
    factor (1 + phi) / (1 - phi) from the lag-1 autocorrelation with its small-sample bias removed (at least 1).

    The sum alone undercounts a series that wanders: the sample autocorrelations of a short series are biased
    towards 0 and the lags under the significance bound are dropped, so an AR(1) with phi 0.7 over 84 days
    came out at about 4.5 instead of 5.7 and its chance drifts passed as trends.
    """
    n = len(residuals)
    r = residuals - residuals.mean()
    denom = float(np.dot(r, r))
    if n < 4 or denom == 0:
        return 1.0
    bound = 1.96 / math.sqrt(n)
    total = 0.0
    rho1 = 0.0
    for k in range(1, min(max_lag, n - 2) + 1):
        rho = float(np.dot(r[:-k], r[k:])) / denom
        if k == 1:
            rho1 = rho
        if abs(rho) > bound:
            total += (1 - k / n) * rho
    ar1 = 1.0
    if rho1 > bound:  # Kendall's bias correction of the lag-1 estimate, (1 + 4 phi) / n
        phi = min(0.95, rho1 + (1 + 4 * rho1) / n)
        ar1 = (1 + phi) / (1 - phi)
    return max(1.0, 1 + 2 * total, ar1)


def _detrended(s: pd.Series) -> np.ndarray:
    """Residuals from a centred rolling mean, and on a daily grid of two weeks or more, from each weekday's mean.

    Hosts are busier on working days and many jobs run longer at weekends: two daily series that share the
    week's rhythm correlate with no tie between them (and a real link drowns in the rhythm's swing).
    """
    trend = s.rolling(DETREND_WINDOW, center=True, min_periods=DETREND_WINDOW // 2 + 1).mean()
    residual = s - trend
    if isinstance(s.index, pd.DatetimeIndex) and len(s) >= 14 and (s.index[1] - s.index[0]) == pd.Timedelta(days=1):
        residual = residual - residual.groupby(s.index.day_of_week).transform("mean")
    return residual.to_numpy()


def _spearman_r(a: np.ndarray, b: np.ndarray) -> float:
    if np.ptp(a) == 0 or np.ptp(b) == 0:
        return 0.0
    r = stats.spearmanr(a, b).statistic
    return float(r) if math.isfinite(r) else 0.0


def _acf(v: np.ndarray, max_lag: int) -> np.ndarray:
    """Sample autocorrelations at lags 1..max_lag over the finite pairs of a series with gaps."""
    out = np.zeros(max_lag)
    for k in range(1, max_lag + 1):
        a, b = v[:-k], v[k:]
        ok = np.isfinite(a) & np.isfinite(b)
        if ok.sum() > 3 and np.ptp(a[ok]) > 0 and np.ptp(b[ok]) > 0:
            out[k - 1] = float(np.corrcoef(a[ok], b[ok])[0, 1])
    return out


def _one_sided_p(r: float, n_eff: float) -> float:
    """P(correlation >= r) for independent series, from the t distribution with ``n_eff`` points."""
    if n_eff <= 3 or abs(r) >= 1:
        return 0.0 if r >= 1 else 1.0
    t = r * math.sqrt((n_eff - 2) / (1 - r * r))
    return float(stats.t.sf(t, n_eff - 2))


def lagged_correlation(x: pd.Series, y: pd.Series, max_lag: int, min_pairs: int) -> LaggedCorrelation | None:
    """Strongest correlation of the detrended ``x`` and ``y`` over lags ``-max_lag..max_lag``.

    The lag is the one of the strongest correlation either way, and the p-value is one-sided for a positive
    one: more work means more load and a busier host means slower runs, so a workload and a resource that move
    in opposite directions are not a capacity link (and the echo of a strong opposite movement at the next lag,
    through each series' own autocorrelation, must not become one).

    Both series are indexed by the instants of one regular grid (missing steps may simply be absent: they are
    reindexed to the common grid; the rolling mean needs 4 of its 7 steps). None when no lag leaves at least
    ``min_pairs`` pairs.
    """
    if x.empty or y.empty:
        return None
    index = x.index.union(y.index).sort_values()
    step = pd.Series(index).diff().min()
    if pd.isna(step) or step <= pd.Timedelta(0):
        return None
    grid = pd.date_range(index[0], index[-1], freq=step)
    dx, dy = _detrended(x.reindex(grid).astype(float)), _detrended(y.reindex(grid).astype(float))
    best: tuple[float, int, int] | None = None  # (r, lag, n)
    lags = range(-max_lag, max_lag + 1)
    for lag in lags:
        a, b = (dx[: len(dx) - lag], dy[lag:]) if lag >= 0 else (dx[-lag:], dy[: len(dy) + lag])
        ok = np.isfinite(a) & np.isfinite(b)
        if ok.sum() < min_pairs:
            continue
        r = _spearman_r(a[ok], b[ok])
        if best is None or abs(r) > abs(best[0]):
            best = (r, lag, int(ok.sum()))
    if best is None:
        return None
    r, lag, n = best
    # Two autocorrelated series correlate by chance more widely than n independent pairs would (Bartlett):
    # the effective number of pairs is n / (1 + 2 * sum_k acf_x(k) * acf_y(k)).
    inflation = max(1.0, 1 + 2 * float(np.dot(_acf(dx, ACF_LAGS), _acf(dy, ACF_LAGS))))
    p = _one_sided_p(r, n / inflation)
    return LaggedCorrelation(
        lag=lag, r=r, p_value=min(1.0, p * len(lags)), n=n, lags_tried=len(lags), n_effective=round(n / inflation, 1)
    )


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
