"""The streaming detector: causal, a spike and a level shift flagged once, ordinary noise not, state round-trips."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from twspulse.models.anomaly_scoring import (
    AnomalyDetector,
    DetectorConfig,
    detect_series,
    find_period,
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
    for cut in (400, 599, 600, 601, 1501, 2201, 2999):
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


# --- the seasonal component --------------------------------------------------------------------------------
def _daily_pulse(n: int, period: int = 96, seed: int = 0) -> np.ndarray:
    """A busy hour every 'day': 0-ish most of the time, 10 for a quarter of each period, with noise."""
    rng = np.random.default_rng(seed)
    phase = np.arange(n) % period
    return np.where((phase >= 30) & (phase < 54), 10.0, 0.0) + rng.normal(0, 0.3, n)


def test_the_period_is_found_from_the_first_points_and_noise_has_none() -> None:
    t = np.arange(600)
    rng = np.random.default_rng(5)
    # raw noisy values (the detector looks at short means): within a few points of the period, not a multiple
    assert abs(find_period(list(np.sin(2 * np.pi * t / 144) + rng.normal(0, 0.3, 600))) - 144) <= 4
    assert abs(find_period(list(_daily_pulse(600))) - 96) <= 1
    assert find_period(list(rng.normal(0, 1, 600))) == 0
    assert find_period([5.0] * 600) == 0
    detector = AnomalyDetector()
    for v in _daily_pulse(700):
        detector.update(float(v))
    assert detector.period is not None and abs(detector.period - 96) <= 1


def test_a_missing_busy_hour_inside_the_usual_range_is_flagged_by_the_seasonal_component() -> None:
    values = _daily_pulse(3000, seed=1)
    day = 2400 // 96 * 96
    values[day + 30 : day + 54] = np.random.default_rng(9).normal(0, 0.3, 24)  # the busy hour does not come
    assert values.min() > -2 and values.max() < 12  # every value is one the series has shown many times
    assert _flags(values, DetectorConfig(k_seasonal=math.inf)) == []
    verdicts = detect_series(values.tolist())
    flags = [i for i, v in enumerate(verdicts) if v.is_anomaly]
    assert len(flags) == 1 and day + 30 <= flags[0] < day + 54
    assert verdicts[flags[0]].component == "seasonal"
    assert verdicts[flags[0]].evidence()["why"] == "short-term average unlike the same time one cycle earlier"
    assert _flags(_daily_pulse(3000, seed=1)) == []  # the same series without the gap


def test_a_dip_to_another_hours_usual_level_is_flagged_and_a_spike_does_not_echo_a_period_later() -> None:
    values = _seasonal(3000, seed=6)  # period 144, 40 to 60
    peak = 2000 // 144 * 144 + 36  # the top of a cycle, held at the level of its bottom for a while
    values[peak - 10 : peak + 10] = 40 + np.random.default_rng(2).normal(0, 1, 20)
    assert _flags(values, DetectorConfig(k_seasonal=math.inf)) == []
    flags = _flags(values)
    assert len(flags) == 1 and peak - 10 <= flags[0] < peak + 10
    spiked = _seasonal(3000, seed=6)
    spiked[2000] += 60
    assert _flags(spiked) == [2000]  # not again at 2144, when the spike is one period back


def test_state_round_trips_while_the_period_is_looked_for_and_after_and_stays_under_16_kib() -> None:
    rng = np.random.default_rng(8)
    values = (_daily_pulse(2500) + rng.random(2500) * 1e-7).tolist()  # full-precision floats
    values[2100] += 30
    straight = detect_series(values)
    for cut in (1, 300, 599, 600, 601, 1700):
        first = AnomalyDetector()
        for v in values[:cut]:
            first.update(v)
        saved = json.dumps(first.to_dict())
        assert len(saved.encode()) < 16 * 1024
        resumed = AnomalyDetector.from_dict(json.loads(saved))
        assert [resumed.update(v) for v in values[cut:]] == straight[cut:]


def test_a_state_saved_before_the_seasonal_component_still_loads_with_it_off() -> None:
    old = {
        "v": 2, "seen": 800, "quiet": 0, "means": [50.0, 50.0, 1.0], "env": [60.0, 40.0, 50.0, 5.0] * 4,
    }  # fmt: skip
    detector = AnomalyDetector.from_dict(old)
    assert detector.period == 0 and detector.seen == 800
    assert detector.update(90.0).is_anomaly and detector.to_dict()["v"] == 3
    with pytest.raises(ValueError, match="seasonal state"):
        AnomalyDetector.from_dict({**AnomalyDetector().to_dict(), "period": 50, "cycle": ""})
