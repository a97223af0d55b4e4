"""The streaming anomaly scorer: each new point against a rolling median and MAD of the points before it.

Why this shape:
- **Causal.** A point is scored against the window *before* it, then added; nothing later can change its score,
  so the worker can emit a score the moment a sample arrives and a replay gives the same scores.
- **Robust.** Median and MAD ignore the spikes they are meant to find (a mean and a standard deviation would be
  dragged by them), and a sustained level shift becomes the new normal after half a window.
- **Small state.** The last ``window`` values of a series, nothing else: a few KiB as JSON, so the worker can
  keep one per series in a changelog-backed table or in memory (:meth:`RobustScorer.to_dict`).
- **Cheap.** A sorted copy of the window is kept up to date by bisection, so the median is a lookup and the MAD
  a k-th-of-two-sorted-runs search: O(log window) comparisons plus one memmove per point.

The robust z (distance from the median in robust standard deviations, 1.4826 MAD) maps to a score in [0, 1]
through ``erf(|z| / (z_scale * sqrt 2))``, the two-sided normal probability of ``|z| / z_scale``: with
``z_scale = 3`` a score of 0.9 is ``|z| ~ 4.9`` and 0.99 is ``|z| ~ 7.7``.
"""

from __future__ import annotations

import math
from bisect import bisect_left, insort
from collections import deque
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

MAD_TO_SD = 1.4826  # MAD of a normal distribution times this is its standard deviation
MEAN_AD_TO_SD = 1.2533  # same for the mean absolute deviation (used only when over half the window is equal)
STATE_VERSION = 1


@dataclass(frozen=True)
class ScorerConfig:
    """Parameters of the robust scorer (chosen on the NAB sample with ``bench/nab_eval.py``; see its output)."""

    window: int = 144  # points of history kept (12 hours of 5-minute samples)
    min_points: int = 48  # warm-up: score 0 until this many points have been seen
    z_scale: float = 3.0  # |z| that maps to score erf(1/sqrt 2) = 0.68; 0.9 is at 1.645 * z_scale
    threshold: float = 0.9  # score from which a point is an anomaly (settings.anomaly_threshold)
    # Floor of the robust standard deviation, relative to the median's magnitude: a metric that sat at exactly
    # the same value for a window would otherwise turn a change in its last digit into an infinite z.
    rel_scale_floor: float = 1e-3
    # The scale is at least the spread between these window quantiles (as a normal's sd would have it): a series
    # whose usual shape includes frequent excursions (a batch spike every hour) has a small MAD around its
    # quiet level, and without this every usual excursion would be "anomalous". 0 turns it off.
    spread_quantile: float = 0.05

    def __post_init__(self) -> None:
        if self.window < 3:
            raise ValueError(f"window must be at least 3 points, got {self.window}")
        if not 1 <= self.min_points <= self.window:
            raise ValueError(f"min_points must be in 1..window ({self.window}), got {self.min_points}")
        if self.z_scale <= 0:
            raise ValueError(f"z_scale must be positive, got {self.z_scale}")
        if not 0 <= self.spread_quantile < 0.5:
            raise ValueError(f"spread_quantile must be in [0, 0.5), got {self.spread_quantile}")


