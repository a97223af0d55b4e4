"""``twspulse``: the one entry point for every process of TWS Pulse.

Every command reads its configuration from ``TWSPULSE_*`` environment variables (see the README's table);
options given here override them for one run.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
import threading
import time

import click
from pydantic import ValidationError

from twspulse import metrics
from twspulse.cli_context import json_output, settings_of, settings_problem
from twspulse.logs import configure_logging
from twspulse.settings import Settings, load_settings

_settings = settings_of


class _Cli(click.Group):
    """The root command: the errors an operator causes or meets are one line on stderr and exit 1.

    A missing or unreadable file, a database or broker that is down or refuses, a bad value: said in one
    line with what to check, instead of a traceback. Anything else is a bug and keeps its traceback.
    """

    def invoke(self, ctx: click.Context) -> object:
        import psycopg
        from confluent_kafka import KafkaException

        try:
            return super().invoke(ctx)
        except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
            raise click.ClickException(f"{exc.strerror}: {exc.filename}") from exc
        except psycopg.OperationalError as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise click.ClickException(f"database unreachable or refusing: {first}") from exc
        except KafkaException as exc:
            raise click.ClickException(f"Kafka: {exc}") from exc
        except ValidationError as exc:
            raise click.ClickException(
                f"invalid input: {exc.error_count()} errors, first: {exc.errors()[0]['msg']}"
            ) from exc


@click.group(cls=_Cli, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
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
    overrides: dict[str, object] = {}
    if log_level:
        overrides["log_level"] = log_level
    if log_json is not None:
        overrides["log_json"] = log_json
    try:
        settings = load_settings(**overrides)
    except ValidationError as exc:  # said by the first command that needs the settings (so --help still works)
        configure_logging("INFO", True if log_json is None else log_json)
        ctx.obj = {"settings_error": settings_problem(exc)}
        return
    configure_logging(settings.log_level, settings.log_json)
    ctx.obj = {"settings": settings}


def _endpoints(settings: Settings):  # type: ignore[no-untyped-def]
    from twspulse.engines.registry import EnginesNotConfigured, resolve

    try:
        return resolve(settings)
    except EnginesNotConfigured as exc:
        raise click.ClickException(str(exc)) from exc


# --- demo ------------------------------------------------------------------------------------------
@main.command()
@click.option("--seconds", default=120.0, show_default=True, help="Real seconds the scenario runs.")
@click.option("--sim-hours", default=24.0, show_default=True, help="Simulated hours squeezed into them.")
@click.option("--seed", default=42, show_default=True, help="Simulator seed (same seed, same plan).")
@click.pass_context
def demo(ctx: click.Context, seconds: float, sim_hours: float, seed: int) -> None:
    """Run the full pipeline locally and print a summary read back from the database.

    Starts Kafka and PostgreSQL (unless TWSPULSE_* URLs point elsewhere), the TWS simulator, both
    connectors and the worker; exits 0 only if rows reached job_runs, job_logs and host_metrics.
    """
    from twspulse.demo import run_demo

    sys.exit(run_demo(_settings(ctx), seconds=seconds, seed=seed, sim_hours=sim_hours))


# --- engines ---------------------------------------------------------------------------------------
@main.group()
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

    settings = _settings(ctx)
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

    settings = _settings(ctx)
    ep = _endpoints(settings)
    down = []
    found: dict[str, dict[str, object]] = {}
    try:
        admin = AdminClient(
            librdkafka_config(ep.kafka_bootstrap, "twspulse-status", KafkaSecurity.from_settings(settings))
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


# --- db / topics -----------------------------------------------------------------------------------
@main.group()
def db() -> None:
    """Database schema."""


@db.command("migrate")
@click.pass_context
def db_migrate(ctx: click.Context) -> None:
    """Apply the numbered migrations of sql/ that are not applied yet (idempotent, locked)."""
    from twspulse import db as dbmod

    ep = _endpoints(_settings(ctx))
    applied = dbmod.migrate(ep.database_url)
    click.echo(f"applied {len(applied)} migration(s); mode: {dbmod.engine_mode(ep.database_url)}")


@db.command("status")
@click.option("--estimate", is_flag=True, help="Estimated row counts (fast on big tables) instead of exact ones.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object instead of text.")
@click.pass_context
def db_status_cmd(ctx: click.Context, estimate: bool, as_json: bool) -> None:
    """Say which mode is in force (TimescaleDB or plain PostgreSQL) and list tables, aggregates and policies."""
    from twspulse.db_status import db_status

    ep = _endpoints(_settings(ctx))
    status = db_status(ep.database_url, exact_counts=not estimate)
    click.echo(json_output(status) if as_json else status.render())


@main.group()
def patterns() -> None:
    """Joblog error patterns (online template mining, see docs/patterns.md)."""


@patterns.command("mine")
@click.argument("file")
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), default="csv", show_default=True)
def patterns_mine(file: str, fmt: str) -> None:
    """Mine templates from any log FILE (one record per line; - reads standard input).

    Prints line_no,pattern_id,group_id,template for each input line, in input order: the id the worker
    stores for the line, the pattern it belongs to once all lines are seen, and that pattern's template
    (the same miner and defaults as the worker). Binary bytes and invalid
    UTF-8 are decoded with replacement; the file is streamed, never read whole.
    """
    from twspulse.joblog.mine_cli import mine_lines, open_input

    mine_lines(open_input(file), sys.stdout, fmt)


@main.group()
def topics() -> None:
    """Kafka topics."""


@topics.command("create")
@click.pass_context
def topics_create(ctx: click.Context) -> None:
    """Create every topic TWS Pulse uses that does not exist yet (with its DLQ and compaction)."""
    from twspulse.kafka_clients import KafkaSecurity
    from twspulse.topics import ensure_topics

    settings = _settings(ctx)
    security = KafkaSecurity.from_settings(settings)
    created = ensure_topics(_endpoints(settings).kafka_bootstrap, settings.topic_partitions, security=security)
    click.echo(f"created {len(created)} topic(s): {', '.join(created) or '-'}")


# --- simulator -------------------------------------------------------------------------------------
@main.command()
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

    settings = _settings(ctx)
    start = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    serve_forever(
        SimConfig(seed=seed, start=start, speed=speed),
        host,
        port,
        settings.tws_user,
        settings.tws_password.get_secret_value(),
    )


def _serve_metrics(settings: Settings) -> metrics.Liveness:
    """Serve /metrics and /health when TWSPULSE_METRICS_PORT is set; the liveness the command's loop reports to."""
    liveness = metrics.Liveness.of(settings)
    try:
        metrics.serve(settings, liveness)
    except OSError as exc:  # the port is taken or the address is not this host's
        raise click.ClickException(
            f"cannot serve /metrics on {settings.metrics_host}:{settings.metrics_port}: {exc.strerror}"
        ) from exc
    return liveness


