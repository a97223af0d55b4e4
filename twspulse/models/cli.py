"""Click commands of the model jobs: ``forecast``, ``anomalies score`` and ``train``.

Defined here and added to ``twspulse`` by twspulse/cli/root.py, so the model code stays importable without the
rest of the CLI. The two file commands work on any ``timestamp,value`` CSV (NAB files have exactly that header)
and need no database; ``train`` finds the database the way every other command does.
"""

from __future__ import annotations

import csv
import dataclasses
import math
import sys
from typing import IO

import click
import pandas as pd

from twspulse.cli_context import CliContext, json_output

_TS_FORMAT = "%Y-%m-%d %H:%M:%S"


def _read_timestamp_value(source: IO[str]) -> pd.DataFrame:
    try:
        frame = pd.read_csv(source)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"cannot read the CSV: {exc}") from exc
    missing = {"timestamp", "value"} - set(frame.columns)
    if missing:
        raise click.ClickException(f"the CSV needs columns timestamp,value; missing {', '.join(sorted(missing))}")
    try:
        times = pd.to_datetime(frame["timestamp"], utc=True).dt.tz_localize(None)
    except (ValueError, TypeError) as exc:
        raise click.ClickException(f"unreadable timestamp: {exc}") from exc
    return pd.DataFrame({"ds": times, "y": pd.to_numeric(frame["value"], errors="coerce")})


def _infer_freq(ds: pd.Series) -> str:
    step = ds.sort_values().diff().median()
    if pd.isna(step) or step <= pd.Timedelta(0):
        raise click.ClickException("cannot infer the spacing of the timestamps; give --freq")
    return str(pd.tseries.frequencies.to_offset(step).freqstr)


@click.command("forecast")
@click.argument("file", type=click.File("r"))
@click.option("--horizon", type=click.IntRange(min=1), required=True, help="Number of future points to print.")
@click.option(
    "--freq",
    default=None,
    help="Spacing of the points as a pandas offset (5min, 1h, 1D); default: the median spacing of FILE.",
)
@click.option(
    "--min-points",
    type=click.IntRange(min=4),
    default=None,
    help="Fewest points to model (TWSPULSE_FORECAST_MIN_POINTS).",
)
@click.pass_context
def forecast_command(ctx: click.Context, file: IO[str], horizon: int, freq: str | None, min_points: int | None) -> None:
    """Forecast a timestamp,value CSV with Prophet (- reads standard input).

    Prints timestamp,yhat,yhat_lower,yhat_upper (80% interval) for the --horizon points after the last
    timestamp. Values are averaged per --freq bucket first. A series that cannot be modelled (too short,
    constant, no numbers) exits 1 with the reason.
    """
    from twspulse.models.forecasting import ForecastConfig, Skipped, forecast
    from twspulse.models.series import regularize

    settings = CliContext.of(ctx).settings
    data = _read_timestamp_value(file)
    freq = freq or _infer_freq(data["ds"])
    try:
        history = regularize(data["ds"], data["y"], freq)
    except ValueError as exc:
        raise click.ClickException(f"--freq {freq!r}: {exc}") from exc
    config = ForecastConfig(min_points=min_points or settings.forecast_min_points)
    result = forecast(history, freq, horizon, config)
    if isinstance(result, Skipped):
        raise click.ClickException(f"not forecast: {result.reason}")
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["timestamp", "yhat", "yhat_lower", "yhat_upper"])
    for ds, yhat, lo, hi in result.itertuples(index=False):
        out.writerow([pd.Timestamp(ds).strftime(_TS_FORMAT), f"{yhat:.6g}", f"{lo:.6g}", f"{hi:.6g}"])


@click.group("anomalies")
def anomalies_group() -> None:
    """Anomaly scores of time series."""


@anomalies_group.command("score")
@click.argument("file", type=click.File("r"))
@click.option(
    "--runtimes", is_flag=True, help="Score as job runtimes (one point per run) instead of a host metric series."
)
@click.option(
    "--threshold",
    type=click.FloatRange(0, 1, min_open=True, max_open=True),
    default=None,
    help="Score from which is_anomaly is true (TWSPULSE_ANOMALY_THRESHOLD).",
)
@click.option(
    "--probation",
    type=click.IntRange(min=1),
    default=None,
    help="For a series known to be short (a benchmark file): its probationary period in points, as NAB's harness "
    "tells every detector (15 %% of the file, at most 750); the detector's point counts scale by it over 750. "
    "Default: a long series, as the worker scores it.",
)
@click.pass_context
def score_command(
    ctx: click.Context, file: IO[str], runtimes: bool, threshold: float | None, probation: int | None
) -> None:
    """Score each point of a timestamp,value CSV as the worker would (- reads standard input).

    Prints timestamp,value,anomaly_score,is_anomaly,component,expected_low,expected_high in input order,
    streaming, with the worker's detector and configuration (host metrics, or job runtimes with --runtimes):
    each score in [0,1] uses only the point and those before it, so appending data never changes an earlier
    line, and is_anomaly is exactly the worker's flag (cooldown after a flag included). A value that is not a
    number scores 0 and is left out of the history. With --probation the flags are those of
    `python -m bench.nab_eval`'s told column for a file of that probationary period, not the worker's.
    """
    from twspulse.models.anomaly_scoring import AnomalyDetector, host_metrics_config, job_runtimes_config

    settings = CliContext.of(ctx).settings
    chosen = threshold or settings.anomaly_threshold
    config = job_runtimes_config(chosen) if runtimes else host_metrics_config(chosen)
    detector = AnomalyDetector(config.for_probation(probation) if probation else config)
    reader = csv.reader(file)
    header = next(reader, None)
    if header is None or "timestamp" not in header or "value" not in header:
        raise click.ClickException("the CSV needs a header with columns timestamp,value")
    ti, vi = header.index("timestamp"), header.index("value")
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["timestamp", "value", "anomaly_score", "is_anomaly", "component", "expected_low", "expected_high"])
    for row in reader:
        if not row:
            continue
        raw = row[vi] if vi < len(row) else ""
        try:
            value = float(raw)
        except ValueError:
            value = math.nan
        v = detector.update(value)
        out.writerow([
            row[ti], raw, f"{v.score:.4f}", "true" if v.is_anomaly else "false", v.component or "",
            "" if v.expected_low is None else f"{v.expected_low:.6g}",
            "" if v.expected_high is None else f"{v.expected_high:.6g}",
        ])  # fmt: skip


