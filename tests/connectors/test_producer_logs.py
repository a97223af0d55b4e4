"""librdkafka's own lines (connect failures while the broker is down) go through Python logging.

Without a ``logger`` librdkafka writes ``%3|<time>|FAIL|...`` straight to stderr, about once a second per
client in an outage, past the JSON renderer and the throttle; with it they are ``librdkafka.<client>``
records like any library's.
"""

from __future__ import annotations

import logging
import time

import pytest

from twspulse.producer import EventProducer


def test_librdkafka_lines_of_a_producer_go_through_python_logging_not_stderr(
    caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    with caplog.at_level(logging.DEBUG, logger="librdkafka"):
        producer = EventProducer("127.0.0.1:9", client_id="logtest")  # nothing listens there: connects fail
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not any(r.name == "librdkafka.logtest" for r in caplog.records):
            producer.poll(0.2)
    lines = [r for r in caplog.records if r.name == "librdkafka.logtest"]
    assert lines and any("127.0.0.1:9" in r.getMessage() for r in lines), [r.getMessage() for r in lines]
    assert "|FAIL|" not in capfd.readouterr().err
