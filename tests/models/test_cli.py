"""The model CLIs on small CSVs: forecast and anomalies score."""

from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd
from click.testing import CliRunner

from twspulse.models.anomaly_scoring import host_metrics_config
from twspulse.models.cli import anomalies_group, forecast_command, train_command


def _csv(n: int, freq: str = "5min", spike_at: int | None = None) -> str:
    t = pd.date_range("2026-11-01", periods=n, freq=freq)
    rng = np.random.default_rng(0)
    v = 20 + 5 * np.sin(2 * np.pi * np.arange(n) / 288) + rng.normal(0, 0.5, n)
    if spike_at is not None:
        v[spike_at] += 40
    frame = pd.DataFrame({"timestamp": t.strftime("%Y-%m-%d %H:%M:%S"), "value": v.round(3)})
    return frame.to_csv(index=False)


def test_forecast_prints_horizon_points_after_the_last_timestamp() -> None:
    result = CliRunner().invoke(forecast_command, ["-", "--horizon", "12"], input=_csv(600))
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == ["timestamp", "yhat", "yhat_lower", "yhat_upper"]
    assert len(rows) == 12
    assert rows[0]["timestamp"] == "2026-11-03 02:00:00" and rows[-1]["timestamp"] == "2026-11-03 02:55:00"
    for r in rows:
        assert float(r["yhat_lower"]) <= float(r["yhat"]) <= float(r["yhat_upper"])


def test_forecast_of_a_short_file_exits_with_the_reason(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "short.csv"
    path.write_text(_csv(10))
    result = CliRunner().invoke(forecast_command, [str(path), "--horizon", "3", "--freq", "5min"])
    assert result.exit_code == 1
    assert "too few points (10 < 48)" in result.output


def test_forecast_refuses_a_csv_without_the_columns() -> None:
    result = CliRunner().invoke(forecast_command, ["-", "--horizon", "3"], input="a,b\n1,2\n")
    assert result.exit_code == 1 and "timestamp,value" in result.output


def test_anomalies_score_flags_the_spike_only_and_keeps_input_order() -> None:
    result = CliRunner().invoke(anomalies_group, ["score", "-"], input=_csv(1000, spike_at=700))
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0])[:4] == ["timestamp", "value", "anomaly_score", "is_anomaly"]
    assert len(rows) == 1000
    assert [i for i, r in enumerate(rows) if r["is_anomaly"] == "true"] == [700]
    assert all(0 <= float(r["anomaly_score"]) <= 1 for r in rows)
    assert rows[0]["anomaly_score"] == "0.0000"  # warm-up


def test_anomalies_score_told_a_probation_flags_what_the_nab_bench_flags() -> None:
    from bench.nab_eval import Series, probation, run_detector

    text = _csv(1200)
    values = [float(r["value"]) for r in csv.DictReader(io.StringIO(text))]
    # a point about one usual spread above everything before it: too little for a young long series' margins
    values[600] = max(values[:600]) + float(np.mean(np.abs(np.array(values[:600]) - np.mean(values[:600]))))
    lines = text.splitlines()
    stamp = lines[601].split(",")[0]
    lines[601] = f"{stamp},{values[600]}"
    told = CliRunner().invoke(
        anomalies_group, ["score", "--probation", str(probation(1200)), "-"], input="\n".join(lines)
    )
    untold = CliRunner().invoke(anomalies_group, ["score", "-"], input="\n".join(lines))
    assert told.exit_code == 0 and untold.exit_code == 0, told.output
    flags = {name: [i for i, r in enumerate(csv.DictReader(io.StringIO(out.stdout))) if r["is_anomaly"] == "true"]
             for name, out in (("told", told), ("untold", untold))}  # fmt: skip
    series = Series("s/s.csv", values, np.full(1200, -1), 0).with_probation()
    assert flags["told"] == np.flatnonzero(run_detector(series, host_metrics_config())[0]).tolist()
    assert 600 in flags["told"] and 600 not in flags["untold"]


def test_every_option_has_help_text() -> None:
    for command in (forecast_command, anomalies_group.commands["score"], train_command):
        for param in command.params:
            if param.param_type_name == "option":
                assert param.help, f"{command.name} {param.name}"  # type: ignore[attr-defined]
