"""Past the production day's end a new plan (new planId) starts with incomplete streams carried forward."""

from __future__ import annotations

import httpx

from tests.simulator.conftest import all_jobs
from twspulse.simulator import SimulatorServer

DAY = 24 * 3600


def test_turnover_gives_new_plan_id_and_carries_incomplete_streams(
    server: SimulatorServer, client: httpx.Client
) -> None:
    first_plan = all_jobs(client)[0]["planId"]
    server.clock.advance(DAY - 1)
    before = {job["id"]: job for job in all_jobs(client)}
    server.clock.advance(2)
    state = httpx.get(server.root_url + "/sim/state").json()
    after = all_jobs(client)
    assert state["planDay"] == 1 and state["planId"] != first_plan
    assert {job["planId"] for job in after} == {state["planId"]}

    streams = client.get("/plan/jobstream").json()["results"]
    carried = {s["id"] for s in streams if s["jsDefinitionFlags"]["carriedForward"]}
    assert carried, "the default day leaves incomplete job streams behind"
    carried_jobs = [job for job in after if job["jobStreamId"] in carried]
    assert len(carried_jobs) == state["carriedForwardJobs"]
    assert all(job["id"] in before for job in carried_jobs)  # same instances, same ids
    assert all(job["schedTime"] < state["planStart"] for job in carried_jobs)
    for stream_id in carried:
        statuses = [before[j["id"]]["lastRunCommonStatus"] for j in carried_jobs if j["jobStreamId"] == stream_id]
        assert any(status not in ("SUCCESSFUL", "CANCELED") for status in statuses)
    new_jobs = [job for job in after if job["jobStreamId"] not in carried]
    assert len(new_jobs) == 72 and all(job["id"] not in before for job in new_jobs)
    assert all(job["schedTime"] >= state["planStart"] for job in new_jobs)


def test_previous_plan_stays_readable_by_id_and_unknown_plan_is_404(
    server: SimulatorServer, client: httpx.Client
) -> None:
    first_plan = all_jobs(client)[0]["planId"]
    server.clock.advance(DAY + 3600)
    old = client.get("/plan/job", params={"plan_id": first_plan}).json()
    assert old["count"] == 72 and {job["planId"] for job in old["results"]} == {first_plan}
    assert client.get("/plan/job", params={"plan_id": "current"}).json()["results"][0]["planId"] != first_plan
    missing = client.get("/plan/job", params={"plan_id": "11111111-2222-4333-8444-555555555555"})
    assert missing.status_code == 404
