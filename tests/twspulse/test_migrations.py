"""Migrations on a real PostgreSQL server: idempotent, recorded, and guarded against edits."""

from __future__ import annotations

import shutil
from pathlib import Path

import psycopg
import pytest

from twspulse import db


def test_second_migrate_applies_nothing_and_tables_exist(database_url: str) -> None:
    assert db.migrate(database_url) == []  # the fixture already migrated once
    with psycopg.connect(database_url) as conn:
        tables = {r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
        versions = [r[0] for r in conn.execute("SELECT version FROM schema_migrations ORDER BY version")]
    assert {"job_runs", "job_logs", "host_metrics", "schema_migrations"} <= tables
    assert versions == [m.version for m in db.load_migrations()]
    assert db.engine_mode(database_url) in {"postgresql", "timescaledb"}


def test_edited_migration_is_refused(database_url: str, tmp_path: Path) -> None:
    sql_dir = tmp_path / "sql"
    shutil.copytree(db.SQL_DIR, sql_dir)
    first = sorted(sql_dir.glob("*.sql"))[1]
    first.write_text(first.read_text() + "\n-- edited after release\n")
    with pytest.raises(db.MigrationError, match="changed after it was applied"):
        db.migrate(database_url, sql_dir)


def test_badly_named_migration_file_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "7_add_things.sql").write_text("SELECT 1;")
    (tmp_path / "queries.sql").write_text("SELECT 1;")  # not a migration: ignored
    with pytest.raises(db.MigrationError, match="001_name.sql"):
        db.load_migrations(tmp_path)


def test_redelivered_row_is_not_written_twice(database_url: str) -> None:
    """The primary keys are what makes at-least-once delivery safe."""
    row = "('2026-11-24T01:00:00Z', 'h1', 'cpu.percent', '', 12.5)"
    with psycopg.connect(database_url) as conn:
        for _ in range(2):
            conn.execute(
                f"INSERT INTO host_metrics (time, host, metric, device, value) VALUES {row} ON CONFLICT DO NOTHING"
            )
        (n,) = conn.execute("SELECT count(*) FROM host_metrics").fetchone() or (0,)
    assert n == 1
