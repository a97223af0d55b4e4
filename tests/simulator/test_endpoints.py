"""Job by id, counts, job streams, workstations, engine info, plan_filter."""

from __future__ import annotations

import httpx

from tests.simulator.conftest import all_jobs
from twspulse.simulator import SimulatorServer


def test_job_by_id_matches_the_listing(server: SimulatorServer, client: httpx.Client) -> None:
    server.clock.advance(8 * 3600)
    listed = all_jobs(client)[10]
    assert client.get(f"/plan/job/{listed['id']}").json() == listed
    missing = client.get("/plan/job/not-a-job")
    assert missing.status_code == 404 and missing.json()["code"] == "NOT_FOUND"


def test_grouped_count_adds_up(client: httpx.Client) -> None:
    grouped = client.get("/plan/job/count", params={"grouping_filters": "folder"}).json()
    assert grouped["count"] == 72 and sum(grouped["groupedCount"].values()) == 72
    assert "/FINANCE/" in grouped["groupedCount"]
    assert client.get("/plan/job/count", params={"grouping_filters": "colour"}).status_code == 400


def test_jobstreams_count_their_jobs_and_filter(server: SimulatorServer, client: httpx.Client) -> None:
    server.clock.advance(12 * 3600)
    streams = client.get("/plan/jobstream").json()
    assert streams["count"] == 12
    jobs = all_jobs(client)
    for stream in streams["results"]:
        assert stream["jobStreamStats"]["numberOfJob"] == sum(j["jobStreamId"] == stream["id"] for j in jobs)
        assert stream["workstation"] == "/MDM" and stream["schedTime"].endswith("Z")
        assert stream["jsDefinitionFlags"]["carriedForward"] is False
    payroll = client.get("/plan/jobstream", params={"oql": "name = 'PAYROLL'"}).json()
    assert [s["name"] for s in payroll["results"]] == ["PAYROLL"]


def test_workstations_and_engine_info(client: httpx.Client) -> None:
    workstations = client.get("/plan/workstation").json()
    names = [ws["name"] for ws in workstations["results"]]
    assert workstations["count"] == 4 and names[0] == "MDM" and "FTA1" in names
    for ws in workstations["results"]:
        assert {"ONLINE", "LINKED"} <= set(ws["activeStates"])
        assert {"limit", "fence", "os", "version", "nodeName", "activeFlags"} <= set(ws)
    online = client.get("/plan/workstation", params={"oql": "activeStates IN ['MASTER']"}).json()
    assert [ws["name"] for ws in online["results"]] == ["MDM"]
    assert client.get("/plan/workstation/nope").status_code == 404
    info = client.get("/engine/info").json()
    assert info["fullVersion"] == "10.2.8.0" and info["licenseType"] == "PERSERVER"
    assert info["timezone"] == "America/Sao_Paulo"


def test_plan_filter_selects_by_path(client: httpx.Client) -> None:
    everything = all_jobs(client, plan_filter="/@/@#/@/@.@")
    assert len(everything) == 72
    payroll = all_jobs(client, plan_filter="/MDM#/FINANCE/PAYROLL.@")
    assert payroll and {j["jobStreamName"] for j in payroll} == {"PAYROLL"}
    loads = all_jobs(client, plan_filter="@#/@/@.LOAD@")
    assert loads and all(j["name"].startswith("LOAD") for j in loads)
    assert client.get("/plan/job", params={"plan_filter": "no-hash"}).status_code == 400


def test_date_header_is_the_simulated_clock(server: SimulatorServer, client: httpx.Client) -> None:
    server.clock.advance(3600 + 2)
    assert client.get("/engine/info").headers["Date"] == "Tue, 24 Nov 2026 01:00:02 GMT"
    assert httpx.get(server.base_url + "/engine/info").headers["Date"] == "Tue, 24 Nov 2026 01:00:02 GMT"
