"""Every JSON key and status value the simulator emits exists in the engine's OpenAPI schemas."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.simulator.conftest import ServerFactory, all_jobs, client_for
from twspulse.simulator import SimulatorServer
from twspulse.simulator.api_shapes import JOB_FIELDS, RUN_FIELDS

SPEC = json.loads((Path(__file__).parents[2] / "twspulse" / "simulator" / "openapi-v2-subset.json").read_text())
SCHEMAS = SPEC["components"]["schemas"]
INSTANT = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
DURATION = re.compile(r"^PT(\d+H)?(\d+M)?(\d+S)?$")


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = SCHEMAS[schema["$ref"].rsplit("/", 1)[1]]
    return schema


def violations(value: Any, schema: dict[str, Any], path: str = "$") -> list[str]:
    """Where `value` does not fit `schema` (nulls are allowed: the simulator's choice for unknown values)."""
    schema = _resolve(schema)
    if value is None:
        return []
    problems = []
    if "enum" in schema and value not in schema["enum"]:
        problems.append(f"{path}: {value!r} not in enum")
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        if not isinstance(value, dict):
            return [f"{path}: expected object"]
        properties = schema.get("properties")
        extra = schema.get("additionalProperties")
        for key, item in value.items():
            if properties is not None and key in properties:
                problems += violations(item, properties[key], f"{path}.{key}")
            elif isinstance(extra, dict):
                problems += violations(item, extra, f"{path}.{key}")
            elif properties is not None:
                problems.append(f"{path}.{key}: not in schema")
        problems += [f"{path}.{key}: required" for key in schema.get("required", []) if key not in value]
    elif kind == "array":
        if not isinstance(value, list):
            return [f"{path}: expected array"]
        for index, item in enumerate(value):
            problems += violations(item, schema.get("items", {}), f"{path}[{index}]")
    elif kind == "string":
        if not isinstance(value, str):
            problems.append(f"{path}: expected string")
        elif schema.get("format") == "date-time" and not INSTANT.match(value):
            problems.append(f"{path}: {value!r} is not a UTC instant ending in Z")
        elif schema.get("format") == "duration" and not DURATION.match(value):
            problems.append(f"{path}: {value!r} is not an ISO-8601 duration")
    elif kind == "integer" and (not isinstance(value, int) or isinstance(value, bool)):
        problems.append(f"{path}: expected integer")
    elif kind == "boolean" and not isinstance(value, bool):
        problems.append(f"{path}: expected boolean")
    return problems


def response_schema(path: str) -> dict[str, Any]:
    return SPEC["paths"][f"/twsd/api/v2{path}"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]


@pytest.fixture
def varied(make_server: ServerFactory) -> SimulatorServer:
    """A plan with every status, reruns and cancellations, at a moment where all are visible."""
    server = make_server(seed=5, job_streams=30, failure_rate=0.3, rerun_rate=1.0, cancel_rate=0.1)
    server.clock.advance(5 * 3600)
    return server


def test_jobs_and_runs_fit_job_in_plan_and_job_run_schemas(varied: SimulatorServer) -> None:
    with client_for(varied) as http:
        page = http.get("/plan/job", params={"limit": 10000}).json()
    assert violations(page, response_schema("/plan/job")) == []
    jobs = page["results"]
    assert {job["lastRunCommonStatus"] for job in jobs} >= {
        "WAITING",
        "RUNNING",
        "SUCCESSFUL",
        "ERROR",
        "CANCELED",
    }
    assert {r["compositeStatus"]["status"] for j in jobs for r in j["jobruns"]} >= {"EXEC", "SUCC", "ABEND"}
    assert all(tuple(job) == JOB_FIELDS for job in jobs)
    assert all(tuple(run) == RUN_FIELDS for job in jobs for run in job["jobruns"])
    assert set(JOB_FIELDS) <= set(SCHEMAS["JobInPlanV2"]["properties"])
    assert set(RUN_FIELDS) <= set(SCHEMAS["JobRunInstanceV2"]["properties"])


def test_other_resources_fit_their_schemas(varied: SimulatorServer) -> None:
    with client_for(varied) as http:
        assert violations(http.get("/plan/jobstream").json(), response_schema("/plan/jobstream")) == []
        workstations = http.get("/plan/workstation").json()
        assert violations(workstations, response_schema("/plan/workstation")) == []
        one = http.get(f"/plan/workstation/{workstations['results'][0]['id']}").json()
        assert violations(one, response_schema("/plan/workstation/{workstation_id}")) == []
        job_id = all_jobs(http)[0]["id"]
        assert violations(http.get(f"/plan/job/{job_id}").json(), response_schema("/plan/job/{job_id}")) == []
        assert violations(http.get("/engine/info").json(), response_schema("/engine/info")) == []
        grouped = http.get("/plan/job/count", params={"grouping_filters": "workstation,status"}).json()
        assert violations(grouped, response_schema("/plan/job/count")) == []


def test_the_checker_itself_catches_unknown_keys_and_values() -> None:
    bad_job = {"id": "x", "keyName": "y", "lastRunCommonStatus": "WEIRD", "schedTime": "2026-11-24 01:00"}
    found = violations(bad_job, {"$ref": "#/components/schemas/JobInPlanV2"})
    assert len(found) == 3


def test_engine_serves_its_openapi_document(server: SimulatorServer) -> None:
    response = httpx.get(server.root_url + "/twsd/WA_API3_v2.json")
    assert response.status_code == 200 and response.json() == SPEC
