"""``twspulse connect``: the connectors, the outside world (TWS engine, this host) into Kafka."""

from __future__ import annotations

import asyncio
import signal
import threading

import click

from twspulse.cli.metrics_endpoint import serve_metrics
from twspulse.cli_context import CliContext


@click.group("connect")
def connect() -> None:
    """Connectors: the outside world into Kafka."""


@connect.command("tws")
@click.option("--polls", type=int, default=None, help="Stop after this many polls (default: run forever).")
@click.pass_context
def connect_tws(ctx: click.Context, polls: int | None) -> None:
    """Poll the engine's plan (TWSPULSE_TWS_URL) and publish status changes and failed joblogs.

    Resumes from its state in Kafka, so a restart neither repeats nor skips a status change.
    """
    from twspulse.connectors.tws.runner import run_tws_connector

    cli = CliContext.of(ctx)
    settings = cli.settings
    bootstrap = cli.endpoints.kafka_bootstrap
    liveness = serve_metrics(settings)

    async def _run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await run_tws_connector(settings, bootstrap, stop, max_polls=polls, liveness=liveness)

    asyncio.run(_run())


@connect.command("system")
@click.option("--interval", type=float, default=None, help="Seconds between samples (TWSPULSE_SYSTEM_INTERVAL_S).")
@click.option("--count", type=int, default=None, help="Stop after this many samples (default: run forever).")
@click.pass_context
def connect_system(ctx: click.Context, interval: float | None, count: int | None) -> None:
    """Sample this host's CPU, memory, disks and network with psutil into host.metrics."""
    from twspulse.connectors import system

    cli = CliContext.of(ctx)
    settings = cli.settings
    if interval:
        settings = settings.model_copy(update={"system_interval_s": interval})
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    liveness = serve_metrics(settings)
    try:
        system.run_system_connector(settings, cli.endpoints.kafka_bootstrap, stop, count, liveness=liveness)
    except KeyboardInterrupt:
        pass
