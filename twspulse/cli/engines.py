"""``twspulse engines``: the local Kafka broker and embedded PostgreSQL for development."""

from __future__ import annotations

import signal
import threading

import click

from twspulse.cli_context import CliContext, json_output


@click.group("engines")
def engines() -> None:
    """Local Kafka broker and embedded PostgreSQL for development (no Docker needed)."""


@engines.command("up")
@click.pass_context
def engines_up(ctx: click.Context) -> None:
    """Start local Kafka and PostgreSQL, print their addresses, and keep them running until Ctrl-C.

    Other twspulse commands in other terminals find them automatically while this runs.
    """
    from twspulse.engines import registry
    from twspulse.engines.stack import LocalStack

    settings = CliContext.of(ctx).settings
    stack = LocalStack(settings, settings.data_dir / "engines")
    endpoints = stack.start()
    registry.save(settings, endpoints)
    click.echo(f"export TWSPULSE_KAFKA_BOOTSTRAP={endpoints.kafka_bootstrap}")
    click.echo(f"export TWSPULSE_DATABASE_URL='{endpoints.database_url}'")
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    try:
        while not stopping.wait(1):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        registry.clear(settings)
        stack.stop()


@engines.command("status")
@click.option("--json", "as_json", is_flag=True, help="One JSON object instead of text.")
@click.pass_context
def engines_status(ctx: click.Context, as_json: bool) -> None:
    """Say where Kafka and the database are, and whether they answer; exit 1 when one of them does not."""
    import psycopg
    from confluent_kafka.admin import AdminClient

    from twspulse.kafka_clients import KafkaSecurity, librdkafka_config

    cli = CliContext.of(ctx)
    settings = cli.settings
    ep = cli.endpoints
    down = []
    found: dict[str, dict[str, object]] = {}
    try:
        admin = AdminClient(
            librdkafka_config(ep.kafka_bootstrap, "twspulse-status", KafkaSecurity.from_settings(settings.kafka))
        )
        brokers = admin.list_topics(timeout=5).brokers
        found["kafka"] = {"up": True, "bootstrap": ep.kafka_bootstrap, "brokers": len(brokers)}
        line = f"kafka    {ep.kafka_bootstrap}: up ({len(brokers)} broker)"
    except Exception as exc:  # noqa: BLE001 - reported, that is the command's job
        down.append("kafka")
        found["kafka"] = {"up": False, "bootstrap": ep.kafka_bootstrap, "error": str(exc)}
        line = f"kafka    {ep.kafka_bootstrap}: DOWN ({exc})"
    if not as_json:
        click.echo(line)
    try:
        with psycopg.connect(ep.database_url, connect_timeout=5) as conn:
            version = conn.execute("SHOW server_version").fetchone()
        found["database"] = {"up": True, "server_version": version[0] if version else None}
        line = f"database: up (PostgreSQL {version[0] if version else '?'})"
    except psycopg.Error as exc:
        down.append("database")
        found["database"] = {"up": False, "error": str(exc)}
        line = f"database: DOWN ({exc})"
    click.echo(json_output(found) if as_json else line)
    if down:  # for scripts and healthchecks: a status that says DOWN is a failure
        ctx.exit(1)
