"""The ``twspulse`` root group: its options, its context, ``--version``, the command groups and the error handler.

Every command reads its configuration from ``TWSPULSE_*`` environment variables (see docs/configuration.md);
options given here override them for one run. Each command group is a module of this package named after
it; the dashboards, model and annotation commands live with their packages and are added here.

Exit codes (docs/deploying.md): 0 done; 1 the command failed or found a failure (a status that says DOWN,
a check that fails, a missing file, a database, broker or engine that cannot be reached); 2 a usage error:
an unknown command or option, a bad option value, or a ``TWSPULSE_*`` variable that does not validate.
"""

from __future__ import annotations

import click

from twspulse.cli import connect, db, demo, engines, joblog, notify, patterns, simulator, summary, topics, tws, worker
from twspulse.cli_context import CliContext
from twspulse.dashboards.cli import dashboards_group, report_command
from twspulse.engines.registry import resolve
from twspulse.models.annotate.cli import annotate_command, feedback_command
from twspulse.models.cli import anomalies_group, forecast_command, insights_command, train_command


def _first_line(text: str, fallback: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[0] if lines else fallback


def expected_error(exc: Exception) -> click.ClickException | None:
    """The one line an operator reads for an error they cause or meet; None for a bug (it keeps its traceback).

    A missing or unreadable file, a database, broker or TWS engine that is down or refuses, endpoints or
    receivers nobody configured, a value that does not validate. Bad ``TWSPULSE_*`` settings are said by
    :class:`twspulse.cli_context.BadSettings` before a command starts.
    """
    # imported here: the modules that raise them are loaded by the commands that use them, not by `--help`
    import psycopg
    from confluent_kafka import KafkaException
    from pydantic import ValidationError

    from twspulse.connectors.tws.errors import TwsError
    from twspulse.engines.registry import EnginesNotConfigured
    from twspulse.models.annotate.exceptions import AnnotateError
    from twspulse.streams.notify.notifier import NoReceivers

    name = type(exc).__name__
    if isinstance(exc, FileNotFoundError | IsADirectoryError | NotADirectoryError | PermissionError):
        what = exc.strerror or _first_line(str(exc), name)
        return click.ClickException(f"{what}: {exc.filename}" if exc.filename else what)
    if isinstance(exc, psycopg.OperationalError):
        return click.ClickException(f"database unreachable or refusing: {_first_line(str(exc), name)}")
    if isinstance(exc, psycopg.Error):
        return click.ClickException(f"database: {_first_line(str(exc), name)}")
    if isinstance(exc, KafkaException):
        return click.ClickException(f"Kafka: {_first_line(str(exc), name)}")
    if isinstance(exc, TwsError):
        return click.ClickException(f"TWS engine: {_first_line(str(exc), name)}")
    if isinstance(exc, EnginesNotConfigured | NoReceivers | AnnotateError):
        return click.ClickException(_first_line(str(exc), name))
    if isinstance(exc, ValidationError):
        return click.ClickException(
            f"invalid input: {exc.error_count()} errors, first: {_first_line(exc.errors()[0]['msg'], name)}"
        )
    return None


class TwsPulseGroup(click.Group):
    """The root command: every command runs inside it, so every expected error is said the same way."""

    def invoke(self, ctx: click.Context) -> object:
        """Run the command; an expected error becomes one line on stderr and exit code 1 (click prints it)."""
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as exc:
            said = expected_error(exc)
            if said is None:
                raise
            raise said from exc


@click.group(cls=TwsPulseGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="twspulse", message="%(prog)s %(version)s")
@click.option("--log-level", default=None, help="Override TWSPULSE_LOG_LEVEL (DEBUG, INFO, WARNING, ERROR).")
@click.option("--log-json/--log-text", default=None, help="JSON log lines (default) or readable text.")
@click.pass_context
def main(ctx: click.Context, log_level: str | None, log_json: bool | None) -> None:
    """TWS Pulse: watch an HCL Workload Automation / IBM TWS scheduler and its hosts.

    Connectors poll the TWS REST API v2 and the hosts into Kafka; the worker writes TimescaleDB
    (or PostgreSQL); `demo` runs all of it on this machine. Kafka and the database come from
    TWSPULSE_KAFKA_BOOTSTRAP / TWSPULSE_DATABASE_URL, or from a running `twspulse engines up`.
    """
    cli = CliContext(log_level=log_level, log_json=log_json, resolver=resolve)
    cli.configure_logging()
    ctx.obj = cli


COMMANDS: tuple[click.Command, ...] = (
    demo.demo,
    engines.engines,
    db.db,
    patterns.patterns,
    topics.topics,
    simulator.simulator,
    connect.connect,
    tws.tws,
    joblog.joblog,
    worker.worker,
    summary.summary,
    notify.notify,
    forecast_command,
    anomalies_group,
    train_command,
    insights_command,
    annotate_command,
    feedback_command,
    dashboards_group,
    report_command,
)
"""Every command and group of the root (``--help`` lists them by name)."""

for _command in COMMANDS:
    main.add_command(_command)
