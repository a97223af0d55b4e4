"""Click commands of this package, added to ``twspulse`` by twspulse/cli/root.py.

``dashboards push``, ``dashboards screenshots`` and ``report``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import click

from twspulse.cli_context import CliContext
from twspulse.dashboards.files import DASHBOARD_DIR

# `twspulse demo` simulates yesterday (00:00 to 24:00, after three weeks of history) and ingests it all in a
# few minutes: the default last 24 hours would show only the day's last hours, the pipeline's 6 hours a sliver.
DEMO_RANGES = {"twspulse-operations": ("now-2d", "now"), "twspulse-pipeline": ("now-30m", "now")}
# A job of the demo's plan (seed 42) that fails in the simulated day, with a root-cause annotation, failure
# patterns and error lines: every job-detail panel has something to show (its history is too short for a
# runtime forecast, which the jobs that have one lack annotations to go with).
DEMO_VARIABLES = {"twspulse-job-detail": {"job": "/LNX_APP01#/DWH/ETL_DWH.LOAD_FACTS"}}


@click.group("dashboards")
def dashboards_group() -> None:
    """Grafana dashboards (compose provisions them; `push` uploads them to any other Grafana)."""


@dashboards_group.command("push")
@click.option("--url", required=True, help="Grafana base URL, e.g. https://grafana.example.com.")
@click.option(
    "--token", required=True, envvar="GRAFANA_TOKEN", help="Service account token (Editor or Admin); env GRAFANA_TOKEN."
)
@click.option("--folder", default=None, help="Folder title to put them in (created if missing); default: General.")
@click.option(
    "--dir",
    "directory",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=DASHBOARD_DIR,
    show_default=True,
    help="Folder of dashboard JSON files.",
)
@click.option("--timeout", default=30.0, show_default=True, help="Seconds per HTTP request.")
def push_command(url: str, token: str, folder: str | None, directory: Path, timeout: float) -> None:
    """Upload every dashboard: a new uid is created, an existing one overwritten (safe to repeat)."""
    from grafana_client import GrafanaApi
    from grafana_client.client import GrafanaException

    from twspulse.dashboards.files import DashboardFileError, load_dashboards
    from twspulse.dashboards.push import PushError, push_dashboards

    try:
        models = list(load_dashboards(directory).values())
    except DashboardFileError as exc:
        raise click.ClickException(str(exc)) from exc
    if not models:
        raise click.ClickException(f"no *.json dashboards in {directory}")
    api = GrafanaApi.from_url(url, credential=token, timeout=timeout)
    try:
        result = push_dashboards(api, models, folder)
    except (PushError, GrafanaException) as exc:
        raise click.ClickException(f"push to {url} failed: {exc}") from exc
    for d in result.dashboards:
        click.echo(f"{d.action:8} {d.uid:28} v{d.version}  {d.title}")
    click.echo(f"{len(result.created)} created, {len(result.updated)} updated")


@dashboards_group.command("screenshots")
@click.option(
    "--out",
    type=click.Path(file_okay=False, writable=True, path_type=Path),
    default=Path("docs/screenshots"),
    show_default=True,
    help="Folder for the PNGs (one per dashboard, report.png and report-capacity.png).",
)
@click.option(
    "--demo",
    "from_demo",
    is_flag=True,
    help="Read the database `twspulse demo` left behind (<data dir>/demo/postgres), started for the run.",
)
@click.option(
    "--var",
    "given",
    multiple=True,
    metavar="[UID:]NAME=VALUE",
    help="A variable's value (comma-separated for multi-value ones); default: All, or the first offered.",
)
@click.option(
    "--range",
    "ranges",
    multiple=True,
    metavar="UID=FROM..TO",
    help="A dashboard's time range instead of its default, e.g. twspulse-operations=now-2d..now (or ISO times).",
)
@click.option("--now", "now_text", default=None, help="The time the ranges end at (ISO 8601, UTC); default: now.")
@click.option("--report/--no-report", default=True, show_default=True, help="Also the weekly report (Chromium).")
@click.pass_context
def screenshots_command(
    ctx: click.Context,
    out: Path,
    from_demo: bool,
    given: tuple[str, ...],
    ranges: tuple[str, ...],
    now_text: str | None,
    report: bool,
) -> None:
    """Pictures of every dashboard from the panels' own SQL (no Grafana needed), and of the weekly report.

    Each panel's query is expanded as Grafana's PostgreSQL data source would for the dashboard's default
    range and drawn with matplotlib on Grafana's grid. A panel whose SQL fails is drawn with its error, named
    here, and the command exits 1 after writing everything else. With --demo, run right after `twspulse
    demo`: the operations and pipeline ranges are widened/narrowed to the demo's simulated day and its
    few minutes of ingestion, and the job detail shows a job that failed and has a runtime forecast.
    """
    now = _parse_now(now_text)
    variables = _parse_vars(given)
    windows = _parse_ranges(ranges)
    if from_demo:
        variables = {
            uid: {**DEMO_VARIABLES.get(uid, {}), **variables.get(uid, {})} for uid in {*DEMO_VARIABLES, *variables}
        }
        windows = {**DEMO_RANGES, **windows}
        from twspulse.engines.postgres import LocalPostgres

        settings = CliContext.of(ctx).settings
        folder = settings.data_dir / "demo" / "postgres"
        if not folder.is_dir():
            raise click.ClickException(f"no demo database in {folder}: run `twspulse demo` (or `make demo`) first")
        server = LocalPostgres(folder, settings=settings)
        try:
            failed = _screenshots(server.start(), out, now, variables, windows, report)
        finally:
            server.stop()
    else:
        failed = _screenshots(CliContext.of(ctx).database_url, out, now, variables, windows, report)
    if failed:
        raise SystemExit(1)


def _parse_ranges(ranges: tuple[str, ...]) -> dict[str, tuple[str, str]]:
    out = {}
    for item in ranges:
        uid, sep, window = item.partition("=")
        start, dots, end = window.partition("..")
        if not sep or not dots or not uid or not start or not end:
            raise click.BadParameter(
                f"{item!r}: expected UID=FROM..TO, e.g. twspulse-pipeline=now-30m..now", param_hint="--range"
            )
        out[uid] = (start.strip(), end.strip())
    return out


def _parse_now(text: str | None) -> datetime:
    if not text:
        return datetime.now(UTC)
    try:
        now = datetime.fromisoformat(text)
    except ValueError as exc:
        raise click.BadParameter(f"{text!r} is not an ISO 8601 time", param_hint="--now") from exc
    return now if now.tzinfo else now.replace(tzinfo=UTC)


def _parse_vars(given: tuple[str, ...]) -> dict[str, dict[str, str]]:
    """``job=X`` (every dashboard that has ``$job``) or ``twspulse-job-detail:job=X``, by dashboard uid."""
    from twspulse.dashboards.files import load_dashboards

    out: dict[str, dict[str, str]] = {}
    uids = [d["uid"] for d in load_dashboards().values()]
    for item in given:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{item!r}: expected NAME=VALUE or UID:NAME=VALUE", param_hint="--var")
        uid, _, name = key.rpartition(":")
        for target in [uid] if uid else uids:
            out.setdefault(target, {})[name] = value
    return out


def _screenshots(
    database_url: str,
    out: Path,
    now: datetime,
    variables: dict[str, dict[str, str]],
    ranges: dict[str, tuple[str, str]],
    report: bool,
) -> bool:
    """Write the pictures; True when a panel failed."""
    import psycopg

    from twspulse.dashboards.files import load_dashboards
    from twspulse.dashboards.snapshot import snapshot_dashboards

    out.mkdir(parents=True, exist_ok=True)
    with psycopg.connect(database_url, autocommit=True) as conn:
        # autocommit: one panel's error does not abort the others' transaction; read-only, bounded in time
        conn.execute("SET default_transaction_read_only = on")
        conn.execute("SET statement_timeout = '120s'")
        snaps = snapshot_dashboards(conn, load_dashboards().values(), out, now=now, given=variables, ranges=ranges)
    failed = False
    for snap in snaps:
        click.echo(f"wrote {snap.path}  {snap.title}: {len(snap.panels)} panels, {len(snap.errors)} failed")
        for title, errors in snap.errors.items():
            failed = True
            for error in errors:
                click.echo(f"  panel {title!r}: {error}", err=True)
    if report:
        _report_screenshots(database_url, out)
    return failed


def _report_screenshots(database_url: str, out: Path) -> None:
    import tempfile

    from twspulse.dashboards.report.build import build_report
    from twspulse.dashboards.snapshot import BrowserError, browser_screenshot, find_chromium, split_page

    chromium = find_chromium()
    if not chromium:
        click.echo("chromium is not installed: the report's screenshots are skipped (the dashboards are written)")
        return
    with tempfile.TemporaryDirectory(prefix="twspulse-report-") as tmp:
        page = Path(tmp) / "report.html"
        page.write_text(build_report(database_url, timedelta(days=7)), encoding="utf-8")
        try:
            whole = browser_screenshot(chromium, page, Path(tmp) / "page.png")
        except BrowserError as exc:
            raise click.ClickException(str(exc)) from exc
        for path in split_page(whole, [out / "report.png", out / "report-capacity.png"]):
            click.echo(f"wrote {path}  weekly report")


@click.command("report")
@click.option("--since", default="7d", show_default=True, help="Look-back: a number and m, h, d or w.")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    default=Path("report.html"),
    show_default=True,
    help="HTML file to write.",
)
@click.pass_context
def report_command(ctx: click.Context, since: str, out: Path) -> None:
    """Write a self-contained HTML report: failures and root causes, runtime drift, capacity, models, alerts."""
    from twspulse.dashboards.report.build import BadSince, build_report, parse_since

    try:
        window = parse_since(since)
    except BadSince as exc:
        raise click.BadParameter(str(exc), param_hint="--since") from exc
    page = build_report(CliContext.of(ctx).database_url, window)
    out.write_text(page, encoding="utf-8")
    click.echo(f"wrote {out} ({len(page) / 1024:.0f} KiB)")
