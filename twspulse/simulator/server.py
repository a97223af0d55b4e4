"""HTTP server of the simulated engine: the aiohttp app, an embeddable server and the CLI loop.

`SimulatorServer` runs the app on its own event loop in a daemon thread, so synchronous tests and the
demo can start a real engine-like HTTP endpoint, talk to it with any client and stop it. `serve_forever`
is what the `twspulse simulator` command runs in the foreground.
"""

from __future__ import annotations

import asyncio
import threading
from email.utils import formatdate

from aiohttp import web

from twspulse.simulator.api_shapes import iso_instant
from twspulse.simulator.clock import SimClock
from twspulse.simulator.config import SimConfig
from twspulse.simulator.middlewares import Credentials, auth_middleware, error_middleware, fault_middleware
from twspulse.simulator.sim_routes import SimControl
from twspulse.simulator.simulation import Simulation
from twspulse.simulator.tws_routes import API, TwsApi

START_TIMEOUT_SECONDS = 60.0


def build_app(simulation: Simulation, credentials: Credentials) -> web.Application:
    """The aiohttp application serving the TWS API and the /sim/ control endpoints."""
    app = web.Application(
        middlewares=[
            error_middleware(),
            auth_middleware(credentials, simulation.faults),
            fault_middleware(simulation.faults),
        ]
    )
    app.add_routes(TwsApi(simulation).routes())
    app.add_routes(SimControl(simulation).routes())

    async def simulated_date(request: web.Request, response: web.StreamResponse) -> None:
        # A real engine's Date header is its own clock; clients may read the engine's time from it,
        # so the simulator answers with simulated time (aiohttp keeps a Date that is already set).
        response.headers["Date"] = formatdate(simulation.now(), usegmt=True)

    app.on_response_prepare.append(simulated_date)
    return app


class SimulatorServer:
    """A simulated engine listening on host:port, run in a background thread.

    >>> server = SimulatorServer(SimConfig(speed=0)); server.start()  # doctest: +SKIP
    >>> httpx.get(server.base_url + "/plan/job", auth=("twsuser", "twspass"))  # doctest: +SKIP
    """

    def __init__(
        self,
        config: SimConfig,
        host: str = "127.0.0.1",
        port: int = 0,
        user: str = "twsuser",
        password: str = "twspass",
        token: str | None = None,
    ) -> None:
        self.config = config
        self.host = host
        self.port = port
        self.credentials = Credentials(user, password, token)
        self._clock = SimClock(config.start, config.speed)
        self._simulation: Simulation | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._startup_error: BaseException | None = None

    @property
    def clock(self) -> SimClock:
        """The simulated clock (advance it to move the plan forward)."""
        return self._clock

    @property
    def simulation(self) -> Simulation:
        """The running simulation (plans, faults, joblogs)."""
        if self._simulation is None:
            raise RuntimeError("the simulator server has not been started")
        return self._simulation

    def huge_joblog_run_id(self, day: int | None = None) -> str | None:
        """Run id with the huge joblog (SimConfig.huge_joblog_first_failure) of production day `day`.

        Day 0 is the first production day; default is the day the simulated clock is in. The run may not
        have started yet: advance the clock past its end (GET /plan/job shows it) before reading its joblog.
        """
        return self.simulation.huge_joblog_run_id(day)

    @property
    def base_url(self) -> str:
        """Base URL of the REST API v2, e.g. http://127.0.0.1:31116/twsd/api/v2."""
        return f"http://{self.host}:{self.port}{API}"

    @property
    def root_url(self) -> str:
        """Server root (for /sim/ endpoints and /twsd/WA_API3_v2.json)."""
        return f"http://{self.host}:{self.port}"

    def start(self) -> None:
        """Generate the plan, start listening and return once the server accepts connections."""
        if self._thread is not None:
            raise RuntimeError("the simulator server is already started")
        self._simulation = Simulation(self.config, self._clock)
        self._thread = threading.Thread(target=self._run, name="tws-simulator", daemon=True)
        self._thread.start()
        if not self._ready.wait(START_TIMEOUT_SECONDS):
            raise TimeoutError(f"simulator did not start listening within {START_TIMEOUT_SECONDS} s")
        if self._startup_error is not None:
            self._thread.join()
            self._thread = None
            raise self._startup_error

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self._listen())
        except OSError as error:  # port in use, address not available
            self._startup_error = error
            self._ready.set()
            loop.close()
            return
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(self._runner.cleanup() if self._runner else asyncio.sleep(0))
            loop.close()

    async def _listen(self) -> None:
        app = build_app(self.simulation, self.credentials)
        runner = web.AppRunner(app, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        try:
            await site.start()
        except OSError:
            await runner.cleanup()
            raise
        self._runner = runner
        sockets = [address for address in runner.addresses if isinstance(address, tuple)]
        if sockets:
            self.port = sockets[0][1]

    def stop(self) -> None:
        """Stop listening and end the server thread (open follow streams are cut)."""
        if self._thread is None or self._loop is None:
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._thread = None
        if self._simulation is not None:
            self._simulation.close()

    def __enter__(self) -> SimulatorServer:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


async def _serve(simulation: Simulation, host: str, port: int, credentials: Credentials) -> None:
    runner = web.AppRunner(build_app(simulation, credentials), shutdown_timeout=1.0)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound = [address for address in runner.addresses if isinstance(address, tuple)]
    actual_port = bound[0][1] if bound else port
    summary = simulation.summary()
    print(f"TWS REST API v2 simulator listening on http://{host}:{actual_port}{API}", flush=True)
    print(
        f"  credentials: Basic {credentials.user} / {credentials.password}"
        + (f", Bearer {credentials.token}" if credentials.token else ""),
        flush=True,
    )
    print(
        f"  seed {simulation.config.seed}, speed x{simulation.clock.speed:g}, "
        f"sim time {summary['simTime']}, plan {summary['planId']} with {summary['jobs']} jobs",
        flush=True,
    )
    print(f"  control: http://{host}:{actual_port}/sim/state   (Ctrl-C stops)", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


def serve_forever(
    config: SimConfig,
    host: str = "127.0.0.1",
    port: int = 31116,
    user: str = "twsuser",
    password: str = "twspass",
    token: str | None = None,
) -> None:
    """Run the simulator in the foreground until Ctrl-C, printing where it listens and its credentials."""
    simulation = Simulation(config)
    try:
        asyncio.run(_serve(simulation, host, port, Credentials(user, password, token)))
    except KeyboardInterrupt:
        print(f"simulator stopped at sim time {iso_instant(simulation.now())}", flush=True)


__all__ = ["SimulatorServer", "build_app", "serve_forever"]
