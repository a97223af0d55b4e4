"""The simulated clock: frozen, scaled and monotonic."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.simulator.conftest import START
from twspulse.simulator import SimClock


def test_frozen_clock_moves_only_with_advance() -> None:
    clock = SimClock(START, speed=0)
    assert clock.now() == START
    assert clock.advance(90) == START + timedelta(seconds=90)
    assert clock.now() == START + timedelta(seconds=90)


def test_running_clock_scales_real_elapsed_time_by_speed() -> None:
    real = [100.0]
    clock = SimClock(START, speed=60, monotonic=lambda: real[0])
    real[0] += 2.5
    assert clock.now() == START + timedelta(seconds=150)
    clock.advance(30)
    assert clock.now() == START + timedelta(seconds=180)


def test_clock_refuses_to_run_backwards_and_naive_start() -> None:
    clock = SimClock(START, speed=0)
    with pytest.raises(ValueError, match="only moves forward"):
        clock.advance(-1)
    with pytest.raises(ValueError, match="timezone-aware"):
        SimClock(START.replace(tzinfo=None), speed=1)
