"""The reviewed dashboard JSON files of ``twspulse/dashboards/grafana`` and the provisioned data source they use."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DASHBOARD_DIR = Path(__file__).resolve().parent / "grafana"
PROVISIONING_DIR = Path(__file__).resolve().parent / "provisioning"
DATASOURCE_UID = "twspulse-timescaledb"  # twspulse/dashboards/provisioning/datasources/timescaledb.yaml


class DashboardFileError(ValueError):
    """A dashboard file is not a dashboard TWS Pulse can push (no uid, no title, not JSON)."""


def load_dashboard(path: Path) -> dict[str, Any]:
    """One dashboard model, checked for the fields push and provisioning key on."""
    try:
        model = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise DashboardFileError(f"{path.name}: not JSON ({exc})") from exc
    if not isinstance(model, dict) or not model.get("uid") or not model.get("title"):
        raise DashboardFileError(f"{path.name}: a dashboard needs a uid and a title")
    return model


def load_dashboards(directory: Path = DASHBOARD_DIR) -> dict[Path, dict[str, Any]]:
    """Every ``*.json`` dashboard of a folder, by file, in name order."""
    return {path: load_dashboard(path) for path in sorted(directory.glob("*.json"))}
