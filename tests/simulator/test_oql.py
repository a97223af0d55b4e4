"""The OQL subset: comparisons, LIKE, IN, time ranges, boolean logic, ORDER BY, and refused filters."""

from __future__ import annotations

import httpx
import pytest

from tests.simulator.conftest import START, all_jobs
from twspulse.simulator import SimConfig, SimulatorServer
from twspulse.simulator.exceptions import OqlSyntaxError
from twspulse.simulator.oql import Field, compile_oql
from twspulse.simulator.oql_fields import JobRow, job_fields
from twspulse.simulator.plan import job_common_status, job_state
from twspulse.simulator.simulation import Simulation


@pytest.fixture
def busy(server: SimulatorServer, client: httpx.Client) -> httpx.Client:
    """The default plan six hours into the day: every status is present."""
    server.clock.advance(6 * 3600)
    return client


def test_equality_like_in_and_not(busy: httpx.Client) -> None:
    everything = all_jobs(busy)
    assert {j["name"] for j in all_jobs(busy, oql="name = 'LOAD_SALES'")} == {"LOAD_SALES"}
    sales = all_jobs(busy, oql="name LIKE '@SALES@'")
    assert sales and all("SALES" in j["name"] for j in sales)
    assert len(sales) == sum("SALES" in j["name"] for j in everything)
    finance = all_jobs(busy, oql="folder IN ['/FINANCE/','/DWH/']")
    assert finance and {j["folder"] for j in finance} == {"/FINANCE/", "/DWH/"}
    not_root = all_jobs(busy, oql="NOT folder = '/'")
    assert len(not_root) == sum(j["folder"] != "/" for j in everything)
    assert all_jobs(busy, oql="folder != '/'") == not_root


def test_and_binds_tighter_than_or_and_parentheses_override(busy: httpx.Client) -> None:
    loose = all_jobs(busy, oql="folder = '/' OR folder = '/DWH/' AND name LIKE 'LOAD@'")
    grouped = all_jobs(busy, oql="(folder = '/' OR folder = '/DWH/') AND name LIKE 'LOAD@'")
    assert all(j["folder"] == "/" or j["name"].startswith("LOAD") for j in loose)
    assert all(j["name"].startswith("LOAD") for j in grouped)
    assert len(grouped) < len(loose)


def test_status_filters_on_job_and_runs(busy: httpx.Client) -> None:
    succ = all_jobs(busy, oql="jobruns.compositeStatus.status = 'SUCC'")
    assert succ and all(any(r["compositeStatus"]["status"] == "SUCC" for r in j["jobruns"]) for j in succ)
    waiting = all_jobs(busy, oql="lastRunCommonStatus = 'WAITING'")
    assert waiting and all(j["jobruns"] == [] for j in waiting)
    errors = all_jobs(busy, oql="jobruns.commonStatus = 'ERROR'")
    assert errors and all(any(r["commonStatus"] == "ERROR" for r in j["jobruns"]) for j in errors)


def test_time_ranges_and_order_by(busy: httpx.Client) -> None:
    window = all_jobs(busy, oql="schedTime >= '2026-11-24T01:00:00.000Z' AND schedTime < '2026-11-24T03:00:00.000Z'")
    assert window and all("2026-11-24T01:00:00Z" <= j["schedTime"] < "2026-11-24T03:00:00Z" for j in window)
    offset = all_jobs(
        busy, oql="schedTime >= '2026-11-23T23:00:00.000-02:00' AND schedTime < '2026-11-24T03:00:00.000Z'"
    )
    assert offset == window  # instants compare as instants, whatever their offset
    ended = all_jobs(busy, oql="jobruns.timeInfo.actualEndTime >= '2026-11-24T02:00:00.000Z'")
    assert ended and all(
        any((r["timeInfo"]["actualEndTime"] or "") >= "2026-11-24T02:00:00Z" for r in j["jobruns"]) for j in ended
    )
    ordered = all_jobs(busy, oql="folder = '/' ORDER BY schedTime DESC")
    times = [j["schedTime"] for j in ordered]
    assert times == sorted(times, reverse=True) and len(set(times)) > 1
    by_name = all_jobs(busy, oql="ORDER BY key.name ASC")
    assert [j["name"] for j in by_name] == sorted(j["name"] for j in by_name)


@pytest.mark.parametrize(
    "oql",
    [
        "key.name = 'LOAD_SALES'",
        "name = ",
        "name == 'X'",
        "unknownField = 'X'",
        "(name = 'X'",
        "schedTime > 'yesterday'",
        "name = 'X' ORDER BY",
        # as strict as the engine's documented OQL (the connector must never depend on more):
        'name = "X"',  # double quotes
        "name <> 'X'",  # not an operator
        "NAME = 'X'",  # field names are case-sensitive
        "schedTime > '2026-11-24T01:00:00Z'",  # an instant without milliseconds
        "schedTime > '2026-11-24T01:00:00.000'",  # an instant without offset
    ],
)
def test_bad_oql_is_answered_400_oql_filter_syntax_error(client: httpx.Client, oql: str) -> None:
    response = client.get("/plan/job", params={"oql": oql})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "OQL_FILTER_SYNTAX_ERROR" and body["messages"]


def test_count_endpoint_applies_the_filter(busy: httpx.Client) -> None:
    assert busy.get("/plan/job/count").json() == {"count": 72}
    dwh = busy.get("/plan/job/count", params={"oql": "folder = '/DWH/'"}).json()["count"]
    assert dwh == len(all_jobs(busy, oql="folder = '/DWH/'")) > 0


def test_compiled_query_keeps_incoming_order_as_tie_breaker() -> None:
    fields = {
        "name": Field("name", "str", lambda row: (row[0],)),
        "n": Field("n", "int", lambda row: (row[1],)),
    }
    rows = [("b", 1), ("a", 2), ("b", 0), ("a", 1)]
    assert compile_oql("ORDER BY name DESC", fields).apply(rows) == [("b", 1), ("b", 0), ("a", 2), ("a", 1)]
    assert compile_oql("n IN [1, 2] ORDER BY name, n DESC", fields).apply(rows) == [
        ("a", 2),
        ("a", 1),
        ("b", 1),
    ]
    with pytest.raises(OqlSyntaxError, match="unknown field 'key.name'"):
        compile_oql("key.name = 'a'", fields)


def test_fast_status_and_time_fields_agree_with_the_full_job_state() -> None:
    config = SimConfig(start=START, speed=0, job_streams=40, cancel_rate=0.1)
    simulation = Simulation(config)
    fields = job_fields()
    seen: set[str] = set()
    for hour in range(0, 30, 2):
        t = simulation.now() + hour * 3600
        for job in simulation.plans.current(t).jobs:
            state = job_state(job, t)
            assert job_common_status(job, t) == state.common
            seen.add(state.common)
            row = JobRow(job, t)
            assert list(fields["jobruns.timeInfo.actualEndTime"].values(row)) == [
                s.run.end for s in state.runs if s.ended
            ]
            assert list(fields["jobruns.timeInfo.actualStartTime"].values(row)) == [s.run.start for s in state.runs]
    assert seen == {"WAITING", "READY", "RUNNING", "SUCCESSFUL", "ERROR", "CANCELED"}
