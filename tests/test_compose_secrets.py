"""Secrets in the compose stack: each service gets only those it uses, and example passwords stop the stack.

"Uses" is derived from what a service runs, not listed by hand:

- a twspulse subcommand reads the secret settings (``SecretStr`` fields of ``Settings``) that its code, or a
  module of ours it imports (transitively, function-level imports included), reads as ``.<field>``; it needs
  the database password (``PGPASSWORD``, read by libpq) when that code connects to ``database_url``;
- ``python -m twspulse.secrets_check check`` reads every secret-named variable it is given (that is its job),
  ``... grafana-reader`` the reader role's password and the database password;
- the images of others: TimescaleDB its ``POSTGRES_PASSWORD``; Grafana its ``GF_*`` configuration and the
  variables its provisioning files name; Kafka none.
"""

from __future__ import annotations

import ast
import importlib.util
import inspect
import re
import subprocess
import sys
import textwrap
from functools import cache
from pathlib import Path
from typing import Any

import click
import pytest
from pydantic import SecretStr

from tests.test_compose import (
    ROOT,
    SECRET_KEY,
    SERVICES,
    _env_example,
    _script_commands,
    _twspulse_invocations,
)
from twspulse import secrets_check
from twspulse.cli import main as twspulse_cli
from twspulse.settings import Settings

OUR_PACKAGES = ("twspulse",)  # one namespace: twspulse.connectors, twspulse.streams, ...
# Modules that name every setting (the settings themselves, the CLI with all commands): not evidence of a use.
NOT_EVIDENCE = {"twspulse.settings", "twspulse.cli"}
SECRET_SETTINGS = {
    name
    for name, field in Settings.model_fields.items()
    if SecretStr in (getattr(field.annotation, "__args__", None) or (field.annotation,))
}
DB_PASSWORD = "PGPASSWORD"


def is_secret(var: str) -> bool:
    """A variable that holds a secret: a SecretStr setting, or (not a setting) a name that says so."""
    if var.startswith("TWSPULSE_"):  # the code says which settings are secret (TOKEN_BUDGET is not)
        return var.removeprefix("TWSPULSE_").lower() in SECRET_SETTINGS
    return bool(SECRET_KEY.search(var))


def received_secrets(svc: dict[str, Any]) -> set[str]:
    """The secret variables compose gives a service (set there, or passed through from .env by name)."""
    env = svc.get("environment") or {}
    assert isinstance(env, dict), "environment as a map, so anchors can be merged"
    return {k for k in env if is_secret(k)}


def _module_file(name: str) -> Path | None:
    try:
        spec = importlib.util.find_spec(name)
    except (ModuleNotFoundError, ValueError):
        return None
    return Path(spec.origin) if spec and spec.origin and spec.origin.endswith(".py") else None


def _our_imports(source: str) -> set[str]:
    out: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out |= {node.module, *(f"{node.module}.{a.name}" for a in node.names)}
    return {m for m in out if m.split(".")[0] in OUR_PACKAGES}


@cache
def _code_reached(source: str) -> str:
    """``source`` plus the text of every module of ours it imports, transitively (but NOT_EVIDENCE)."""
    seen: set[str] = set()
    todo = list(_our_imports(source))
    texts = [source]
    while todo:
        name = todo.pop()
        if name in seen or name in NOT_EVIDENCE:
            continue
        seen.add(name)
        path = _module_file(name)
        if path is not None:
            text = path.read_text()
            texts.append(text)
            todo += _our_imports(text)
    return "\n".join(texts)


def secrets_of_command(args: list[str]) -> set[str]:
    """Secret variables the code of ``twspulse <args>`` reads (see the module docstring)."""
    cmd: click.Command = twspulse_cli
    ctx = click.Context(twspulse_cli)
    while isinstance(cmd, click.Group):
        sub = cmd.get_command(ctx, args[0])
        assert sub is not None, args
        cmd, args = sub, args[1:]
    assert cmd.callback is not None
    code = _code_reached(textwrap.dedent(inspect.getsource(inspect.unwrap(cmd.callback))))
    found = {f"TWSPULSE_{f.upper()}" for f in SECRET_SETTINGS if re.search(rf"\.{f}\b", code)}
    if re.search(r"\bdatabase_url\b", code):
        found.add(DB_PASSWORD)
    return found


