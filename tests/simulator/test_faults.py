"""Fault injection through /sim/faults: 500, 429, malformed jobs, slow responses."""

from __future__ import annotations

import time

import httpx

from simulator import SimulatorServer


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
