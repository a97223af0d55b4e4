"""A migrated database holding the dashboard sample, on each engine in turn (TimescaleDB and plain PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import psycopg
import pytest

from tests.dashboards.model_sample_data import build_dashboard_sample
from tests.sql.sample_data import SampleData


@pytest.fixture(scope="module")
def sample() -> SampleData:
    """The rows, anchored at the time the module starts."""
    return build_dashboard_sample(datetime.now(UTC))


@pytest.fixture
def sample_db(engine_database_url: str, sample: SampleData) -> Iterator[str]:
    """A fresh migrated database with the sample loaded, once per engine; yields its URL.

    On TimescaleDB the rollups are real-time continuous aggregates (nothing materialized yet), on plain
    PostgreSQL ordinary views: the panels and the report must read the same from both.
    """
    with psycopg.connect(engine_database_url, autocommit=True) as conn:
        conn.execute(sample.sql().encode())
    yield engine_database_url
