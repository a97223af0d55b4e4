"""Simulated HCL Workload Automation / IBM TWS engine (REST API v2) for the demo and the tests.

The simulator generates a deterministic plan from a seed and answers the engine's monitoring
operations (jobs in plan, runs, joblogs, job streams, workstations, engine info) and the rerun action
with the engine's paths, shapes, status values, authentication and error codes, so the connector runs
unchanged against it or a real engine. Plans are realistic on purpose: jobs of a stream wait for their
predecessor, durations follow weekly/month-end patterns and drift, one workstation drops its link every
day, and failures come from many families. See server.SimulatorServer (embedding) and
server.serve_forever (CLI).
"""

from twspulse.simulator.clock import SimClock
from twspulse.simulator.config import SimConfig
from twspulse.simulator.server import SimulatorServer, serve_forever

__all__ = ["SimClock", "SimConfig", "SimulatorServer", "serve_forever"]
