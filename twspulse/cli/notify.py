"""``twspulse notify``: alert changes from Kafka to Alertmanager and webhooks."""

from __future__ import annotations

import signal
import threading

import click

from twspulse.cli.metrics_endpoint import serve_metrics
from twspulse.cli_context import CliContext


@click.command("notify")
@click.pass_context
def notify(ctx: click.Context) -> None:
    """Send alert changes (topic alerts) to Alertmanager and webhooks; undeliverable ones to alerts.dlq.

    Receivers: TWSPULSE_NOTIFY_ALERTMANAGER_URL and/or TWSPULSE_NOTIFY_WEBHOOK_URLS. A repeat of an alert
    state already sent is not sent again, also across restarts (docs/alerts.md).
    """
    from twspulse.streams.notify.notifier import run_notifier

    cli = CliContext.of(ctx)
    settings = cli.settings
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    liveness = serve_metrics(settings)
    run_notifier(settings, cli.endpoints.kafka_bootstrap, stop, liveness=liveness)