# --- connectors ------------------------------------------------------------------------------------
@main.group()
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

    settings = _settings(ctx)
    bootstrap = _endpoints(settings).kafka_bootstrap
    liveness = _serve_metrics(settings)

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

    settings = _settings(ctx)
    if interval:
        settings = settings.model_copy(update={"system_interval_s": interval})
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    liveness = _serve_metrics(settings)
    try:
        system.run_system_connector(settings, _endpoints(settings).kafka_bootstrap, stop, count, liveness=liveness)
    except KeyboardInterrupt:
        pass


# --- the engine ----------------------------------------------------------------------------------
@main.group()
def tws() -> None:
    """The TWS engine itself (TWSPULSE_TWS_URL)."""


@tws.command("check")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per check instead of a table.")
@click.pass_context
def tws_check(ctx: click.Context, as_json: bool) -> None:
    """Probe the engine read-only: version, auth, OQL forms, paging, joblog ranges, link states.

    Exits 1 when a check the connector depends on fails (see docs/real-engine.md for what each means).
    """
    from twspulse.connectors.tws.client import TwsClient
    from twspulse.connectors.tws.engine_check import REQUIRED, run_checks

    settings = _settings(ctx)

    async def _check():  # type: ignore[no-untyped-def]
        async with TwsClient(settings) as client:
            return await run_checks(client, settings.tws_oql, settings.tws_page_size), client.requests_sent

    checks, requests = asyncio.run(_check())
    for check in checks:
        mark = {True: "ok", False: "FAIL", None: "info"}[check.ok]
        if as_json:
            click.echo(json.dumps({"check": check.name, "result": mark, "detail": check.detail, "kind": check.kind}))
        else:
            click.echo(f"{mark:>4}  {check.name}: {check.detail}")
    failed = [c for c in checks if c.ok is False and c.kind == REQUIRED]
    if not as_json:
        click.echo(f"{len(checks)} checks, {len(failed)} failed, {requests} requests to {settings.tws_url}")
    if failed:
        ctx.exit(1)


# --- joblogs on demand ----------------------------------------------------------------------------
@main.group()
def joblog() -> None:
    """Read joblogs from the engine (TWSPULSE_TWS_URL) on demand."""


