"""The streaming anomaly detector: a point is flagged when it (or a short-term summary of the series ending at it)
leaves everything the series has done for a long while, by a margin measured in the series' usual spread.

Why this shape (issue 15; the held-out protocol and its table are in docs/anomalies.md):
- **Novelty, not deviation.** A rolling z-score flags every usual excursion of a bursty or seasonal series
  (a daily peak, a batch spike) and drowned SREs in alerts. Here each *component* keeps an envelope: the
  highest and lowest value it has seen, relaxing towards its usual level by ``1/memory`` of the gap per point,
  so a record fades out after a few ``memory`` points and the envelope keeps up with a series that drifts.
  A point is scored by how far it lies outside the envelope, in units of the component's usual spread (its
  exponentially weighted mean absolute deviation): inside the envelope it scores 0, however far from the
  mean. This is the "has it ever looked like this?" question of contextOSE and knncad, at O(1) per point.
- **Components.** The value itself (spikes, dips, level shifts), its short and long exponentially weighted
  means (a sustained shift or a slow swell whose single points are still inside the value's envelope) and its
  short-term volatility (a series that goes flat, or noisier than ever). Each has its own margin ``k``;
  ``inf`` turns a component off. The score is ``1 - 10**-r`` where ``r`` is the largest exceedance over its
  margin, divided by ``1 + settle/points seen`` (a young series sets records by nature), so ``r = 1`` is the
  default threshold 0.9 and a higher threshold asks for a larger margin.
- **Alarm suppression and warm-up.** After a flag the detector stays quiet for ``cooldown`` points: one event,
  one alarm (the window F1 of issue 15 counts each run of flags outside a labelled window as a false alarm).
  The first ``warmup`` points only build the envelopes; each component's level and spread are running means
  until ``baseline`` points, so an early spread is not biased towards 0.
- **Level-shift adaptation.** A shift fires once; while the detector cools down the new level widens the
  envelope, so the next flag needs a new surprise, and the envelope relaxes back over ``memory`` points.
- **Causal, small, fast.** A point's score uses only the state built from the points before it and the point
  itself; nothing later changes it. The state is 19 floats and 2 counters (about 430 bytes as JSON, see
  :meth:`AnomalyDetector.to_dict`), one update is a few dozen float operations in plain Python. Hand-written
  because no library offers these incremental envelopes with per-point state the worker can persist; numpy
  would only add per-call overhead at one point per call.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Any, NamedTuple

STATE_VERSION = 2
# Components in the order of the state and of ``DetectorConfig.margins``: name -> what an SRE reads.
COMPONENTS = ("level", "mean_short", "mean_long", "volatility")
COMPONENT_MEANING = {
    "level": "value outside its usual range",
    "mean_short": "short-term average outside its usual range",
    "mean_long": "long-term average outside its usual range",
    "volatility": "short-term volatility outside its usual range",
}
_SHORT_SPAN = 12  # points of the short mean and of the volatility (an hour of 5-minute samples)
_LONG_SPAN = 48  # points of the long mean (four hours of 5-minute samples)
_A_SHORT, _A_LONG = 2.0 / (_SHORT_SPAN + 1), 2.0 / (_LONG_SPAN + 1)
# The probationary period of a long series (NAB's cap, reached from 5,000 points): the detector's point counts
# are those of such a series (see DetectorConfig.for_probation).
PROBATION_CAP = 750
_REL_FLOOR = 1e-3  # the spread is at least this fraction of the level: a flat series' last digit is no event
_RANGE_FLOOR = 0.01  # ... and at least this fraction of the envelope's width


@dataclass(frozen=True)
class DetectorConfig:
    """Parameters of the detector; the defaults come from the protocol in docs/anomalies.md (bench/nab_eval.py)."""

    warmup: int = 500  # points that only build the envelopes (no flag)
    # After the warm-up the margins start wide and settle: each is multiplied by 1 + settle/points seen, since a
    # young series sets records by nature (its second daily peak is a record); 0 turns it off.
    settle: float = 1000.0
    cooldown: int = 300  # points without a flag after a flag
    memory: float = 1e9  # envelope relaxes towards the usual level by 1/memory of the gap per point
    baseline: int = 500  # span (points) of each component's usual level and spread
    # How far an envelope moves towards a value outside it (1: all the way). Below 1, a slow excursion (a mean
    # creeping past its usual highs) keeps exceeding the envelope and adds up instead of pushing it along.
    follow: float = 1.0
    k_level: float = 0.5  # margins (in usual spreads) outside the envelope; inf turns a component off
    k_mean_short: float = math.inf
    k_mean_long: float = 0.5
    k_volatility: float = math.inf
    threshold: float = 0.9  # score from which a point is an anomaly (settings.anomaly_threshold)
    # Score log(1 + value) instead of the value: for quantities that vary by factors (a run twice as long, or
    # a tenth as long), so a margin means the same on both sides; expected ranges are given back in values.
    log_scale: bool = False

    def __post_init__(self) -> None:
        if self.warmup < 0 or self.cooldown < 0 or self.settle < 0:
            raise ValueError(f"warmup, cooldown, settle must be >= 0: {self.warmup}, {self.cooldown}, {self.settle}")
        if self.memory < 1 or self.baseline < 1:
            raise ValueError(f"memory and baseline must be >= 1 point, got {self.memory}, {self.baseline}")
        if not all(k > 0 for k in self.margins):
            raise ValueError(f"margins must be positive (inf turns a component off), got {self.margins}")
        if not 0 < self.follow <= 1:
            raise ValueError(f"follow must be in (0, 1], got {self.follow}")
        if not 0 < self.threshold < 1:
            raise ValueError(f"threshold must be in (0, 1), got {self.threshold}")

    @property
    def margins(self) -> tuple[float, float, float, float]:
        """Margin of each component, in the order of ``COMPONENTS``."""
        return (self.k_level, self.k_mean_short, self.k_mean_long, self.k_volatility)

    @property
    def ratio_threshold(self) -> float:
        """Exceedance-over-margin ``r`` at which the score reaches the threshold (1 for the default 0.9)."""
        return -math.log10(1.0 - self.threshold)

    def scaled(self, factor: float) -> DetectorConfig:
        """A copy with every point count (warm-up, settling, cooldown, memory, baseline) multiplied by ``factor``.

        The point counts are those of a long series. A caller that knows a series is short scales them down
        (:meth:`for_probation`); the worker's series have no end and keep factor 1. The components' spans are
        not scaled.
        """
        if not factor > 0:
            raise ValueError(f"scale factor must be positive, got {factor}")
        return self.replace(
            warmup=int(self.warmup * factor),
            settle=self.settle * factor,
            cooldown=int(self.cooldown * factor),
            memory=max(1.0, self.memory * factor),
            baseline=max(1, int(round(self.baseline * factor))),
        )

    def for_probation(self, points: int) -> DetectorConfig:
        """A copy for a series known to be short, told its probationary period in points (NAB's harness tells
        every detector one: 15 % of the file, at most ``PROBATION_CAP``): point counts scale by
        ``points / PROBATION_CAP``; a period of ``PROBATION_CAP`` or more is a long series (no change)."""
        if points < 1:
            raise ValueError(f"a probationary period is at least 1 point, got {points}")
        return self.scaled(min(points, PROBATION_CAP) / PROBATION_CAP)

    def replace(self, **changes: Any) -> DetectorConfig:
        """A copy with some parameters changed (validated again)."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values.update(changes)
        return DetectorConfig(**values)


