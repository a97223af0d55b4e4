"""Jobs move WAITING/HOLD -> READY -> RUNNING/EXEC -> SUCCESSFUL/SUCC or ERROR/ABEND as time passes."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from tests.simulator.conftest import ServerFactory, advance_to, all_jobs, client_for
from twspulse.simulator.failures import FAMILIES

LATE = 23 * 3600  # seconds into the day at which most of the plan has run


def _checkpoints(job: dict[str, Any], predecessor_end: str | None) -> list[tuple[str, str, str, str]]:
    """(instant, job id, expected common status, expected internal status) along the job's life.

    A job is READY once its own time has come and its predecessor in the stream has ended.
    """
    run = job["jobruns"][0]
    sched, start, end = job["schedTime"], run["timeInfo"]["actualStartTime"], run["timeInfo"]["actualEndTime"]
    ready = max(sched, predecessor_end or sched)
    final = (job["lastRunCommonStatus"], job["lastRunCompositeStatus"]["status"])
    return [
        (_minus_one(sched), job["id"], "WAITING", "HOLD"),
        (_minus_one(ready), job["id"], "WAITING", "HOLD"),
        (ready, job["id"], "READY", "READY"),
        (start, job["id"], "RUNNING", "EXEC"),
        (_minus_one(end), job["id"], "RUNNING", "EXEC"),
        (end, job["id"], *final),
    ]


def _minus_one(instant: str) -> str:
    earlier = datetime.fromisoformat(instant.replace("Z", "+00:00")) - timedelta(seconds=1)
    return earlier.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_jobs_progress_through_statuses_as_the_clock_advances(make_server: ServerFactory) -> None:
    oracle, subject = make_server(seed=11), make_server(seed=11)
    oracle.clock.advance(LATE)
    with client_for(oracle) as http:
        everything = all_jobs(http)
        ended = [
            j
            for j in all_jobs(http, oql="schedTime > '2026-11-24T00:01:00.000Z'")
            if len(j["jobruns"]) == 1 and j["endTime"] is not None
        ]
    by_position = {(j["jobStreamId"], j["position"]): j for j in everything}
    predecessors = {j["id"]: by_position.get((j["jobStreamId"], j["position"] - 1)) for j in ended}
    # A canceled predecessor releases its successor at a time the API does not show: leave those out.
    ended = [j for j in ended if (predecessors[j["id"]] or {}).get("lastRunCommonStatus") != "CANCELED"]
    successes = [j for j in ended if j["lastRunCommonStatus"] == "SUCCESSFUL"][:4]
    failures = [j for j in ended if j["lastRunCompositeStatus"]["status"] == "ABEND"][:2]
    assert successes and failures, "seed 11 must have both outcomes in its day"
    checkpoints = sorted(
        c for job in successes + failures for c in _checkpoints(job, (predecessors[job["id"]] or {}).get("endTime"))
    )
    with client_for(subject) as http:
        for instant, job_id, common, internal in checkpoints:
            advance_to(subject, instant)
            job = http.get(f"/plan/job/{job_id}").json()
            assert (job["lastRunCommonStatus"], job["lastRunCompositeStatus"]["status"]) == (
                common,
                internal,
            ), (
                instant,
                job["name"],
            )
            if common in ("WAITING", "READY"):
                assert job["jobruns"] == []
                assert job["lastRunCompositeStatus"]["started"] is False
            if common == "RUNNING":
                run = job["jobruns"][-1]
                assert run["returnCode"] is None and run["timeInfo"]["actualEndTime"] is None
                assert job["lastRunCompositeStatus"]["started"] is True
            if common == "SUCCESSFUL":
                assert job["jobruns"][-1]["returnCode"] == 0
            if common == "ERROR":
                assert job["jobruns"][-1]["returnCode"] != 0
                assert job["lastRunCompositeStatus"]["error"] is True


def test_every_failed_run_has_nonzero_rc_and_a_joblog_naming_the_cause(make_server: ServerFactory) -> None:
    server = make_server(seed=3, job_streams=40, failure_rate=0.3)
    server.clock.advance(LATE)
    markers = [family.marker for family in FAMILIES.values()]
    seen_markers = set()
    with client_for(server) as http:
        failed = [
            run
            for job in all_jobs(http, oql="jobruns.commonStatus = 'ERROR'")
            for run in job["jobruns"]
            if run["commonStatus"] == "ERROR"
        ]
        assert len(failed) >= 20
        for run in failed:
            assert run["returnCode"] not in (None, 0)
            log = http.get(f"/plan/job/run/{run['id']}/joblog").text
            exit_status = re.search(r"^= Exit Status\s+: (-?\d+)$", log, re.MULTILINE)
            assert exit_status is not None and int(exit_status.group(1)) == run["returnCode"]
            body = http.get(f"/plan/job/run/{run['id']}/joblog", params={"contentOnly": "true"}).text
            found = [marker for marker in markers if marker in body]
            assert found, f"no failure cause in joblog of run {run['id']}:\n{body}"
            seen_markers.update(found)
    assert len(seen_markers) >= 6, f"failures should come from many families, saw {seen_markers}"


def test_reruns_add_a_second_run_with_a_new_id(make_server: ServerFactory) -> None:
    server = make_server(seed=5, job_streams=40, failure_rate=0.3, rerun_rate=1.0)
    server.clock.advance(LATE)
    with client_for(server) as http:
        rerun = [job for job in all_jobs(http) if len(job["jobruns"]) == 2]
    assert rerun
    for job in rerun:
        first, second = job["jobruns"]
        assert first["id"] != second["id"]
        assert (first["runAttempt"], second["runAttempt"]) == (1, 2)
        assert (first["rerunJob"], second["rerunJob"]) == (False, True)
        assert first["commonStatus"] == "ERROR"
        assert first["lastInRerunChain"] is False
        assert job["lastRunCommonStatus"] == second["commonStatus"]
        assert second["timeInfo"]["actualStartTime"] > first["timeInfo"]["actualEndTime"]


def test_canceled_jobs_keep_their_internal_status_with_canceled_set(make_server: ServerFactory) -> None:
    server = make_server(seed=9, job_streams=30, cancel_rate=0.2)
    server.clock.advance(LATE)
    with client_for(server) as http:
        canceled = all_jobs(http, oql="lastRunCommonStatus = 'CANCELED'")
    assert canceled
    for job in canceled:
        composite = job["lastRunCompositeStatus"]
        assert composite["canceled"] is True
        assert composite["status"] in ("HOLD", "READY")
        assert job["jobruns"] == []
