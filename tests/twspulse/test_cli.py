"""Every command explains itself with --help."""

from __future__ import annotations

import click
from click.testing import CliRunner

from twspulse.cli import main


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out = []
    for name, cmd in group.commands.items():
        out.append((*prefix, name))
        if isinstance(cmd, click.Group):
            out.extend(_commands(cmd, (*prefix, name)))
    return out


def test_top_level_help_lists_the_skeleton_commands() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for name in ("demo", "simulator", "connect", "worker", "db", "engines", "topics", "summary"):
        assert name in result.output


def test_every_subcommand_has_help_text() -> None:
    commands = _commands(main)
    assert ("connect", "tws") in commands and ("db", "migrate") in commands
    for path in commands:
        result = CliRunner().invoke(main, [*path, "--help"])
        assert result.exit_code == 0, (path, result.output)
        assert "Usage:" in result.output
        # a docstring line beyond the usage line: the command says what it does
        assert len([ln for ln in result.output.splitlines() if ln.strip()]) >= 3, path
