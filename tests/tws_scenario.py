"""A deterministic TWS scenario for tests: a frozen-clock simulator stepped by the test itself."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import httpx

from twspulse.connectors.tws.api_models import JobInPlan
from twspulse.connectors.tws.job_events import NO_RUN, build_events
from twspulse.simulator.config import SimConfig
from twspulse.simulator.server import SimulatorServer

DAY = datetime(2026, 11, 24, tzinfo=UTC)


@contextmanager
def simulator(seed: int = 7, **config: object) -> Iterator[SimulatorServer]:
    """A simulator whose clock only moves when the test advances it."""
    server = SimulatorServer(SimConfig(seed=seed, start=DAY, speed=0, **config))  # type: ignore[arg-type]
    server.start()
    try:
        yield server
    finally:
        server.stop()


def snapshot(server: SimulatorServer, plan_id: str = "current") -> dict[str, JobInPlan]:
    """A plan as the engine answers now, validated: job id -> job (the test's own ground truth)."""
    params = {"limit": 10000, "plan_id": plan_id}
    resp = httpx.get(f"{server.base_url}/plan/job", params=params, auth=("twsuser", "twspass"))
    resp.raise_for_status()
    return {j.id: j for j in (JobInPlan.model_validate(r) for r in resp.json()["results"])}


def status_keys(server: SimulatorServer, plan_id: str = "current") -> dict[str, dict[str, str]]:
    """job id -> (run id -> status key of that run's current status), as the connector's seen-state holds it."""
    now = datetime.now(UTC)
    return {
        job_id: {e.run_id or NO_RUN: e.event_id for e in build_events(job, now)}
        for job_id, job in snapshot(server, plan_id).items()
    }


def event_ids(server: SimulatorServer, plan_id: str = "current") -> set[str]:
    """The status key of every run of every job, as the plan stands now."""
    return {key for runs in status_keys(server, plan_id).values() for key in runs.values()}