class RobustScorer:
    """Scorer of one series; keep one per series and persist it with :meth:`to_dict` / :meth:`from_dict`."""

    __slots__ = ("config", "seen", "_values", "_sorted", "_spread_z")

    def __init__(self, config: ScorerConfig | None = None) -> None:
        self.config = config or ScorerConfig()
        q = self.config.spread_quantile
        self._spread_z = 2 * NormalDist().inv_cdf(1 - q) if q > 0 else 0.0
        self.seen = 0  # points accepted so far (NaNs are not points)
        self._values: deque[float] = deque()
        self._sorted: list[float] = []

    # --- scoring -----------------------------------------------------------------------------------------
    def score(self, value: float) -> float:
        """Score ``value`` against the history, then add it to the history; returns a score in [0, 1].

        0 during warm-up and for a missing (NaN/inf) value, which is also not added.
        """
        if not math.isfinite(value):
            return 0.0
        s = 0.0 if self.seen < self.config.min_points else self._score(value)
        self._push(value)
        return s

    def is_anomaly(self, score: float) -> bool:
        """Whether a score crosses the configured threshold."""
        return score >= self.config.threshold

    def baseline(self) -> tuple[float, float] | None:
        """Current median and robust standard deviation (None while the window is empty): alert evidence."""
        if not self._sorted:
            return None
        med = self._median()
        return med, self._scale(med)

    def _score(self, value: float) -> float:
        med = self._median()
        z = abs(value - med) / self._scale(med)
        return math.erf(z / (self.config.z_scale * math.sqrt(2.0)))

    def _push(self, value: float) -> None:
        values, srt = self._values, self._sorted
        values.append(value)
        insort(srt, value)
        if len(values) > self.config.window:
            old = values.popleft()
            del srt[bisect_left(srt, old)]
        self.seen += 1

    def _median(self) -> float:
        srt = self._sorted
        n = len(srt)
        mid = n // 2
        return srt[mid] if n % 2 else 0.5 * (srt[mid - 1] + srt[mid])

    def _scale(self, med: float) -> float:
        srt = self._sorted
        scale = MAD_TO_SD * _median_abs_deviation(srt, med)
        if self._spread_z:
            n = len(srt)
            lo = int(self.config.spread_quantile * (n - 1))
            scale = max(scale, (srt[n - 1 - lo] - srt[lo]) / self._spread_z)
        if scale == 0.0:
            scale = MEAN_AD_TO_SD * sum(abs(v - med) for v in srt) / len(srt)
        return max(scale, self.config.rel_scale_floor * max(abs(med), 1.0))

    # --- state -------------------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """JSON-able state (the window in arrival order and the count seen); the config is not part of it."""
        return {"v": STATE_VERSION, "seen": self.seen, "values": list(self._values)}

    @classmethod
    def from_dict(cls, state: dict[str, Any] | None, config: ScorerConfig | None = None) -> RobustScorer:
        """Rebuild a scorer from :meth:`to_dict` output (None or {} gives a fresh one).

        A state saved with a longer window than ``config.window`` keeps its newest points, so the window can be
        changed without dropping every series back into warm-up.
        """
        scorer = cls(config)
        if not state:
            return scorer
        if state.get("v") != STATE_VERSION:
            raise ValueError(f"unknown scorer state version {state.get('v')!r}")
        values = [float(v) for v in state["values"]][-scorer.config.window :]
        scorer._values = deque(values)
        scorer._sorted = sorted(values)
        scorer.seen = int(state["seen"])
        return scorer


def _median_abs_deviation(srt: list[float], med: float) -> float:
    """MAD of a sorted list around ``med`` without building the deviations.

    Deviations below the median, read leftwards from it, and those above, read rightwards, are two ascending
    runs; the MAD is their lower-middle element, found by bisecting how many come from the left run.
    """
    n = len(srt)
    p = bisect_left(srt, med)  # srt[:p] < med <= srt[p:]
    n_left, n_right = p, n - p
    k = (n - 1) // 2  # zero-based rank of the (lower) median deviation

    lo, hi = max(0, k + 1 - n_right), min(k + 1, n_left)
    while lo < hi:
        i = (lo + hi) // 2
        j = k + 1 - i
        # take more from the left run while its next deviation is below the right run's last one taken
        if med - srt[p - 1 - i] < srt[p + j - 1] - med:
            lo = i + 1
        else:
            hi = i
    i, j = lo, k + 1 - lo
    left = med - srt[p - i] if i > 0 else -1.0
    right = srt[p + j - 1] - med if j > 0 else -1.0
    return max(left, right)


def score_series(values: list[float], config: ScorerConfig | None = None) -> list[float]:
    """Scores of a whole series in order, from a fresh scorer (bench, CLI and tests)."""
    scorer = RobustScorer(config)
    return [scorer.score(v) for v in values]
