"""Dashboard pictures from the panels' own SQL (twspulse/dashboards/snapshot.py), on a real database with the
sample rows."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
import yaml
from click.testing import CliRunner
from PIL import Image

from tests.conftest import PgServers
from tests.dashboards.model_sample_data import DETAIL_JOB_KEY, build_dashboard_sample
from twspulse.dashboards.cli import dashboards_group
from twspulse.dashboards.files import PROVISIONING_DIR, load_dashboards
from twspulse.dashboards.grafana_sql import datasource_min_interval, iter_panels, parse_duration
from twspulse.dashboards.snapshot import (
    Frame,
    PanelResult,
    format_value,
    snapshot_dashboard,
    snapshot_dashboards,
    split_page,
    stat_values,
)


@pytest.fixture(scope="module")
def sample_url(pg_admin_url: str, pg_servers: PgServers) -> Iterator[str]:
    """The dashboard sample in one database for the module, on the session's default engine (the tests only read)."""
    url = pg_servers.create_database(pg_servers.external_engine or pg_servers.default_engine)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(build_dashboard_sample(datetime.now(UTC)).sql().encode())
    yield url
    pg_servers.drop_database(url)


def _connect(url: str) -> psycopg.Connection:  # type: ignore[type-arg]
    return psycopg.connect(url, autocommit=True)


def test_every_dashboard_renders_with_every_panel_run_and_titled(sample_url: str, tmp_path: Path) -> None:
    dashboards = list(load_dashboards().values())
    with _connect(sample_url) as conn:
        snaps = snapshot_dashboards(conn, dashboards, tmp_path, given={"twspulse-job-detail": {"job": DETAIL_JOB_KEY}})
    assert [s.path.name for s in snaps] == ["capacity.png", "job-detail.png", "operations.png", "pipeline.png"]
    for dash, snap in zip(dashboards, snaps, strict=True):
        assert snap.errors == {}, f"{snap.uid}: {snap.errors}"
        titles = [p["title"] for p in iter_panels(dash)]
        assert [p.title for p in snap.panels] == titles
        assert set(titles) <= set(snap.texts), f"{snap.uid}: titles not drawn {set(titles) - set(snap.texts)}"
        assert "No data" not in snap.texts, f"{snap.uid}: a panel had no rows on the sample"
        empty = [p.title for p in snap.panels if p.rows == 0]
        assert empty == [], f"{snap.uid}: panels without rows {empty}"
        with Image.open(snap.path) as img:
            assert img.width == 1800 and img.height > 600
            assert len(img.convert("RGB").getcolors(maxcolors=1 << 20) or []) > 100  # lines, bars, text: not blank
    job = next(s for s in snaps if s.uid == "twspulse-job-detail")
    assert job.variables["job"].values == (DETAIL_JOB_KEY,)
    assert job.variables["job_stream"].values == (DETAIL_JOB_KEY.split("#/")[1].split(".")[0],)
    ops = next(s for s in snaps if s.uid == "twspulse-operations")
    assert ops.variables["workstation"].multi and len(ops.variables["workstation"].values) > 1  # All


def test_a_panel_with_broken_sql_is_reported_by_name_and_the_rest_still_renders(
    sample_url: str, tmp_path: Path
) -> None:
    dash = copy.deepcopy(next(d for d in load_dashboards().values() if d["uid"] == "twspulse-pipeline"))
    broken = next(p for p in dash["panels"] if p["title"] == "Open alerts")
    broken["targets"][0]["rawSql"] = "SELECT no_such_column FROM alerts WHERE $__timeFilter(opened_at)"
    with _connect(sample_url) as conn:
        snap = snapshot_dashboard(conn, dash, tmp_path / "pipeline.png")
    assert list(snap.errors) == ["Open alerts"]
    assert "no_such_column" in snap.errors["Open alerts"][0]
    assert "query error" in snap.texts
    others = [p for p in snap.panels if p.title != "Open alerts"]
    assert others and all(not p.errors for p in others)
    assert all(p.frames for p in others)  # the failed statement did not abort the others (autocommit)
    assert snap.path.exists()


