"""The /metrics and /health endpoint of a long-running command (connectors, notifier)."""

from __future__ import annotations

import click

from twspulse import metrics
from twspulse.settings import Settings


def serve_metrics(settings: Settings) -> metrics.Liveness:
    """Serve /metrics and /health when TWSPULSE_METRICS_PORT is set; the liveness the command's loop reports to."""
    liveness = metrics.Liveness.of(settings.health)
    try:
        metrics.serve(settings.health, liveness)
    except OSError as exc:  # the port is taken or the address is not this host's
        raise click.ClickException(
            f"cannot serve /metrics on {settings.metrics_host}:{settings.metrics_port}: {exc.strerror}"
        ) from exc
    return liveness
