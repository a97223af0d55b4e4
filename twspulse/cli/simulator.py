"""``twspulse simulator``: a simulated TWS engine for demos and tests."""

from __future__ import annotations

import click

from twspulse.cli_context import CliContext


@click.command("simulator")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind (0.0.0.0 in a container).")
@click.option("--port", default=31116, show_default=True, help="Port to listen on.")
@click.option("--seed", default=42, show_default=True, help="Same seed, same plan and outcomes.")
@click.option("--speed", default=60.0, show_default=True, help="Simulated seconds per real second.")
@click.pass_context
def simulator(ctx: click.Context, host: str, port: int, seed: int, speed: float) -> None:
    """Serve a simulated TWS engine (REST API v2 paths and shapes) for demos and tests.

    Basic-auth credentials are TWSPULSE_TWS_USER / TWSPULSE_TWS_PASSWORD (default twsuser / twspass).
    """
    from datetime import UTC, datetime

    from twspulse.simulator.config import SimConfig
    from twspulse.simulator.server import serve_forever

    settings = CliContext.of(ctx).settings
    start = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    serve_forever(
        SimConfig(seed=seed, start=start, speed=speed),
        host,
        port,
        settings.tws_user,
        settings.tws_password.get_secret_value(),
    )
