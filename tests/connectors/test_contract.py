"""Contract: every request the connector makes is one the engine's own OpenAPI document defines.

The connector runs a simulated day (plan pages, incremental OQL, joblogs, workstations, engine info)
with a request hook recording each request; each is matched to an operation of the spec shipped in
``twspulse/simulator/openapi-v2-subset.json`` (the HWA v2 document cut to the monitoring operations): path,
method, query parameters and non-standard headers must all be declared there.
"""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import httpx

from tests.tws_scenario import simulator
from twspulse.connectors.tws.client import TwsClient
from twspulse.connectors.tws.runner import build_poller
from twspulse.settings import REPO_ROOT, Settings

SPEC = json.loads((REPO_ROOT / "twspulse" / "simulator" / "openapi-v2-subset.json").read_text())
STANDARD_HEADERS = {
    "host", "accept", "accept-encoding", "connection", "user-agent", "authorization", "content-type",
    "content-length",
}  # fmt: skip


def _operations() -> list[tuple[str, re.Pattern[str], dict[str, set[str]]]]:
    ops = []
    for path, item in SPEC["paths"].items():
        pattern = re.compile("^" + re.sub(r"\{[^}]+\}", r"[^/]+", path) + "$")
        for method, op in item.items():
            if method == "parameters":
                continue
            declared: dict[str, set[str]] = {"query": set(), "header": set(), "path": set()}
            for p in op.get("parameters", []) + item.get("parameters", []):
                if "$ref" in p:
                    name = p["$ref"].split("/")[-1]
                    p = SPEC["components"]["parameters"][name]
                declared.setdefault(p["in"], set()).add(p["name"].lower() if p["in"] == "header" else p["name"])
            ops.append((method.upper(), pattern, declared))
    return ops


def check(request: httpx.Request) -> str | None:
    """None when the request fits an operation of the spec, else what does not fit."""
    candidates = [(m, d) for m, pat, d in _operations() if pat.match(request.url.path)]
    if not candidates:
        return f"undocumented path {request.url.path}"
    declared = next((d for m, d in candidates if m == request.method), None)
    if declared is None:
        return f"{request.method} not defined for {request.url.path}"
    extra_query = set(request.url.params.keys()) - declared["query"]
    if extra_query:
        return f"{request.url.path}: undeclared query parameters {sorted(extra_query)}"
    extra_headers = {h.lower() for h in request.headers} - STANDARD_HEADERS - declared["header"]
    if extra_headers:
        return f"{request.url.path}: undeclared headers {sorted(extra_headers)}"
    return None


def test_the_contract_checker_rejects_what_the_spec_does_not_define() -> None:
    bad = [
        httpx.Request("GET", "http://e/twsd/api/v2/plan/workstation", params={"plan_id": "current"}),
        httpx.Request("GET", "http://e/twsd/api/v2/plan/job", headers={"How-Many": "10"}),
        httpx.Request("POST", "http://e/twsd/api/v2/plan/job"),
        httpx.Request("GET", "http://e/twsd/api/v2/plan/current/job/query"),
    ]
    assert all(check(r) for r in bad)
    assert check(httpx.Request("GET", "http://e/twsd/api/v2/plan/job/run/abc/joblog", params={"from_line": 1})) is None


def test_every_request_of_a_simulated_day_is_in_the_spec(kafka: str, settings: Settings, tmp_path: Path) -> None:
    seen: list[httpx.Request] = []

    async def record(request: httpx.Request) -> None:
        seen.append(request)

    with simulator(seed=7) as sim:
        cfg = settings.model_copy(update={"tws_url": sim.base_url, "tws_full_scan_interval_s": 3 * 3600 / 60})

        async def day() -> int:
            async with TwsClient(cfg, request_hook=record) as client:
                poller = build_poller(cfg, kafka, client)
                for _ in range(20):
                    sim.clock.advance(75 * 60)
                    await poller.poll_once()
                return poller.totals.dead_letters

        dead_letters = asyncio.run(day())
    kinds = {re.sub(r"/run/[^/]+/", "/run/{id}/", r.url.path) for r in seen}
    assert {"/twsd/api/v2/plan/job", "/twsd/api/v2/engine/info", "/twsd/api/v2/plan/workstation",
            "/twsd/api/v2/plan/job/run/{id}/joblog"} <= kinds  # fmt: skip
    assert any("oql" in r.url.params for r in seen), "incremental polls use OQL"
    problems = [p for p in (check(r) for r in seen) if p]
    assert not problems, problems[:5]
    assert dead_letters == 0  # every simulator answer validated against the connector's models
