"""Runs a Node script against PGlite + TimescaleDB (tests/sql/pglite) and returns its JSON report.

Shared by the schema conformance test and the dashboard panel test: both hand a plan (migrations, sample
SQL, queries) to a script that runs it in-process under Node and prints one JSON report as its last line.
Skips the calling test only when node or npm is missing; runs `npm ci` once when node_modules is missing or
does not match the lock file.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from twspulse import db

PGLITE_DIR = Path(__file__).parent / "pglite"
NPM_CI_TIMEOUT_S = 600  # a cold install downloads ~10 MB; a warm cache takes seconds


def migrations_plan() -> list[dict[str, Any]]:
    """Every migration as the runner applies it."""
    return [{"version": m.version, "name": m.name, "checksum": m.checksum, "sql": m.sql} for m in db.load_migrations()]


def _installed_matches_lock() -> bool:
    lock = json.loads((PGLITE_DIR / "package-lock.json").read_text())
    for path, meta in lock["packages"].items():
        if not path:
            continue
        installed = PGLITE_DIR / path / "package.json"
        if not installed.exists() or json.loads(installed.read_text()).get("version") != meta["version"]:
            return False
    return True


def run_pglite(
    script: Path, plan: dict[str, Any], workdir: Path, timeout_s: float, require_exit_zero: bool = True
) -> dict[str, Any]:
    """Install PGlite if needed, run ``node script plan.json`` and return its report (the last stdout line)."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        pytest.skip("node and npm are not installed: the TimescaleDB conformance tests run PGlite under Node")
    if not _installed_matches_lock():
        t0 = time.monotonic()
        done = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=PGLITE_DIR,
            capture_output=True,
            text=True,
            timeout=NPM_CI_TIMEOUT_S,
        )
        assert done.returncode == 0, f"npm ci failed:\n{done.stdout}\n{done.stderr}"
        print(f"npm ci took {time.monotonic() - t0:.1f} s")
    plan_file = workdir / "plan.json"
    plan_file.write_text(json.dumps(plan))
    done = subprocess.run(
        [node, str(script), str(plan_file)], cwd=PGLITE_DIR, capture_output=True, text=True, timeout=timeout_s
    )
    assert done.stdout.strip(), f"no report (exit {done.returncode}):\n{done.stderr[-4000:]}"
    # The report is the last line: anything the engine prints to stdout comes before it.
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["fatal"] is None, f"{result['fatal']}\n{done.stderr[-4000:]}"
    if require_exit_zero:
        assert done.returncode == 0, done.stderr[-4000:]
    return result
