"""Every dashboard file is a Grafana dashboard that provisioning loads, pointing at the provisioned data source."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.dashboards.grafana_macros import VARIABLE_RE
from tests.dashboards.panel_queries import datasource_settings, iter_panels
from twspulse.dashboards.files import DASHBOARD_DIR, DATASOURCE_UID, PROVISIONING_DIR, load_dashboards

DASHBOARDS = load_dashboards()
FILES = sorted(DASHBOARDS, key=lambda p: p.name)
DS_TYPE = "grafana-postgresql-datasource"
# Panel types Grafana 11 ships (the ones these dashboards may use).
PANEL_TYPES = {"timeseries", "table", "stat", "barchart", "bargauge", "state-timeline", "row", "text", "piechart"}


def _walk(node: Any) -> list[Any]:
    out = [node]
    if isinstance(node, dict):
        for v in node.values():
            out += _walk(v)
    elif isinstance(node, list):
        for v in node:
            out += _walk(v)
    return out


def test_there_are_the_four_dashboards() -> None:
    assert {d["uid"] for d in DASHBOARDS.values()} == {
        "twspulse-operations",
        "twspulse-job-detail",
        "twspulse-capacity",
        "twspulse-pipeline",
    }


def test_uids_and_titles_are_unique_and_valid() -> None:
    uids = [d["uid"] for d in DASHBOARDS.values()]
    titles = [d["title"] for d in DASHBOARDS.values()]
    assert len(set(uids)) == len(uids) and len(set(titles)) == len(titles)
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{1,40}", uid) for uid in uids)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_file_is_a_dashboard_grafana_loads(path: Path) -> None:
    d = DASHBOARDS[path]
    assert json.loads(path.read_text()) == d
    assert path.read_text().endswith("\n")
    assert isinstance(d["schemaVersion"], int) and 36 <= d["schemaVersion"] <= 41
    assert d.get("id") is None  # provisioning and push identify dashboards by uid
    assert re.fullmatch(r"now(-\d+[smhdwy])?", d["time"]["from"]) and re.fullmatch(
        r"now([+-]\d+[smhdwy])?", d["time"]["to"]
    )
    assert "twspulse" in d["tags"]
    assert isinstance(d["templating"]["list"], list) and d["panels"]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_panel_ids_are_unique_and_panels_are_complete(path: Path) -> None:
    panels = list(iter_panels(DASHBOARDS[path]))
    ids = [p["id"] for p in panels]
    assert len(set(ids)) == len(ids), f"duplicate panel ids {ids}"
    for p in panels:
        assert p["type"] in PANEL_TYPES, p["type"]
        assert p.get("title"), p["id"]
        if p["type"] != "row":
            assert p["targets"], f"panel {p['title']} has no query"
            ref_ids = [t["refId"] for t in p["targets"]]
            assert len(set(ref_ids)) == len(ref_ids), p["title"]
            for t in p["targets"]:
                assert t["rawQuery"] is True and t["editorMode"] == "code" and t["rawSql"].strip(), p["title"]
                assert t["format"] in ("time_series", "table"), p["title"]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_grid_positions_fit_the_24_column_grid_without_overlap(path: Path) -> None:
    cells: dict[tuple[int, int], str] = {}
    for p in iter_panels(DASHBOARDS[path]):
        g = p["gridPos"]
        assert g["x"] >= 0 and g["y"] >= 0 and g["w"] >= 1 and g["h"] >= 1, p["title"]
        assert g["x"] + g["w"] <= 24, f"{p['title']} is wider than the grid"
        for x in range(g["x"], g["x"] + g["w"]):
            for y in range(g["y"], g["y"] + g["h"]):
                assert (x, y) not in cells, f"{p['title']} overlaps {cells[(x, y)]}"
                cells[(x, y)] = p["title"]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_datasource_reference_is_the_provisioned_one(path: Path) -> None:
    refs = [
        n["datasource"]
        for n in _walk(DASHBOARDS[path])
        if isinstance(n, dict) and "datasource" in n and n["datasource"] is not None
    ]
    assert refs
    for ref in refs:
        if ref.get("type") == "grafana":  # the built-in annotations source
            continue
        # through the dashboard's data source variable, so another Grafana can point it at its own
        assert ref == {"type": DS_TYPE, "uid": "${datasource}"}, ref
    [var] = [v for v in DASHBOARDS[path]["templating"]["list"] if v["name"] == "datasource"]
    assert var["type"] == "datasource" and var["query"] == DS_TYPE
    assert var["current"]["value"] == DATASOURCE_UID  # defaults to the provisioned one


def test_the_provisioned_datasource_is_timescaledb_with_the_referenced_uid() -> None:
    ds = datasource_settings()
    assert ds["uid"] == DATASOURCE_UID and ds["type"] == DS_TYPE
    assert ds["jsonData"]["timescaledb"] is True
    # the read-only role's password, from Grafana's environment, never a literal
    assert ds["secureJsonData"]["password"] == "$GRAFANA_READER_PASSWORD"


def test_the_dashboard_provider_reads_a_folder() -> None:
    doc = yaml.safe_load((PROVISIONING_DIR / "dashboards" / "twspulse.yaml").read_text())
    (provider,) = doc["providers"]
    assert provider["type"] == "file" and provider["options"]["path"].startswith("/")
    assert DASHBOARD_DIR.is_dir()


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_referenced_variable_is_defined(path: Path) -> None:
    d = DASHBOARDS[path]
    defined = {v["name"] for v in d["templating"]["list"]}
    used: set[str] = set()
    for node in _walk(d):
        if isinstance(node, str):
            for m in VARIABLE_RE.finditer(node):
                name = m.group(1) or m.group(2) or m.group(4)
                if not name.startswith("__"):  # Grafana's built-ins and the data source's macros
                    used.add(name)
    assert used <= defined, f"undefined variables {used - defined}"
    for v in d["templating"]["list"]:
        if v["type"] == "datasource":
            continue
        assert v["datasource"] == {"type": DS_TYPE, "uid": "${datasource}"}
        assert v["query"].strip() and v["type"] == "query"


def test_multi_value_variables_are_used_with_in_lists() -> None:
    for d in DASHBOARDS.values():
        multi = {v["name"] for v in d["templating"]["list"] if v.get("multi") or v.get("includeAll")}
        for p in iter_panels(d):
            for t in p.get("targets", []):
                for name in multi:
                    for m in re.finditer(rf"\${name}\b", t["rawSql"]):
                        before = t["rawSql"][: m.start()].rstrip()
                        assert before.endswith("IN ("), f"{p['title']}: ${name} outside IN (...)"


def test_single_value_variables_are_quoted_in_sql() -> None:
    for d in DASHBOARDS.values():
        single = {v["name"] for v in d["templating"]["list"] if not (v.get("multi") or v.get("includeAll"))}
        for text in [t["rawSql"] for p in iter_panels(d) for t in p.get("targets", [])] + [
            v["query"] for v in d["templating"]["list"]
        ]:
            for name in single:
                for m in re.finditer(rf"\${name}\b", text):
                    assert text[m.start() - 1] == "'" and text[m.end()] == "'", f"${name} unquoted in {text[:80]}"


def test_every_percentage_panel_uses_the_capacity_threshold() -> None:
    """One threshold source: the red line of every % panel is the capacity threshold the forecasts cross and
    the disk alert rule fires at (TWSPULSE_CAPACITY_THRESHOLD_PERCENT's default), orange 10 points before."""
    from twspulse.settings import Settings

    red = Settings.model_fields["capacity_threshold_percent"].default
    rules = yaml.safe_load((PROVISIONING_DIR / "alerting" / "twspulse-rules.yaml").read_text())
    [disk_rule] = [r for g in rules["groups"] for r in g["rules"] if r["uid"] == "twspulse-disk-full"]
    assert f"{red:g} %" in disk_rule["title"]
    seen = 0
    for path in FILES:
        for panel in iter_panels(DASHBOARDS[path]):
            defaults = panel.get("fieldConfig", {}).get("defaults", {})
            steps = defaults.get("thresholds", {}).get("steps")
            if defaults.get("unit") == "percent" and steps:
                seen += 1
                assert [s["value"] for s in steps] == [None, red - 10, red], (path.name, panel["title"])
    assert seen >= 4


def test_every_dashboard_drills_down_to_another_and_every_link_target_exists() -> None:
    by_uid = {d["uid"]: d for d in DASHBOARDS.values()}
    for path in FILES:
        d = DASHBOARDS[path]
        urls = [
            link["url"]
            for panel in iter_panels(d)
            for link in panel.get("links", []) + panel.get("fieldConfig", {}).get("defaults", {}).get("links", [])
        ]
        targets = {url.split("/")[2] for url in urls if url.startswith("/d/")}
        assert targets - {d["uid"]}, f"{path.name} links to no other dashboard"
        assert targets <= set(by_uid), targets - set(by_uid)
        assert all("${__url_time_range}" in url for url in urls), urls  # the time range follows the click
