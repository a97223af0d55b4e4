"""The batch detector: an IsolationForest over what a job run looked like, trained from the database.

The streaming scorer watches one number at a time; a run can be odd only in combination (a normal runtime that
started two hours late on a saturated host, a quick exit with a non-zero return code at an unusual hour). An
IsolationForest needs no labels and scores that multivariate oddity.

Versions are files: ``<model_dir>/<name>/<version>.joblib`` plus a ``latest`` pointer file holding the version,
replaced atomically (``os.replace``). A worker holding a :class:`LatestModel` re-reads the pointer when its
mtime changes, so a nightly retrain reaches running workers without a restart, and a reader never sees a
half-written model (the model file is complete before the pointer names it).
"""

from __future__ import annotations

import os
import pickle
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd
import psycopg
import structlog
from sklearn.ensemble import IsolationForest

from twspulse.models.series import JOB_KEY_SQL

log = structlog.get_logger(__name__)

MODEL_NAME = "job_run_iforest"
POINTER = "latest"
FEATURES = (
    "duration_s",
    "late_start_s",
    "duration_deviation",
    "failed_rc",  # return_code != 0
    "cpu_mean",  # workstation CPU % during the run, when its host reports metrics
    "memory_mean",  # workstation memory % during the run
    "hour_of_day",
)
KEEP_VERSIONS = 5  # versions kept on disk: the latest plus a few to roll back to
MIN_RUNS = 50  # fewer final runs than this: no model (an IsolationForest of a handful of points flags noise)
# Share of training runs the forest calls anomalous. sklearn's "auto" flagged about a fifth of the demo's runs
# (weekend and month-end runs are legitimately different): an SRE reads 1 %, and the scores are kept anyway.
CONTAMINATION = 0.01

# Final runs with their features. Host metrics are matched on the workstation's node name as the engine reports
# it (workstation_status.node_name), or on a host named like the workstation (as is or lower-cased), which keeps
# the lookup on host_metrics' primary key; runs on workstations without a reporting host get NULLs, which the
# model fills with its training medians.
_RUNS_SQL = f"""
SELECT r.time, r.run_id, {JOB_KEY_SQL},
       r.duration_s,
       coalesce(r.late_start_s, extract(epoch FROM r.start_time - r.sched_time)),
       r.duration_deviation,
       CASE WHEN r.return_code IS NULL THEN NULL WHEN r.return_code <> 0 THEN 1.0 ELSE 0.0 END,
       hm.cpu_mean, hm.memory_mean,
       extract(hour FROM coalesce(r.start_time, r.time) AT TIME ZONE 'UTC')
  FROM job_runs r
  LEFT JOIN LATERAL (
    SELECT avg(value) FILTER (WHERE metric = 'cpu.percent') AS cpu_mean,
           avg(value) FILTER (WHERE metric = 'memory.percent') AS memory_mean
      FROM host_metrics
     WHERE host IN (r.workstation, lower(r.workstation),
                    (SELECT w.node_name FROM workstation_status w
                      WHERE w.workstation IN (r.workstation, regexp_replace(r.workstation, '^.*/', ''))
                      ORDER BY w.time DESC LIMIT 1))
       AND metric IN ('cpu.percent', 'memory.percent') AND device = ''
       AND time BETWEEN r.start_time AND r.end_time
  ) hm ON r.start_time IS NOT NULL AND r.end_time IS NOT NULL
 WHERE r.category IN ('succeeded', 'failed') AND r.duration_s IS NOT NULL AND r.time >= %s
 ORDER BY r.time
"""


class ModelNotFound(FileNotFoundError):
    """No version of the model has been saved yet (or the pointer names a missing file)."""


@dataclass
class RunAnomalyModel:
    """A trained forest with what scoring needs: feature order and the medians that fill missing values."""

    version: str
    trained_at: datetime
    n_runs: int
    features: tuple[str, ...]
    fill: dict[str, float]
    forest: IsolationForest

    def matrix(self, frame: pd.DataFrame) -> np.ndarray:
        """Feature matrix in the model's order with missing values filled (also for unseen columns)."""
        cols = [pd.to_numeric(frame[f], errors="coerce") if f in frame else pd.Series(np.nan, index=frame.index)
                for f in self.features]  # fmt: skip
        x = pd.concat(cols, axis=1, keys=list(self.features)).astype(float)
        return x.fillna(self.fill).fillna(0.0).to_numpy()

    def score(self, frame: pd.DataFrame) -> np.ndarray:
        """Anomaly scores in [0, 1] (the paper's ``2^(-E(h)/c(n))``): above ~0.5 is unusual, near 1 isolated."""
        return np.clip(-self.forest.score_samples(self.matrix(frame)), 0.0, 1.0)

    def is_anomaly(self, frame: pd.DataFrame) -> np.ndarray:
        """The forest's own decision (its offset from the training contamination)."""
        return np.asarray(self.forest.predict(self.matrix(frame)) == -1)


