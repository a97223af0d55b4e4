"""HTTP Basic and Bearer authentication on the TWS API; the /sim/ endpoints are open."""

from __future__ import annotations

import httpx

from tests.simulator.conftest import ServerFactory


def test_requests_without_or_with_wrong_credentials_get_401(make_server: ServerFactory) -> None:
    server = make_server(token="pat-123")
    url = server.base_url + "/plan/job/count"
    missing = httpx.get(url)
    assert missing.status_code == 401 and missing.headers["WWW-Authenticate"].startswith("Basic")
    assert httpx.get(url, auth=("twsuser", "wrong")).status_code == 401
    assert httpx.get(url, auth=("someone", "twspass")).status_code == 401
    assert httpx.get(url, headers={"Authorization": "Bearer nope"}).status_code == 401
    assert httpx.get(url, headers={"Authorization": "Basic !!notbase64"}).status_code == 401


def test_basic_and_bearer_credentials_are_accepted(make_server: ServerFactory) -> None:
    server = make_server(token="pat-123", user="admin", password="s3cret")
    url = server.base_url + "/plan/job/count"
    assert httpx.get(url, auth=("admin", "s3cret")).json() == {"count": 72}
    assert httpx.get(url, headers={"Authorization": "Bearer pat-123"}).json() == {"count": 72}
    assert httpx.get(url, auth=("twsuser", "twspass")).status_code == 401  # only the configured user


def test_bearer_is_refused_when_no_token_is_configured_and_sim_needs_no_auth(
    make_server: ServerFactory,
) -> None:
    server = make_server()
    assert httpx.get(server.base_url + "/engine/info", headers={"Authorization": "Bearer x"}).status_code == 401
    assert httpx.get(server.root_url + "/sim/state").status_code == 200