@click.command("train")
@click.option(
    "--since",
    default=None,
    help="History to train on: a duration back from now (30d, 12h, 2w) or an ISO date/time [60d].",
)
@click.option(
    "--json", "as_json", is_flag=True, help="One JSON object (the run's record and crossings) instead of text."
)
@click.pass_context
def train_command(ctx: click.Context, since: str | None, as_json: bool) -> None:
    """Retrain forecasts (job runtimes, host CPU/memory/disk), backtests, capacity alerts and the IsolationForest.

    Writes forecast_models, forecasts, alerts, anomalies and one model_runs row; a new IsolationForest version
    is picked up by running workers without a restart. Refuses to start while another training runs.
    """
    from twspulse.kafka_clients import KafkaSecurity
    from twspulse.models.series import InvalidSince, parse_since
    from twspulse.models.training import TrainingAlreadyRunning, alert_publisher, default_progress, run_training
    from twspulse.settings import holidays_of

    cli = CliContext.of(ctx)
    settings = cli.settings
    try:
        start = parse_since(since) if since else None
        endpoints = cli.endpoints
        publish = alert_publisher(endpoints.kafka_bootstrap, KafkaSecurity.from_settings(settings.kafka))
        report = run_training(
            endpoints.database_url, settings, since=start, progress=default_progress(), publish=publish,
            holidays=holidays_of(settings),
        )  # fmt: skip
    except (InvalidSince, TrainingAlreadyRunning, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    m = report.metrics
    crossings = [o.crossing.describe(o.series.label) for o in report.outcomes if o.crossing and o.crossing.at]
    if as_json:
        fields = [f.name for f in dataclasses.fields(report) if f.name != "outcomes"]  # outcomes hold data frames
        record = {name: getattr(report, name) for name in fields}
        click.echo(json_output(record | {"crossings": crossings}))
        return
    click.echo(
        f"{report.run_id}: {report.status} in {report.duration_s:.1f}s; series trained {report.series_trained}, "
        f"skipped {report.series_skipped}, failed {report.series_failed}; alerts written {report.alerts_written}"
    )
    click.echo(
        f"backtest median sMAPE {m.get('median_smape')} vs seasonal-naive {m.get('median_baseline_smape')} "
        f"(better on {m.get('beats_baseline')}/{m.get('backtested')}); isolation forest: "
        f"{report.iforest_version or m.get('iforest', {}).get('reason')}"
    )
    for o in report.outcomes:
        if o.crossing is not None and o.crossing.at is not None:
            click.echo(f"  {o.crossing.describe(o.series.label)}")


@click.command("insights")
@click.option(
    "--since",
    default=None,
    help="History to read: a duration back from now (84d, 12w) or an ISO date/time [84d].",
)
@click.pass_context
def insights_command(ctx: click.Context, since: str | None) -> None:
    """Find error-pattern trends, workload-resource links and the 90-day capacity plan; write insights and alerts.

    Also runs at the end of `twspulse train`. Re-runs update the same insight rows (stable ids); insights no
    longer found are marked cleared and their alerts resolved.
    """
    from twspulse.kafka_clients import KafkaSecurity
    from twspulse.models.insights_job import InsightsAlreadyRunning, run_insights
    from twspulse.models.series import InvalidSince
    from twspulse.models.training import alert_publisher

    cli = CliContext.of(ctx)
    settings = cli.settings
    try:
        endpoints = cli.endpoints
        report = run_insights(
            endpoints.database_url,
            settings,
            since=since,
            publish=alert_publisher(endpoints.kafka_bootstrap, KafkaSecurity.from_settings(settings.kafka)),
        )
    except (InvalidSince, InsightsAlreadyRunning) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"{report.run_id}: {report.counts() or 'nothing significant'} from {report.tested} tests; "
        f"cleared {report.cleared}; alerts written {report.alerts_written} ({report.seconds:.1f}s)"
    )
    ranked = sorted(
        (i for i in report.insights if i.priority is not None),
        key=lambda i: (i.deadline is None, i.deadline or report.since),
    )
    for i in ranked:
        due = f"{i.deadline:%Y-%m-%d}" if i.deadline else "-"
        click.echo(f"  [{i.priority}] by {due}: {i.action} ({i.summary})")
