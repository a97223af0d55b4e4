"""``twspulse dashboards push`` against a real HTTP server speaking the part of Grafana's API grafana-client uses.

The server (aiohttp on 127.0.0.1, its own thread) keeps dashboards and folders in memory the way Grafana
does: ``POST /api/dashboards/db`` creates a uid or, with ``overwrite``, replaces it and bumps its version;
``GET /api/dashboards/uid/<uid>`` answers 404 for an unknown uid; every request must carry the bearer token.
``GET /api/frontend/settings`` is what grafana-client's health check asks.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from click.testing import CliRunner

from twspulse.dashboards.cli import dashboards_group
from twspulse.dashboards.files import load_dashboards

TOKEN = "glsa_test_token"


@dataclass
class FakeGrafana:
    """State and request log of the fake server."""

    dashboards: dict[str, dict[str, Any]] = field(default_factory=dict)
    folders: dict[str, str] = field(default_factory=dict)  # uid -> title
    requests: list[tuple[str, str, str | None, Any]] = field(default_factory=list)  # method, path, auth, body
    url: str = ""

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._auth])
        app.router.add_get("/api/health", self._health)
        app.router.add_get("/api/frontend/settings", self._frontend_settings)  # grafana-client's health check
        app.router.add_get("/api/folders", self._folders)
        app.router.add_post("/api/folders", self._create_folder)
        app.router.add_get("/api/dashboards/uid/{uid}", self._get_dashboard)
        app.router.add_post("/api/dashboards/db", self._save_dashboard)
        return app

    @web.middleware
    async def _auth(self, request: web.Request, handler: Any) -> web.StreamResponse:
        body = await request.json() if request.can_read_body else None
        auth = request.headers.get("Authorization")
        self.requests.append((request.method, request.path, auth, body))
        if request.path != "/api/health" and auth != f"Bearer {TOKEN}":
            return web.json_response({"message": "Unauthorized"}, status=401)
        return await handler(request)  # type: ignore[no-any-return]

    async def _health(self, request: web.Request) -> web.Response:
        return web.json_response({"database": "ok", "version": "11.3.1", "commit": "test"})

    async def _frontend_settings(self, request: web.Request) -> web.Response:
        return web.json_response({"buildInfo": {"version": "11.3.1", "commit": "test", "edition": "Open Source"}})

    async def _folders(self, request: web.Request) -> web.Response:
        return web.json_response([{"id": i, "uid": u, "title": t} for i, (u, t) in enumerate(self.folders.items(), 1)])

    async def _create_folder(self, request: web.Request) -> web.Response:
        body = await request.json()
        uid = body.get("uid") or f"f{len(self.folders) + 1}"
        if uid in self.folders:
            return web.json_response({"message": "a folder with the same uid already exists"}, status=409)
        self.folders[uid] = body["title"]
        return web.json_response({"id": len(self.folders), "uid": uid, "title": body["title"]})

    async def _get_dashboard(self, request: web.Request) -> web.Response:
        stored = self.dashboards.get(request.match_info["uid"])
        if stored is None:
            return web.json_response({"message": "Dashboard not found"}, status=404)
        return web.json_response({"dashboard": stored["dashboard"], "meta": {"folderUid": stored["folderUid"]}})

    async def _save_dashboard(self, request: web.Request) -> web.Response:
        body = await request.json()
        dash = body["dashboard"]
        uid = dash["uid"]
        if body.get("folderUid") and body["folderUid"] not in self.folders:
            return web.json_response({"message": "folder not found"}, status=400)
        existing = self.dashboards.get(uid)
        if existing and not body.get("overwrite"):
            return web.json_response({"message": "A dashboard with the same uid already exists"}, status=412)
        version = existing["dashboard"]["version"] + 1 if existing else 1
        self.dashboards[uid] = {"dashboard": {**dash, "version": version}, "folderUid": body.get("folderUid")}
        return web.json_response(
            {"id": 1, "uid": uid, "url": f"/d/{uid}/x", "status": "success", "version": version, "slug": "x"}
        )


@pytest.fixture
def grafana() -> Iterator[FakeGrafana]:
    """The fake Grafana, listening on a free 127.0.0.1 port for the test's duration."""
    fake = FakeGrafana()
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(fake.app())
    loop.run_until_complete(runner.setup())
    site = web.TCPSite(runner, "127.0.0.1", 0)
    loop.run_until_complete(site.start())
    port = runner.addresses[0][1]
    fake.url = f"http://127.0.0.1:{port}"
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    yield fake
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)
    loop.run_until_complete(runner.cleanup())
    loop.close()


def _push(grafana: FakeGrafana, *extra: str, token: str = TOKEN) -> Any:
    return CliRunner().invoke(dashboards_group, ["push", "--url", grafana.url, "--token", token, *extra])


def test_first_push_creates_every_dashboard_in_the_folder(grafana: FakeGrafana) -> None:
    result = _push(grafana, "--folder", "TWS Pulse")
    assert result.exit_code == 0, result.output
    uids = {d["uid"] for d in load_dashboards().values()}
    assert set(grafana.dashboards) == uids
    assert grafana.folders == {"tws-pulse": "TWS Pulse"}
    assert all(s["folderUid"] == "tws-pulse" for s in grafana.dashboards.values())
    assert f"{len(uids)} created, 0 updated" in result.output
    posts = [body for method, path, _, body in grafana.requests if (method, path) == ("POST", "/api/dashboards/db")]
    assert all(p["overwrite"] is True and p["dashboard"]["id"] is None for p in posts)
    assert {p["dashboard"]["title"] for p in posts} == {d["title"] for d in load_dashboards().values()}


def test_second_push_updates_the_same_uids(grafana: FakeGrafana) -> None:
    assert _push(grafana, "--folder", "TWS Pulse").exit_code == 0
    first = {uid: s["dashboard"]["version"] for uid, s in grafana.dashboards.items()}
    result = _push(grafana, "--folder", "TWS Pulse")
    assert result.exit_code == 0, result.output
    assert f"0 created, {len(first)} updated" in result.output
    assert set(grafana.dashboards) == set(first)  # no new dashboard, no copy
    assert {uid: s["dashboard"]["version"] for uid, s in grafana.dashboards.items()} == {
        u: v + 1 for u, v in first.items()
    }
    assert len(grafana.folders) == 1  # the folder is found by title, not created twice
    for line in result.output.splitlines()[:-1]:
        assert line.startswith("updated"), line


def test_every_api_request_sends_the_bearer_token(grafana: FakeGrafana) -> None:
    assert _push(grafana).exit_code == 0
    api = [(m, p, auth) for m, p, auth, _ in grafana.requests if p != "/api/health"]
    assert api and all(auth == f"Bearer {TOKEN}" for _, _, auth in api)
    assert all(s["folderUid"] is None for s in grafana.dashboards.values())  # no --folder: General


def test_a_refused_token_fails_with_a_message(grafana: FakeGrafana) -> None:
    result = _push(grafana, token="wrong")
    assert result.exit_code == 1
    assert "push to" in result.output and not grafana.dashboards


def test_the_pushed_model_is_the_file(grafana: FakeGrafana) -> None:
    assert _push(grafana).exit_code == 0
    for model in load_dashboards().values():
        stored = grafana.dashboards[model["uid"]]["dashboard"]
        assert json.dumps({**stored, "version": 1, "id": None}, sort_keys=True) == json.dumps(
            {**model, "version": 1, "id": None}, sort_keys=True
        )
