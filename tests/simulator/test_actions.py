"""PUT /plan/job/run/{run_id}/action/rerun: 415 without a JSON content type, 404, 400, and a real rerun."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.simulator.conftest import ServerFactory, all_jobs, client_for
from twspulse.simulator import SimulatorServer

UNKNOWN_RUN = "00000000-0000-4000-8000-000000000000"


def _rerun(http: httpx.Client, run_id: str, **kwargs: Any) -> httpx.Response:
    return http.put(f"/plan/job/run/{run_id}/action/rerun", **kwargs)


@pytest.fixture
def failed_day(make_server: ServerFactory) -> SimulatorServer:
    """Failures that are never rerun by themselves, and reruns that always succeed."""
    server = make_server(seed=3, job_streams=30, failure_rate=0.3, rerun_rate=0.0, rerun_success_rate=1.0)
    server.clock.advance(10 * 3600)
    return server


def _failed_with_held_successors(http: httpx.Client) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    jobs = all_jobs(http)
    for job in jobs:
        if job["lastRunCommonStatus"] != "ERROR":
            continue
        after = sorted(
            (j for j in jobs if j["jobStreamId"] == job["jobStreamId"] and j["position"] > job["position"]),
            key=lambda j: j["position"],
        )
        if after and after[0]["lastRunCompositeStatus"]["substatus"] == "HOLD_WAITING_FOR_PREDECESSOR":
            return job, after
    raise AssertionError("the plan must have a failed job holding its successors")


def test_rerun_needs_a_json_content_type(failed_day: SimulatorServer) -> None:
    with client_for(failed_day) as http:
        job, _ = _failed_with_held_successors(http)
        run_id = job["jobruns"][-1]["id"]
        assert _rerun(http, run_id).status_code == 415
        assert _rerun(http, run_id, content=b"{}", headers={"Content-Type": "text/plain"}).status_code == 415
        assert _rerun(http, UNKNOWN_RUN, content=b"{}").status_code == 415  # checked before the run is looked up
        assert (
            _rerun(http, run_id, content=b"not json", headers={"Content-Type": "application/json"}).status_code == 400
        )
        assert len(http.get(f"/plan/job/{job['id']}").json()["jobruns"]) == 1  # nothing was rerun
    assert httpx.get(failed_day.root_url + "/sim/state").json()["actions"] == []


def test_rerun_of_an_unknown_run_is_404(failed_day: SimulatorServer) -> None:
    with client_for(failed_day) as http:
        response = _rerun(http, UNKNOWN_RUN, json={})
    assert response.status_code == 404 and response.json()["code"] == "NOT_FOUND"


def test_rerun_schedules_a_new_run_that_releases_the_held_successors(failed_day: SimulatorServer) -> None:
    with client_for(failed_day) as http:
        job, successors = _failed_with_held_successors(http)
        failed_run = job["jobruns"][-1]
        answer = _rerun(http, failed_run["id"], json={})
        assert answer.status_code == 200
        body = answer.json()
        assert set(body) == {"id", "url"} and body["url"].endswith(f"/plan/job/{job['id']}")
        actions = httpx.get(failed_day.root_url + "/sim/state").json()["actions"]
        assert [(a["action"], a["runId"], a["newRunId"]) for a in actions] == [("rerun", failed_run["id"], body["id"])]

        failed_day.clock.advance(4 * 3600)
        after = http.get(f"/plan/job/{job['id']}").json()
        assert [r["id"] for r in after["jobruns"]] == [failed_run["id"], body["id"]]
        rerun = after["jobruns"][-1]
        assert (rerun["runAttempt"], rerun["rerunJob"], rerun["commonStatus"]) == (2, True, "SUCCESSFUL")
        assert rerun["submittedTime"] == "2026-11-24T10:00:00Z"
        first = http.get(f"/plan/job/{successors[0]['id']}").json()
        assert first["jobruns"], "the first successor runs once its predecessor's rerun succeeded"
        assert first["jobruns"][0]["timeInfo"]["actualStartTime"] > rerun["timeInfo"]["actualEndTime"]
        # the new run has a joblog like any other
        log = http.get(f"/plan/job/run/{body['id']}/joblog").text
        assert "= Exit Status           : 0" in log


def test_rerun_of_a_running_job_is_refused(make_server: ServerFactory) -> None:
    server = make_server(job_streams=40)
    with client_for(server) as http:
        running: list[dict[str, Any]] = []
        while not running:  # step through the night until some job is running
            server.clock.advance(600)
            running = all_jobs(http, oql="lastRunCommonStatus = 'RUNNING'")
        response = _rerun(http, running[0]["jobruns"][-1]["id"], json={})
    assert response.status_code == 400 and response.json()["code"] == "INVALID_ACTION"
