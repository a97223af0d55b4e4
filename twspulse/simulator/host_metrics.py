"""Deterministic host metrics of the simulated engine's machines, one host per workstation node.

The system connector samples the machine it runs on; the simulator's workstations have no machine, so the
demo and the model jobs get these instead: `HostMetrics` samples that are a pure function of the config's
seed, the host and the instant (same inputs, same sample), so a history can be published at any pace and
checked afterwards. They carry the shapes the models are meant to find:

- cpu_percent: a business-hours bump (engine time zone, smaller at weekends), a night batch bump, noise, and
  3-4 injected spikes per host per week (seeded instants, ~92-97 %, 15 or 30 minutes: 1-2 samples at the
  usual 15-minute step). `SimulatedHosts.spikes` lists them.
- memory_percent and swap_percent: steady with noise; load_1m follows the CPU.
- disks `/`, `/var` and `/data` on every host, flat with noise, except `/data` of ONE host (drawn from the
  seed) that grows linearly by about 0.65 %/day and reaches `CROSSING_THRESHOLD` between `CROSSING_DAYS`
  after `config.start`; `SimulatedHosts.expected_crossing` gives the exact instant for any threshold.
- network byte counters that only ever grow (since a boot a year before `config.start`), faster by day.

Percentages are clamped to [0, 100].
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from twspulse.events import DiskUsage, HostMetrics
from twspulse.simulator.catalog import WorkstationDef, build_workstations
from twspulse.simulator.config import SimConfig

DAY_S = 86_400
WEEK_S = 7 * DAY_S
GiB = 1024**3
TiB = 1024**4

MOUNTS = ("/", "/var", "/data")
GROWING_MOUNT = "/data"
CROSSING_THRESHOLD = 90.0
CROSSING_DAYS = (17.0, 24.0)  # the growing disk reaches CROSSING_THRESHOLD this many days after config.start
GROWTH_PER_DAY = (0.6, 0.7)  # percentage points a day of the growing disk (above 0 % over twelve weeks before)
SPIKES_PER_WEEK = (3, 4)
SPIKE_SLOT_S = 900  # spikes start on this grid (from config.start) and last one or two slots
SPIKE_PEAK = (92.0, 97.0)
SPIKE_FLOOR = 90.0  # every sample inside a spike is at least this busy
BUSINESS_HOURS = (8.0, 18.0)  # local time of the engine's time zone
BATCH_HOURS_UTC = (0.0, 6.0)  # the night batch window of the plan (see catalog._stream_day_fraction)
BOOT_BEFORE_START = timedelta(days=365)


class UnknownHostError(LookupError):
    """A host (or a mount of a host) the simulated fleet does not have."""

    def __init__(self, what: str, known: Sequence[str]):
        super().__init__(f"{what!r} is not one of {list(known)}")
        self.what = what


@dataclass(frozen=True, slots=True)
class Spike:
    """A CPU spike of one host: busy at `peak` % from `start` (inclusive) to `end` (exclusive)."""

    host: str
    start: datetime
    end: datetime
    peak: float

    def covers(self, at: datetime) -> bool:
        """True if a sample taken at `at` falls in the spike."""
        return self.start <= at < self.end


@dataclass(frozen=True, slots=True)
class _Disk:
    mount: str
    device: str
    total_bytes: int
    level: float  # used percent at config.start (the growing disk: on its trend line)
    growth_per_day: float  # percentage points per day; 0 for a flat disk
    noise: float


@dataclass(frozen=True, slots=True)
class _Profile:
    """What one host is like, drawn once from the seed."""

    host: str
    cores: int
    memory_bytes: int
    cpu_base: float
    business_amp: float
    batch_amp: float
    memory_base: float
    swap_base: float
    sent_rate: float  # bytes per second, mean
    recv_rate: float
    net_phase: float
    disks: tuple[_Disk, ...]


class SimulatedHosts:
    """The simulated fleet: one host per workstation (named by its node name) and its metrics at any instant.

    `workstations` defaults to the config's own (those a PlanBook of the same config has).
    """

    def __init__(self, config: SimConfig, workstations: Sequence[WorkstationDef] | None = None) -> None:
        self._config = config
        self._origin = int(config.start.timestamp())
        self._zone = ZoneInfo(config.timezone)
        workstations = build_workstations(config) if workstations is None else workstations
        self.hosts: tuple[str, ...] = tuple(dict.fromkeys(ws.node_name for ws in workstations))
        if not self.hosts:
            raise ValueError("a simulated fleet needs at least one workstation")
        pick = random.Random(f"{config.seed}:hosts:growing-disk")
        self.growing_host: str = pick.choice(self.hosts)
        self.growing_mount: str = GROWING_MOUNT
        crossing_days = round(pick.uniform(*CROSSING_DAYS) * 24) / 24  # on the hour
        growth = round(pick.uniform(*GROWTH_PER_DAY), 3)
        self._profiles = {
            host: self._draw_profile(host, growth, crossing_days if host == self.growing_host else None)
            for host in self.hosts
        }
        self._boot = self._origin - int(BOOT_BEFORE_START.total_seconds())
        self._spike_cache: dict[tuple[str, int], tuple[Spike, ...]] = {}
        self._cpu_loads: dict[str, list[Callable[[datetime], float]]] = {}

    def add_cpu_load(self, host: str, load: Callable[[datetime], float]) -> None:
        """Add the CPU points ``load(at)`` to every sample of `host` outside a spike (a job's work on it)."""
        self._profile(host)  # an unknown host fails here, not at the first sample
        self._cpu_loads.setdefault(host, []).append(load)

    @property
    def config(self) -> SimConfig:
        """The configuration the fleet is drawn from."""
        return self._config

    def _draw_profile(self, host: str, growth: float, crossing_days: float | None) -> _Profile:
        rng = random.Random(f"{self._config.seed}:hosts:{host}")
        disks = [
            _Disk("/", "/dev/sda1", 64 * GiB, rng.uniform(30.0, 55.0), 0.0, 0.3),
            _Disk("/var", "/dev/mapper/vg0-var", 128 * GiB, rng.uniform(40.0, 65.0), 0.0, 0.3),
        ]
        data_total = rng.choice((1, 2, 4)) * TiB
        if crossing_days is None:
            disks.append(_Disk(GROWING_MOUNT, "/dev/mapper/vg1-data", data_total, rng.uniform(35.0, 60.0), 0.0, 0.3))
        else:
            level = CROSSING_THRESHOLD - growth * crossing_days
            disks.append(_Disk(GROWING_MOUNT, "/dev/mapper/vg1-data", data_total, level, growth, 0.25))
        return _Profile(
            host=host,
            cores=rng.choice((4, 8, 16)),
            memory_bytes=rng.choice((16, 32, 64)) * GiB,
            cpu_base=rng.uniform(10.0, 20.0),
            business_amp=rng.uniform(30.0, 45.0),
            batch_amp=rng.uniform(8.0, 15.0),
            memory_base=rng.uniform(45.0, 70.0),
            swap_base=rng.uniform(0.5, 4.0),
            sent_rate=rng.uniform(0.5e6, 3e6),
            recv_rate=rng.uniform(1e6, 6e6),
            net_phase=rng.uniform(0.0, 2 * math.pi),
            disks=tuple(disks),
        )

    def _profile(self, host: str) -> _Profile:
        try:
            return self._profiles[host]
        except KeyError:
            raise UnknownHostError(host, self.hosts) from None

    def _disk(self, host: str, mount: str) -> _Disk:
        for disk in self._profile(host).disks:
            if disk.mount == mount:
                return disk
        raise UnknownHostError(f"{host}:{mount}", MOUNTS)

    # --- spikes --------------------------------------------------------------------------------------
    def _week_spikes(self, host: str, week: int) -> tuple[Spike, ...]:
        """The spikes of `host` that start in week `week` (weeks counted from config.start, may be negative)."""
        cached = self._spike_cache.get((host, week))
        if cached is not None:
            return cached
        rng = random.Random(f"{self._config.seed}:hosts:{host}:spikes:{week}")
        week_start = self._origin + week * WEEK_S
        spikes = []
        for _ in range(rng.choice(SPIKES_PER_WEEK)):
            start = week_start + rng.randrange(WEEK_S // SPIKE_SLOT_S) * SPIKE_SLOT_S
            length = rng.choice((1, 2)) * SPIKE_SLOT_S
            spikes.append(Spike(host, _utc(start), _utc(start + length), round(rng.uniform(*SPIKE_PEAK), 1)))
        result = tuple(sorted(spikes, key=lambda spike: spike.start))
        if len(self._spike_cache) > 4096:
            self._spike_cache.clear()
        self._spike_cache[(host, week)] = result
        return result

    def spikes(self, host: str, since: datetime, until: datetime) -> list[Spike]:
        """The CPU spikes of `host` that overlap [since, until), in time order."""
        self._profile(host)
        first = (int(_aware(since).timestamp()) - self._origin) // WEEK_S - 1
        last = (int(_aware(until).timestamp()) - self._origin) // WEEK_S
        found = [
            spike
            for week in range(first, last + 1)
            for spike in self._week_spikes(host, week)
            if spike.end > since and spike.start < until
        ]
        return sorted(found, key=lambda spike: spike.start)

    def spike_at(self, host: str, at: datetime) -> Spike | None:
        """The spike a sample of `host` taken at `at` falls in, if any."""
        week = (int(_aware(at).timestamp()) - self._origin) // WEEK_S
        for candidate in (week - 1, week):  # a spike late in a week may run into the next one
            for spike in self._week_spikes(host, candidate):
                if spike.covers(at):
                    return spike
        return None

    # --- disks ---------------------------------------------------------------------------------------
    def disk_trend(self, host: str, mount: str) -> tuple[float, float]:
        """Used percent of `mount` on `host` at config.start (noise-free) and its growth in points per day."""
        disk = self._disk(host, mount)
        return disk.level, disk.growth_per_day

    def expected_crossing(self, host: str, mount: str, threshold: float = CROSSING_THRESHOLD) -> datetime | None:
        """When the noise-free usage of `mount` on `host` reaches `threshold` %, None if it never does.

        A flat disk never crosses (also when it sits above the threshold already); the growing one crosses
        at the instant its trend line meets the threshold, to the second.
        """
        if not 0.0 < threshold <= 100.0:
            raise ValueError(f"threshold must be within (0, 100], got {threshold!r}")
        disk = self._disk(host, mount)
        if disk.growth_per_day <= 0:
            return None
        return _utc(self._origin + round((threshold - disk.level) / disk.growth_per_day * DAY_S))

    # --- samples -------------------------------------------------------------------------------------
    def sample(self, host: str, at: datetime) -> HostMetrics:
        """The metrics of `host` at instant `at` (timezone-aware): same host and instant, same sample."""
        profile = self._profile(host)
        at = _aware(at).astimezone(UTC)
        ts = at.timestamp()
        rng = random.Random(f"{self._config.seed}:hosts:{host}:{round(ts * 1000)}")
        gauss = rng.gauss

        spike = self.spike_at(host, at)
        if spike is not None:
            cpu = _clamp(spike.peak + _bounded(gauss, 1.0), SPIKE_FLOOR, 100.0)
        else:
            local = at.astimezone(self._zone)
            weekend = local.weekday() >= 5
            business = _bump(local.hour + local.minute / 60, *BUSINESS_HOURS) * (0.25 if weekend else 1.0)
            batch = _bump(at.hour + at.minute / 60, *BATCH_HOURS_UTC)
            cpu = profile.cpu_base + profile.business_amp * business + profile.batch_amp * batch
            cpu += sum(load(at) for load in self._cpu_loads.get(host, ()))
            cpu = _clamp(cpu + _bounded(gauss, 3.0), 0.0, 100.0)
        load = profile.cores * cpu / 100 * (0.9 + 0.2 * rng.random())
        day_phase = 2 * math.pi * (ts % DAY_S) / DAY_S
        memory = _clamp(profile.memory_base + 3.0 * math.sin(day_phase) + _bounded(gauss, 1.0), 0.0, 100.0)
        swap = _clamp(profile.swap_base + _bounded(gauss, 0.2), 0.0, 100.0)

        days = (ts - self._origin) / DAY_S
        disks = []
        for disk in profile.disks:
            used = _clamp(disk.level + disk.growth_per_day * days + _bounded(gauss, disk.noise), 0.0, 100.0)
            used = round(used, 2)
            disks.append(DiskUsage(mount=disk.mount, device=disk.device, total_bytes=disk.total_bytes,
                                   used_bytes=round(disk.total_bytes * used / 100), used_percent=used))  # fmt: skip
        return HostMetrics(
            host=host,
            time=at,
            cpu_percent=round(cpu, 1),
            load_1m=round(load, 2),
            memory_percent=round(memory, 1),
            memory_used_bytes=round(profile.memory_bytes * memory / 100),
            swap_percent=round(swap, 1),
            disks=disks,
            net_bytes_sent=_counter(profile.sent_rate, profile.net_phase, ts - self._boot),
            net_bytes_recv=_counter(profile.recv_rate, profile.net_phase + 0.3, ts - self._boot),
        )


def _aware(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError(f"instant must be timezone-aware, got {at!r}")
    return at


@lru_cache(maxsize=4096)
def _utc(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def _clamp(value: float, low: float, high: float) -> float:
    return min(high, max(low, value))


def _bounded(gauss: Callable[[float, float], float], sigma: float) -> float:
    """Gaussian noise cut at three sigma, so a normal point can never pass for a spike."""
    return _clamp(gauss(0.0, sigma), -3 * sigma, 3 * sigma)


def _bump(hour: float, start: float, end: float) -> float:
    """0 outside [start, end) hours, a half sine inside: load ramps up and down rather than switching."""
    if not start <= hour < end:
        return 0.0
    return math.sin(math.pi * (hour - start) / (end - start))


def _counter(mean_rate: float, phase: float, seconds: float) -> int:
    """Bytes counted since boot: rate swings ±50 % over the day, so the integral is strictly increasing."""
    if seconds <= 0:
        return 0
    amp = 0.5 * mean_rate
    omega = 2 * math.pi / DAY_S
    total = mean_rate * seconds + amp / omega * (math.sin(omega * seconds + phase) - math.sin(phase))
    return int(total)
