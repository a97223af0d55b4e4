"""``twspulse summary``: what the pipeline has stored, read back from the database and Kafka."""

from __future__ import annotations

import time

import click

from twspulse.cli_context import CliContext, json_output


@click.command("summary")
@click.option("--json", "as_json", is_flag=True, help="One JSON object instead of text.")
@click.pass_context
def summary(ctx: click.Context, as_json: bool) -> None:
    """Print job runs by status, failures with their first error line, row counts and topic offsets."""
    from twspulse.kafka_clients import KafkaSecurity
    from twspulse.summary import read_summary

    cli = CliContext.of(ctx)
    ep = cli.endpoints
    started = time.monotonic()
    security = KafkaSecurity.from_settings(cli.settings)
    found = read_summary(ep.database_url, ep.kafka_bootstrap, security=security)
    if as_json:
        click.echo(json_output(found))
        return
    click.echo(found.render())
    click.echo(f"({time.monotonic() - started:.1f}s)")