@joblog.command("get")
@click.argument("run_id")
@click.option("--content-only", is_flag=True, help="Without the TWS header and footer.")
@click.option("--max-bytes", type=int, default=None, help="Cap (default TWSPULSE_TWS_JOBLOG_MAX_BYTES).")
@click.pass_context
def joblog_get(ctx: click.Context, run_id: str, content_only: bool, max_bytes: int | None) -> None:
    """Print the joblog of any run, paged with from_line/to_line and cut at the cap."""
    from twspulse.connectors.tws.client import TwsClient
    from twspulse.connectors.tws.errors import TwsError

    settings = _settings(ctx)

    async def _get() -> None:
        async with TwsClient(settings) as client:
            log = await client.joblog(
                run_id, max_bytes or settings.tws_joblog_max_bytes, settings.tws_joblog_page_lines, content_only
            )
        sys.stdout.buffer.write(log.data)
        if log.truncated:
            click.echo(f"\n[cut at {len(log.data)} bytes; read {log.total_bytes}]", err=True)

    try:
        asyncio.run(_get())
    except TwsError as exc:
        raise click.ClickException(str(exc)) from exc


@joblog.command("follow")
@click.argument("run_id")
@click.option("--content-only", is_flag=True, help="Without the TWS header and footer.")
@click.pass_context
def joblog_follow(ctx: click.Context, run_id: str, content_only: bool) -> None:
    """Print a running job's joblog live (follow=true) until the job ends or Ctrl-C."""
    from twspulse.connectors.tws.client import TwsClient
    from twspulse.connectors.tws.errors import TwsError

    settings = _settings(ctx)

    async def _follow() -> None:
        async with TwsClient(settings) as client:
            async for part in client.follow_joblog(run_id, content_only):
                sys.stdout.buffer.write(part)
                sys.stdout.buffer.flush()

    try:
        asyncio.run(_follow())
    except KeyboardInterrupt:
        pass
    except TwsError as exc:
        raise click.ClickException(str(exc)) from exc


# --- worker / summary ------------------------------------------------------------------------------
@main.command()
@click.option("--no-migrate", is_flag=True, help="Do not apply pending migrations at start.")
@click.pass_context
def worker(ctx: click.Context, no_migrate: bool) -> None:
    """Run the Faust stream worker: topics -> job_runs, job_logs, host_metrics (bad records -> DLQ)."""
    from twspulse.streams.worker import run_worker

    settings = _settings(ctx)
    sys.argv = [sys.argv[0], "worker"]  # Faust parses argv itself; our options are already consumed
    run_worker(settings, _endpoints(settings), migrate=not no_migrate)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON object instead of text.")
@click.pass_context
def summary(ctx: click.Context, as_json: bool) -> None:
    """Print job runs by status, failures with their first error line, row counts and topic offsets."""
    from twspulse.kafka_clients import KafkaSecurity
    from twspulse.summary import read_summary

    settings = _settings(ctx)
    ep = _endpoints(settings)
    started = time.monotonic()
    security = KafkaSecurity.from_settings(settings)
    found = read_summary(ep.database_url, ep.kafka_bootstrap, security=security)
    if as_json:
        click.echo(json_output(found))
        return
    click.echo(found.render())
    click.echo(f"({time.monotonic() - started:.1f}s)")


# --- notifier -------------------------------------------------------------------------------------
@main.command()
@click.pass_context
def notify(ctx: click.Context) -> None:
    """Send alert changes (topic alerts) to Alertmanager and webhooks; undeliverable ones to alerts.dlq.

    Receivers: TWSPULSE_NOTIFY_ALERTMANAGER_URL and/or TWSPULSE_NOTIFY_WEBHOOK_URLS. A repeat of an alert
    state already sent is not sent again, also across restarts (docs/alerts.md).
    """
    from twspulse.streams.notify.notifier import NoReceivers, run_notifier

    settings = _settings(ctx)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    liveness = _serve_metrics(settings)
    try:
        run_notifier(settings, _endpoints(settings).kafka_bootstrap, stop, liveness=liveness)
    except NoReceivers as exc:
        raise click.ClickException(str(exc)) from exc


# --- model jobs (twspulse/models/cli.py): forecast, anomalies score, train --------------------------------------
def _add_model_commands() -> None:
    from twspulse.models.cli import anomalies_group, forecast_command, insights_command, train_command

    for command in (forecast_command, anomalies_group, train_command, insights_command):
        main.add_command(command)


# --- root-cause annotation (twspulse/models/annotate/cli.py): annotate, feedback ---------------------------------
def _add_annotation_commands() -> None:
    from twspulse.models.annotate.cli import annotate_command, feedback_command

    main.add_command(annotate_command)
    main.add_command(feedback_command)


# --- what users see (twspulse/dashboards/cli.py): dashboards push, report -------------------------------------
def _add_view_commands() -> None:
    from twspulse.dashboards.cli import dashboards_group, report_command

    main.add_command(dashboards_group)
    main.add_command(report_command)


_add_model_commands()
_add_annotation_commands()
_add_view_commands()

if __name__ == "__main__":
    main()
