"""Repeated identical warnings during an outage: the first is written, then one line per interval with the count
of those held back; different warnings are never held back by each other."""

from __future__ import annotations

import logging

from twspulse.log_throttle import LogThrottle, ThrottleFilter


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_run_of_identical_lines_becomes_its_first_plus_one_counted_line_per_interval() -> None:
    clock = _Clock()
    throttle = LogThrottle(interval_s=30, clock=clock)
    written = []
    for second in range(0, 95):  # 95 s of an outage, 10 identical retries a second
        clock.now = float(second)
        for _ in range(10):
            if (held := throttle.allow(("sink.db.unavailable", "job_runs"))) is not None:
                written.append((second, held))
    assert written == [(0, 0), (30, 299), (60, 299), (90, 299)]
    assert throttle.allow(("worker.batch.retry", "host.metrics")) == 0  # another line: written at once


def test_the_filter_throttles_a_librarys_repeated_template_but_not_other_lines() -> None:
    clock = _Clock()
    flt = ThrottleFilter(LogThrottle(interval_s=30, clock=clock))

    def record(name: str, msg: str, level: int = logging.WARNING, *args: object) -> logging.LogRecord:
        return logging.LogRecord(name, level, __file__, 1, msg, args, None)

    passed = [flt.filter(record("aiokafka.conn", "Unable connect to node with id %s: %s", logging.ERROR, i, "refused"))
              for i in range(100)]  # fmt: skip
    assert passed.count(True) == 1
    clock.now = 31
    again = record("aiokafka.conn", "Unable connect to node with id %s: %s", logging.ERROR, 1, "refused")
    assert flt.filter(again) and again.suppressed == 99  # type: ignore[attr-defined]
    assert all(flt.filter(record("streams.app", "worker.dead_lettered")) for _ in range(5))  # not a library's
    assert all(flt.filter(record("aiokafka.conn", "connected", logging.INFO)) for _ in range(5))  # below WARNING


def test_librdkafka_lines_are_told_apart_by_facility() -> None:
    flt = ThrottleFilter(LogThrottle(interval_s=30, clock=_Clock()))

    def rd(fac: str, message: str) -> logging.LogRecord:
        args = (fac, "twspulse-worker-job-events#consumer-1", message)
        return logging.LogRecord("librdkafka.job-events", logging.ERROR, __file__, 1, "%s [%s] %s", args, None)

    fails = [flt.filter(rd("FAIL", f"Connect to ipv4#127.0.0.1:9092 failed (after {i}ms)")) for i in range(50)]
    assert fails.count(True) == 1
    assert flt.filter(rd("SESSTMOUT", "Consumer group session timed out"))  # another facility: written
