"""The context every ``twspulse`` command runs in: its settings and endpoints, loaded when first asked for.

The root group (``twspulse.cli.root``) puts one :class:`CliContext` on the click context; every module that
defines commands (``twspulse/cli/``, and the dashboards, model and annotation commands) reads it through
:meth:`CliContext.of`. Nothing is loaded until a command asks, so a bad ``TWSPULSE_*`` variable stops only
the commands that need the settings (with one line naming it) and ``--help`` works whatever the
environment holds. This module is part of the core: where the endpoints come from (settings, or a running
``twspulse engines up``) is given to it by the root as a resolver.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from typing import Any, Protocol

import click
from pydantic import ValidationError

from twspulse.logs import configure_logging
from twspulse.settings import Settings, load_settings


class Endpoints(Protocol):
    """Where Kafka and the database are (``twspulse.engines.registry.Endpoints`` is one)."""

    @property
    def kafka_bootstrap(self) -> str:
        """host:port list of the Kafka brokers."""

    @property
    def database_url(self) -> str:
        """libpq URL of the database."""


EndpointResolver = Callable[[Settings], Endpoints]


class BadSettings(click.ClickException):
    """A ``TWSPULSE_*`` variable does not validate: one line naming it (no usage text), exit code 2."""

    exit_code = 2


class NoEndpoints(click.ClickException):
    """A command run without the root group needs endpoints the settings do not give (exit code 1, as the root's)."""


def settings_problem(exc: ValidationError) -> str:
    """A settings error as an operator fixes it: the environment variable, what is wrong, what it holds."""
    parts = []
    for err in exc.errors():
        if not err["loc"]:  # a check across variables: its message names them; its input holds every one, secrets too
            parts.append(err["msg"].removeprefix("Value error, "))
            continue
        name = "TWSPULSE_" + "_".join(str(p) for p in err["loc"]).upper()
        parts.append(f"{name}: {err['msg']} (got {err.get('input')!r})")
    return "; ".join(parts)


@dataclasses.dataclass
class CliContext:
    """What a ``twspulse`` command runs with: the root's options, then settings and endpoints on first use.

    ``resolver`` finds the endpoints from the settings; without one (a command invoked on its own, as tests
    do) they must be set explicitly (``TWSPULSE_KAFKA_BOOTSTRAP`` / ``TWSPULSE_DATABASE_URL``).
    """

    log_level: str | None = None
    log_json: bool | None = None
    resolver: EndpointResolver | None = None
    _settings: Settings | None = dataclasses.field(default=None, init=False, repr=False)
    _endpoints: Endpoints | None = dataclasses.field(default=None, init=False, repr=False)

    @classmethod
    def of(cls, ctx: click.Context) -> CliContext:
        """The context of the running command: the root's, or a fresh one kept on the outermost click context."""
        root = ctx.find_root()
        if not isinstance(root.obj, cls):
            root.obj = cls()
        return root.obj

    @property
    def settings(self) -> Settings:
        """The settings from the environment and the root's options; :class:`BadSettings` when one is invalid."""
        if self._settings is None:
            overrides: dict[str, object] = {}
            if self.log_level:
                overrides["log_level"] = self.log_level
            if self.log_json is not None:
                overrides["log_json"] = self.log_json
            try:
                self._settings = load_settings(**overrides)
            except ValidationError as exc:
                raise BadSettings(f"bad configuration: {settings_problem(exc)}") from exc
        return self._settings

    @property
    def endpoints(self) -> Endpoints:
        """Where Kafka and the database are, found by the resolver (once per run)."""
        if self._endpoints is None:
            if self.resolver is None:
                settings = self.settings
                if not settings.kafka_bootstrap or not settings.database_url:
                    raise NoEndpoints("set TWSPULSE_KAFKA_BOOTSTRAP and TWSPULSE_DATABASE_URL")
                self._endpoints = _GivenEndpoints(settings.kafka_bootstrap, settings.database_url)
            else:
                self._endpoints = self.resolver(self.settings)
        return self._endpoints

    @property
    def database_url(self) -> str:
        """The database alone: the commands that need no Kafka do not insist on both endpoints."""
        return self.settings.database_url or self.endpoints.database_url

    def configure_logging(self) -> None:
        """Log as the settings say; with invalid settings log as the options say, so the error can be told."""
        try:
            settings = self.settings
        except BadSettings:
            configure_logging("INFO", True if self.log_json is None else self.log_json)
            return
        configure_logging(settings.log_level, settings.log_json)


@dataclasses.dataclass(frozen=True)
class _GivenEndpoints:
    kafka_bootstrap: str
    database_url: str


def json_output(value: Any) -> str:
    """A command's result as one JSON document (``--json``): dataclasses as objects, times and paths as strings."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = dataclasses.asdict(value)
    return json.dumps(value, default=str)
