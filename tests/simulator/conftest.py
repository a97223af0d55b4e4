"""Fixtures: real simulator servers on free ports, and httpx clients authenticated against them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from twspulse.simulator import SimConfig, SimulatorServer

START = datetime(2026, 11, 24, tzinfo=UTC)
USER, PASSWORD = "twsuser", "twspass"

ServerFactory = Callable[..., SimulatorServer]


@pytest.fixture
def make_server() -> Iterator[ServerFactory]:
    """Start simulators (frozen clock at START unless overridden); all are stopped after the test."""
    servers: list[SimulatorServer] = []

    def factory(**overrides: Any) -> SimulatorServer:
        server_options = {key: overrides.pop(key) for key in ("user", "password", "token") if key in overrides}
        config = SimConfig(**{"start": START, "speed": 0.0, **overrides})
        server = SimulatorServer(config, **server_options)
        server.start()
        servers.append(server)
        return server

    yield factory
    for server in servers:
        server.stop()


@pytest.fixture
def server(make_server: ServerFactory) -> SimulatorServer:
    """A default simulator (seed 42, 72 jobs, frozen at the start of the production day)."""
    return make_server()


def client_for(server: SimulatorServer) -> httpx.Client:
    """An httpx client with the simulator's Basic credentials."""
    return httpx.Client(base_url=server.base_url, auth=(USER, PASSWORD), timeout=60)


@pytest.fixture
def client(server: SimulatorServer) -> Iterator[httpx.Client]:
    """A client of the default simulator."""
    with client_for(server) as http:
        yield http


def all_jobs(http: httpx.Client, **params: Any) -> list[dict[str, Any]]:
    """Every job of /plan/job matching `params`, in one request."""
    response = http.get("/plan/job", params={"limit": 10000, **params})
    response.raise_for_status()
    return response.json()["results"]


def advance_to(server: SimulatorServer, instant: str) -> None:
    """Move a frozen simulator's clock to an ISO instant."""
    server.clock.advance_to(datetime.fromisoformat(instant.replace("Z", "+00:00")))
