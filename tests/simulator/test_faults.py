"""Fault injection through /sim/faults: 500, 429, malformed jobs and JSON, cut joblogs, 401, slow responses."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from tests.simulator.conftest import all_jobs, client_for
from twspulse.simulator import SimulatorServer


def _arm(server: SimulatorServer, **spec: object) -> dict[str, object]:
    response = httpx.post(server.root_url + "/sim/faults", json=spec)
    response.raise_for_status()
    return response.json()["armed"]


def test_next_k_responses_are_500_with_an_awsjsy404e_body(server: SimulatorServer, client: httpx.Client) -> None:
    _arm(server, error_500=2)
    for _ in range(2):
        response = client.get("/plan/job/count")
        assert response.status_code == 500
        assert "AWSJSY404E" in response.text and "AWSBIN091E" in response.text
    assert client.get("/plan/job/count").status_code == 200


def test_next_k_responses_are_429_with_retry_after(server: SimulatorServer, client: httpx.Client) -> None:
    assert _arm(server, error_429=1)["error_429"] == 1
    assert httpx.get(server.root_url + "/sim/state").status_code == 200  # /sim/ is not affected
    throttled = client.get("/plan/job")
    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "1"
    assert client.get("/plan/job").status_code == 200


def test_malformed_pages_spoil_one_job(server: SimulatorServer, client: httpx.Client) -> None:
    server.clock.advance(6 * 3600)
    _arm(server, malformed=1, malformed_kind="missing_field", malformed_field="jobStreamName")
    spoiled = client.get("/plan/job", params={"limit": 5}).json()["results"]
    assert "jobStreamName" not in spoiled[0] and all("jobStreamName" in job for job in spoiled[1:])
    _arm(server, malformed=1, malformed_kind="unknown_status")
    weird = client.get("/plan/job", params={"oql": "lastRunCommonStatus = 'SUCCESSFUL'"}).json()["results"]
    assert weird[0]["lastRunCommonStatus"] == "WEIRD"
    assert weird[0]["lastRunCompositeStatus"]["status"] == "WEIRD"
    assert weird[0]["jobruns"][-1]["commonStatus"] == "WEIRD"
    clean = client.get("/plan/job", params={"limit": 5}).json()["results"]
    assert all("jobStreamName" in job and job["lastRunCommonStatus"] != "WEIRD" for job in clean)


def test_slow_responses_and_clearing(server: SimulatorServer, client: httpx.Client) -> None:
    _arm(server, delay_seconds=0.6, delay_count=1)
    started = time.monotonic()
    assert client.get("/engine/info").status_code == 200
    assert time.monotonic() - started >= 0.6
    _arm(server, error_500=3)
    assert httpx.delete(server.root_url + "/sim/faults").json()["armed"]["error_500"] == 0
    started = time.monotonic()
    assert client.get("/engine/info").status_code == 200
    assert time.monotonic() - started < 0.5


def test_bad_fault_specs_are_rejected(server: SimulatorServer) -> None:
    for spec in ({"error_500": -1}, {"explode": 1}, {"malformed_kind": "chaos"}, {"delay_seconds": "soon"}):
        response = httpx.post(server.root_url + "/sim/faults", json=spec)
        assert response.status_code == 400, spec
    assert httpx.post(server.root_url + "/sim/faults", content=b"not json").status_code == 400
    assert httpx.get(server.root_url + "/sim/faults").json()["armed"]["error_500"] == 0


def test_clock_advance_endpoint(server: SimulatorServer) -> None:
    moved = httpx.post(server.root_url + "/sim/clock/advance", params={"seconds": 3600}).json()
    assert moved["simTime"] == "2026-11-24T01:00:00Z"
    assert httpx.post(server.root_url + "/sim/clock/advance", params={"seconds": -5}).status_code == 400
    assert httpx.post(server.root_url + "/sim/clock/advance").status_code == 400


def test_malformed_json_answers_200_with_a_body_no_parser_accepts(
    server: SimulatorServer, client: httpx.Client
) -> None:
    assert _arm(server, malformed_json=2)["malformed_json"] == 2
    assert client.get("/plan/job/count").status_code == 200  # other resources are not affected
    for _ in range(2):
        response = client.get("/plan/job", params={"limit": 5})
        assert response.status_code == 200 and response.headers["content-type"].startswith("application/json")
        with pytest.raises(json.JSONDecodeError):
            json.loads(response.content)
    assert len(client.get("/plan/job", params={"limit": 5}).json()["results"]) == 5


def test_truncate_joblog_cuts_the_body_and_drops_the_connection(server: SimulatorServer, client: httpx.Client) -> None:
    server.clock.advance(12 * 3600)
    run_id = next(job["jobruns"][-1]["id"] for job in all_jobs(client) if job["jobruns"])
    whole = client.get(f"/plan/job/run/{run_id}/joblog").content
    _arm(server, truncate_joblog=1)
    with client_for(server) as http, pytest.raises(httpx.RemoteProtocolError):
        http.get(f"/plan/job/run/{run_id}/joblog")
    received = bytearray()
    _arm(server, truncate_joblog=1)
    with client_for(server) as http, http.stream("GET", f"/plan/job/run/{run_id}/joblog") as response:
        assert response.status_code == 200 and int(response.headers["content-length"]) == len(whole)
        with pytest.raises(httpx.RemoteProtocolError):
            for chunk in response.iter_raw():
                received += chunk
    assert 0 < len(received) < len(whole) and whole.startswith(bytes(received))
    assert client.get(f"/plan/job/run/{run_id}/joblog").content == whole  # the next one is whole again


def test_auth_fail_refuses_good_credentials_for_the_next_k_requests(
    server: SimulatorServer, client: httpx.Client
) -> None:
    _arm(server, auth_fail=2, error_500=1)
    for _ in range(2):
        refused = client.get("/engine/info")
        assert refused.status_code == 401 and refused.headers["WWW-Authenticate"].startswith("Basic")
    assert httpx.get(server.root_url + "/sim/state").status_code == 200  # /sim/ needs no auth, takes none
    assert client.get("/engine/info").status_code == 500  # the 500 was waiting behind the 401s
    assert client.get("/engine/info").status_code == 200


def test_new_fault_keys_are_validated_and_cleared(server: SimulatorServer) -> None:
    for spec in ({"malformed_json": -1}, {"truncate_joblog": "2"}, {"auth_fail": True}):
        assert httpx.post(server.root_url + "/sim/faults", json=spec).status_code == 400, spec
    armed = _arm(server, malformed_json=1, truncate_joblog=2, auth_fail=3)
    assert (armed["malformed_json"], armed["truncate_joblog"], armed["auth_fail"]) == (1, 2, 3)
    cleared = httpx.delete(server.root_url + "/sim/faults").json()["armed"]
    assert (cleared["malformed_json"], cleared["truncate_joblog"], cleared["auth_fail"]) == (0, 0, 0)
