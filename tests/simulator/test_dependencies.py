"""Jobs of a job stream run in order: job N waits for job N-1 to end successfully (or be canceled)."""

from __future__ import annotations

from typing import Any

from tests.simulator.conftest import ServerFactory, advance_to, all_jobs, client_for

LATE = 23 * 3600
NOW = "2026-11-24T23:00:00Z"  # START + LATE


def _by_stream(jobs: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    streams: dict[str, list[dict[str, Any]]] = {}
    for job in jobs:
        streams.setdefault(job["jobStreamId"], []).append(job)
    return {stream_id: sorted(members, key=lambda j: j["position"]) for stream_id, members in streams.items()}


def _end(job: dict[str, Any]) -> str:
    return job["jobruns"][-1]["timeInfo"]["actualEndTime"]


def test_every_job_starts_after_its_predecessor_succeeded(make_server: ServerFactory) -> None:
    server = make_server(seed=4, job_streams=40, failure_rate=0.3, rerun_rate=0.5)
    server.clock.advance(LATE)
    with client_for(server) as http:
        streams = _by_stream(all_jobs(http))
    checked = 0
    for jobs in streams.values():
        for predecessor, job in zip(jobs, jobs[1:], strict=False):
            if not job["jobruns"] or predecessor["lastRunCommonStatus"] == "CANCELED":
                continue
            first_start = job["jobruns"][0]["timeInfo"]["actualStartTime"]
            assert predecessor["lastRunCommonStatus"] == "SUCCESSFUL", (predecessor["name"], job["name"])
            assert first_start > _end(predecessor), (predecessor["name"], job["name"])
            checked += 1
    assert checked > 100


def test_successors_of_a_failed_job_stay_held_and_the_stream_is_stuck(make_server: ServerFactory) -> None:
    server = make_server(seed=4, job_streams=40, failure_rate=0.3, rerun_rate=0.0)
    server.clock.advance(LATE)
    with client_for(server) as http:
        streams = _by_stream(all_jobs(http))
        stuck_ids = {
            s["id"] for s in http.get("/plan/jobstream").json()["results"] if s["compositeStatus"]["status"] == "STUCK"
        }
    blocked = 0
    for stream_id, jobs in streams.items():
        failed = [i for i, job in enumerate(jobs) if job["lastRunCommonStatus"] == "ERROR"]
        if not failed:
            continue
        after = jobs[failed[0] + 1 :]
        for job in after:
            if job["lastRunCommonStatus"] == "CANCELED":
                break  # canceling a held job releases its successors, as on the engine
            assert job["jobruns"] == [], job["name"]
            assert job["lastRunCommonStatus"] == "WAITING"
            assert job["lastRunCompositeStatus"]["status"] == "HOLD"
            if job["schedTime"] <= NOW:  # its own time has come: only the predecessor holds it
                assert job["lastRunCompositeStatus"]["substatus"] == "HOLD_WAITING_FOR_PREDECESSOR"
                blocked += 1
        if after and all(job["lastRunCommonStatus"] == "WAITING" for job in after):
            assert stream_id in stuck_ids
    assert blocked >= 10


def test_held_successors_run_once_the_automatic_rerun_succeeds(make_server: ServerFactory) -> None:
    server = make_server(seed=4, job_streams=40, failure_rate=0.3, rerun_rate=1.0, rerun_success_rate=1.0)
    server.clock.advance(LATE)
    with client_for(server) as http:
        streams = _by_stream(all_jobs(http))
    released = 0
    for jobs in streams.values():
        for predecessor, job in zip(jobs, jobs[1:], strict=False):
            runs = predecessor["jobruns"]
            if len(runs) == 2 and runs[0]["compositeStatus"]["status"] == "ABEND" and job["jobruns"]:
                # the successor did not start after the failed first run, only after the successful rerun
                assert job["jobruns"][0]["timeInfo"]["actualStartTime"] > runs[1]["timeInfo"]["actualEndTime"]
                released += 1
    assert released >= 3


def test_a_held_job_reports_waiting_for_its_predecessor_while_it_runs(make_server: ServerFactory) -> None:
    oracle, subject = make_server(seed=4), make_server(seed=4)
    oracle.clock.advance(LATE)
    with client_for(oracle) as http:
        streams = _by_stream(all_jobs(http))
    # a job without its own time: it shows the stream's schedTime and waits for its predecessor's end
    pairs = [
        (predecessor, job)
        for jobs in streams.values()
        for predecessor, job in zip(jobs, jobs[1:], strict=False)
        if job["schedTime"] == predecessor["schedTime"] and predecessor["lastRunCommonStatus"] == "SUCCESSFUL"
    ]
    assert pairs
    predecessor, job = pairs[0]
    midway = predecessor["jobruns"][-1]["timeInfo"]["actualStartTime"]
    with client_for(subject) as http:
        advance_to(subject, midway)
        seen = http.get(f"/plan/job/{job['id']}").json()
        assert seen["lastRunCommonStatus"] == "WAITING" and seen["jobruns"] == []
        assert seen["lastRunCompositeStatus"]["substatus"] == "HOLD_WAITING_FOR_PREDECESSOR"
        advance_to(subject, _end(predecessor))
        assert http.get(f"/plan/job/{job['id']}").json()["lastRunCommonStatus"] == "READY"