class Verdict(NamedTuple):
    """What the detector made of one point: the score, the flag and why (a tuple: cheap to make per point)."""

    score: float  # in [0, 1]
    is_anomaly: bool
    component: str | None  # the component with the largest exceedance (None while warming up or exactly usual)
    expected_low: float | None  # the value range that would not have made the level component fire
    expected_high: float | None
    suppressed: bool = False  # over the threshold but inside the cooldown after the previous flag

    def evidence(self) -> dict[str, Any]:
        """JSON-able reason for an anomaly row or an alert."""
        return {
            "score": round(self.score, 4),
            "component": self.component,
            "why": COMPONENT_MEANING.get(self.component or "", None),
            "expected_low": self.expected_low,
            "expected_high": self.expected_high,
            "suppressed": self.suppressed,
        }


USUAL = Verdict(0.0, False, None, None, None)  # the verdict of a point inside every envelope


class AnomalyDetector:
    """Detector of one series; keep one per series and persist it with :meth:`to_dict` / :meth:`from_dict`."""

    __slots__ = (
        "config", "seen", "quiet", "_short", "_long", "_var", "_env", "_a_base", "_decay", "_margins", "_level_before",
        "_follow", "_log",
    )  # fmt: skip

    def __init__(self, config: DetectorConfig | None = None) -> None:
        self.config = config or DetectorConfig()
        self.seen = 0  # finite points taken so far
        self.quiet = 0  # points of cooldown left
        self._short = 0.0  # exponentially weighted means and variance of the value
        self._long = 0.0
        self._var = 0.0
        # per component: high, low, usual level, usual spread (mean absolute deviation), flattened
        self._env = [0.0] * (4 * len(COMPONENTS))
        self._a_base = 1.0 / self.config.baseline
        self._decay = 1.0 / self.config.memory
        self._follow = self.config.follow
        self._margins = self.config.margins
        self._log = self.config.log_scale
        self._level_before = (0.0, 0.0, 0.0, 0.0)  # level envelope the last point was scored against

    # --- scoring -----------------------------------------------------------------------------------------
    def exceedances(self, value: float) -> tuple[float, float, float, float]:
        """Take ``value`` and return each component's distance outside its envelope, in usual spreads.

        The envelopes are those of the points before ``value``; they are updated afterwards. This is the raw
        material of :meth:`update` (bench/nab_eval.py tunes the margins on it without rescoring).
        """
        if self.seen == 0:
            self._short = self._long = value
            env = self._env
            for i, x in enumerate((value, value, value, 0.0)):
                env[4 * i : 4 * i + 4] = [x, x, x, 0.0]
            self.seen = 1
            return (0.0, 0.0, 0.0, 0.0)
        d = value - self._short
        self._short += _A_SHORT * d
        self._var = (1.0 - _A_SHORT) * (self._var + _A_SHORT * d * d)
        self._long += _A_LONG * (value - self._long)
        self.seen += 1
        # a running mean until ``baseline`` points, then exponential: an early spread is not biased towards 0
        a = max(self._a_base, 1.0 / self.seen)
        env, decay, follow = self._env, self._decay, self._follow
        self._level_before = (env[0], env[1], env[2], env[3])
        return (
            _step(env, 0, value, a, decay, follow),
            _step(env, 4, self._short, a, decay, follow),
            _step(env, 8, self._long, a, decay, follow),
            _step(env, 12, math.sqrt(self._var), a, decay, follow),
        )

    def update(self, value: float) -> Verdict:
        """Score ``value`` against the series so far, then learn it; a NaN/inf value scores 0 and is skipped.

        A point inside every envelope gets the shared ``USUAL`` verdict (no range computed: the fast path).
        """
        if self._log:
            value = math.log1p(value) if value > -1.0 else math.nan
        if not math.isfinite(value):
            return USUAL
        warming = self.seen < self.config.warmup
        ex = self.exceedances(value)
        m = self._margins
        ratios = (ex[0] / m[0], ex[1] / m[1], ex[2] / m[2], ex[3] / m[3])
        best = max(ratios)
        if best <= 0.0 or warming:
            if self.quiet:
                self.quiet -= 1
            return USUAL
        component = COMPONENTS[ratios.index(best)]
        r = best / (1.0 + self.config.settle / self.seen)
        score = 1.0 - 10.0 ** (-r) if r < 300 else 1.0
        over = r >= self.config.ratio_threshold
        lo, hi = self._range(self._level_before, self.seen)
        if self.quiet:
            self.quiet -= 1
            return Verdict(score, False, component, lo, hi, suppressed=over)
        if over:
            self.quiet = self.config.cooldown
        return Verdict(score, over, component, lo, hi)

    def expected_range(self) -> tuple[float | None, float | None]:
        """Values the level component would not flag for the next point (None before the first point)."""
        if self.seen == 0:
            return None, None
        return self._range((self._env[0], self._env[1], self._env[2], self._env[3]), self.seen + 1)

    def _range(self, level: tuple[float, float, float, float], seen: int) -> tuple[float, float]:
        """The level component's envelope plus its margin as a point scored after `seen` points meets it."""
        hi, lo, mu, dev = level
        scale = max(dev, _RANGE_FLOOR * (hi - lo), _REL_FLOOR * abs(mu), 1e-12)
        k = self._margins[0]
        settling = 1.0 + self.config.settle / seen
        margin = k * self.config.ratio_threshold * settling * scale if math.isfinite(k) else 0.0
        if self._log:
            return math.expm1(lo - margin), math.expm1(hi + margin)
        return lo - margin, hi + margin

    # --- state -------------------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """JSON-able state (a few hundred bytes); the config is not part of it."""
        return {
            "v": STATE_VERSION,
            "seen": self.seen,
            "quiet": self.quiet,
            "means": [self._short, self._long, self._var],
            "env": list(self._env),
        }

    @classmethod
    def from_dict(cls, state: dict[str, Any] | None, config: DetectorConfig | None = None) -> AnomalyDetector:
        """Rebuild a detector from :meth:`to_dict` output (None or {} gives a fresh one)."""
        detector = cls(config)
        if not state:
            return detector
        if state.get("v") != STATE_VERSION:
            raise ValueError(f"unknown detector state version {state.get('v')!r}")
        env = [float(x) for x in state["env"]]
        if len(env) != 4 * len(COMPONENTS):
            raise ValueError(f"detector state needs {4 * len(COMPONENTS)} envelope numbers, got {len(env)}")
        detector._short, detector._long, detector._var = (float(x) for x in state["means"])
        detector._env = env
        detector.seen = int(state["seen"])
        detector.quiet = int(state["quiet"])
        return detector


