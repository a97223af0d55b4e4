"""The engine's REST API v2 monitoring operations, as the simulator serves them under /twsd/api/v2.

Handlers parse parameters the way the engine documents them (limit/offset/oql/plan_id/plan_filter,
Include-Count, contentOnly/follow/from_line/to_line), delegate to the Simulation and answer the shapes
from api_shapes. Paths, status codes and envelopes are those of the real engine.

Big answers stay cheap: a filtered job list is computed once per (plan, revision, instant, filter) and
paged from a small cache, so a connector paging 50,000 jobs at one instant filters them once; joblogs
are produced and written chunk by chunk, never whole.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter, OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

from twspulse.simulator.api_shapes import (
    engine_info_json,
    envelope,
    error_json,
    job_json,
    stream_json,
    workstation_json,
)
from twspulse.simulator.exceptions import BadParameterError, UnsupportedMediaTypeError
from twspulse.simulator.joblogs import CHUNK_BYTES
from twspulse.simulator.middlewares import compact_json, json_response
from twspulse.simulator.oql import Query, compile_oql
from twspulse.simulator.oql_fields import (
    JobRow,
    StreamRow,
    WorkstationRow,
    job_fields,
    job_order_fields,
    stream_fields,
    stream_order_fields,
    workstation_fields,
)
from twspulse.simulator.plan import JobInstance, Plan, RunPlan
from twspulse.simulator.plan_filter import compile_plan_filter
from twspulse.simulator.simulation import Simulation

API = "/twsd/api/v2"
OPENAPI_DOCUMENT = Path(__file__).with_name("openapi-v2-subset.json")
FOLLOW_POLL_SECONDS = 0.1
RUN_NOT_FOUND = "No job run instances were found with the provided run ID"
ACTION_RUN_NOT_FOUND = "No job run instances with the provided run ID were found in the plan."
QUERY_CACHE_SIZE = 8


def _int_param(request: web.Request, name: str, default: int | None, minimum: int) -> int | None:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadParameterError(name, raw, "must be an integer") from None
    if value < minimum:
        raise BadParameterError(name, raw, f"must be >= {minimum}")
    return value


def _bool_value(name: str, raw: str | None, default: bool) -> bool:
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered not in ("true", "false"):
        raise BadParameterError(name, raw, "must be true or false")
    return lowered == "true"


@dataclass(frozen=True)
class JoblogOptions:
    """Joblog query parameters: contentOnly, follow, from_line and to_line (1-based, inclusive)."""

    content_only: bool
    follow: bool
    from_line: int
    to_line: int | None


def _text(status: int, text: str) -> web.Response:
    return web.Response(status=status, text=text, content_type="text/plain", charset="utf-8")


def _require_json_body(request: web.Request) -> None:
    """Actions need Content-Type: application/json; the engine answers 415 without it (API.md, lab)."""
    raw = request.headers.get("Content-Type")
    if raw is None or raw.split(";", 1)[0].strip().lower() != "application/json":
        raise UnsupportedMediaTypeError(request.path, raw)


def _require_text_accepted(request: web.Request) -> None:
    """A joblog's only representation is text/plain: an Accept that excludes it gets 406, as from JAX-RS."""
    accept = request.headers.get("Accept", "*/*")
    media = {part.split(";")[0].strip().lower() for part in accept.split(",")}
    if not media & {"text/plain", "text/*", "*/*", ""}:
        raise web.HTTPNotAcceptable(text=f"joblogs are text/plain only; Accept was {accept!r}")


def _text_stream(status: int = 200) -> web.StreamResponse:
    response = web.StreamResponse(status=status)
    response.content_type = "text/plain"
    response.charset = "utf-8"
    return response


