"""A 50,000-job plan is generated in seconds and served page by page."""

from __future__ import annotations

import time

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
