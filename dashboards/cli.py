"""Click commands of this package, wired into ``twspulse`` by twspulse/cli.py: ``dashboards push`` and ``report``."""

from __future__ import annotations

from pathlib import Path

import click

from dashboards.files import DASHBOARD_DIR


def _database_url(ctx: click.Context) -> str:
    from twspulse.engines.registry import EnginesNotConfigured, resolve
    from twspulse.settings import load_settings

    obj = ctx.find_object(dict) or {}
    settings = obj.get("settings") or load_settings()
    if settings.database_url:  # the report needs no Kafka: do not insist on both endpoints
        return str(settings.database_url)
    try:
        return resolve(settings).database_url
    except EnginesNotConfigured as exc:
        raise click.ClickException(str(exc)) from exc


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

    from dashboards.files import DashboardFileError, load_dashboards
    from dashboards.push import PushError, push_dashboards

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
    from dashboards.report.build import BadSince, build_report, parse_since

    try:
        window = parse_since(since)
    except BadSince as exc:
        raise click.BadParameter(str(exc), param_hint="--since") from exc
    page = build_report(_database_url(ctx), window)
    out.write_text(page, encoding="utf-8")
    click.echo(f"wrote {out} ({len(page) / 1024:.0f} KiB)")
