"""``twspulse worker``: the stream worker, topics into the database."""

from __future__ import annotations

import sys

import click

from twspulse.cli_context import CliContext


@click.command("worker")
@click.option("--no-migrate", is_flag=True, help="Do not apply pending migrations at start.")
@click.pass_context
def worker(ctx: click.Context, no_migrate: bool) -> None:
    """Run the Faust stream worker: topics -> job_runs, job_logs, host_metrics (bad records -> DLQ)."""
    from twspulse.engines.registry import Endpoints
    from twspulse.streams.worker import run_worker

    cli = CliContext.of(ctx)
    settings = cli.settings
    found = cli.endpoints  # the worker's signature takes the registry's own type, not the context's protocol
    sys.argv = [sys.argv[0], "worker"]  # Faust parses argv itself; our options are already consumed
    run_worker(settings, Endpoints(found.kafka_bootstrap, found.database_url), migrate=not no_migrate)
