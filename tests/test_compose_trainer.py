"""The trainer service's loop and healthcheck, run here as compose would run them in the container.

The loop (``sh -c``) touches trainer-started once and trainer-last-success after every ``twspulse train`` that
exits 0; the healthcheck (``python -c``) is healthy while the newer of the two is younger than two intervals
plus an hour. Both are taken from compose.yaml as they are, with the container's data dir pointed at a temp
dir, ``twspulse`` a stub that exits with a chosen code, and ``sleep`` a stub that ends the loop.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.test_compose import SERVICES

TRAINER = SERVICES["trainer"]
DATA_DIR = "/var/lib/twspulse/"
INTERVAL = 600


def _unescape(text: str) -> str:
    """What the container gets: compose turns ``$$`` into ``$``."""
    return text.replace("$$", "$")


def _run_loop(tmp_path: Path, train_exit: int) -> subprocess.CompletedProcess[str]:
    stubs = tmp_path / "bin"
    stubs.mkdir()
    (stubs / "twspulse").write_text(f'#!/bin/sh\necho "ran twspulse $*"\nexit {train_exit}\n')
    (stubs / "sleep").write_text('#!/bin/sh\necho "slept $1"\nkill -TERM $PPID\n')  # one round, then stop
    for stub in stubs.iterdir():
        stub.chmod(0o755)
    data = tmp_path / "data"
    data.mkdir()
    script = _unescape("\n".join(TRAINER["command"])).replace(DATA_DIR, f"{data}/")
    assert TRAINER["entrypoint"] == ["sh", "-c"]
    return subprocess.run(
        ["sh", "-c", script],
        env={"PATH": f"{stubs}:/usr/bin:/bin", "TRAIN_INTERVAL_S": str(INTERVAL)},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_successful_run_leaves_the_success_file(tmp_path: Path) -> None:
    done = _run_loop(tmp_path, 0)
    assert "ran twspulse train" in done.stdout and f"slept {INTERVAL}" in done.stdout
    assert (tmp_path / "data" / "trainer-started").exists()
    assert (tmp_path / "data" / "trainer-last-success").exists()


def test_a_failed_run_leaves_no_success_file_and_says_so(tmp_path: Path) -> None:
    done = _run_loop(tmp_path, 3)
    assert "twspulse train failed with exit code 3" in done.stderr
    assert f"slept {INTERVAL}" in done.stdout  # and the loop goes on to the next interval
    assert (tmp_path / "data" / "trainer-started").exists()
    assert not (tmp_path / "data" / "trainer-last-success").exists()


def _healthy(tmp_path: Path, ages: dict[str, float | None]) -> bool:
    """Run the healthcheck with the two files at the given ages in seconds (None: absent)."""
    test = TRAINER["healthcheck"]["test"]
    assert test[:3] == ["CMD", "python", "-c"]
    now = time.time()
    for name, age in ages.items():
        if age is not None:
            (tmp_path / name).touch()
            os.utime(tmp_path / name, (now - age, now - age))
    code = _unescape(test[3]).replace(DATA_DIR, f"{tmp_path}/")
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={"TRAIN_INTERVAL_S": str(INTERVAL)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode in (0, 1), done.stderr
    return done.returncode == 0


LIMIT = 2 * INTERVAL + 3600


@pytest.mark.parametrize(
    ("started", "success", "healthy"),
    [
        (None, None, False),  # the loop never started
        (60, None, True),  # first run still going
        (LIMIT + 60, None, False),  # never succeeded since the start
        (LIMIT * 10, 60, True),  # succeeded recently
        (LIMIT * 10, LIMIT - 60, True),  # one missed run is tolerated
        (LIMIT * 10, LIMIT + 60, False),  # two are not
    ],
)
def test_healthcheck_follows_the_age_of_the_last_success(
    tmp_path: Path, started: float | None, success: float | None, healthy: bool
) -> None:
    assert _healthy(tmp_path, {"trainer-started": started, "trainer-last-success": success}) is healthy


def test_the_healthcheck_reads_the_interval_compose_passes() -> None:
    assert "TRAIN_INTERVAL_S" in TRAINER["environment"]
    assert "TRAIN_INTERVAL_S" in TRAINER["healthcheck"]["test"][3]
    assert TRAINER["healthcheck"]["interval"] and TRAINER["healthcheck"]["retries"] >= 1