class TwsApi:
    """Route handlers of the simulated engine's REST API v2."""

    def __init__(self, simulation: Simulation) -> None:
        self._sim = simulation
        self._job_fields = job_fields()
        self._job_order = job_order_fields()
        self._stream_fields = stream_fields()
        self._stream_order = stream_order_fields()
        self._workstation_fields = workstation_fields()
        self._queries: OrderedDict[tuple[object, ...], tuple[list[Any], bool]] = OrderedDict()

    def routes(self) -> list[web.RouteDef]:
        """The API's routes."""
        return [
            web.get("/twsd/WA_API3_v2.json", self.openapi_document),
            web.get(f"{API}/plan/job", self.list_jobs),
            web.get(f"{API}/plan/job/count", self.count_jobs),
            web.get(f"{API}/plan/job/joblog", self.joblog_by_filter),
            web.get(f"{API}/plan/job/run/{{run_id}}/joblog", self.joblog_by_run),
            web.put(f"{API}/plan/job/run/{{run_id}}/action/rerun", self.rerun),
            web.get(f"{API}/plan/job/{{job_id}}", self.get_job),
            web.get(f"{API}/plan/jobstream", self.list_streams),
            web.get(f"{API}/plan/workstation", self.list_workstations),
            web.get(f"{API}/plan/workstation/{{workstation_id}}", self.get_workstation),
            web.get(f"{API}/engine/info", self.engine_info),
        ]

    async def openapi_document(self, request: web.Request) -> web.Response:
        """The engine's own OpenAPI document (the monitoring subset)."""
        return web.Response(body=OPENAPI_DOCUMENT.read_bytes(), content_type="application/json")

    # --- jobs ---------------------------------------------------------------------------------------

    def _job_rows(self, request: web.Request, plan: Plan, t: int) -> tuple[list[Any], bool]:
        """Jobs selected by oql/plan_filter in answer order; bool says whether rows are JobRows."""
        oql = request.query.get("oql", "")
        plan_filter = request.query.get("plan_filter")
        key = (plan.id, self._sim.plans.revision, t, oql, plan_filter)
        cached = self._queries.get(key)
        if cached is not None:
            self._queries.move_to_end(key)
            return cached
        query = compile_oql(oql, self._job_fields, self._job_order)
        if query.predicate is None and not query.order and not plan_filter:
            return plan.jobs, False  # the common unfiltered poll: no per-job work at all
        rows = [JobRow(job, t) for job in plan.jobs]
        if plan_filter:
            pattern = compile_plan_filter(plan_filter)
            rows = [row for row in rows if pattern.fullmatch(row.job.key)]
        answer = (query.apply(rows), True)
        # Pages of one filter at one instant share the filtering: the connector pages 50,000 jobs
        # with the same OQL, and only the first page pays for it.
        self._queries[key] = answer
        while len(self._queries) > QUERY_CACHE_SIZE:
            self._queries.popitem(last=False)
        return answer

    async def list_jobs(self, request: web.Request) -> web.Response:
        """GET /plan/job: a page of jobs in plan."""
        limit = _int_param(request, "limit", 10000, 0) or 0
        offset = _int_param(request, "offset", 0, 0) or 0
        include_count = _bool_value("Include-Count", request.headers.get("Include-Count"), True)
        plan, t = self._sim.resolve_plan(request.query.get("plan_id", "current"))
        rows, are_rows = self._job_rows(request, plan, t)
        page = rows[offset : offset + limit]
        if are_rows:
            results = [job_json(row.job, plan, t, row.state) for row in page]
        else:
            results = [job_json(job, plan, t) for job in page]
        if results:
            self._spoil(results)
        body = envelope(
            results,
            len(rows) if include_count else None,
            *self._page_links(request, len(rows), limit, offset),
        )
        if self._sim.faults.next_malformed_json():
            text = compact_json(body)
            # Cut mid-document: a 200 whose body no JSON parser accepts (a proxy or engine hiccup).
            return web.Response(text=text[: max(1, len(text) // 2)], content_type="application/json")
        return json_response(body)

    def _spoil(self, results: list[dict[str, Any]]) -> None:
        malformed = self._sim.faults.next_malformed()
        if malformed is None:
            return
        job = results[0]
        if malformed.kind == "missing_field":
            job.pop(malformed.field, None)
            return
        if malformed.kind == "clock_ahead":  # an agent with a broken clock: a run ending in year 9999
            ran = [j for j in results if j["jobruns"]]
            if ran:
                ran[0]["jobruns"][-1].setdefault("timeInfo", {})["actualEndTime"] = "9999-12-31T00:00:00.000Z"
            return
        job["lastRunCommonStatus"] = "WEIRD"
        job["lastRunCompositeStatus"]["status"] = "WEIRD"
        if job["jobruns"]:
            job["jobruns"][-1]["commonStatus"] = "WEIRD"
            job["jobruns"][-1]["compositeStatus"]["status"] = "WEIRD"

    @staticmethod
    def _page_links(request: web.Request, total: int, limit: int, offset: int) -> tuple[str | None, str | None]:
        next_url = previous_url = None
        if limit > 0 and offset + limit < total:
            next_url = str(request.url.update_query(limit=str(limit), offset=str(offset + limit)))
        if offset > 0 and limit > 0:
            previous_url = str(request.url.update_query(limit=str(limit), offset=str(max(0, offset - limit))))
        return next_url, previous_url

    async def count_jobs(self, request: web.Request) -> web.Response:
        """GET /plan/job/count: how many jobs match, optionally grouped."""
        plan, t = self._sim.resolve_plan(request.query.get("plan_id", "current"))
        rows, are_rows = self._job_rows(request, plan, t)
        grouping = request.query.get("grouping_filters")
        if not grouping:
            return json_response({"count": len(rows)})
        fields = [name.strip().lower() for name in grouping.split(",") if name.strip()]
        for name in fields:
            if name not in ("workstation", "status", "folder"):
                raise BadParameterError("grouping_filters", grouping, "fields are workstation, status, folder")
        job_rows = rows if are_rows else [JobRow(job, t) for job in rows]
        groups: Counter[str] = Counter()
        for row in job_rows:
            parts = {
                "workstation": row.job.definition.workstation.key,
                "status": row.state.common,
                "folder": row.job.stream.definition.folder,
            }
            groups[",".join(parts[name] for name in fields)] += 1
        return json_response({"count": len(job_rows), "groupedCount": dict(sorted(groups.items()))})

    async def get_job(self, request: web.Request) -> web.Response:
        """GET /plan/job/{job_id}: one job in plan."""
        plan, t = self._sim.resolve_plan(request.query.get("plan_id", "current"))
        job = plan.job(request.match_info["job_id"])
        if job is None:
            return json_response(
                error_json("NOT_FOUND", "No job with the provided ID was found in the plan."), status=404
            )
        return json_response(job_json(job, plan, t))

    # --- joblogs ------------------------------------------------------------------------------------

    def _find_run(self, run_id: str, plan_id: str | None) -> tuple[JobInstance, RunPlan] | None:
        """A started run by id: in the named plan, or else in the current then the retained plans."""
        t = self._sim.now()
        if plan_id:
            plan, shown_at = self._sim.resolve_plan(plan_id)
            candidates = [(plan, shown_at)]
        else:
            today = self._sim.plans.day_at(t)
            oldest = max(0, today - self._sim.config.retained_plans + 1)
            candidates = []
            for day in range(today, oldest - 1, -1):
                plan = self._sim.plans.plan(day)
                candidates.append((plan, min(t, plan.end)))
        for plan, shown_at in candidates:
            found = plan.run(run_id)
            if found is not None and found[1].start <= shown_at:
                return found
        return None

    async def joblog_by_run(self, request: web.Request) -> web.StreamResponse:
        """GET /plan/job/run/{run_id}/joblog: the run's joblog, whole, a line range, or followed."""
        options = self._joblog_options(request)
        found = self._find_run(request.match_info["run_id"], request.query.get("plan_id"))
        if found is None:
            return _text(404, RUN_NOT_FOUND)
        return await self._serve_joblog(request, found[0], found[1], options)

    async def joblog_by_filter(self, request: web.Request) -> web.StreamResponse:
        """GET /plan/job/joblog: the joblog of the last started run of the first job oql selects."""
        options = self._joblog_options(request)
        plan, t = self._sim.resolve_plan(request.query.get("plan_id", "current"))
        rows, are_rows = self._job_rows(request, plan, t)
        for item in rows:
            job = item.job if are_rows else item
            started = [run for run in job.runs if run.start <= t]
            if started:
                return await self._serve_joblog(request, job, started[-1], options)
        return _text(404, "No job run instances match the provided key.")

    @staticmethod
    def _joblog_options(request: web.Request) -> JoblogOptions:
        _require_text_accepted(request)
        content_only = _bool_value("contentOnly", request.query.get("contentOnly"), False)
        follow = _bool_value("follow", request.query.get("follow"), False)
        from_line = _int_param(request, "from_line", 1, 1) or 1
        to_line = _int_param(request, "to_line", None, 1)
        if to_line is not None and to_line < from_line:
            raise BadParameterError("to_line", to_line, f"must be >= from_line ({from_line})")
        return JoblogOptions(content_only, follow, from_line, to_line)

    async def _serve_joblog(
        self,
        request: web.Request,
        job: JobInstance,
        run: RunPlan,
        options: JoblogOptions,
    ) -> web.StreamResponse:
        content_only, from_line, to_line = options.content_only, options.from_line, options.to_line
        refused = self._sim.faults.next_joblog_error()
        if refused is not None:
            return _text(refused, f"joblog of run {run.id} refused (armed fault)")
        joblog = self._sim.joblogs.at(job, run, self._sim.now())
        truncate = self._sim.faults.next_truncated_joblog()
        if not options.follow or joblog.complete:
            total = joblog.line_count(content_only)
            start = min(from_line - 1, total)
            stop = max(start, total if to_line is None else min(to_line, total))
            size = joblog.size(content_only, start, stop)
            chunks = joblog.chunks(content_only, start, stop)
            if truncate:
                return await _send_truncated(request, chunks, size)
            if size <= CHUNK_BYTES:
                return web.Response(body=b"".join(chunks), content_type="text/plain", charset="utf-8")
            response = _text_stream()
            response.content_length = size
            await response.prepare(request)
            for chunk in chunks:  # produced as sent: a 200 MB joblog never sits in memory
                await response.write(chunk)
            await response.write_eof()
            return response
        response = _text_stream()
        response.enable_chunked_encoding()
        await response.prepare(request)
        sent = from_line - 1
        try:
            while True:
                count = joblog.line_count(content_only)
                end = count if to_line is None else min(count, to_line)
                if end > sent:
                    for chunk in joblog.chunks(content_only, sent, end):
                        if truncate:
                            await response.write(chunk[: max(1, len(chunk) // 2)])
                            _drop_connection(request)
                            return response
                        await response.write(chunk)
                    sent = end
                if joblog.complete or (to_line is not None and sent >= to_line):
                    break
                await asyncio.sleep(FOLLOW_POLL_SECONDS)
                joblog = self._sim.joblogs.at(job, run, self._sim.now())
            await response.write_eof()
        except ConnectionResetError:
            pass  # the client stopped following: nothing left to send to anyone
        return response

    # --- actions ------------------------------------------------------------------------------------

    async def rerun(self, request: web.Request) -> web.Response:
        """PUT /plan/job/run/{run_id}/action/rerun: submit a new run of the job (RerunDetailsV2 body)."""
        _require_json_body(request)
        raw = await request.read()
        try:
            details = json.loads(raw) if raw.strip() else {}
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise BadParameterError("body", raw[:80].decode("utf-8", "replace"), "not JSON") from None
        if not isinstance(details, dict):
            raise BadParameterError("body", details, "expected a RerunDetailsV2 JSON object")
        run_id = request.match_info["run_id"]
        found = self._find_run(run_id, request.query.get("plan_id"))
        if found is None:
            return json_response(error_json("NOT_FOUND", ACTION_RUN_NOT_FOUND), status=404)
        job, run = found
        new_run = self._sim.rerun(job, run, details)
        url = f"{request.url.origin()}{API}/plan/job/{job.id}"
        return json_response({"id": new_run.id, "url": url})

    # --- job streams, workstations, engine -----------------------------------------------------------

    async def list_streams(self, request: web.Request) -> web.Response:
        """GET /plan/jobstream: a page of job streams in plan."""
        limit = _int_param(request, "limit", 10000, 0) or 0
        offset = _int_param(request, "offset", 0, 0) or 0
        include_count = _bool_value("Include-Count", request.headers.get("Include-Count"), True)
        plan, t = self._sim.resolve_plan(request.query.get("plan_id", "current"))
        query = compile_oql(request.query.get("oql", ""), self._stream_fields, self._stream_order)
        rows = [StreamRow(stream, plan, t) for stream in plan.streams]
        plan_filter = request.query.get("plan_filter")
        if plan_filter:
            pattern = compile_plan_filter(plan_filter, with_job=False)
            rows = [row for row in rows if pattern.fullmatch(_stream_key(row))]
        rows = query.apply(rows)
        results = [stream_json(row.stream, plan, t) for row in rows[offset : offset + limit]]
        links = self._page_links(request, len(rows), limit, offset)
        return json_response(envelope(results, len(rows) if include_count else None, *links))

    def _workstation_rows(self) -> list[WorkstationRow]:
        t = self._sim.now()
        return [WorkstationRow(ws, self._sim.workstation_states(ws, t)) for ws in self._sim.plans.workstations]

    async def list_workstations(self, request: web.Request) -> web.Response:
        """GET /plan/workstation: a page of workstations in plan, with their link state now."""
        limit = _int_param(request, "limit", 10000, 0) or 0
        offset = _int_param(request, "offset", 0, 0) or 0
        include_count = _bool_value("Include-Count", request.headers.get("Include-Count"), True)
        plan, _ = self._sim.resolve_plan("current")
        query: Query = compile_oql(request.query.get("oql", ""), self._workstation_fields)
        rows = query.apply(self._workstation_rows())
        results = [workstation_json(row.workstation, plan, row.states) for row in rows[offset : offset + limit]]
        links = self._page_links(request, len(rows), limit, offset)
        return json_response(envelope(results, len(rows) if include_count else None, *links))

    async def get_workstation(self, request: web.Request) -> web.Response:
        """GET /plan/workstation/{workstation_id}: one workstation in plan."""
        plan, _ = self._sim.resolve_plan("current")
        wanted = request.match_info["workstation_id"]
        for row in self._workstation_rows():
            if row.workstation.id == wanted:
                return json_response(workstation_json(row.workstation, plan, row.states))
        return json_response(
            error_json("NOT_FOUND", "No workstation with the provided ID was found in the plan."), status=404
        )

    async def engine_info(self, request: web.Request) -> web.Response:
        """GET /engine/info."""
        return json_response(engine_info_json(self._sim.config))


def _stream_key(row: StreamRow) -> str:
    definition = row.stream.definition
    return f"{definition.workstation.key}#{definition.folder}{definition.name}"


async def _send_truncated(request: web.Request, chunks: Iterator[bytes], size: int) -> web.StreamResponse:
    """Announce the whole joblog, send about half of it, then drop the connection (truncate_joblog)."""
    response = _text_stream()
    response.content_length = size
    await response.prepare(request)
    budget = size // 2
    for chunk in chunks:
        if budget <= 0:
            break
        await response.write(chunk[:budget])
        budget -= len(chunk)
    _drop_connection(request)
    return response


def _drop_connection(request: web.Request) -> None:
    """Close the client's connection now: what it got so far is all it gets."""
    transport = request.transport
    if transport is not None:
        transport.close()
