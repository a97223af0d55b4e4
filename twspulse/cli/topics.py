"""``twspulse topics``: the Kafka topics TWS Pulse uses."""

from __future__ import annotations

import click

from twspulse.cli_context import CliContext


@click.group("topics")
def topics() -> None:
    """Kafka topics."""


@topics.command("create")
@click.pass_context
def topics_create(ctx: click.Context) -> None:
    """Create every topic TWS Pulse uses that does not exist yet (with its DLQ and compaction)."""
    from twspulse.kafka_clients import KafkaSecurity
    from twspulse.topics import ensure_topics

    cli = CliContext.of(ctx)
    settings = cli.settings
    security = KafkaSecurity.from_settings(settings.kafka)
    created = ensure_topics(cli.endpoints.kafka_bootstrap, settings.topic_partitions, security=security)
    click.echo(f"created {len(created)} topic(s): {', '.join(created) or '-'}")
