"""One workstation is unlinked for a while every day: it loses LINKED and its jobs wait READY meanwhile."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx

from tests.simulator.conftest import ServerFactory, advance_to, all_jobs, client_for


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_unlinked_workstation_shows_in_workstation_states_and_holds_its_jobs(make_server: ServerFactory) -> None:
    server = make_server(seed=8, job_streams=40, unlink_minutes=150, unlinked_workstation="LNX_APP01")
    outage = httpx.get(server.root_url + "/sim/state").json()["unlinked"]
    assert outage["workstation"] == "LNX_APP01" and outage["now"] is False
    start, end = _instant(outage["from"]), _instant(outage["to"])
    assert timedelta(minutes=80) <= end - start <= timedelta(minutes=220)

    with client_for(server) as http:
        linked = {ws["name"]: ws["activeStates"] for ws in http.get("/plan/workstation").json()["results"]}
        assert all("LINKED" in states for states in linked.values())

        advance_to(server, (start + (end - start) / 2).strftime("%Y-%m-%dT%H:%M:%SZ"))
        workstations = http.get("/plan/workstation").json()["results"]
        states = {ws["name"]: ws["activeStates"] for ws in workstations}
        assert "LINKED" not in states["LNX_APP01"]
        assert all("LINKED" in s for name, s in states.items() if name != "LNX_APP01")
        still_linked = http.get("/plan/workstation", params={"oql": "activeStates IN ['LINKED']"}).json()
        assert "LNX_APP01" not in {ws["name"] for ws in still_linked["results"]}
        one = next(ws for ws in workstations if ws["name"] == "LNX_APP01")
        assert "LINKED" not in http.get(f"/plan/workstation/{one['id']}").json()["activeStates"]

        waiting = all_jobs(http, oql="workstation = '/LNX_APP01' AND lastRunCommonStatus = 'READY'")
        assert waiting, "jobs of the unlinked workstation should be waiting for it"
        assert {j["lastRunCompositeStatus"]["substatus"] for j in waiting} == {"READY_WAITING_FOR_AGENT"}
        others = all_jobs(http, oql="workstation != '/LNX_APP01'")
        assert all(j["lastRunCompositeStatus"]["substatus"] != "READY_WAITING_FOR_AGENT" for j in others)

        advance_to(server, (end + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ"))
        assert (
            "LINKED"
            in next(ws for ws in http.get("/plan/workstation").json()["results"] if ws["name"] == "LNX_APP01")[
                "activeStates"
            ]
        )
        for job in waiting:
            runs = http.get(f"/plan/job/{job['id']}").json()["jobruns"]
            assert runs and runs[0]["timeInfo"]["actualStartTime"] >= outage["to"], job["name"]
        # no run of that workstation started while it was unlinked; other workstations kept running
        starts = [
            (job["workstation"], run["timeInfo"]["actualStartTime"]) for job in all_jobs(http) for run in job["jobruns"]
        ]
        assert not [s for ws, s in starts if ws == "/LNX_APP01" and outage["from"] <= s < outage["to"]]
        assert [s for ws, s in starts if ws != "/LNX_APP01" and outage["from"] <= s < outage["to"]]


def test_the_outage_comes_back_every_day_at_another_time(make_server: ServerFactory) -> None:
    server = make_server(seed=8)
    first = httpx.get(server.root_url + "/sim/state").json()["unlinked"]
    server.clock.advance(24 * 3600)
    second = httpx.get(server.root_url + "/sim/state").json()["unlinked"]
    assert first["workstation"] == second["workstation"] != "MDM"
    assert second["from"][:10] == "2026-11-25" and second["from"][11:] != first["from"][11:]
    assert make_server(unlink_minutes=0).simulation.summary()["unlinked"] is None
