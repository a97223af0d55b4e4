"""The NAB protocol's fast search counts the flags the real detector raises, with and without the probation."""

from __future__ import annotations

import numpy as np
import pytest

from bench.nab_eval import (
    PROBATION_CAP,
    Series,
    count_flags,
    count_indices,
    exceedance_matrix,
    flag_indices,
    probation,
    run_detector,
)
from twspulse.models.anomaly_scoring import DetectorConfig


def _series(n: int, seed: int) -> Series:
    """A noisy daily-looking series with a spike and a level shift, one labelled window around each."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    values = 20 + 5 * np.sin(2 * np.pi * t / 288) + rng.normal(0, 1, n)
    values[n // 2] += 30
    values[(3 * n) // 4 :] += 15
    window_of = np.full(n, -1)
    window_of[n // 2 - 20 : n // 2 + 20] = 0
    window_of[(3 * n) // 4 - 20 : (3 * n) // 4 + 20] = 1
    return Series("synthetic/s.csv", values.tolist(), window_of, 2)


def test_probation_is_nabs_fifteen_percent_capped_at_750_points() -> None:
    assert probation(1000) == 150
    assert probation(1127) == 169
    assert probation(5000) == PROBATION_CAP == probation(20000)
    assert _series(1200, 0).with_probation().scale == pytest.approx(180 / 750)
    assert _series(6000, 0).with_probation().scale == 1.0


@pytest.mark.parametrize("n", [1200, 6000])
@pytest.mark.parametrize("told", [False, True])
def test_the_search_emulation_flags_what_the_detector_flags(n: int, told: bool) -> None:
    s = _series(n, seed=n)
    s = s.with_probation() if told else s
    config = DetectorConfig(warmup=300, settle=1000.0, cooldown=100, memory=3000.0, k_level=0.5, k_mean_long=0.5)
    # the search's path: exceedances once, then margins, settling, warm-up and cooldown on arrays
    ex = exceedance_matrix(s, config)
    ratios = np.max(ex / np.array(config.margins), axis=1)
    seen = np.arange(1, n + 1)
    candidates = np.flatnonzero(ratios / (1.0 + config.settle * s.scale / seen) >= config.ratio_threshold)
    emulated = flag_indices(candidates, int(config.warmup * s.scale), int(config.cooldown * s.scale))
    flags, _ = run_detector(s, config)
    assert emulated.tolist() == np.flatnonzero(flags).tolist()
    assert count_indices(emulated, s) == count_flags(flags, s)
    assert len(emulated) >= 1  # the spike or the shift is found: the comparison is not between two empty lists


def test_a_short_file_told_its_probation_is_watched_earlier() -> None:
    s = _series(1200, seed=3)
    values = np.array(s.values)
    # a point about one usual spread above everything before it (the series' mean absolute deviation is ~3.3)
    s.values[600] = float(values[:600].max() + np.mean(np.abs(values[:600] - values[:600].mean())))
    config = DetectorConfig(warmup=500, settle=3000.0)
    untold, _ = run_detector(s, config)
    told, _ = run_detector(s.with_probation(), config)
    # untold, a 600-point series' margins are still 6 times their settled width; told its probation (180 points)
    # the detector counts 600 points as 2,500 of a long series: margins about twice their width
    assert not untold[600]
    assert told[600]


def test_nabs_convention_ignores_flags_inside_the_probationary_period_only() -> None:
    from bench.nab_eval import after_probation

    s = _series(2000, seed=1)  # probation 300 points
    flags = np.zeros(2000, dtype=bool)
    flags[[10, 299, 300, 1000]] = True
    assert np.flatnonzero(after_probation(flags, s)).tolist() == [300, 1000]
    assert flags[10]  # the caller's flags are left as they were
