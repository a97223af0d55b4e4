"""/metrics and /health of the pipeline's processes, scraped over HTTP from real components.

- /health: 200 while the loop turns; 503 with a JSON reason after N failed polls in a row or a stalled loop
- the TWS connector against the simulator: polls counted; /health 503 while the engine is down, 200 again after
- the worker process: a malformed record counts one dead letter, and its topic's consumer lag goes to 0
- the system connector with Kafka unreachable: samples counted as dropped, kafka_down 1, /health 503
- the notifier against real HTTP receivers: deliveries per receiver and a retried 500 counted
"""

from __future__ import annotations

import asyncio
import socket
import threading

import httpx
import pytest
from confluent_kafka import Producer
from prometheus_client.parser import text_string_to_metric_families

from tests.helpers import count, wait_until
from tests.streams.test_notify import alertmanager, webhook  # noqa: F401 - fixtures of the notifier test
from tests.tws_scenario import simulator
from twspulse import metrics
from twspulse.connectors.system import sample as sample_host
from twspulse.connectors.tws.client import RetryPolicy, TwsClient
from twspulse.connectors.tws.runner import build_poller
from twspulse.settings import Settings


def scrape(port: int) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of a process's /metrics: (name, labels) -> value."""
    resp = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5)
    resp.raise_for_status()
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(resp.text)
        for s in family.samples
    }


def sample(samples: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str) -> float | None:
    """One sample's value, None when the process does not export it (yet)."""
    return samples.get((name, frozenset(labels.items())))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_health_is_503_with_the_reason_when_the_loop_stalls_or_polls_keep_failing(settings: Settings) -> None:
    clock = FakeClock()
    liveness = metrics.Liveness(stall_s=60, max_failures=2, clock=clock)
    server = metrics.serve(settings.model_copy(update={"metrics_port": _free_port()}), liveness)
    assert server is not None
    health = f"http://127.0.0.1:{server.port}/health"
    try:
        assert httpx.get(health).status_code == 200
        liveness.failed("TwsUnavailable: connection refused")
        assert httpx.get(health).status_code == 200  # one failed poll is not an outage
        liveness.failed("TwsUnavailable: connection refused")
        resp = httpx.get(health)
        assert resp.status_code == 503
        assert resp.json()["status"] == "failing" and "connection refused" in resp.json()["reason"]
        liveness.succeeded()
        assert httpx.get(health).status_code == 200
        clock.now += 61  # the loop has not turned for longer than stall_s
        resp = httpx.get(health)
        assert resp.status_code == 503 and resp.json()["status"] == "stalled", resp.text
        liveness.beat()
        assert httpx.get(health).status_code == 200
        assert "twspulse_tws_polls_total" in httpx.get(f"http://127.0.0.1:{server.port}/metrics").text
    finally:
        server.close()


def test_port_zero_serves_nothing(settings: Settings) -> None:
    assert metrics.serve(settings.model_copy(update={"metrics_port": 0}), metrics.Liveness.of(settings)) is None


def test_tws_connector_counts_polls_and_is_unhealthy_only_while_the_engine_is_down(
    kafka: str, settings: Settings
) -> None:
    with simulator(seed=5) as sim:
        cfg = settings.model_copy(
            update={"tws_url": sim.base_url, "tws_poll_interval_s": 0.2, "tws_breaker_reset_s": 0.5,
                    "metrics_port": _free_port(), "health_failed_polls": 2}
        )  # fmt: skip
        liveness = metrics.Liveness.of(cfg)
        server = metrics.serve(cfg, liveness)
        assert server is not None
        health = f"http://127.0.0.1:{server.port}/health"

        def polls(outcome: str) -> float:
            return sample(scrape(server.port), "twspulse_tws_polls_total", outcome=outcome) or 0.0

        async def life() -> None:
            async with TwsClient(cfg, retry=RetryPolicy(attempts=1, base_delay_s=0.01, max_delay_s=0.05)) as client:
                poller = build_poller(cfg, kafka, client, liveness)
                stop = asyncio.Event()
                task = asyncio.create_task(poller.run(stop))

                async def until(what: str, predicate) -> None:  # type: ignore[no-untyped-def]
                    for _ in range(150):
                        if await asyncio.to_thread(predicate):
                            return
                        await asyncio.sleep(0.1)
                    raise AssertionError(f"timed out waiting for {what}: {httpx.get(health).text}")

                try:
                    ok_before = polls("ok")
                    await until("two committed polls", lambda: polls("ok") >= ok_before + 2)
                    assert httpx.get(health).status_code == 200
                    samples = scrape(server.port)
                    assert (sample(samples, "twspulse_tws_requests_total") or 0) >= 2
                    assert (sample(samples, "twspulse_tws_poll_seconds_count") or 0) >= 2
                    assert (sample(samples, "twspulse_tws_last_success_timestamp_seconds") or 0) > 0
                    assert sample(samples, "twspulse_breaker_state", breaker="tws") == 0

                    failed_before = polls("failed")
                    httpx.post(f"{sim.root_url}/sim/faults", json={"error_500": 100})
                    await until("/health 503", lambda: httpx.get(health).status_code == 503)
                    body = httpx.get(health).json()
                    assert body["status"] == "failing" and body["consecutive_failures"] >= 2, body
                    assert polls("failed") >= failed_before + 2

                    httpx.delete(f"{sim.root_url}/sim/faults")
                    await until("/health 200 again", lambda: httpx.get(health).status_code == 200)
                finally:
                    stop.set()
                    await task

        try:
            asyncio.run(life())
        finally:
            server.close()


