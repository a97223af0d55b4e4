"""The paginated envelope: count, next, previous, and offsets that cover every job once."""

from __future__ import annotations

import httpx

from twspulse.simulator import SimulatorServer


def test_next_links_cover_every_job_exactly_once(server: SimulatorServer, client: httpx.Client) -> None:
    server.clock.advance(4 * 3600)
    everything = client.get("/plan/job").json()
    assert everything["count"] == 72 and everything["next"] is None and everything["previous"] is None
    ids: list[str] = []
    url: str | None = "/plan/job?limit=10"
    pages = 0
    while url:
        page = client.get(url).json()
        assert page["count"] == 72
        assert len(page["results"]) <= 10
        assert (page["previous"] is None) == (pages == 0)
        ids += [job["id"] for job in page["results"]]
        url = page["next"]
        pages += 1
    assert pages == 8
    assert len(ids) == len(set(ids)) == 72
    assert ids == [job["id"] for job in everything["results"]] == sorted(ids)  # stable order: by id


def test_previous_link_points_one_page_back(client: httpx.Client) -> None:
    page = client.get("/plan/job", params={"limit": 10, "offset": 25}).json()
    assert "offset=15" in page["previous"] and "offset=35" in page["next"] and "limit=10" in page["next"]
    back = client.get(page["previous"]).json()
    assert [job["id"] for job in back["results"]] == [
        job["id"] for job in client.get("/plan/job", params={"limit": 10, "offset": 15}).json()["results"]
    ]


def test_include_count_false_leaves_count_out_and_offset_past_end_is_empty(client: httpx.Client) -> None:
    page = client.get("/plan/job", params={"limit": 5}, headers={"Include-Count": "false"}).json()
    assert page["count"] is None and len(page["results"]) == 5
    tail = client.get("/plan/job", params={"offset": 500}).json()
    assert tail["results"] == [] and tail["count"] == 72 and tail["next"] is None


def test_bad_paging_parameters_are_rejected_with_400(client: httpx.Client) -> None:
    for params in ({"limit": "ten"}, {"limit": -1}, {"offset": "x"}):
        response = client.get("/plan/job", params=params)
        assert response.status_code == 400, params
        assert response.json()["code"] == "INVALID_PARAMETER"
