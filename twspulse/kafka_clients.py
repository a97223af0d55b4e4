"""What every librdkafka client of the project (producer, consumer, admin) starts from.

One place for the settings all of them share: the bootstrap servers, a client id, and a Python logger.
Without a ``logger`` librdkafka writes its own lines (``%3|<time>|FAIL|...``) straight to stderr, past the
JSON renderer and the outage throttle (``twspulse/logs.py``); with one they are ``librdkafka.<client>``
records like any library's, delivered when the client is polled.
"""

from __future__ import annotations

import logging
from typing import Any


def librdkafka_config(bootstrap: str, client: str, **extra: Any) -> dict[str, Any]:
    """The base configuration of a librdkafka client named ``client`` (its id and its logger's name)."""
    return {
        "bootstrap.servers": bootstrap,
        "client.id": client,
        "logger": logging.getLogger(f"librdkafka.{client}"),
        **extra,
    }