# The protocol picks an envelope that never relaxes (memory 1e9): NAB files span days to weeks. A host runs
# for years, so the worker lets a record fade over WORKER_MEMORY points (about a year of 5-minute samples),
# long enough to cost little on the corpus (bench/nab_eval.py prints it: 0.671 -> 0.662 of F1 in the all-files
# fit, where 10,000 points would cost 0.11).
WORKER_MEMORY = 100000.0


def host_metrics_config(threshold: float = 0.9) -> DetectorConfig:
    """The worker's (and ``twspulse anomalies score``'s) detector for host metric series."""
    return DetectorConfig(threshold=threshold, memory=WORKER_MEMORY)


# Job runtimes come a run at a time (a daily job gives 30 points a month) and NAB has none, so their
# parameters come from the simulator's injected slow and fast runs (bench/runtime_anomaly_eval.py: the best F1
# on tuning seeds, reported on others): a warm-up of 20 runs (judgment), no cooldown (each run is its own
# event), the level alone on a log scale (a run three times as long and one a third as long are the same
# surprise) at 2 usual spreads, margins settling over 20 runs, and records that fade over about a hundred runs
# and follow a slow run a tenth of the way (a job's next slow run is news again). With the host margins
# instead, 6 in 10 runtime flags were false on those seeds.
RUNTIME_WARMUP = 20
RUNTIME_SETTLE = 20.0
RUNTIME_MEMORY = 100.0
RUNTIME_FOLLOW = 0.1
RUNTIME_MARGIN = 2.0


