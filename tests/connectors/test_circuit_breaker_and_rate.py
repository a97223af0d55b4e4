"""The connector protects the engine: a breaker that opens and closes, a request-rate cap, retries on
5xx/429 only, and a 5xx burst that costs a poll, not a status change."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest
from pydantic import SecretStr

from tests.tws_scenario import simulator, status_keys
from twspulse.circuit_breaker import BreakerState, CircuitBreaker
from twspulse.connectors.tws.client import RetryPolicy, TwsClient
from twspulse.connectors.tws.errors import TwsAuthError, TwsCircuitOpen, TwsUnavailable
from twspulse.connectors.tws.runner import build_poller
from twspulse.rate_limits import RequestRate, per_second_item
from twspulse.settings import Settings


class FakeClock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def test_breaker_opens_after_threshold_refuses_then_half_opens_and_closes() -> None:
    clock = FakeClock()
    b = CircuitBreaker(failures=3, reset_s=30, clock=clock, error=TwsCircuitOpen)
    for _ in range(2):
        b.before_request()
        b.record_failure()
    assert b.state is BreakerState.CLOSED
    b.record_failure()
    assert b.state is BreakerState.OPEN and b.times_opened == 1
    with pytest.raises(TwsCircuitOpen):
        b.before_request()
    clock.t = 31
    b.before_request()  # trial allowed
    assert b.state is BreakerState.HALF_OPEN
    b.record_failure()  # trial failed: open again for another reset period
    assert b.state is BreakerState.OPEN
    with pytest.raises(TwsCircuitOpen):
        b.before_request()
    clock.t = 62
    b.before_request()
    b.record_success()
    assert b.state is BreakerState.CLOSED and b.consecutive_failures == 0


def test_rate_limiter_caps_requests_per_second() -> None:
    async def burst() -> tuple[float, float]:
        limiter = RequestRate(per_second=10)
        start = time.monotonic()
        for _ in range(25):
            await limiter.acquire()
        return time.monotonic() - start, limiter.waited_s

    elapsed, waited = asyncio.run(burst())
    assert elapsed >= 1.9 and waited > 1.5  # 25 requests at 10 per any 1 s window: the 21st waits for the 3rd second


def test_a_fractional_rate_is_one_request_per_period() -> None:
    assert (per_second_item(5.0).amount, per_second_item(5.0).multiples) == (5, 1)
    assert (per_second_item(0.25).amount, per_second_item(0.25).multiples) == (1, 4)
    with pytest.raises(ValueError, match="positive"):
        per_second_item(0)


def test_5xx_burst_is_retried_and_a_down_engine_opens_the_breaker(settings: Settings) -> None:
    with simulator(seed=2) as sim:
        cfg = settings.model_copy(
            update={"tws_url": sim.base_url, "tws_breaker_failures": 3, "tws_breaker_reset_s": 0.5}
        )

        async def scenario() -> None:
            async with TwsClient(cfg, retry=RetryPolicy(attempts=3, base_delay_s=0.01, max_delay_s=0.02)) as c:
                httpx.post(f"{sim.root_url}/sim/faults", json={"error_500": 2})
                info = await c.engine_info()  # two 500s, then the answer: retried, not failed
                assert info.full_version
                assert c.breaker.state is BreakerState.CLOSED
                httpx.post(f"{sim.root_url}/sim/faults", json={"error_500": 50})
                with pytest.raises(TwsUnavailable):
                    await c.engine_info()
                assert c.breaker.state is BreakerState.OPEN
                sent = c.requests_sent
                with pytest.raises(TwsCircuitOpen):
                    await c.engine_info()
                assert c.requests_sent == sent  # refused locally: the engine is left alone
                httpx.delete(f"{sim.root_url}/sim/faults")
                await asyncio.sleep(0.6)
                assert (await c.engine_info()).full_version  # trial request succeeds, breaker closes
                assert c.breaker.state is BreakerState.CLOSED

        asyncio.run(scenario())


def test_bad_credentials_are_not_retried(settings: Settings) -> None:
    with simulator(seed=2) as sim:
        cfg = settings.model_copy(update={"tws_url": sim.base_url, "tws_password": SecretStr("wrong")})

        async def scenario() -> int:
            async with TwsClient(cfg) as c:
                with pytest.raises(TwsAuthError):
                    await c.engine_info()
                return c.requests_sent

        assert asyncio.run(scenario()) == 1


def test_bearer_token_is_accepted(settings: Settings) -> None:
    from tests.tws_scenario import DAY
    from twspulse.simulator.config import SimConfig
    from twspulse.simulator.server import SimulatorServer

    server = SimulatorServer(SimConfig(seed=1, start=DAY, speed=0), token="s3cr3t-jwt")
    server.start()
    try:
        cfg = settings.model_copy(
            update={"tws_url": server.base_url, "tws_api_key": SecretStr("s3cr3t-jwt"), "tws_password": SecretStr("x")}
        )

        async def scenario() -> str | None:
            async with TwsClient(cfg) as c:
                return (await c.engine_info()).full_version

        assert asyncio.run(scenario())
    finally:
        server.stop()


def test_poll_under_a_5xx_burst_loses_nothing(kafka: str, settings: Settings) -> None:
    with simulator(seed=4) as sim:
        cfg = settings.model_copy(update={"tws_url": sim.base_url, "tws_full_scan_interval_s": 1e-6})

        async def scenario() -> dict[str, str]:
            async with TwsClient(cfg, retry=RetryPolicy(attempts=2, base_delay_s=0.01, max_delay_s=0.02)) as c:
                poller = build_poller(cfg, kafka, c)
                sim.clock.advance(8 * 3600)
                httpx.post(f"{sim.root_url}/sim/faults", json={"error_500": 40})
                with pytest.raises(TwsUnavailable):
                    await poller.poll_once()
                assert poller.totals.events == 0  # nothing half-published
                httpx.delete(f"{sim.root_url}/sim/faults")
                c.breaker.record_success()  # as after the reset period
                await poller.poll_once()
                return dict(poller.store.seen)

        seen = asyncio.run(scenario())
        assert seen == status_keys(sim)