def test_screenshots_command_writes_a_picture_per_dashboard_and_names_failures(
    sample_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TWSPULSE_DATABASE_URL", sample_url)
    out = tmp_path / "shots"
    result = CliRunner().invoke(
        dashboards_group,
        ["screenshots", "--out", str(out), "--no-report", "--var", f"twspulse-job-detail:job={DETAIL_JOB_KEY}"],
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.glob("*.png")) == [
        "capacity.png", "job-detail.png", "operations.png", "pipeline.png",
    ]  # fmt: skip
    assert result.output.count(", 0 failed") == 4
    bad = CliRunner().invoke(dashboards_group, ["screenshots", "--out", str(out), "--no-report", "--var", "job"])
    assert bad.exit_code == 2 and "NAME=VALUE" in bad.output
    bad = CliRunner().invoke(dashboards_group, ["screenshots", "--no-report", "--range", "twspulse-pipeline=now-1h"])
    assert bad.exit_code == 2 and "UID=FROM..TO" in bad.output


def test_screenshots_of_the_demo_need_the_demos_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TWSPULSE_DATA_DIR", str(tmp_path / "data"))
    result = CliRunner().invoke(dashboards_group, ["screenshots", "--demo", "--out", str(tmp_path / "shots")])
    assert result.exit_code == 1 and "run `twspulse demo`" in result.output
    assert not (tmp_path / "shots").exists()


def test_a_moved_time_picker_changes_the_range_the_panels_read(sample_url: str, tmp_path: Path) -> None:
    dash = next(d for d in load_dashboards().values() if d["uid"] == "twspulse-operations")
    now = datetime.now(UTC)
    with _connect(sample_url) as conn:
        snap = snapshot_dashboard(conn, dash, tmp_path / "ops.png", now=now, time_range=("now-2d", "now-1d"))
        empty = snapshot_dashboard(conn, dash, tmp_path / "old.png", now=now, time_range=("2020-01-01", "2020-01-02"))
    assert (snap.start, snap.end) == (now - timedelta(days=2), now - timedelta(days=1))
    assert empty.start == datetime(2020, 1, 1, tzinfo=UTC)
    runs = next(p for p in empty.panels if p.title == "Job runs by status")
    assert runs.rows == 0 and "No data" in empty.texts


def test_the_data_sources_minimum_interval_is_read_from_the_provisioned_file() -> None:
    doc = yaml.safe_load((PROVISIONING_DIR / "datasources" / "timescaledb.yaml").read_text())
    assert datasource_min_interval() == parse_duration(doc["datasources"][0]["jsonData"]["timeInterval"])


def test_values_carry_the_units_grafana_shows() -> None:
    assert format_value(93.456, "percent") == "93.5%"
    assert format_value(0.25, "percentunit") == "25%"
    assert format_value(90, "s") == "1.5 min"
    assert format_value(7200, "s") == "2 hour"
    assert format_value(1500, "short") == "1.5 K"
    assert format_value(None) == ""
    assert format_value(datetime(2026, 12, 4, 21, 3, tzinfo=UTC)) == "2026-12-04 21:03:00"


def test_stat_shows_one_value_per_row_or_the_last_of_each_field() -> None:
    frame = Frame("A", "table", ["source", "age"], [("job_runs", 12.0), ("host_metrics", 30.0)])
    result = PanelResult(5, "Newest row age", "stat", frames=[frame])
    per_row = {"options": {"reduceOptions": {"values": True}}}
    assert stat_values(per_row, result) == [("job_runs", 12.0), ("host_metrics", 30.0)]
    every = {"options": {"reduceOptions": {"values": False, "fields": "/.*/"}}}
    assert stat_values(every, result) == [("source", "host_metrics"), ("age", 30.0)]
    numeric = {"options": {"reduceOptions": {"values": False}}}
    assert stat_values(numeric, result) == [("age", 30.0)]


def test_a_tall_page_is_cut_at_blank_bands_and_its_blank_bottom_dropped(tmp_path: Path) -> None:
    page = Image.new("RGB", (200, 1000), "white")
    for top in (50, 300, 560):  # three blocks of content; the page ends blank after 700
        page.paste((20, 60, 120), (10, top, 190, top + 140))
    whole = tmp_path / "page.png"
    page.save(whole)
    parts = split_page(whole, [tmp_path / "a.png", tmp_path / "b.png"])
    heights = [Image.open(p).height for p in parts]
    assert sum(heights) == 700 + 24
    assert 190 <= heights[0] <= 300 or 440 <= heights[0] <= 560  # cut in a gap between blocks, not through one
    first = Image.open(parts[0]).convert("RGB")
    assert first.getpixel((100, heights[0] - 1)) == (255, 255, 255)


def test_rows_text_panels_and_unknown_panel_types_are_drawn_too(sample_url: str, tmp_path: Path) -> None:
    dash = {
        "uid": "t-layout",
        "title": "Layout",
        "time": {"from": "now-1h", "to": "now"},
        "panels": [
            {"id": 1, "type": "row", "title": "Section one", "gridPos": {"x": 0, "y": 0, "w": 24, "h": 1}},
            {
                "id": 2, "type": "text", "title": "Read me", "gridPos": {"x": 0, "y": 1, "w": 12, "h": 4},
                "options": {"content": "## How to read\nFailures are **red**."},
            },
            {
                "id": 3, "type": "some-plugin-panel", "title": "Plugin", "gridPos": {"x": 12, "y": 1, "w": 12, "h": 4},
                "targets": [{"refId": "A", "format": "table", "rawSql": "SELECT 'fta1' AS host, 42 AS jobs"}],
            },
        ],
    }  # fmt: skip
    with _connect(sample_url) as conn:
        snap = snapshot_dashboard(conn, dash, tmp_path / "layout.png")
    assert snap.errors == {}
    assert {"Section one", "Read me", "Plugin", "host", "jobs", "fta1", "42"} <= set(snap.texts)
    assert any("Failures are red." in t for t in snap.texts)  # markdown marks dropped
    with Image.open(snap.path) as img:
        assert img.height == 64 + 5 * 38 + 12  # header, five grid rows, margin
