"""Simulator control endpoints under /sim/ (not part of the engine's API, no authentication).

GET  /sim/state                   simulated time, plan id, job counts by status, today's link outage
                                  (`unlinked`), the huge joblog's run id (`hugeJoblogRunId`), actions
                                  received (`actions`, e.g. reruns), armed faults
GET  /sim/runs                    ground truth for integrity tests: every run started so far in the
                                  retained plans (first attempts and reruns), each once by run id, with
                                  its job, attempt, status now, return code and times
POST /sim/runs/{run_id}/rerun     rerun that run's job now, as an operator would through the API's rerun
                                  action, but past the armed faults (which are meant for the client under test)
POST /sim/clock/advance?seconds=N move simulated time forward by N seconds
GET  /sim/faults                  faults still armed
POST /sim/faults                  arm faults (JSON, see faults.PendingFaults)
DELETE /sim/faults                disarm every fault
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from twspulse.simulator.api_shapes import error_json, iso_instant
from twspulse.simulator.exceptions import BadParameterError, FaultSpecError
from twspulse.simulator.middlewares import json_response
from twspulse.simulator.plan import JobInstance, RunPlan, run_state
from twspulse.simulator.simulation import Simulation


class SimControl:
    """Handlers of the /sim/ control endpoints."""

    def __init__(self, simulation: Simulation) -> None:
        self._sim = simulation

    def routes(self) -> list[web.RouteDef]:
        """The control routes."""
        return [
            web.get("/sim/state", self.state),
            web.get("/sim/runs", self.runs),
            web.post("/sim/runs/{run_id}/rerun", self.rerun),
            web.post("/sim/clock/advance", self.advance),
            web.get("/sim/faults", self.faults),
            web.post("/sim/faults", self.arm),
            web.delete("/sim/faults", self.clear),
        ]

    async def state(self, request: web.Request) -> web.Response:
        """Simulator state."""
        return json_response(self._sim.summary())

    async def runs(self, request: web.Request) -> web.Response:
        """Every run started so far, oldest first: what the engine's jobruns[] have shown, reruns included.

        Runs are what an integrity check counts, so each appears once even when its job stream was carried
        forward into a later plan; `planId` is the plan of the day the job was generated in, and
        `inCurrentPlan` says whether the current plan still holds the job (finished job streams leave it at
        the turnover). Runs planned but not started yet are left out (a rerun may still replace them).
        """
        t = self._sim.now()
        book = self._sim.plans
        today = book.day_at(t)
        current = book.plan(today)
        found: dict[str, dict[str, Any]] = {}
        for day in range(max(0, today - book.config.retained_plans + 1), today + 1):
            for job in book.plan(day).jobs:
                visible = [run for run in job.runs if run.start <= t]
                for index, run in enumerate(visible):
                    if run.id not in found:
                        entry = _run_json(job, run, t, book.plan_id(job.stream.day), index == len(visible) - 1)
                        entry["inCurrentPlan"] = current.job(job.id) is not None
                        found[run.id] = entry
        listed = sorted(found.values(), key=lambda run: (run["startTime"], run["runId"]))
        return json_response({"simTime": iso_instant(t), "runs": listed})

    async def rerun(self, request: web.Request) -> web.Response:
        """Rerun the job of a run of the current or a retained plan; answers the new run's id."""
        run_id = request.match_info["run_id"]
        t = self._sim.now()
        book = self._sim.plans
        today = book.day_at(t)
        for day in range(today, max(-1, today - book.config.retained_plans), -1):
            found = book.plan(day).run(run_id)
            if found is not None:
                job, run = found
                new_run = self._sim.rerun(job, run, {"via": "/sim/runs/rerun"})
                return json_response({"id": new_run.id, "jobId": job.id, "start": iso_instant(new_run.start)})
        return json_response(error_json("NOT_FOUND", f"no run {run_id} in the retained plans"), status=404)

    async def advance(self, request: web.Request) -> web.Response:
        """Move the simulated clock forward."""
        raw = request.query.get("seconds")
        try:
            seconds = float(raw) if raw is not None else float("nan")
        except ValueError:
            seconds = float("nan")
        if not 0 <= seconds < 10 * 365 * 86400:
            raise BadParameterError("seconds", raw, "must be a number of seconds >= 0")
        self._sim.clock.advance(seconds)
        t = self._sim.now()
        return json_response({"simTime": iso_instant(t), "planId": self._sim.plans.current(t).id})

    async def faults(self, request: web.Request) -> web.Response:
        """Faults still armed."""
        return json_response({"armed": self._sim.faults.snapshot()})

    async def arm(self, request: web.Request) -> web.Response:
        """Arm faults described by the JSON body."""
        try:
            spec = json.loads(await request.read() or b"{}")
        except json.JSONDecodeError as error:
            raise FaultSpecError("body", error.doc[:80], f"not JSON: {error.msg}") from None
        if not isinstance(spec, dict):
            raise FaultSpecError("body", spec, "expected a JSON object")
        self._sim.faults.arm(spec)
        return json_response({"armed": self._sim.faults.snapshot()})

    async def clear(self, request: web.Request) -> web.Response:
        """Disarm every fault."""
        self._sim.faults.clear()
        return json_response({"armed": self._sim.faults.snapshot()})


def _run_json(job: JobInstance, run: RunPlan, t: int, plan_id: str, last: bool) -> dict[str, Any]:
    state = run_state(run, t)
    return {
        "runId": run.id,
        "jobId": job.id,
        "jobKey": job.key,
        "jobName": job.definition.name,
        "jobStream": job.stream.definition.name,
        "workstation": run.workstation.key,
        "planId": plan_id,
        "attempt": run.attempt,
        "rerun": run.attempt > 1,
        "lastInRerunChain": last,
        "status": state.common,
        "internalStatus": state.internal,
        "returnCode": run.return_code if state.ended else None,
        "submittedTime": iso_instant(run.submitted),
        "startTime": iso_instant(run.start),
        "endTime": iso_instant(run.end) if state.ended else None,
    }
