"""``twspulse tws``: the TWS engine itself, probed read-only."""

from __future__ import annotations

import asyncio
import json

import click

from twspulse.cli_context import CliContext


@click.group("tws")
def tws() -> None:
    """The TWS engine itself (TWSPULSE_TWS_URL)."""


@tws.command("check")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per check instead of a table.")
@click.pass_context
def tws_check(ctx: click.Context, as_json: bool) -> None:
    """Probe the engine read-only: version, auth, OQL forms, paging, joblog ranges, link states.

    Exits 1 when a check the connector depends on fails (see docs/real-engine.md for what each means).
    """
    from twspulse.connectors.tws.client import TwsClient
    from twspulse.connectors.tws.engine_check import REQUIRED, run_checks

    settings = CliContext.of(ctx).settings

    async def _check():  # type: ignore[no-untyped-def]
        async with TwsClient(settings.tws) as client:
            return await run_checks(client, settings.tws_oql, settings.tws_page_size), client.requests_sent

    checks, requests = asyncio.run(_check())
    for check in checks:
        mark = {True: "ok", False: "FAIL", None: "info"}[check.ok]
        if as_json:
            click.echo(json.dumps({"check": check.name, "result": mark, "detail": check.detail, "kind": check.kind}))
        else:
            click.echo(f"{mark:>4}  {check.name}: {check.detail}")
    failed = [c for c in checks if c.ok is False and c.kind == REQUIRED]
    if not as_json:
        click.echo(f"{len(checks)} checks, {len(failed)} failed, {requests} requests to {settings.tws_url}")
    if failed:
        ctx.exit(1)
