"""Database access shared by the worker, the CLI and the model jobs: connections, migrations, engine mode.

Migrations are the only place the schema lives (numbered files in ``sql/``). They run in order, each in
its own transaction, recorded in ``schema_migrations`` with a checksum, under an advisory lock so two
processes starting at once do not race.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import psycopg
import structlog

log = structlog.get_logger(__name__)

SQL_DIR = Path(__file__).resolve().parent / "sql"  # package data: ships in the wheel
_MIGRATION_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")
_LOCK_ID = 0x7757_5053  # arbitrary, constant: "twsP"


class MigrationError(RuntimeError):
    """A migration file is malformed, or an applied one was edited afterwards."""


@dataclass(frozen=True)
class Migration:
    """One numbered SQL file."""

    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        """Detects an applied migration that was edited: schema changes go in a new file."""
        return hashlib.sha256(self.sql.encode()).hexdigest()


def load_migrations(sql_dir: Path = SQL_DIR) -> list[Migration]:
    """All migrations (files named ``NNN_name.sql``) in version order.

    A file that starts with a digit but is not named like a migration is an error, not silently skipped;
    other ``.sql`` files (such as ``analyst_queries.sql``) are not migrations.
    """
    found = []
    for path in sorted(sql_dir.glob("[0-9]*.sql")):
        m = _MIGRATION_NAME.match(path.name)
        if not m:
            raise MigrationError(f"migration file name must look like 001_name.sql: {path.name}")
        found.append(Migration(int(m.group(1)), path.stem, path.read_text()))
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise MigrationError(f"duplicate migration numbers in {sql_dir}: {versions}")
    return found


def migrate(url: str, sql_dir: Path = SQL_DIR) -> list[str]:
    """Apply every migration not yet applied; returns the names applied now (empty when up to date)."""
    migrations = load_migrations(sql_dir)
    applied_now: list[str] = []
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (_LOCK_ID,))
        try:
            conn.execute(
                """CREATE TABLE IF NOT EXISTS schema_migrations (
                       version integer PRIMARY KEY,
                       name text NOT NULL,
                       checksum text NOT NULL,
                       applied_at timestamptz NOT NULL DEFAULT now())"""
            )
            done = {
                row[0]: row[1] for row in conn.execute("SELECT version, checksum FROM schema_migrations").fetchall()
            }
            for mig in migrations:
                if mig.version in done:
                    if done[mig.version] != mig.checksum:
                        raise MigrationError(
                            f"migration {mig.name} was changed after it was applied; add a new file instead"
                        )
                    continue
                with conn.transaction():
                    conn.execute(mig.sql.encode())
                    conn.execute(
                        "INSERT INTO schema_migrations (version, name, checksum) VALUES (%s, %s, %s)",
                        (mig.version, mig.name, mig.checksum),
                    )
                applied_now.append(mig.name)
                log.info("db.migration.applied", migration=mig.name)
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (_LOCK_ID,))
    log.info("db.migrated", applied=len(applied_now), mode=engine_mode(url))
    return applied_now


def engine_mode(url: str) -> str:
    """``timescaledb`` when the extension is installed in the database, else ``postgresql``."""
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'").fetchone()
    return "timescaledb" if row else "postgresql"
