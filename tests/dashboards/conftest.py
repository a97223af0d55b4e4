"""A migrated PostgreSQL database holding the dashboard sample (built once per module that asks for it)."""

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
def sample_db(database_url: str, sample: SampleData) -> Iterator[str]:
    """A fresh migrated database with the sample loaded; yields its URL."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(sample.sql().encode())
    yield database_url
