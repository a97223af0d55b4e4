"""``twspulse db``: the database schema (migrations) and what the database holds."""

from __future__ import annotations

import click

from twspulse.cli_context import CliContext, json_output


@click.group("db")
def db() -> None:
    """Database schema."""


@db.command("migrate")
@click.pass_context
def db_migrate(ctx: click.Context) -> None:
    """Apply the numbered migrations of sql/ that are not applied yet (idempotent, locked)."""
    from twspulse import db as dbmod

    ep = CliContext.of(ctx).endpoints
    applied = dbmod.migrate(ep.database_url)
    click.echo(f"applied {len(applied)} migration(s); mode: {dbmod.engine_mode(ep.database_url)}")


@db.command("status")
@click.option("--estimate", is_flag=True, help="Estimated row counts (fast on big tables) instead of exact ones.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object instead of text.")
@click.pass_context
def db_status_cmd(ctx: click.Context, estimate: bool, as_json: bool) -> None:
    """Say which mode is in force (TimescaleDB or plain PostgreSQL) and list tables, aggregates and policies."""
    from twspulse.db_status import db_status

    ep = CliContext.of(ctx).endpoints
    status = db_status(ep.database_url, exact_counts=not estimate)
    click.echo(json_output(status) if as_json else status.render())
