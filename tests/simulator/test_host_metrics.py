"""Simulated host metrics: deterministic, bounded, one disk that fills up on schedule, spikes where announced."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pytest

from tests.simulator.conftest import START
from twspulse.simulator.config import SimConfig
from twspulse.simulator.host_metrics import (
    CROSSING_THRESHOLD,
    GROWING_MOUNT,
    GROWTH_PER_DAY,
    MOUNTS,
    SPIKE_FLOOR,
    SimulatedHosts,
    UnknownHostError,
)
from twspulse.simulator.plan import PlanBook

CONFIG = SimConfig(seed=42, start=START)
HISTORY_DAYS = 21
STEP = timedelta(minutes=15)
HISTORY_START = START - timedelta(days=HISTORY_DAYS)
NOW = START + timedelta(days=1)  # the demo's "now": the end of its one simulated day


def grid(since: datetime, until: datetime, step: timedelta = STEP) -> list[datetime]:
    """Sample instants every `step` over [since, until)."""
    count = int((until - since) / step)
    return [since + i * step for i in range(count)]


@pytest.fixture(scope="module")
def fleet() -> SimulatedHosts:
    return SimulatedHosts(CONFIG)


def test_same_config_host_and_instant_give_the_same_sample(fleet: SimulatedHosts) -> None:
    again = SimulatedHosts(SimConfig(seed=42, start=START))
    other_seed = SimulatedHosts(SimConfig(seed=7, start=START))
    at = START - timedelta(days=3, minutes=45)
    for host in fleet.hosts:
        assert fleet.sample(host, at).to_bytes() == again.sample(host, at).to_bytes()
        assert fleet.sample(host, at).to_bytes() == fleet.sample(host, at).to_bytes()
    assert [fleet.sample(h, at).cpu_percent for h in fleet.hosts] != [
        other_seed.sample(h, at).cpu_percent for h in other_seed.hosts
    ]


def test_hosts_are_the_node_names_of_the_plans_workstations(fleet: SimulatedHosts) -> None:
    book = PlanBook(CONFIG)
    assert fleet.hosts == tuple(ws.node_name for ws in book.workstations)
    assert fleet.growing_host in fleet.hosts
    assert fleet.growing_mount == GROWING_MOUNT


def test_growing_disk_samples_cross_the_threshold_at_the_expected_crossing(fleet: SimulatedHosts) -> None:
    host, mount = fleet.growing_host, fleet.growing_mount
    crossing = fleet.expected_crossing(host, mount, CROSSING_THRESHOLD)
    assert crossing is not None
    assert timedelta(weeks=2) <= crossing - NOW <= timedelta(weeks=4)
    times = grid(HISTORY_START, NOW, timedelta(hours=1))
    used = [next(d.used_percent for d in fleet.sample(host, t).disks if d.mount == mount) for t in times]
    days = np.array([(t - START).total_seconds() / 86400 for t in times])
    slope, intercept = np.polyfit(days, used, 1)
    assert GROWTH_PER_DAY[0] - 0.1 <= slope <= GROWTH_PER_DAY[1] + 0.1  # the drawn growth, within the noise
    fitted_crossing = START + timedelta(days=(CROSSING_THRESHOLD - intercept) / slope)
    assert abs(fitted_crossing - crossing) < timedelta(hours=12)
    assert used[-1] < CROSSING_THRESHOLD
    # and the samples themselves get there on the day
    assert fleet.sample(host, crossing + timedelta(days=1)).disks[-1].used_percent >= CROSSING_THRESHOLD


def test_every_other_disk_stays_flat_and_never_crosses(fleet: SimulatedHosts) -> None:
    times = grid(HISTORY_START, NOW, timedelta(hours=3))
    days = np.array([(t - START).total_seconds() / 86400 for t in times])
    for host in fleet.hosts:
        samples = [fleet.sample(host, t) for t in times]
        for mount in MOUNTS:
            if (host, mount) == (fleet.growing_host, fleet.growing_mount):
                continue
            used = [next(d.used_percent for d in s.disks if d.mount == mount) for s in samples]
            assert abs(np.polyfit(days, used, 1)[0]) < 0.02, (host, mount)
            assert max(used) < CROSSING_THRESHOLD
            assert fleet.expected_crossing(host, mount) is None


def test_cpu_spikes_are_at_the_exposed_instants_and_normal_points_are_not(fleet: SimulatedHosts) -> None:
    times = grid(HISTORY_START, NOW)
    for host in fleet.hosts:
        spikes = fleet.spikes(host, HISTORY_START, NOW)
        for week in range(-HISTORY_DAYS // 7, 0):  # whole weeks before the start: 3 or 4 spikes each
            week_start = START + timedelta(weeks=week)
            assert 3 <= sum(week_start <= s.start < week_start + timedelta(weeks=1) for s in spikes) <= 4
        spiky = 0
        for t in times:
            cpu = fleet.sample(host, t).cpu_percent
            spike = fleet.spike_at(host, t)
            assert (spike is not None) == any(s.covers(t) for s in spikes)
            if spike is None:
                assert cpu < 80.0, (host, t)
            else:
                spiky += 1
                assert SPIKE_FLOOR <= cpu <= 100.0, (host, t)
        # each spike lasts one or two 15-minute samples
        assert len(spikes) <= spiky <= 2 * len(spikes)


def test_cpu_is_busier_in_business_hours_than_at_night(fleet: SimulatedHosts) -> None:
    # START is a Tuesday; the engine's zone is America/Sao_Paulo (UTC-3): 16:00 UTC is 13:00 local
    weekdays = [START - timedelta(days=d) for d in (1, 6, 7, 8, 13, 14)]
    for host in fleet.hosts:
        noon = [fleet.sample(host, day + timedelta(hours=16)).cpu_percent for day in weekdays]
        evening = [fleet.sample(host, day + timedelta(hours=23)).cpu_percent for day in weekdays]
        assert np.mean(noon) > np.mean(evening) + 15


def test_percentages_stay_within_0_and_100_and_net_counters_only_grow(fleet: SimulatedHosts) -> None:
    times = grid(HISTORY_START, START + timedelta(days=60), timedelta(hours=2))  # past the disk's crossing too
    for host in fleet.hosts:
        samples = [fleet.sample(host, t) for t in times]
        for s in samples:
            values = [s.cpu_percent, s.memory_percent, s.swap_percent, *(d.used_percent for d in s.disks)]
            assert all(0.0 <= v <= 100.0 for v in values)
            assert all(0 <= d.used_bytes <= d.total_bytes for d in s.disks)
            assert s.load_1m >= 0 and 0 < s.memory_used_bytes
        for counter in ("net_bytes_sent", "net_bytes_recv"):
            series = [getattr(s, counter) for s in samples]
            assert all(b > a for a, b in zip(series, series[1:], strict=False)), (host, counter)


def test_unknown_hosts_mounts_and_naive_instants_are_rejected(fleet: SimulatedHosts) -> None:
    with pytest.raises(UnknownHostError, match="nohost"):
        fleet.sample("nohost", START)
    with pytest.raises(UnknownHostError, match="/opt"):
        fleet.expected_crossing(fleet.hosts[0], "/opt")
    with pytest.raises(ValueError, match="threshold"):
        fleet.expected_crossing(fleet.growing_host, GROWING_MOUNT, 120.0)
    with pytest.raises(ValueError, match="timezone-aware"):
        fleet.sample(fleet.hosts[0], START.replace(tzinfo=None))
