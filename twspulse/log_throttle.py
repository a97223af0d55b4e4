"""Repeated identical warnings during an outage: the first is logged, then one line per interval with a count.

A broker or database outage makes every retry, every reconnect attempt of aiokafka and every consumer
error of librdkafka say the same thing again, several times a second (2,847 lines in a 42-second broker
outage before this). An operator needs to know that it started, that it is still going on, and how often
it happened; so a run of identical lines becomes its first line plus one line every ``interval_s``
carrying ``suppressed=<lines not written since the last one>``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Hashable
from typing import Any

DEFAULT_INTERVAL_S = 30.0
# the libraries that repeat themselves in an outage ("librdkafka.*": the loggers given to librdkafka clients)
THROTTLED_LOGGERS = ("aiokafka", "faust", "mode", "kafka", "librdkafka")
LIBRDKAFKA_TEMPLATE = "%s [%s] %s"  # confluent-kafka's: facility, client name, message


class LogThrottle:
    """Decides, per key, whether a repeated line is written now and how many were held back before it."""

    def __init__(self, interval_s: float = DEFAULT_INTERVAL_S, clock: Callable[[], float] = time.monotonic):
        self.interval_s = interval_s
        self._clock = clock
        self._last: dict[Hashable, float] = {}  # key -> when a line of it was last written
        self._held: dict[Hashable, int] = {}  # key -> lines not written since

    def allow(self, key: Hashable) -> int | None:
        """None: hold this line back. A number: write it, saying how many lines of ``key`` were held back."""
        now = self._clock()
        last = self._last.get(key)
        if last is not None and now - last < self.interval_s:
            self._held[key] = self._held.get(key, 0) + 1
            return None
        if len(self._last) > 10_000:  # keys are few (event, topic, error type); never let a bug grow this forever
            self._last.clear()
            self._held.clear()
        self._last[key] = now
        return self._held.pop(key, 0)

    def warning(self, logger: Any, event: str, key: Hashable, **fields: Any) -> None:
        """``logger.warning(event, **fields)`` unless throttled; keyed by the event and ``key``."""
        held = self.allow((event, key))
        if held is not None:
            logger.warning(event, **fields, **({"suppressed": held} if held else {}))


class ThrottleFilter(logging.Filter):
    """A handler filter that throttles the named libraries' repeated warnings and errors (identical templates)."""

    def __init__(self, throttle: LogThrottle | None = None, loggers: tuple[str, ...] = THROTTLED_LOGGERS):
        super().__init__()
        self._throttle = throttle or LogThrottle()
        self._prefixes = loggers

    def filter(self, record: logging.LogRecord) -> bool:
        """Let a record through unless it repeats one written less than an interval ago."""
        if record.levelno < logging.WARNING or not record.name.startswith(self._prefixes):
            return True
        # the template, not the formatted text: "Unable to connect to node %s" is one line whatever the node;
        # librdkafka's one template is told apart by its facility (FAIL, SESSTMOUT, ...)
        what = str(record.msg)
        if what == LIBRDKAFKA_TEMPLATE and record.args and isinstance(record.args, tuple):
            what = str(record.args[0])
        held = self._throttle.allow((record.name, record.levelno, what))
        if held is None:
            return False
        if held:
            record.suppressed = held  # structlog's ExtraAdder puts it on the rendered line
        return True


def install(throttle: LogThrottle | None = None) -> ThrottleFilter:
    """Throttle the libraries' repeated lines on every handler of the root logger (the worker's process)."""
    flt = ThrottleFilter(throttle)
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, ThrottleFilter) for f in handler.filters):  # once per handler
            handler.addFilter(flt)
    return flt
