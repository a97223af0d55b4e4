"""Upload the dashboards to a running Grafana over its HTTP API (for a Grafana that compose does not provision).

Idempotent: a dashboard is identified by its uid and written with ``overwrite: true``, so a second push
updates what the first created. Grafana's answer to the upload does not say which of the two happened, so
each dashboard is looked up by uid first.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any

from grafana_client import GrafanaApi
from grafana_client.client import GrafanaClientError

PUSH_MESSAGE = "twspulse dashboards push"


class PushError(RuntimeError):
    """Grafana refused a dashboard or a folder."""


@dataclass(frozen=True)
class PushedDashboard:
    """One uploaded dashboard: its uid, title, whether it existed before, and the version Grafana stored."""

    uid: str
    title: str
    action: str  # "created" or "updated"
    version: int | None
    url: str | None


@dataclass
class PushResult:
    """What a push did, dashboard by dashboard."""

    folder_uid: str | None = None
    dashboards: list[PushedDashboard] = field(default_factory=list)

    @property
    def created(self) -> list[str]:
        """Uids of dashboards that did not exist before."""
        return [d.uid for d in self.dashboards if d.action == "created"]

    @property
    def updated(self) -> list[str]:
        """Uids of dashboards that were overwritten."""
        return [d.uid for d in self.dashboards if d.action == "updated"]


def folder_uid_for(title: str) -> str:
    """A stable folder uid from its title (Grafana uids: at most 40 of ``[A-Za-z0-9_-]``)."""
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "folder"
    return slug[:40]


def ensure_folder(api: GrafanaApi, title: str) -> str:
    """The uid of the folder with this title, created when missing."""
    for folder in api.folder.get_all_folders():
        if folder.get("title") == title:
            return str(folder["uid"])
    created = api.folder.create_folder(title, uid=folder_uid_for(title))
    return str(created["uid"])


def _exists(api: GrafanaApi, uid: str) -> bool:
    try:
        api.dashboard.get_dashboard(uid)
    except GrafanaClientError as exc:
        if exc.status_code == 404:
            return False
        raise
    return True


def push_dashboards(api: GrafanaApi, dashboards: list[dict[str, Any]], folder: str | None = None) -> PushResult:
    """Create or update every dashboard (same uid: update), in ``folder`` (a title) or the General folder."""
    api.health.check()
    result = PushResult(folder_uid=ensure_folder(api, folder) if folder else None)
    for model in dashboards:
        uid = str(model["uid"])
        action = "updated" if _exists(api, uid) else "created"
        body = copy.deepcopy(model)
        body["id"] = None  # the uid identifies the dashboard; a numeric id from another Grafana must not
        payload: dict[str, Any] = {"dashboard": body, "overwrite": True, "message": PUSH_MESSAGE}
        if result.folder_uid:
            payload["folderUid"] = result.folder_uid
        try:
            answer = api.dashboard.update_dashboard(payload)
        except GrafanaClientError as exc:
            raise PushError(f"Grafana refused dashboard {uid!r}: {exc}") from exc
        result.dashboards.append(
            PushedDashboard(uid, str(model.get("title", uid)), action, answer.get("version"), answer.get("url"))
        )
    return result
