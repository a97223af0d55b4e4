"""The settings a ``twspulse`` command runs with, shared by every module that defines commands.

The root group loads them once (``twspulse/cli.py``); a bad ``TWSPULSE_*`` variable is kept as an error
and said, naming the variable, by the first command that needs the settings, so ``--help`` and commands
that need none still work. A command run on its own (tests) loads fresh settings.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import click
from pydantic import ValidationError

from twspulse.settings import Settings, load_settings


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


def settings_of(ctx: click.Context) -> Settings:
    """The run's settings, or a usage error naming the bad variable."""
    obj = ctx.find_root().obj
    if isinstance(obj, dict):
        if obj.get("settings_error"):
            raise click.UsageError(f"bad configuration: {obj['settings_error']}")
        if isinstance(obj.get("settings"), Settings):
            return obj["settings"]  # type: ignore[no-any-return]
    try:
        return load_settings()
    except ValidationError as exc:
        raise click.UsageError(f"bad configuration: {settings_problem(exc)}") from exc


def json_output(value: Any) -> str:
    """A command's result as one JSON document (``--json``): dataclasses as objects, times and paths as strings."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = dataclasses.asdict(value)
    return json.dumps(value, default=str)
