"""A 200 MB joblog of one failed run is served whole or page by page without ever being built in memory."""

from __future__ import annotations

import tracemalloc

import httpx

from tests.simulator.conftest import ServerFactory, all_jobs, client_for

HUGE = 200_000_000
PAGE = 50_000  # lines per page, about 5.6 MB


def test_first_failure_of_the_day_gets_a_200_mb_joblog_served_lazily(make_server: ServerFactory) -> None:
    server = make_server(huge_joblog_first_failure=True, huge_joblog_bytes=HUGE)
    run_id = httpx.get(server.root_url + "/sim/state").json()["hugeJoblogRunId"]
    assert run_id and run_id == server.huge_joblog_run_id()
    server.clock.advance(23 * 3600)
    with client_for(server) as http:
        (job,) = all_jobs(http, oql=f"jobruns.id = '{run_id}'")
        run = next(r for r in job["jobruns"] if r["id"] == run_id)
        assert run["compositeStatus"]["status"] == "ABEND"
        ended = [r for j in all_jobs(http) for r in j["jobruns"] if r["compositeStatus"]["status"] == "ABEND"]
        assert run["timeInfo"]["actualEndTime"] == min(r["timeInfo"]["actualEndTime"] for r in ended)

        size = lines = 0
        head = tail = b""
        with http.stream("GET", f"/plan/job/run/{run_id}/joblog") as response:
            assert int(response.headers["content-length"]) >= HUGE
            for chunk in response.iter_bytes():
                if len(head) < 4096:
                    head = (head + chunk)[:4096]
                size += len(chunk)
                lines += chunk.count(b"\n")
                tail = (tail + chunk)[-4096:]
        assert size == int(response.headers["content-length"]) and size >= HUGE
        assert head.startswith(b"=" * 63) and b"= Exit Status" in tail and b"DEBUG" in head

        tracemalloc.start()
        try:
            pages = {}
            for first in (lines // 2, lines - PAGE + 1):
                count, debug, page_tail = 0, 0, b""
                params = {"from_line": first, "to_line": first + PAGE - 1}
                with http.stream("GET", f"/plan/job/run/{run_id}/joblog", params=params) as response:
                    for chunk in response.iter_bytes():
                        count += chunk.count(b"\n")
                        debug += chunk.count(b" DEBUG [")
                        page_tail = (page_tail + chunk)[-4096:]
                pages[first] = (count, debug, page_tail)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    # the test keeps no page; a joblog built in memory would show here as hundreds of MB
    assert peak < 8_000_000, f"peak {peak / 1e6:.1f} MB while paging a {size / 1e6:.0f} MB joblog"
    (middle, middle_debug, _), (last, last_debug, last_tail) = pages[lines // 2], pages[lines - PAGE + 1]
    assert middle == middle_debug == PAGE  # the middle of the log is the huge section, one row a line
    assert last == PAGE and 0 < last_debug < PAGE
    assert last_tail.endswith(b"=" * 63 + b"\n") and b"= Exit Status" in last_tail
