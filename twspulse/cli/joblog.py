"""``twspulse joblog``: any run's joblog read from the engine on demand."""

from __future__ import annotations

import asyncio
import sys

import click

from twspulse.cli_context import CliContext


@click.group("joblog")
def joblog() -> None:
    """Read joblogs from the engine (TWSPULSE_TWS_URL) on demand."""


@joblog.command("get")
@click.argument("run_id")
@click.option("--content-only", is_flag=True, help="Without the TWS header and footer.")
@click.option("--max-bytes", type=int, default=None, help="Cap (default TWSPULSE_TWS_JOBLOG_MAX_BYTES).")
@click.pass_context
def joblog_get(ctx: click.Context, run_id: str, content_only: bool, max_bytes: int | None) -> None:
    """Print the joblog of any run, paged with from_line/to_line and cut at the cap."""
    from twspulse.connectors.tws.client import TwsClient

    settings = CliContext.of(ctx).settings

    async def _get() -> None:
        async with TwsClient(settings.tws) as client:
            log = await client.joblog(
                run_id, max_bytes or settings.tws_joblog_max_bytes, settings.tws_joblog_page_lines, content_only
            )
        sys.stdout.buffer.write(log.data)
        if log.truncated:
            click.echo(f"\n[cut at {len(log.data)} bytes; read {log.total_bytes}]", err=True)

    asyncio.run(_get())


@joblog.command("follow")
@click.argument("run_id")
@click.option("--content-only", is_flag=True, help="Without the TWS header and footer.")
@click.pass_context
def joblog_follow(ctx: click.Context, run_id: str, content_only: bool) -> None:
    """Print a running job's joblog live (follow=true) until the job ends or Ctrl-C."""
    from twspulse.connectors.tws.client import TwsClient

    settings = CliContext.of(ctx).settings

    async def _follow() -> None:
        async with TwsClient(settings.tws) as client:
            async for part in client.follow_joblog(run_id, content_only):
                sys.stdout.buffer.write(part)
                sys.stdout.buffer.flush()

    try:
        asyncio.run(_follow())
    except KeyboardInterrupt:
        pass
