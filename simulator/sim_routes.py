"""Simulator control endpoints under /sim/ (not part of the engine's API, no authentication).

GET  /sim/state                   simulated time, plan id, job counts by status, today's link outage
                                  (`unlinked`), the huge joblog's run id (`hugeJoblogRunId`), actions
                                  received (`actions`, e.g. reruns), armed faults
POST /sim/clock/advance?seconds=N move simulated time forward by N seconds
GET  /sim/faults                  faults still armed
POST /sim/faults                  arm faults (JSON, see faults.PendingFaults)
DELETE /sim/faults                disarm every fault
"""

from __future__ import annotations

import json

from aiohttp import web

from simulator.api_shapes import iso_instant
from simulator.exceptions import BadParameterError, FaultSpecError
from simulator.middlewares import json_response
from simulator.simulation import Simulation


class SimControl:
    """Handlers of the /sim/ control endpoints."""

    def __init__(self, simulation: Simulation) -> None:
        self._sim = simulation

    def routes(self) -> list[web.RouteDef]:
        """The control routes."""
        return [
            web.get("/sim/state", self.state),
            web.post("/sim/clock/advance", self.advance),
            web.get("/sim/faults", self.faults),
            web.post("/sim/faults", self.arm),
            web.delete("/sim/faults", self.clear),
        ]

    async def state(self, request: web.Request) -> web.Response:
        """Simulator state."""
        return json_response(self._sim.summary())

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
