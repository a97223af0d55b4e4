"""One workstation that loses its link to the master for a while every production day.

While a workstation is unlinked the master cannot hand it jobs: jobs for it whose dependencies are met
stay READY (substatus READY_WAITING_FOR_AGENT) and start only once the link is back, and the
workstation's `activeStates` lose LINKED. The same workstation drops out every day (a flaky network
segment), at a time drawn per day inside the night batch window, so the effect shows on the jobs.
Jobs already running when the link drops keep running: the agent runs them on its own.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from twspulse.simulator.catalog import WorkstationDef
from twspulse.simulator.config import SimConfig

# The outage starts between these fractions of the production day: inside the night batch window.
_EARLIEST, _LATEST = 1 / 24, 5 / 24


@dataclass(frozen=True, slots=True)
class LinkOutage:
    """The workstation is unlinked from `start` (inclusive) to `end` (exclusive), POSIX seconds."""

    workstation: WorkstationDef
    start: int
    end: int

    def covers(self, t: int) -> bool:
        """True while the link is down at instant `t`."""
        return self.start <= t < self.end


def _pick_workstation(config: SimConfig, workstations: tuple[WorkstationDef, ...]) -> WorkstationDef | None:
    if config.unlink_minutes <= 0:
        return None
    if config.unlinked_workstation is not None:
        for workstation in workstations:
            if workstation.name == config.unlinked_workstation:
                return workstation
        names = [workstation.name for workstation in workstations]
        raise ValueError(f"unlinked_workstation {config.unlinked_workstation!r} is not one of {names}")
    agents = workstations[1:]
    if not agents:
        return None  # the master does not unlink from itself
    return random.Random(f"{config.seed}:unlinked").choice(agents)


class LinkOutages:
    """The daily link outages of one simulated engine (none if `unlink_minutes` is 0)."""

    def __init__(self, config: SimConfig, workstations: tuple[WorkstationDef, ...]) -> None:
        self._config = config
        self._origin = int(config.start.timestamp())
        self._day_seconds = config.day_seconds
        self.workstation = _pick_workstation(config, workstations)
        self._by_day: dict[int, LinkOutage | None] = {}

    def outage(self, day: int) -> LinkOutage | None:
        """The outage of production day `day` (it lies within that day), if any."""
        if self.workstation is None or day < 0:
            return None
        cached = self._by_day.get(day, False)
        if cached is not False:
            return cached  # type: ignore[return-value]
        day_start = self._origin + day * self._day_seconds
        rng = random.Random(f"{self._config.seed}:unlink:{day_start}")
        length = max(60, round(self._config.unlink_minutes * 60 * rng.uniform(0.6, 1.4)))
        length = min(length, self._day_seconds // 4)
        start = day_start + round(rng.uniform(_EARLIEST, _LATEST) * self._day_seconds)
        outage = LinkOutage(self.workstation, start, start + length)
        if len(self._by_day) > 64:
            self._by_day.clear()
        self._by_day[day] = outage
        return outage

    def at(self, t: int) -> LinkOutage | None:
        """The outage in progress at instant `t`, if any."""
        outage = self.outage((t - self._origin) // self._day_seconds)
        return outage if outage is not None and outage.covers(t) else None

    def blocked_until(self, workstation: WorkstationDef, t: int) -> int | None:
        """When `workstation` can take a job again, if it is unlinked at instant `t`."""
        if workstation is not self.workstation:
            return None
        outage = self.at(t)
        return outage.end if outage is not None else None

    def linked(self, workstation: WorkstationDef, t: int) -> bool:
        """False while `workstation` is unlinked at instant `t`."""
        return self.blocked_until(workstation, t) is None
