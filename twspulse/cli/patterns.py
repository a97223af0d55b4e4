"""``twspulse patterns``: joblog error patterns mined from any log file, as the worker mines them."""

from __future__ import annotations

import sys

import click


@click.group("patterns")
def patterns() -> None:
    """Joblog error patterns (online template mining, see docs/patterns.md)."""


@patterns.command("mine")
@click.argument("file")
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), default="csv", show_default=True)
def patterns_mine(file: str, fmt: str) -> None:
    """Mine templates from any log FILE (one record per line; - reads standard input).

    Prints line_no,pattern_id,group_id,template for each input line, in input order: the id the worker
    stores for the line, the pattern it belongs to once all lines are seen, and that pattern's template
    (the same miner and defaults as the worker). Binary bytes and invalid
    UTF-8 are decoded with replacement; the file is streamed, never read whole.
    """
    from twspulse.joblog.mine_cli import mine_lines, open_input

    mine_lines(open_input(file), sys.stdout, fmt)
