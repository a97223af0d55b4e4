"""GET /sim/runs: the ground truth of integrity tests, every run the engine has shown, each once."""

from __future__ import annotations

from typing import Any

import httpx

from tests.simulator.conftest import ServerFactory, all_jobs, client_for


def _sim_runs(root_url: str) -> list[dict[str, Any]]:
    response = httpx.get(root_url + "/sim/runs")
    response.raise_for_status()
    return response.json()["runs"]  # type: ignore[no-any-return]


def _jobruns(http: httpx.Client) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    """run id -> (job, run) for every run in the current plan's jobruns[]."""
    return {run["id"]: (job, run) for job in all_jobs(http) for run in job["jobruns"]}


def test_sim_runs_lists_every_run_of_jobruns_once_with_its_status(make_server: ServerFactory) -> None:
    server = make_server(seed=5, job_streams=20, failure_rate=0.3, rerun_rate=1.0)
    server.clock.advance(20 * 3600)
    with client_for(server) as http:
        shown = _jobruns(http)
    runs = _sim_runs(server.root_url)

    assert len(runs) == len({run["runId"] for run in runs}) == len(shown) > 50
    for run in runs:
        job, api_run = shown[run["runId"]]
        assert (run["jobId"], run["attempt"], run["rerun"]) == (job["id"], api_run["runAttempt"], api_run["rerunJob"])
        assert run["internalStatus"] == api_run["compositeStatus"]["status"]
        assert (run["status"], run["returnCode"]) == (api_run["commonStatus"], api_run["returnCode"])
        assert (run["startTime"], run["endTime"]) == (
            api_run["timeInfo"]["actualStartTime"],
            api_run["timeInfo"]["actualEndTime"],
        )
        assert run["lastInRerunChain"] == api_run["lastInRerunChain"]
        assert run["inCurrentPlan"]
    first_attempts_rerun = [r for r in runs if r["attempt"] == 1 and not r["lastInRerunChain"]]
    assert first_attempts_rerun and all(r["internalStatus"] in ("ABEND", "FAIL") for r in first_attempts_rerun)


def test_sim_runs_keeps_runs_across_reruns_and_the_plan_turnover(make_server: ServerFactory) -> None:
    server = make_server(seed=3, job_streams=30, failure_rate=0.3, rerun_rate=0.0, rerun_success_rate=1.0)
    server.clock.advance(10 * 3600)
    with client_for(server) as http:
        failed = next(job for job in all_jobs(http) if job["lastRunCommonStatus"] == "ERROR")
        first_run = failed["jobruns"][-1]["id"]
        new_run = http.put(f"/plan/job/run/{first_run}/action/rerun", json={}).json()["id"]
        assert new_run not in {r["runId"] for r in _sim_runs(server.root_url)}  # asked, not started yet
        server.clock.advance(60)
        before_turnover = {r["runId"]: r for r in _sim_runs(server.root_url)}
        assert before_turnover[new_run]["attempt"] == 2 and before_turnover[new_run]["rerun"]
        assert not before_turnover[first_run]["lastInRerunChain"]

        server.clock.advance(15 * 3600)  # into the next production day: finished streams leave the plan
        after = _sim_runs(server.root_url)
        current = set(_jobruns(http))
    after_ids = [r["runId"] for r in after]
    assert len(after_ids) == len(set(after_ids))  # carried-forward streams are in two plans, listed once
    assert set(before_turnover) <= set(after_ids)
    gone = set(after_ids) - current
    assert gone, "runs of the previous day that left the current plan are still listed"
    assert {r["runId"] for r in after if not r["inCurrentPlan"]} == gone


def test_sim_rerun_reruns_like_the_api_action_past_armed_faults(make_server: ServerFactory) -> None:
    server = make_server(seed=3, job_streams=30, failure_rate=0.3, rerun_rate=0.0, rerun_success_rate=1.0)
    server.clock.advance(10 * 3600)
    failed = next(r for r in _sim_runs(server.root_url) if r["internalStatus"] == "ABEND")
    httpx.post(server.root_url + "/sim/faults", json={"error_500": 5}).raise_for_status()

    answer = httpx.post(f"{server.root_url}/sim/runs/{failed['runId']}/rerun")
    assert answer.status_code == 200
    server.clock.advance(60)
    runs = {r["runId"]: r for r in _sim_runs(server.root_url)}
    new_run = runs[answer.json()["id"]]
    assert (new_run["jobId"], new_run["attempt"], new_run["rerun"]) == (failed["jobId"], 2, True)
    assert httpx.get(server.root_url + "/sim/faults").json()["armed"]["error_500"] == 5  # left to the client
    assert [a["newRunId"] for a in httpx.get(server.root_url + "/sim/state").json()["actions"]] == [new_run["runId"]]
    assert httpx.post(f"{server.root_url}/sim/runs/00000000-0000-4000-8000-000000000000/rerun").status_code == 404
