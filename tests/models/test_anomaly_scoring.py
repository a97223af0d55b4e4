"""The streaming scorer: spikes flagged, normal seasonal noise not, causal, serialisable, fast."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest

from models.anomaly_scoring import RobustScorer, ScorerConfig, score_series


def _seasonal(n: int, seed: int = 0) -> np.ndarray:
    t = np.arange(n)
    rng = np.random.default_rng(seed)
    return 50 + 10 * np.sin(2 * np.pi * t / 144) + rng.normal(0, 1, n)


def test_injected_spike_is_flagged_and_normal_points_are_not() -> None:
    values = _seasonal(3000)
    values[2000] += 60
    scores = score_series(values.tolist())
    flagged = [i for i, s in enumerate(scores) if s >= ScorerConfig().threshold]
    assert flagged == [2000]
    assert all(0.0 <= s <= 1.0 for s in scores)


def test_seasonal_noisy_series_is_not_flagged() -> None:
    for seed in range(3):
        scores = score_series(_seasonal(5000, seed).tolist())
        assert max(scores) < ScorerConfig().threshold


def test_warm_up_scores_zero_until_min_points() -> None:
    config = ScorerConfig(window=50, min_points=20)
    noise = np.random.default_rng(5).normal(0, 1, 40).tolist()
    values = noise[:10] + [1e6] + noise[10:20] + [1e6] + noise[20:]
    scores = score_series(values, config)
    assert scores[:20] == [0.0] * 20  # warm-up, whatever the values (one is a huge spike)
    assert scores[21] > 0.99  # scored against the 20 before it


def test_appending_future_points_never_changes_earlier_scores() -> None:
    values = _seasonal(1500).tolist()
    values[700] = 500.0
    prefix = score_series(values[:1000])
    full = score_series(values + [1e9, -1e9, 3.0] * 100)
    assert full[:1000] == prefix


def test_state_round_trips_through_json_and_scores_continue_identically() -> None:
    values = _seasonal(800).tolist()
    config = ScorerConfig(window=100, min_points=30)
    straight = RobustScorer(config)
    expected = [straight.score(v) for v in values]

    first = RobustScorer(config)
    got = [first.score(v) for v in values[:400]]
    saved = json.loads(json.dumps(first.to_dict()))
    assert len(saved["values"]) == 100
    resumed = RobustScorer.from_dict(saved, config)
    got += [resumed.score(v) for v in values[400:]]
    assert got == expected


def test_nan_is_scored_zero_and_not_added() -> None:
    scorer = RobustScorer(ScorerConfig(window=10, min_points=3))
    for v in (1.0, 2.0, 3.0):
        scorer.score(v)
    assert scorer.score(float("nan")) == 0.0
    assert scorer.seen == 3


def test_invalid_config_is_refused_with_the_value() -> None:
    with pytest.raises(ValueError, match="min_points"):
        ScorerConfig(window=10, min_points=11)


def test_scores_at_least_50k_points_per_second() -> None:
    values = _seasonal(100_000).tolist()
    scorer = RobustScorer()
    started = time.perf_counter()
    for v in values:
        scorer.score(v)
    rate = len(values) / (time.perf_counter() - started)
    assert rate >= 50_000, f"{rate:,.0f} points/s"