def test_worker_counts_a_malformed_record_and_its_lag_drains_to_zero(
    kafka: str,
    database_url: str,
    start_worker,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    from tests.streams.test_worker_dlq import _event

    port = _free_port()
    monkeypatch.setenv("TWSPULSE_METRICS_PORT", str(port))  # the worker process inherits it
    # transactional, as the TWS connector writes: the commit marker after the records must not count as lag
    p = Producer({"bootstrap.servers": kafka, "transactional.id": "test-metrics"})
    p.init_transactions(30)
    p.begin_transaction()
    for i in range(3):
        p.produce("tws.job.events", key=f"job{i}".encode(), value=_event(i).to_bytes())
    p.produce("tws.job.events", key=b"bad", value=b'{"job_id": "x"}')
    p.produce("host.metrics", key=b"h", value=sample_host("test-host").to_bytes())  # a Faust agent's topic
    p.produce("host.metrics", key=b"h", value=b"not json")
    p.commit_transaction(30)
    worker = start_worker(kafka, database_url)
    wait_until(lambda: count(database_url, "SELECT count(*) FROM job_runs") >= 3, what="3 job_runs", worker=worker)

    seen: list[object] = []  # the last scrape's lag and dead-letter samples, for the failure message

    def drained() -> dict[tuple[str, frozenset[tuple[str, str]]], float] | None:
        try:
            samples = scrape(port)
        except httpx.HTTPError:
            return None
        seen[:] = [(k, v) for k, v in samples.items() if "lag" in k[0] or "dead_letters" in k[0]]
        for topic in ("tws.job.events", "host.metrics"):
            lag = [
                v
                for (name, labels), v in samples.items()
                if name == "twspulse_consumer_lag" and ("topic", topic) in labels
            ]
            if sample(samples, "twspulse_worker_dead_letters_total", topic=topic) != 1 or not lag or any(lag):
                return None
        return samples

    try:
        samples = wait_until(drained, timeout_s=30, what="1 dead letter and lag 0 on both topics", worker=worker)
    except AssertionError as exc:
        raise AssertionError(f"{exc}; last scrape: {seen}") from exc
    assert (sample(samples, "twspulse_worker_rows_written_total", table="job_runs") or 0) >= 3
    assert (sample(samples, "twspulse_worker_batch_seconds_count", topic="tws.job.events") or 0) >= 1
    assert httpx.get(f"http://127.0.0.1:{port}/health").status_code == 200
    # the same lag goes into consumer_lag for the pipeline health dashboard (every 15 s), and drains to 0 there too
    drained_sql = (
        "SELECT count(DISTINCT topic) FROM consumer_lag l WHERE topic IN ('tws.job.events', 'host.metrics') "
        "AND lag = 0 AND time = (SELECT max(time) FROM consumer_lag WHERE topic = l.topic AND partition = l.partition)"
    )
    wait_until(lambda: count(database_url, drained_sql) == 2, timeout_s=45, what="consumer_lag rows", worker=worker)


def test_system_connector_counts_dropped_samples_and_is_unhealthy_while_kafka_is_unreachable(
    settings: Settings,
) -> None:
    from twspulse.connectors.system import SystemConnector
    from twspulse.producer import EventProducer

    liveness = metrics.Liveness(stall_s=60, max_failures=3)
    server = metrics.serve(settings.model_copy(update={"metrics_port": _free_port()}), liveness)
    assert server is not None
    try:
        before = scrape(server.port)
        connector = SystemConnector(0.1, "metrics-host", exit_flush_s=0.5, liveness=liveness)
        producer = EventProducer(
            f"127.0.0.1:{_free_port()}", client_id="test-system", config=connector.producer_config(1)
        )
        connector.run(producer, threading.Event(), count=20)
        after = scrape(server.port)

        def grew(outcome: str) -> float:
            name = "twspulse_system_samples_total"
            return (sample(after, name, outcome=outcome) or 0) - (sample(before, name, outcome=outcome) or 0)

        assert grew("taken") == 20 and grew("dropped") == 20 and grew("delivered") == 0
        assert sample(after, "twspulse_system_kafka_down") == 1
        resp = httpx.get(f"http://127.0.0.1:{server.port}/health")
        assert resp.status_code == 503 and "kafka unreachable" in resp.json()["reason"], resp.text
    finally:
        server.close()


def test_notifier_counts_deliveries_and_retries(kafka: str, alertmanager, webhook) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    from tests.streams.test_notify import _fail, _publish, _settings, _start
    from twspulse.models.alerts import AlertBook

    errors = {"am": 1}

    def am_500_once(body: object) -> tuple[int, dict[str, str]] | None:
        if errors["am"]:
            errors["am"] -= 1
            return 500, {}
        return None

    alertmanager.answers.append(am_500_once)
    settings = _settings(alertmanager, webhook, metrics_port=_free_port())
    server = metrics.serve(settings, metrics.Liveness.of(settings))
    assert server is not None

    def total(samples: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str) -> float:
        return sum(v for (n, _), v in samples.items() if n == name)

    try:
        before = scrape(server.port)
        running = _start(settings, kafka)
        try:
            _publish(kafka, AlertBook(dedup_window_s=3600).apply(_fail("WS#/A.metrics")))
            wait_until(lambda: running.notifier.records == 1, 30, 0.1, "the alert handled")
        finally:
            running.close()
        after = scrape(server.port)
    finally:
        server.close()
    names = ("twspulse_notify_delivered_total", "twspulse_notify_retries_total", "twspulse_notify_dead_lettered_total")
    grew = {name: total(after, name) - total(before, name) for name in names}
    assert grew == {
        "twspulse_notify_delivered_total": 2,  # Alertmanager and the webhook
        "twspulse_notify_retries_total": 1,  # Alertmanager's one 500
        "twspulse_notify_dead_lettered_total": 0,
    }, grew
