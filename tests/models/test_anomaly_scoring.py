"""The streaming detector: causal, a spike and a level shift flagged once, ordinary noise not, state round-trips."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from twspulse.models.anomaly_scoring import (
    PROBATION_CAP,
    AnomalyDetector,
    DetectorConfig,
    detect_series,
    host_metrics_config,
    job_runtimes_config,
)


def _seasonal(n: int, seed: int = 0) -> np.ndarray:
    t = np.arange(n)
    rng = np.random.default_rng(seed)
    return 50 + 10 * np.sin(2 * np.pi * t / 144) + rng.normal(0, 1, n)


def _flags(values: np.ndarray | list[float], config: DetectorConfig | None = None) -> list[int]:
    return [i for i, v in enumerate(detect_series(list(map(float, values)), config)) if v.is_anomaly]


def test_appending_future_points_changes_no_earlier_verdict() -> None:
    values = _seasonal(3000, seed=4)
    values[1500] += 40
    values[2200:] += 25
    full = detect_series(values.tolist())
    for cut in (400, 1501, 2201, 2999):
        assert detect_series(values[:cut].tolist()) == full[:cut]


def test_a_spike_is_flagged_once_with_its_reason_and_ordinary_points_are_not() -> None:
    values = _seasonal(3000)
    values[2000] += 60
    verdicts = detect_series(values.tolist())
    assert _flags(values) == [2000]
    flagged = verdicts[2000]
    assert flagged.component == "level" and flagged.score >= 0.9
    assert flagged.expected_low is not None and flagged.expected_high is not None
    assert flagged.expected_low < 40 and 60 < flagged.expected_high < values[2000]
    assert all(0.0 <= v.score <= 1.0 for v in verdicts)


def test_seasonal_noisy_series_is_not_flagged() -> None:
    for seed in range(3):
        assert _flags(_seasonal(4000, seed=seed)) == []


def test_a_level_shift_fires_once_then_becomes_the_new_normal() -> None:
    values = _seasonal(4000, seed=1)
    values[2500:] += 40  # far above anything seen, and it stays there
    flags = _flags(values)
    assert flags == [2500]
    down = _seasonal(4000, seed=2)
    down[2500:] -= 40
    assert _flags(down) == [2500]


def test_warm_up_and_cooldown_keep_quiet() -> None:
    values = _seasonal(2000)
    values[100] += 80  # inside the warm-up
    values[1000] += 80
    values[1010] += 90  # inside the cooldown after the flag at 1000
    config = host_metrics_config()
    assert config.warmup > 100 and config.cooldown > 10
    verdicts = detect_series(values.tolist(), config)
    assert _flags(values, config) == [1000]
    assert verdicts[1010].suppressed and not verdicts[1010].is_anomaly


def test_state_round_trips_through_json_and_stays_small() -> None:
    values = _seasonal(3000, seed=3)
    values[2400] += 50
    straight = detect_series(values.tolist())
    first = AnomalyDetector()
    for v in values[:1700]:
        first.update(float(v))
    saved = json.dumps(first.to_dict())
    assert len(saved.encode()) < 16 * 1024
    resumed = AnomalyDetector.from_dict(json.loads(saved))
    assert [resumed.update(float(v)) for v in values[1700:]] == straight[1700:]
    assert AnomalyDetector.from_dict(None).seen == 0
    with pytest.raises(ValueError, match="state version"):
        AnomalyDetector.from_dict({"v": 1, "seen": 3, "values": [1.0]})


def test_missing_values_score_zero_and_are_skipped() -> None:
    detector = AnomalyDetector(DetectorConfig(warmup=3))
    for v in (10.0, 10.5, 9.8, 10.1):
        detector.update(v)
    seen = detector.seen
    assert detector.update(math.nan).score == 0.0 and detector.update(math.inf).score == 0.0
    assert detector.seen == seen


def test_a_flat_series_does_not_flag_its_last_digit() -> None:
    values = [100.0] * 600 + [100.01] + [100.0] * 10
    assert _flags(values) == []


def test_runtime_series_warm_up_after_20_runs_and_flag_every_slow_run() -> None:
    runs = [600.0 + (d * 37 % 13) for d in range(40)] + [3000.0, 605.0, 2900.0]
    assert _flags(runs, job_runtimes_config()) == [40, 42]


def test_a_jobs_next_slow_run_is_news_again_for_the_runtime_detector() -> None:
    usual = [600.0 + (d * 37 % 13) for d in range(30)]
    runs = usual + [3000.0] + usual + [2400.0] + usual
    assert _flags(runs, job_runtimes_config()) == [30, 61]
    # with the host metrics' envelope (a record kept for 100,000 points) the second one is what the job "does"
    assert _flags(runs, host_metrics_config().replace(warmup=20, settle=50.0, cooldown=0)) == [30]


def test_a_runtime_is_scored_on_a_log_scale_and_its_range_given_back_in_seconds() -> None:
    detector = AnomalyDetector(job_runtimes_config())
    for d in range(40):
        detector.update(600.0 + (d * 37 % 13))
    low, high = detector.expected_range()
    assert low is not None and high is not None
    assert 0 < low < 600 < high  # seconds, not logs
    assert high / 600 == pytest.approx(600 / low, rel=0.25)  # about as many times longer as shorter
    verdict = detector.update(20.0)  # a run that did next to nothing
    assert verdict.is_anomaly and verdict.expected_low is not None and verdict.expected_low > 20.0


def test_the_threshold_sets_the_margin() -> None:
    values = _seasonal(3000)
    values[2000] += 20  # a little over the envelope
    score = detect_series(values.tolist())[2000].score
    assert 0.3 < score < 0.999
    assert 2000 not in _flags(values, DetectorConfig(threshold=score + 0.0005))
    assert 2000 in _flags(values, DetectorConfig(threshold=score - 0.0005))


def test_config_refuses_nonsense() -> None:
    with pytest.raises(ValueError, match="margins"):
        DetectorConfig(k_level=0.0)
    with pytest.raises(ValueError, match="threshold"):
        DetectorConfig(threshold=1.0)
    assert DetectorConfig().replace(warmup=7).warmup == 7


def test_scaling_multiplies_every_point_count_and_nothing_else() -> None:
    config = DetectorConfig(warmup=300, settle=1000.0, cooldown=100, memory=3000.0, baseline=500, k_level=0.5)
    assert config.scaled(1.0) == config
    half = config.scaled(0.5)
    assert (half.warmup, half.settle, half.cooldown, half.memory, half.baseline) == (150, 500.0, 50, 1500.0, 250)
    assert half.margins == config.margins and half.threshold == config.threshold
    tiny = config.scaled(1e-6)
    assert tiny.memory == 1.0 and tiny.baseline == 1  # the detector's lower bounds hold
    with pytest.raises(ValueError):
        config.scaled(0.0)


def test_a_probationary_period_scales_point_counts_up_to_a_long_series() -> None:
    config = DetectorConfig()
    assert config.for_probation(PROBATION_CAP) == config == config.for_probation(5 * PROBATION_CAP)
    assert config.for_probation(PROBATION_CAP // 2) == config.scaled(0.5)
    with pytest.raises(ValueError):
        config.for_probation(0)
