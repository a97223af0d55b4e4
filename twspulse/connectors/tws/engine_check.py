"""``twspulse tws check``: what a real engine accepts, probed read-only in a few requests.

The connector is built on the engine's documented behaviour (docs/real-engine.md) plus a few assumptions
the documentation leaves open. This module asks the engine itself, with GETs only: its version and
time zone, whether the credentials work, which OQL forms it accepts, whether the undocumented run
end-time filter returns what a full read shows, how it pages, how it answers joblog line ranges, and
which link states its workstations report. The poller uses ``end_filter_verdict`` for the same check.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from pydantic import ValidationError

from twspulse.connectors.tws.api_models import JobInPlan, Workstation
from twspulse.connectors.tws.client import TwsClient
from twspulse.connectors.tws.errors import TwsAuthError, TwsError, TwsRequestRejected
from twspulse.connectors.tws.poll_queries import (
    BY_ID_CHUNK,
    END_FIELD,
    by_id_oql,
    end_filter_oql,
    incremental_oql,
    quote,
)
from twspulse.connectors.tws.status_map import FINAL, LINKED_STATES, categorize

REQUIRED, INFO = "required", "info"


@dataclass(frozen=True)
class Check:
    """One probe: ``ok`` is None for facts that are reported, not judged."""

    name: str
    ok: bool | None
    detail: str
    kind: str = REQUIRED


@dataclass(frozen=True)
class EndFilterVerdict:
    """What the end-time filter returned against what a full read shows."""

    trusted: bool
    expected: int
    missing: int
    unexpected: int


def end_filter_cutoff(jobs: Iterable[JobInPlan]) -> datetime | None:
    """The median end time of the runs shown, cut to milliseconds (what an OQL instant can say)."""
    ends = sorted(r.time_info.actual_end for j in jobs for r in j.jobruns if r.time_info.actual_end)
    if not ends:
        return None
    middle = ends[len(ends) // 2]
    return middle.replace(microsecond=middle.microsecond // 1000 * 1000)


def end_filter_verdict(jobs: dict[str, JobInPlan], cutoff: datetime, got: set[str]) -> EndFilterVerdict:
    """Trusted when the filter returned exactly the jobs with a run ended at or after ``cutoff``.

    Jobs that were not final in ``jobs`` may come in addition: they can have ended since the read.
    """
    expected = {
        job_id
        for job_id, job in jobs.items()
        if any(r.time_info.actual_end is not None and r.time_info.actual_end >= cutoff for r in job.jobruns)
    }
    moving = {
        job_id
        for job_id, job in jobs.items()
        if categorize(job.composite_status.status, job.composite_status.canceled) not in FINAL
    }
    missing = expected - got
    extra = got - expected - moving
    return EndFilterVerdict(not (missing or extra), len(expected), len(missing), len(extra))


async def read_jobs(client: TwsClient, oql: str, page_size: int) -> dict[str, JobInPlan]:
    """Every valid job the OQL selects (invalid ones are skipped: the check reports, it does not publish)."""
    jobs: dict[str, JobInPlan] = {}
    async for page in client.job_pages(oql, page_size):
        for raw in page.results:
            try:
                job = JobInPlan.model_validate(raw)
            except ValidationError:
                continue
            jobs[job.id] = job
    return jobs


async def _oql_accepted(client: TwsClient, oql: str) -> str | None:
    """None when the engine answers the OQL, else its refusal."""
    try:
        await client.job_page(oql, limit=1)
    except TwsRequestRejected as exc:
        if exc.status != 400:
            raise
        return f"HTTP {exc.status}: {exc.body[:200]}"
    return None


async def run_checks(client: TwsClient, scope: str, page_size: int) -> list[Check]:
    """Every probe, in order; stops early only when the engine cannot be read at all."""
    checks: list[Check] = []
    try:
        info = await client.engine_info()
        checks.append(Check("engine", True, f"version {info.full_version or '?'}, time zone {info.timezone or 'UTC'}"))
    except TwsAuthError as exc:
        if exc.status == 401:
            return [Check("auth", False, f"credentials refused: {exc}")]
        checks.append(Check("engine", None, f"engine/info needs more rights ({exc.status}); plan times are UTC", INFO))
    except TwsError as exc:
        return [Check("engine", False, f"engine unreachable: {exc}")]

    try:
        jobs = await read_jobs(client, scope, page_size)
    except TwsError as exc:
        return [*checks, Check("plan read", False, f"GET plan/job failed: {exc}")]
    checks.append(Check("plan read", True, f"{len(jobs)} jobs in scope {scope or '(whole plan)'!r}"))
    checks.extend(await _paging_checks(client, scope, len(jobs)))
    checks.extend(await _oql_checks(client, scope, jobs))
    checks.extend(await _joblog_checks(client, jobs))
    checks.extend(await _workstation_checks(client))
    return checks


async def _paging_checks(client: TwsClient, scope: str, total: int) -> list[Check]:
    if total < 2:
        return [Check("paging", None, "fewer than 2 jobs: limit/offset not probed", INFO)]
    first = await client.job_page(scope, limit=1, offset=0)
    second = await client.job_page(scope, limit=1, offset=1)
    ids = [r.get("id") for r in first.results + second.results]
    ok = len(first.results) == 1 and len(ids) == 2 and ids[0] != ids[1]
    detail = f"limit=1 gave {len(first.results)} job(s); offset=1 gave another: {ids[0] != ids[-1]}"
    counted = f"; Include-Count: {first.count}" if first.count is not None else "; no count in the envelope"
    return [Check("paging (limit/offset)", ok, detail + counted)]


async def _oql_checks(client: TwsClient, scope: str, jobs: dict[str, JobInPlan]) -> list[Check]:
    checks: list[Check] = []
    some_ids = sorted(jobs)[:BY_ID_CHUNK]
    forms = [
        ("OQL: moving runs (jobruns.compositeStatus.status IN [...])", incremental_oql(scope), REQUIRED),
        ("OQL: by id (id IN [...])", by_id_oql(scope, some_ids or ["none"]), REQUIRED),
        ("OQL: ORDER BY name ASC", f"{scope} ORDER BY name ASC".strip(), INFO),
        ("OQL: instant with milliseconds", f"{END_FIELD} >= {quote('2026-01-01T00:00:00.000Z')}", INFO),
        ("OQL: instant without milliseconds", f"{END_FIELD} >= {quote('2026-01-01T00:00:00Z')}", INFO),
        ('OQL: double-quoted string', 'name = "X"', INFO),
    ]  # fmt: skip
    for name, oql, kind in forms:
        refused = await _oql_accepted(client, oql)
        if kind == REQUIRED:
            checks.append(Check(name, refused is None, refused or "accepted"))
        else:
            checks.append(Check(name, None, f"refused: {refused}" if refused else "accepted", INFO))
    if some_ids:
        answered = await read_jobs(client, by_id_oql(scope, some_ids), BY_ID_CHUNK)
        ok = set(answered) == set(some_ids)
        checks.append(Check("OQL: by id returns those jobs", ok, f"asked {len(some_ids)}, got {len(answered)}"))
    cutoff = end_filter_cutoff(jobs.values())
    if cutoff is None:
        checks.append(
            Check("end-time filter", None, "no run has ended yet: not checked (the poller checks later)", INFO)
        )
        return checks
    try:
        got = set(await read_jobs(client, end_filter_oql(scope, cutoff), 1000))
    except TwsRequestRejected as exc:
        checks.append(Check("end-time filter", None, f"refused ({exc.status}): incremental polls do without it", INFO))
        return checks
    verdict = end_filter_verdict(jobs, cutoff, got)
    detail = (
        f"ended >= {cutoff.astimezone(UTC).isoformat(timespec='milliseconds')}: expected {verdict.expected}, "
        f"missing {verdict.missing}, unexpected {verdict.unexpected} -> "
        + ("used by incremental polls" if verdict.trusted else "not used (full scans catch those runs)")
    )
    checks.append(Check("end-time filter", None, detail, INFO))
    return checks


async def _joblog_checks(client: TwsClient, jobs: dict[str, JobInPlan]) -> list[Check]:
    runs = [r for j in jobs.values() for r in j.runs if r.time_info.actual_end is not None]
    if not runs:
        return [Check("joblog ranges", None, "no ended run in the plan: joblogs not probed", INFO)]
    run = runs[0]
    whole = (await client.joblog_range(run.id, None, None)).splitlines()
    if len(whole) < 3:
        return [Check("joblog ranges", None, f"run {run.id}'s joblog has {len(whole)} lines: not probed", INFO)]
    head = (await client.joblog_range(run.id, 1, 2)).splitlines()
    second = (await client.joblog_range(run.id, 2, 2)).splitlines()
    ok = head == whole[:2] and second == whole[1:2]
    detail = (
        f"run {run.id}: from_line=1&to_line=2 gave {len(head)} line(s), from_line=2&to_line=2 gave {len(second)}; "
        + ("1-based and inclusive, as the connector pages" if ok else "NOT 1-based inclusive: joblog paging is off")
    )
    return [Check("joblog ranges (text/plain)", ok, detail)]


async def _workstation_checks(client: TwsClient) -> list[Check]:
    try:
        page = await client.workstations()
    except TwsError as exc:
        return [Check("workstations", False, f"GET plan/workstation failed: {exc}")]
    states: set[str] = set()
    for raw in page.results:
        try:
            states.update(s.upper() for s in Workstation.model_validate(raw).active_states)
        except ValidationError:
            continue
    linked = sorted(states & LINKED_STATES)
    unknown = sorted(s for s in states if "LINK" in s and s not in LINKED_STATES)
    detail = f"{len(page.results)} workstations; link states seen {linked or 'none'}"
    if unknown:
        detail += f"; link states the connector treats as unlinked: {unknown}"
    return [Check("workstations", not unknown, detail)]
