"""One module per command group: each module of twspulse/cli/ is one command of the root, named after it."""

from __future__ import annotations

import importlib
import pkgutil

import click
import pytest
from click.testing import CliRunner

import twspulse.cli
from twspulse.cli import main
from twspulse.cli_context import CliContext, NoEndpoints

# Modules of the package that are not a command: the root itself and the /metrics endpoint two commands share.
NOT_COMMANDS = {"root", "metrics_endpoint", "__main__"}
# Packages whose commands live with their code and are added to the root.
OTHER_COMMAND_MODULES = {"twspulse.dashboards.cli", "twspulse.models.cli", "twspulse.models.annotate.cli"}


def _group_modules() -> list[str]:
    return [m.name for m in pkgutil.iter_modules(twspulse.cli.__path__) if m.name not in NOT_COMMANDS]


def test_every_command_group_module_is_registered_under_its_name() -> None:
    names = _group_modules()
    assert {"engines", "db", "topics", "connect", "worker", "notify", "demo"} <= set(names)
    for name in names:
        module = importlib.import_module(f"twspulse.cli.{name}")
        command = getattr(module, name, None)
        assert isinstance(command, click.Command), f"twspulse/cli/{name}.py defines no command `{name}`"
        assert main.commands.get(name) is command, f"twspulse/cli/{name}.py is not registered as `{name}`"


def test_every_root_command_comes_from_its_own_module_or_its_package() -> None:
    for name, command in main.commands.items():
        assert command.callback is not None
        module = command.callback.__module__
        assert module == f"twspulse.cli.{name}" or module in OTHER_COMMAND_MODULES, (name, module)
    defined_elsewhere = {c.callback.__module__ for c in main.commands.values() if c.callback is not None}
    assert OTHER_COMMAND_MODULES <= defined_elsewhere


def test_the_root_gives_every_command_one_typed_context(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[object] = []

    @click.command("probe")
    @click.pass_context
    def probe(ctx: click.Context) -> None:
        seen.append(CliContext.of(ctx))

    monkeypatch.setitem(main.commands, "probe", probe)
    result = CliRunner().invoke(main, ["--log-level", "WARNING", "probe"])
    assert result.exit_code == 0, result.output
    (cli,) = seen
    assert isinstance(cli, CliContext) and cli.resolver is not None
    assert cli.settings.log_level == "WARNING" and cli.settings is cli.settings  # loaded once, with the option


def test_a_command_run_on_its_own_needs_explicit_endpoints(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TWSPULSE_DATABASE_URL", raising=False)
    monkeypatch.delenv("TWSPULSE_KAFKA_BOOTSTRAP", raising=False)
    cli = CliContext()
    with pytest.raises(NoEndpoints, match="TWSPULSE_KAFKA_BOOTSTRAP and TWSPULSE_DATABASE_URL") as raised:
        _ = cli.endpoints
    assert raised.value.exit_code == 1  # as the root says endpoints nobody configured
    monkeypatch.setenv("TWSPULSE_DATABASE_URL", "postgresql://db.example/twspulse")
    assert CliContext().database_url == "postgresql://db.example/twspulse"  # the database alone needs no Kafka
