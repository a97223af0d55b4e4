"""One running simulated engine: configuration, clock, plans, joblogs and armed faults together.

The HTTP layer (tws_routes, sim_routes) only parses requests and formats answers; everything that
depends on simulated time goes through this object, so the embedding server and the CLI share it.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from simulator.api_shapes import iso_instant
from simulator.clock import SimClock
from simulator.config import SimConfig
from simulator.faults import FaultInjector
from simulator.joblogs import JoblogStore
from simulator.plan import Plan, PlanBook, job_state


class Simulation:
    """The state of one simulated engine."""

    def __init__(self, config: SimConfig, clock: SimClock | None = None) -> None:
        self.config = config
        self.clock = clock or SimClock(config.start, config.speed)
        self.plans = PlanBook(config)
        self.faults = FaultInjector()
        self.joblogs = JoblogStore(config.huge_joblog_bytes)
        self.plans.plan(self.plans.day_at(self.now()))  # generate up front: first request stays fast

    def now(self) -> int:
        """Simulated now in whole POSIX seconds (answers change at most once per simulated second)."""
        return int(self.clock.timestamp())

    def resolve_plan(self, plan_id: str) -> tuple[Plan, int]:
        """The plan named by `plan_id` and the instant to show it at."""
        return self.plans.resolve(plan_id, self.now())

    def summary(self) -> dict[str, Any]:
        """Simulator state for /sim/state: time, plan, job counts by status."""
        t = self.now()
        plan = self.plans.current(t)
        common: Counter[str] = Counter()
        internal: Counter[str] = Counter()
        for job in plan.jobs:
            state = job_state(job, t)
            common[state.common] += 1
            internal[state.internal] += 1
        carried = sum(len(stream.jobs) for stream in plan.streams if plan.is_carried(stream))
        return {
            "simTime": iso_instant(t),
            "speed": self.clock.speed,
            "seed": self.config.seed,
            "planId": plan.id,
            "planDay": plan.day,
            "planStart": iso_instant(plan.start),
            "planEnd": iso_instant(plan.end),
            "jobs": len(plan.jobs),
            "jobStreams": len(plan.streams),
            "carriedForwardJobs": carried,
            "byStatus": dict(sorted(common.items())),
            "byInternalStatus": dict(sorted(internal.items())),
            "faults": self.faults.snapshot(),
        }
