"""``twspulse demo``: the whole pipeline on this machine, with a summary read back from the database."""

from __future__ import annotations

import sys

import click

from twspulse.cli_context import CliContext


@click.command("demo")
@click.option("--seconds", default=120.0, show_default=True, help="Real seconds the scenario runs.")
@click.option("--sim-hours", default=24.0, show_default=True, help="Simulated hours squeezed into them.")
@click.option("--seed", default=42, show_default=True, help="Simulator seed (same seed, same plan).")
@click.pass_context
def demo(ctx: click.Context, seconds: float, sim_hours: float, seed: int) -> None:
    """Run the full pipeline locally and print a summary read back from the database.

    Starts Kafka and PostgreSQL (unless TWSPULSE_* URLs point elsewhere), the TWS simulator, both
    connectors and the worker; exits 0 only if rows reached job_runs, job_logs and host_metrics.
    """
    from twspulse.demo import run_demo

    sys.exit(run_demo(CliContext.of(ctx).settings, seconds=seconds, seed=seed, sim_hours=sim_hours))