def job_runtimes_config(threshold: float = 0.9) -> DetectorConfig:
    """The worker's detector for job runtime series (one point per successful run)."""
    return DetectorConfig(
        threshold=threshold,
        memory=RUNTIME_MEMORY,
        warmup=RUNTIME_WARMUP,
        settle=RUNTIME_SETTLE,
        cooldown=0,
        follow=RUNTIME_FOLLOW,
        k_level=RUNTIME_MARGIN,
        k_mean_long=math.inf,
        log_scale=True,
    )


def _step(env: list[float], j: int, x: float, a: float, decay: float, follow: float) -> float:
    """One component's exceedance of its envelope ``env[j:j+4]`` (high, low, level, spread), then its update."""
    hi, lo, mu, dev = env[j], env[j + 1], env[j + 2], env[j + 3]
    out = 0.0
    if x > hi or x < lo:
        scale = max(dev, _RANGE_FLOOR * (hi - lo), _REL_FLOOR * abs(mu), 1e-12)
        if x > hi:
            out = (x - hi) / scale
            hi += follow * (x - hi)
        else:
            out = (lo - x) / scale
            lo -= follow * (lo - x)
    env[j] = hi - (hi - mu) * decay
    env[j + 1] = lo + (mu - lo) * decay
    mu += a * (x - mu)
    env[j + 2] = mu
    env[j + 3] = dev + a * (abs(x - mu) - dev)
    return out


def detect_series(values: list[float], config: DetectorConfig | None = None) -> list[Verdict]:
    """Verdicts of a whole series in order, from a fresh detector (bench, CLI and tests)."""
    detector = AnomalyDetector(config)
    return [detector.update(v) for v in values]


def score_series(values: list[float], config: DetectorConfig | None = None) -> list[float]:
    """Scores of a whole series in order, from a fresh detector."""
    return [v.score for v in detect_series(values, config)]
