"""One running simulated engine: configuration, clock, plans, joblogs and armed faults together.

The HTTP layer (tws_routes, sim_routes) only parses requests and formats answers; everything that
depends on simulated time goes through this object, so the embedding server and the CLI share it.
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

from twspulse.simulator.api_shapes import iso_instant
from twspulse.simulator.catalog import WorkstationDef
from twspulse.simulator.clock import SimClock
from twspulse.simulator.config import SimConfig
from twspulse.simulator.exceptions import ActionRefusedError
from twspulse.simulator.faults import FaultInjector
from twspulse.simulator.joblogs import JoblogStore
from twspulse.simulator.plan import RUNNING, JobInstance, Plan, PlanBook, RunPlan, job_state


class Simulation:
    """The state of one simulated engine."""

    def __init__(self, config: SimConfig, clock: SimClock | None = None) -> None:
        self.config = config
        self.clock = clock or SimClock(config.start, config.speed)
        self.plans = PlanBook(config)
        self.faults = FaultInjector()
        self.joblogs = JoblogStore(config.huge_joblog_bytes)
        self.actions: list[dict[str, Any]] = []  # actions received through the API, oldest first
        self._actions_lock = threading.Lock()
        self.plans.plan(self.plans.day_at(self.now()))  # generate up front: first request stays fast

    def now(self) -> int:
        """Simulated now in whole POSIX seconds (answers change at most once per simulated second)."""
        return int(self.clock.timestamp())

    def resolve_plan(self, plan_id: str) -> tuple[Plan, int]:
        """The plan named by `plan_id` and the instant to show it at."""
        return self.plans.resolve(plan_id, self.now())

    def close(self) -> None:
        """Free the plans (called when the server stops; the simulation is unusable afterwards)."""
        self.plans.close()

    def workstation_states(self, workstation: WorkstationDef, t: int | None = None) -> tuple[str, ...]:
        """The workstation's activeStates at instant `t` (default now): without LINKED during its outage."""
        return workstation.states(self.plans.outages.linked(workstation, self.now() if t is None else t))

    def rerun(self, job: JobInstance, run: RunPlan, details: dict[str, Any]) -> RunPlan:
        """Rerun `job` now (the rerun action on `run`); records the action for /sim/state."""
        t = self.now()
        if job_state(job, t).common == RUNNING:
            raise ActionRefusedError("rerun", run.id, "the job is still running")
        new_run = self.plans.rerun(job, t)
        with self._actions_lock:
            self.actions.append(
                {
                    "action": "rerun",
                    "at": iso_instant(t),
                    "jobId": job.id,
                    "jobName": job.definition.name,
                    "runId": run.id,
                    "newRunId": new_run.id,
                    "newRunStart": iso_instant(new_run.start),
                    "details": details,
                }
            )
        return new_run

    def huge_joblog_run_id(self, day: int | None = None) -> str | None:
        """Run id of the huge joblog of production day `day` (default: today), if huge_joblog_first_failure."""
        return self.plans.huge_joblog_run_id(self.plans.day_at(self.now()) if day is None else day)

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
            "unlinked": self._outage_summary(plan.day, t),
            "hugeJoblogRunId": self.huge_joblog_run_id(plan.day),
            "actions": list(self.actions),
            "faults": self.faults.snapshot(),
        }

    def _outage_summary(self, day: int, t: int) -> dict[str, Any] | None:
        outage = self.plans.outages.outage(day)
        if outage is None:
            return None
        return {
            "workstation": outage.workstation.name,
            "from": iso_instant(outage.start),
            "to": iso_instant(outage.end),
            "now": outage.covers(t),
        }