def secrets_used(name: str) -> set[str]:
    """Secret variables the service ``name`` uses, derived from what it runs."""
    svc = SERVICES[name]
    if "build" not in svc:  # an image of others, by what it documents
        if name == "timescaledb":
            return {"POSTGRES_PASSWORD"}
        if name == "grafana":
            provisioning = "".join(
                re.sub(r"#.*", "", p.read_text())
                for p in (ROOT / "twspulse" / "dashboards" / "provisioning").rglob("*.yaml")
            )
            named = set(re.findall(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)", provisioning.replace("$$", "")))
            return {v for v in received_secrets(svc) if v.startswith("GF_")} | named
        return set()
    used: set[str] = set()
    for args in _twspulse_invocations(svc):
        used |= secrets_of_command(args)
    runs = []
    if (svc.get("entrypoint") or [])[:3] == ["python", "-m", "twspulse.secrets_check"]:
        runs.append(list(svc.get("command") or []))
    elif svc.get("entrypoint") == ["sh", "-c"]:
        runs += [a[3:] for a in _script_commands(svc) if a[:3] == ["python", "-m", "twspulse.secrets_check"]]
    for args in runs:
        if args == ["check"]:
            used |= {v for v in received_secrets(svc) if secrets_check.SECRET_NAME.search(v)}
        elif args == ["grafana-reader"]:
            used |= {secrets_check.READER_PASSWORD_VAR, DB_PASSWORD}
        else:
            pytest.fail(f"{name}: unknown secrets_check arguments {args}")
    return used


# --- which service gets which secret -----------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(SERVICES))
def test_service_receives_no_secret_it_does_not_use(name: str) -> None:
    extra = received_secrets(SERVICES[name]) - secrets_used(name)
    assert not extra, f"{name} gets {sorted(extra)} but what it runs never reads them"


@pytest.mark.parametrize("name", sorted(n for n, s in SERVICES.items() if "build" in s))
def test_twspulse_service_receives_every_secret_its_commands_read(name: str) -> None:
    missing = secrets_used(name) - received_secrets(SERVICES[name])
    assert not missing, f"{name} runs code that reads {sorted(missing)}; compose does not give it"


def test_the_derivation_finds_the_secrets_the_code_is_known_to_read() -> None:
    """Anchors of the derivation: if these change, the code changed, and so must compose.yaml."""
    kafka = {"TWSPULSE_KAFKA_SASL_PASSWORD", "TWSPULSE_KAFKA_SSL_KEY_PASSWORD", "TWSPULSE_KAFKA_OIDC_CLIENT_SECRET"}
    assert secrets_of_command(["db", "migrate"]) == {DB_PASSWORD}
    assert secrets_of_command(["topics", "create"]) == kafka
    assert secrets_of_command(["connect", "tws"]) == kafka | {"TWSPULSE_TWS_PASSWORD", "TWSPULSE_TWS_API_KEY"}
    assert secrets_of_command(["worker", "--no-migrate"]) == kafka | {DB_PASSWORD, "TWSPULSE_LLM_API_KEY"}
    assert secrets_of_command(["notify"]) == kafka | {"TWSPULSE_NOTIFY_WEBHOOK_URLS"}
    assert secrets_of_command(["simulator"]) == {"TWSPULSE_TWS_PASSWORD"}


def test_the_llm_key_and_the_grafana_passwords_stay_where_they_belong() -> None:
    holders = {var: {n for n in SERVICES if var in received_secrets(SERVICES[n])} for var in (
        "TWSPULSE_LLM_API_KEY", "GF_SECURITY_ADMIN_PASSWORD", "GRAFANA_READER_PASSWORD", "PGPASSWORD",
    )}  # fmt: skip
    assert holders["TWSPULSE_LLM_API_KEY"] == {"worker"}
    assert holders["GF_SECURITY_ADMIN_PASSWORD"] == {"grafana", "secrets-check"}
    assert holders["GRAFANA_READER_PASSWORD"] == {"grafana", "migrate", "secrets-check"}
    assert holders["PGPASSWORD"] == {"migrate", "worker", "trainer"}
    assert received_secrets(SERVICES["grafana"]) == {"GF_SECURITY_ADMIN_PASSWORD", "GRAFANA_READER_PASSWORD"}


# --- example passwords -----------------------------------------------------------------------------------
def _env_example_secrets() -> dict[str, str]:
    """Secrets .env.example sets (active lines with a value)."""
    return {k: v for k, (on, v) in _env_example().items() if on and v and is_secret(k)}


def test_every_example_secret_is_a_placeholder_the_check_receives() -> None:
    examples = _env_example_secrets()
    assert {"POSTGRES_PASSWORD", "GF_SECURITY_ADMIN_PASSWORD", "GRAFANA_READER_PASSWORD"} <= set(examples)
    assert set(examples.values()) <= secrets_check.PLACEHOLDERS, examples
    assert set(examples) <= received_secrets(SERVICES["secrets-check"]), "the check must see every example secret"
    # and it sees whether the demo profile is on
    assert SERVICES["secrets-check"]["environment"]["COMPOSE_PROFILES"] == "${COMPOSE_PROFILES:-}"


def test_check_refuses_the_example_values_outside_the_demo(capsys: pytest.CaptureFixture[str]) -> None:
    env = {**_env_example_secrets(), "COMPOSE_PROFILES": ""}
    assert secrets_check.main(["check"], env) == 1
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1, err
    for var in _env_example_secrets():
        assert var in err
    assert "change-me" not in err.split("refusing")[0]


def test_check_names_only_the_variable_still_at_its_example(capsys: pytest.CaptureFixture[str]) -> None:
    env = {"POSTGRES_PASSWORD": "s3cret-db", "GF_SECURITY_ADMIN_PASSWORD": "change-me", "TWSPULSE_TWS_PASSWORD": "x"}
    assert secrets_check.main(["check"], env) == 1
    err = capsys.readouterr().err
    assert "GF_SECURITY_ADMIN_PASSWORD" in err and "POSTGRES_PASSWORD" not in err.replace("GF_SECURITY_ADMIN", "")


def test_check_accepts_real_values(capsys: pytest.CaptureFixture[str]) -> None:
    env = {k: f"real-{k.lower()}-value" for k in _env_example_secrets()}
    assert secrets_check.main(["check"], env) == 0
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("profiles", ["demo", "monitoring,demo", " demo "])
def test_check_accepts_the_example_values_in_the_demo(profiles: str) -> None:
    assert secrets_check.main(["check"], {**_env_example_secrets(), "COMPOSE_PROFILES": profiles}) == 0


def test_check_does_not_take_a_profile_named_like_demo_for_the_demo() -> None:
    assert secrets_check.main(["check"], {"POSTGRES_PASSWORD": "change-me", "COMPOSE_PROFILES": "demo2"}) == 1


def test_env_example_runs_the_demo_so_its_placeholders_pass() -> None:
    env = _env_example()
    assert env["COMPOSE_PROFILES"] == (True, "demo")
    assert secrets_check.main(["check"], {**_env_example_secrets(), "COMPOSE_PROFILES": "demo"}) == 0


def test_the_module_runs_as_compose_runs_it() -> None:
    """``python -m twspulse.secrets_check check``: exit 1 and one line on stderr, as the container would."""
    env = {"PATH": "/usr/bin:/bin", "POSTGRES_PASSWORD": "change-me", "COMPOSE_PROFILES": ""}
    done = subprocess.run(
        [sys.executable, "-m", "twspulse.secrets_check", "check"], env=env, capture_output=True, text=True, cwd=ROOT
    )
    assert done.returncode == 1 and done.stderr.count("\n") == 1 and "POSTGRES_PASSWORD" in done.stderr
    done = subprocess.run(
        [sys.executable, "-m", "twspulse.secrets_check", "check"],
        env={**env, "COMPOSE_PROFILES": "demo"},
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr


def test_unknown_arguments_are_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert secrets_check.main(["chek"], {}) == 2
    assert "usage" in capsys.readouterr().err
