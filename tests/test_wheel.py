"""The wheel installs and runs outside the repository: one ``twspulse`` namespace, the run-time files inside it.

The wheel is built from this checkout and installed (``--no-deps``: the dependencies are this venv's) into a
folder of its own; every command runs from another folder with that folder first on ``PYTHONPATH``, so the
checkout's own ``twspulse`` (on the venv's path through the editable install) is not the one imported.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from twspulse.settings import REPO_ROOT

DESIGN_PACKAGES = ("connectors", "streams", "models", "simulator", "dashboards")
DB = {"TWSPULSE_KAFKA_BOOTSTRAP": "127.0.0.1:9"}  # both URLs set: no local engine is looked for; db needs no broker


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(the wheel, the folder it is installed into)."""
    out = tmp_path_factory.mktemp("wheel")
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out / "dist"),
         str(REPO_ROOT)],
        capture_output=True, text=True, timeout=300, cwd=out,
    )  # fmt: skip
    assert build.returncode == 0, build.stderr
    wheel = next((out / "dist").glob("twspulse-*.whl"))
    target = out / "site"
    install = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert install.returncode == 0, install.stderr
    return wheel, target


def _run(target: Path, cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("TWSPULSE_")}
    environ |= {"PYTHONPATH": str(target), "HOME": str(cwd), "XDG_DATA_HOME": str(cwd / "data")} | (env or {})
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=120, cwd=cwd, env=environ)


def test_the_wheel_holds_one_namespace_and_the_files_read_at_run_time(installed: tuple[Path, Path]) -> None:
    wheel, _ = installed
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names if not n.startswith("twspulse-")}
    assert tops == {"twspulse"}, tops  # no `models`, `streams`, ... clashing in site-packages
    for needed in ("twspulse/sql/001_schema_migrations_and_extension.sql", "twspulse/sql/analyst_queries.sql",
                   "twspulse/dashboards/grafana/operations-overview.json",
                   "twspulse/dashboards/provisioning/datasources/timescaledb.yaml",
                   "twspulse/simulator/openapi-v2-subset.json", "twspulse/engines/kafka-pom.xml"):  # fmt: skip
        assert needed in names, needed
    migrations = [n for n in names if n.startswith("twspulse/sql/0")]
    assert len(migrations) == len(list((REPO_ROOT / "twspulse" / "sql").glob("0*.sql")))


def test_the_installed_package_runs_from_another_folder_and_migrates_a_database(
    installed: tuple[Path, Path], tmp_path: Path, database_url: str
) -> None:
    _, target = installed
    where = _run(target, tmp_path, "-c", "import twspulse.db, twspulse.settings as s; "
                 "print(twspulse.db.SQL_DIR); print(s.Settings().data_dir); print(s.IN_CHECKOUT)")  # fmt: skip
    assert where.returncode == 0, where.stderr
    sql_dir, data_dir, in_checkout = where.stdout.split()
    assert Path(sql_dir).is_relative_to(target) and in_checkout == "False"
    assert Path(data_dir) == tmp_path / "data" / "twspulse"  # not beside site-packages
    for package in DESIGN_PACKAGES:
        imported = _run(target, tmp_path, "-c", f"import twspulse.{package} as p; print(p.__file__)")
        assert imported.returncode == 0 and Path(imported.stdout.strip()).is_relative_to(target), imported.stderr
    assert _run(target, tmp_path, "-m", "twspulse.cli", "--help").returncode == 0
    migrated = _run(
        target, tmp_path, "-m", "twspulse.cli", "db", "migrate", env=DB | {"TWSPULSE_DATABASE_URL": database_url}
    )
    assert migrated.returncode == 0, migrated.stderr
    status = _run(
        target, tmp_path, "-m", "twspulse.cli", "db", "status", env=DB | {"TWSPULSE_DATABASE_URL": database_url}
    )
    latest = sorted((REPO_ROOT / "twspulse" / "sql").glob("0*.sql"))[-1].stem  # every migration was applied
    assert status.returncode == 0 and f"latest {latest} at" in status.stdout, status.stdout + status.stderr
