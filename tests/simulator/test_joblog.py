"""Joblogs: engine header/footer, contentOnly, line ranges, 404/400, partial logs, follow, messy bytes."""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx
import pytest

from tests.simulator.conftest import ServerFactory, all_jobs, client_for
from twspulse.simulator import SimulatorServer


def _ended_run(http: httpx.Client) -> dict[str, Any]:
    return all_jobs(http, oql="lastRunCommonStatus = 'SUCCESSFUL'")[0]["jobruns"][-1]


@pytest.fixture
def midday(server: SimulatorServer, client: httpx.Client) -> httpx.Client:
    server.clock.advance(12 * 3600)
    return client


def test_full_joblog_has_engine_header_and_footer(midday: httpx.Client) -> None:
    job = all_jobs(midday, oql="lastRunCommonStatus = 'SUCCESSFUL'")[0]
    run = job["jobruns"][-1]
    response = midday.get(f"/plan/job/run/{run['id']}/joblog")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    lines = response.text.splitlines()
    assert lines[0] == lines[6] == "=" * 63
    assert lines[1].startswith("= JOB       : MDM#") and lines[1].endswith(f")].{job['name']}")
    assert lines[2] == f"= USER      : {job['jobDefinition']['userLogins'][0]}"
    assert lines[3] == f"= JCLFILE   : {job['jobDefinition']['task']['taskString']}"
    assert lines[4] == f"= Job Number: {run['jobNumber']}"
    assert lines[-4] == "= Exit Status           : 0"
    assert lines[-3].startswith("= Elapsed Time (hh:mm:ss) : 00:")
    assert lines[-1] == "=" * 63


def test_content_only_and_line_ranges(midday: httpx.Client) -> None:
    run_id = _ended_run(midday)["id"]
    url = f"/plan/job/run/{run_id}/joblog"
    full = midday.get(url).text.splitlines()
    content = midday.get(url, params={"contentOnly": "true"}).text.splitlines()
    assert content == full[7:-5]
    assert not any(line.startswith("= JOB") or line.startswith("= Exit Status") for line in content)
    assert midday.get(url, params={"from_line": 2, "to_line": 4}).text.splitlines() == full[1:4]
    assert midday.get(url, params={"from_line": len(full)}).text.splitlines() == full[-1:]
    assert midday.get(url, params={"to_line": 1, "contentOnly": "true"}).text.splitlines() == content[:1]
    assert midday.get(url, params={"from_line": len(full) + 5}).text == ""


@pytest.mark.parametrize(
    "params",
    [{"from_line": 0}, {"from_line": "abc"}, {"from_line": 5, "to_line": 2}, {"contentOnly": "maybe"}],
)
def test_bad_joblog_parameters_get_400(midday: httpx.Client, params: dict[str, Any]) -> None:
    run_id = _ended_run(midday)["id"]
    assert midday.get(f"/plan/job/run/{run_id}/joblog", params=params).status_code == 400


def test_unknown_and_not_yet_started_runs_get_404(make_server: ServerFactory) -> None:
    later, now = make_server(), make_server()
    later.clock.advance(12 * 3600)
    with client_for(later) as ahead, client_for(now) as http:
        run_id = _ended_run(ahead)["id"]
        for missing in ("00000000-0000-4000-8000-000000000000", run_id):
            response = http.get(f"/plan/job/run/{missing}/joblog")
            assert response.status_code == 404
            assert response.text == "No job run instances were found with the provided run ID"
        assert http.get("/plan/job/00000000-0000-4000-8000-000000000000").status_code == 404


def _running_job(server: SimulatorServer, http: httpx.Client, min_remaining: int) -> dict[str, Any]:
    """Advance a frozen simulator until some job has at least `min_remaining` seconds left to run."""
    for _ in range(200):
        for job in all_jobs(http, oql="lastRunCommonStatus = 'RUNNING'"):
            run = job["jobruns"][-1]
            remaining = job_remaining(job, run)
            if remaining >= min_remaining:
                return job
        server.clock.advance(300)
    raise AssertionError("no long-running job found")


