"""Where a running ``twspulse engines up`` tells other processes how to reach its Kafka and database.

Resolution order for every command: explicit settings (``TWSPULSE_KAFKA_BOOTSTRAP`` /
``TWSPULSE_DATABASE_URL``, as compose and real deployments set them), then this file, then a clear error.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from twspulse.settings import Settings


class EnginesNotConfigured(RuntimeError):
    """Neither settings nor a running local stack say where Kafka or the database is."""


@dataclass(frozen=True)
class Endpoints:
    """Where Kafka and the database are."""

    kafka_bootstrap: str
    database_url: str


def registry_file(settings: Settings) -> Path:
    """The file ``engines up`` writes while it runs."""
    return settings.data_dir / "engines.json"


def save(settings: Settings, endpoints: Endpoints) -> None:
    """Publish the endpoints of a local stack."""
    path = registry_file(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(endpoints.__dict__))


def clear(settings: Settings) -> None:
    """Forget the endpoints (the local stack stopped)."""
    registry_file(settings).unlink(missing_ok=True)


def resolve(settings: Settings) -> Endpoints:
    """Endpoints from settings, else from a running local stack."""
    saved: dict[str, str] = {}
    path = registry_file(settings)
    if path.exists():
        saved = json.loads(path.read_text())
    kafka = settings.kafka_bootstrap or saved.get("kafka_bootstrap")
    db = settings.database_url or saved.get("database_url")
    if not kafka or not db:
        raise EnginesNotConfigured(
            "set TWSPULSE_KAFKA_BOOTSTRAP and TWSPULSE_DATABASE_URL, or start local engines with "
            "`twspulse engines up` (or run `twspulse demo`, which starts its own)"
        )
    return Endpoints(kafka, db)
