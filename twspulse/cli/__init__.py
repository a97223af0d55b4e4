"""``twspulse``: the one entry point for every process of TWS Pulse (the root group is ``root.main``)."""

from twspulse.cli.root import main

__all__ = ["main"]
