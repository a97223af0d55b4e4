"""``twspulse report``: a self-contained HTML page built from the database, readable in a real browser."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from twspulse.dashboards.cli import report_command
from twspulse.dashboards.report import build_report, parse_since
from twspulse.dashboards.report.build import BadSince, split_series_key
from twspulse.dashboards.report.render import NO_DATA

SECTIONS = ("recommendations", "failures", "drift", "capacity", "backtest", "alerts")


def _sections(page: str) -> dict[str, str]:
    return dict(re.findall(r'<section id="(\w+)">(.*?)</section>', page, flags=re.S))


def test_since_accepts_minutes_hours_days_weeks() -> None:
    assert parse_since("7d") == timedelta(days=7) and parse_since("12h") == timedelta(hours=12)
    assert parse_since("2w") == timedelta(weeks=2) and parse_since(" 90m ") == timedelta(minutes=90)
    for bad in ("7", "d", "0d", "7y", "-1d"):
        with pytest.raises(BadSince):
            parse_since(bad)


def test_series_keys_split_into_host_metric_and_device() -> None:
    assert split_series_key("dwh01/disk.used_percent//data") == ("dwh01", "disk.used_percent", "/data")
    assert split_series_key("fin01/cpu.percent") == ("fin01", "cpu.percent", "")


def test_report_of_the_sample_has_every_section_with_charts(sample_db: str) -> None:
    page = build_report(sample_db, timedelta(days=7))
    sections = _sections(page)
    assert set(sections) == set(SECTIONS)
    assert all(NO_DATA not in body for body in sections.values())
    images = re.findall(r'<img alt="([^"]+)" src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(images) >= 5, [alt for alt, _ in images]
    assert all(len(b64) > 2000 for _, b64 in images)
    assert "LOAD_PARTNER_ORDERS" in sections["failures"] and "missing_file" in sections["failures"]
    assert "No such file or directory" in sections["failures"]
    assert "dwh01" in sections["capacity"] and "/data" in sections["capacity"]
    assert "host_disk" in sections["backtest"] and "job_runtime" in sections["backtest"]
    assert "capacity_forecast" in sections["alerts"] and "runtime_anomaly" not in sections["alerts"]  # resolved
    # Active recommendations only, by deadline: the disk (5 days) before the pattern (30 days); no cleared one.
    recs = sections["recommendations"]
    assert recs.index("archive or extend /data on dwh01") < recs.index("ORA-01653") and "look at LOAD_GL" not in recs
    # Self-contained: nothing is fetched from anywhere.
    assert not re.search(r'(src|href)="(?!data:)', page) and "<script" not in page


def test_empty_database_gives_no_data_in_every_section(database_url: str) -> None:
    page = build_report(database_url, timedelta(days=7))
    sections = _sections(page)
    assert set(sections) == set(SECTIONS)
    assert all(NO_DATA in body for body in sections.values())
    assert "<img" not in page


def test_report_command_writes_the_file(sample_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TWSPULSE_DATABASE_URL", sample_db)
    out = tmp_path / "report.html"
    result = CliRunner().invoke(report_command, ["--since", "7d", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text().startswith("<!DOCTYPE html>") and f"wrote {out}" in result.output
    bad = CliRunner().invoke(report_command, ["--since", "a week", "--out", str(out)])
    assert bad.exit_code == 2 and "--since" in bad.output


def test_report_renders_in_headless_chromium(sample_db: str, tmp_path: Path) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        pytest.skip("chromium is not installed (.ci/run installs it): cannot render the report in a browser")
    import numpy as np
    from PIL import Image

    page = tmp_path / "report.html"
    page.write_text(build_report(sample_db, timedelta(days=7)))
    shot = tmp_path / "report.png"
    done = subprocess.run(
        [
            chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={shot}", "--window-size=1280,2000",
            "--hide-scrollbars", page.as_uri(),
        ],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert shot.exists(), f"no screenshot (exit {done.returncode}):\n{done.stderr[-3000:]}"
    img = Image.open(shot).convert("RGB")
    assert img.size == (1280, 2000)
    pixels = np.asarray(img).reshape(-1, 3)
    non_white = float((pixels.min(axis=1) < 235).mean())
    colours = len(np.unique(pixels, axis=0))
    assert non_white > 0.05, f"the page looks blank ({non_white:.1%} non-white)"
    assert colours > 200, f"only {colours} distinct colours: charts did not render"
