"""A 50,000-job plan is generated in seconds, served page by page, and filtered fast."""

from __future__ import annotations

import time

import httpx

from tests.simulator.conftest import ServerFactory, client_for


def test_fifty_thousand_jobs_generated_fast_and_paged(make_server: ServerFactory) -> None:
    started = time.monotonic()
    server = make_server(total_jobs=50_000)
    assert time.monotonic() - started < 10, "plan generation must take seconds"
    server.clock.advance(3 * 3600)
    seen: set[str] = set()
    with client_for(server) as http:
        url: str | None = "/plan/job?limit=10000"
        pages = 0
        while url:
            before = time.monotonic()
            page = http.get(url).json()
            assert time.monotonic() - before < 5, "a 10,000-job page must be served fast"
            assert page["count"] == 50_000
            seen.update(job["id"] for job in page["results"])
            url = page["next"]
            pages += 1
        assert pages == 5 and len(seen) == 50_000
        before = time.monotonic()
        running = http.get("/plan/job/count", params={"oql": "lastRunCommonStatus = 'RUNNING'"}).json()["count"]
        assert time.monotonic() - before < 5 and 0 < running < 50_000


def test_connector_filters_on_fifty_thousand_jobs_are_fast_and_right(make_server: ServerFactory) -> None:
    server = make_server(total_jobs=50_000)
    server.clock.advance(10 * 3600)
    pending = "lastRunCommonStatus IN ['WAITING','READY','RUNNING']"
    ended = "jobruns.timeInfo.actualEndTime >= '2026-11-24T09:00:00.000Z'"
    combined = f"({pending}) OR ({ended} AND lastRunCommonStatus IN ['SUCCESSFUL','ERROR'])"
    with client_for(server) as http:
        counts = {}
        for oql in (pending, ended, combined):
            before = time.monotonic()
            first = http.get("/plan/job", params={"oql": oql, "limit": 1000}).json()
            assert time.monotonic() - before < 2, f"first page of {oql!r} must be fast"
            counts[oql] = first["count"]
        assert 1000 < counts[pending] < 50_000 and 100 < counts[ended] < 50_000
        assert max(counts[pending], counts[ended]) <= counts[combined] <= counts[pending] + counts[ended]

        # page through the combined filter: later pages reuse the first page's filtering
        seen: dict[str, dict[str, object]] = {}
        url: str | None = "/plan/job?" + str(httpx.QueryParams({"oql": combined, "limit": 5000}))
        started = time.monotonic()
        while url:
            page = http.get(url).json()
            seen.update((job["id"], job) for job in page["results"])
            url = page["next"]
        assert time.monotonic() - started < 5
        assert len(seen) == counts[combined]
        for job in seen.values():
            ends = [r["timeInfo"]["actualEndTime"] or "" for r in job["jobruns"]]  # type: ignore[attr-defined]
            assert job["lastRunCommonStatus"] in ("WAITING", "READY", "RUNNING") or (
                job["lastRunCommonStatus"] in ("SUCCESSFUL", "ERROR") and max(ends) >= "2026-11-24T09:00:00Z"
            )
        assert http.get("/plan/job/count", params={"oql": combined}).json()["count"] == len(seen)