def job_remaining(job: dict[str, Any], run: dict[str, Any]) -> int:
    """Seconds a running job still has to run (from a same-seed simulator's knowledge: estimated only)."""
    return _seconds(job["jobDefinition"]["estimatedDuration"]) - _seconds(run["timeInfo"]["elapsedTime"])


def _seconds(duration: str) -> int:
    import re

    match = re.fullmatch(r"PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?", duration)
    assert match is not None, duration
    hours, minutes, seconds = (int(part or 0) for part in match.groups())
    return hours * 3600 + minutes * 60 + seconds


def test_running_job_has_partial_joblog_without_footer(server: SimulatorServer, client: httpx.Client) -> None:
    job = _running_job(server, client, 120)
    run_id = job["jobruns"][-1]["id"]
    partial = client.get(f"/plan/job/run/{run_id}/joblog").text
    assert partial.startswith("=" * 63) and "= Exit Status" not in partial
    server.clock.advance(24 * 3600 - 1)  # well past the run's end, still inside retained plans
    complete = client.get(f"/plan/job/run/{run_id}/joblog").text
    assert complete.startswith(partial) and "= Exit Status" in complete


def test_follow_streams_lines_until_the_job_ends(server: SimulatorServer, client: httpx.Client) -> None:
    job = _running_job(server, client, 120)
    run_id = job["jobruns"][-1]["id"]
    before = client.get(f"/plan/job/run/{run_id}/joblog").text
    chunks: list[bytes] = []
    done = threading.Event()

    def follow() -> None:
        with (
            client_for(server) as http,
            http.stream("GET", f"/plan/job/run/{run_id}/joblog", params={"follow": "true"}) as response,
        ):
            assert response.status_code == 200
            for chunk in response.iter_bytes():
                chunks.append(chunk)
        done.set()

    reader = threading.Thread(target=follow, daemon=True)
    reader.start()
    deadline = time.monotonic() + 20
    while not done.is_set() and time.monotonic() < deadline:
        time.sleep(0.12)
        server.clock.advance(90)
    reader.join(timeout=5)
    assert done.is_set(), "follow did not end when the job ended"
    streamed = b"".join(chunks).decode()
    assert streamed.startswith(before) and len(streamed) > len(before)
    assert "= Exit Status" in streamed.splitlines()[-4]
    assert len(chunks) > 1, "lines should arrive as the job produces them"
    final = client.get(f"/plan/job/{job['id']}").json()
    assert final["lastRunCommonStatus"] in ("SUCCESSFUL", "ERROR")
    assert streamed == client.get(f"/plan/job/run/{run_id}/joblog").text


def test_follow_of_an_ended_run_answers_at_once(midday: httpx.Client) -> None:
    run_id = _ended_run(midday)["id"]
    followed = midday.get(f"/plan/job/run/{run_id}/joblog", params={"follow": "true"}, timeout=5)
    assert followed.text == midday.get(f"/plan/job/run/{run_id}/joblog").text


def test_messy_joblogs_are_off_by_default_and_available_on_request(make_server: ServerFactory) -> None:
    def ended_logs(server: SimulatorServer) -> list[bytes]:
        server.clock.advance(12 * 3600)
        with client_for(server) as http:
            runs = [r["id"] for j in all_jobs(http) for r in j["jobruns"] if r["timeInfo"]["actualEndTime"]]
            return [http.get(f"/plan/job/run/{run_id}/joblog").content for run_id in runs]

    def decodes(log: bytes) -> bool:
        try:
            log.decode("utf-8")
        except UnicodeDecodeError:
            return False
        return True

    clean = ended_logs(make_server())
    assert all(decodes(log) and b"\r" not in log and b"\x00" not in log and len(log) < 100_000 for log in clean)
    messy = ended_logs(make_server(messy_joblog_rate=1.0, huge_joblog_bytes=1_500_000))
    assert any(len(log) > 1_500_000 for log in messy)
    assert any(not decodes(log) for log in messy)
    assert any(b"\r\n" in log for log in messy)
    assert any(b"\x00" in log for log in messy)