def load_run_features(conn: psycopg.Connection[Any], since: datetime) -> pd.DataFrame:
    """Final runs since ``since`` with time, run_id, job_key and the :data:`FEATURES` columns."""
    rows = conn.execute(_RUNS_SQL, (since,)).fetchall()
    return pd.DataFrame(rows, columns=["time", "run_id", "job_key", *FEATURES]).astype({f: float for f in FEATURES})


def train(frame: pd.DataFrame, version: str | None = None, seed: int = 0) -> RunAnomalyModel | None:
    """Fit the forest on run features; None when there are fewer than :data:`MIN_RUNS` runs."""
    if len(frame) < MIN_RUNS:
        return None
    trained_at = datetime.now(UTC)
    fill = {f: float(v) for f in FEATURES if f in frame and np.isfinite(v := frame[f].astype(float).median())}
    model = RunAnomalyModel(
        version=version or trained_at.strftime("%Y%m%dT%H%M%S%fZ"),
        trained_at=trained_at,
        n_runs=len(frame),
        features=FEATURES,
        fill=fill,
        forest=IsolationForest(n_estimators=100, max_samples="auto", contamination=CONTAMINATION, random_state=seed),
    )
    model.forest.fit(model.matrix(frame))
    return model


class ModelStore:
    """Versions of one model under ``<model_dir>/<name>/`` and the ``latest`` pointer."""

    def __init__(self, model_dir: Path, name: str = MODEL_NAME) -> None:
        self.dir = Path(model_dir) / name

    @property
    def pointer(self) -> Path:
        """The file naming the latest version."""
        return self.dir / POINTER

    def path(self, version: str) -> Path:
        """Where a version lives."""
        return self.dir / f"{version}.joblib"

    def save(self, model: RunAnomalyModel, make_latest: bool = True) -> Path:
        """Write the version (atomically), then point ``latest`` at it (atomically)."""
        self.dir.mkdir(parents=True, exist_ok=True)
        target = self.path(model.version)
        _atomic_write(target, lambda f: joblib.dump(model, f))
        if make_latest:
            _atomic_write(self.pointer, lambda f: f.write(model.version.encode()))
        return target

    def latest_version(self) -> str | None:
        """The version the pointer names, or None before the first save."""
        try:
            return self.pointer.read_text().strip() or None
        except FileNotFoundError:
            return None

    def load(self, version: str) -> RunAnomalyModel:
        """One version."""
        path = self.path(version)
        if not path.exists():
            raise ModelNotFound(f"no model version {version!r} at {path}")
        model = joblib.load(path)
        if not isinstance(model, RunAnomalyModel):
            raise TypeError(f"{path} holds a {type(model).__name__}, not a RunAnomalyModel")
        return model

    def prune(self, keep: int = KEEP_VERSIONS) -> list[str]:
        """Delete all but the newest ``keep`` versions (never the one ``latest`` names); returns what went."""
        latest = self.latest_version()
        old = [v for v in self.versions()[:-keep] if v != latest] if keep > 0 else []
        for version in old:
            self.path(version).unlink(missing_ok=True)
        return old

    def versions(self) -> list[str]:
        """Saved versions, oldest first (versions are UTC timestamps, so names sort by time)."""
        return sorted(p.stem for p in self.dir.glob("*.joblib"))


_UNLOADABLE = (OSError, ValueError, TypeError, EOFError, AttributeError, ImportError, pickle.UnpicklingError)


class LatestModel:
    """The latest version for a long-running reader, reloaded when the pointer changes (no restart needed).

    :meth:`load_latest` costs one ``stat`` when nothing changed, so the worker can call it per batch.
    """

    def __init__(self, store: ModelStore) -> None:
        self.store = store
        self.model: RunAnomalyModel | None = None
        self._seen: tuple[int, str | None] | None = None

    def load_latest(self) -> RunAnomalyModel | None:
        """The current latest model (None before the first training), reloading it if a newer one was saved."""
        try:
            mtime = self.store.pointer.stat().st_mtime_ns
        except FileNotFoundError:
            return self.model
        if self._seen is not None and self._seen[0] == mtime:
            return self.model
        version = self.store.latest_version()
        self._seen = (mtime, version)  # a version that cannot be loaded is not retried at every batch
        if version is not None and (self.model is None or self.model.version != version):
            try:
                self.model = self.store.load(version)
            except (
                OSError,
                ValueError,
                TypeError,
                EOFError,
                AttributeError,
                ImportError,
                pickle.UnpicklingError,
            ) as exc:
                # a half-copied or incompatible file must not stop scoring: keep the version in use
                log.error("model.load_failed", version=version, error=f"{type(exc).__name__}: {exc}",
                          kept=self.model.version if self.model else None)  # fmt: skip
        return self.model


def _atomic_write(target: Path, write: Any) -> None:
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
