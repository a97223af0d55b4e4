"""IsolationForest versions: save, load, and a running reader picking up a new latest without a restart."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from twspulse.models.isolation_forest import FEATURES, LatestModel, ModelNotFound, ModelStore, train


def _runs(n: int = 300, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "duration_s": rng.normal(600, 30, n),
            "late_start_s": rng.normal(5, 2, n),
            "duration_deviation": rng.normal(1, 0.05, n),
            "failed_rc": np.zeros(n),
            "cpu_mean": np.where(rng.random(n) < 0.3, np.nan, rng.normal(40, 5, n)),  # hosts not always known
            "memory_mean": rng.normal(60, 3, n),
            "hour_of_day": rng.integers(0, 24, n).astype(float),
        }
    )


def test_odd_run_scores_higher_than_usual_ones() -> None:
    model = train(_runs(), version="v1")
    assert model is not None and model.features == FEATURES
    odd = pd.DataFrame([{"duration_s": 4000, "late_start_s": 3600, "duration_deviation": 6.5, "failed_rc": 1,
                         "cpu_mean": 99, "memory_mean": 97, "hour_of_day": 3}])  # fmt: skip
    usual = _runs(50, seed=1)
    assert model.score(odd)[0] > usual.pipe(model.score).max()
    assert model.is_anomaly(odd)[0]
    assert 0 <= model.score(usual).min() <= model.score(usual).max() <= 1


def test_too_few_runs_gives_no_model() -> None:
    assert train(_runs(10)) is None


def test_versions_are_saved_loaded_and_latest_is_picked_up_without_restart(tmp_path: Path) -> None:
    store = ModelStore(tmp_path / "models")
    reader = LatestModel(store)
    assert reader.load_latest() is None
    with pytest.raises(ModelNotFound):
        store.load("nope")

    store.save(train(_runs(), version="20261124T020000Z"))  # type: ignore[arg-type]
    first = reader.load_latest()
    assert first is not None and first.version == "20261124T020000Z"
    assert reader.load_latest() is first  # unchanged pointer: no reload

    store.save(train(_runs(seed=2), version="20261125T020000Z"))  # type: ignore[arg-type]
    st = store.pointer.stat()
    os.utime(store.pointer, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))  # coarse-mtime file systems
    second = reader.load_latest()
    assert second is not None and second.version == "20261125T020000Z"
    assert store.versions() == ["20261124T020000Z", "20261125T020000Z"]
    assert store.pointer.read_text() == "20261125T020000Z"
    assert not list(store.dir.glob("*.tmp"))  # atomic writes leave no temporary files behind
    assert store.load("20261124T020000Z").version == "20261124T020000Z"


def test_an_unloadable_latest_version_keeps_the_model_in_use(tmp_path: Path) -> None:
    store = ModelStore(tmp_path / "models")
    reader = LatestModel(store)
    store.save(train(_runs(), version="20261124T020000Z"))  # type: ignore[arg-type]
    assert reader.load_latest() is not None
    store.path("20261125T020000Z").write_bytes(b"half a pickle")  # a copy cut short, then the pointer moved
    store.pointer.write_text("20261125T020000Z")
    st = store.pointer.stat()
    os.utime(store.pointer, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    kept = reader.load_latest()  # no exception: scoring goes on with the version in use
    assert kept is not None and kept.version == "20261124T020000Z"


def test_old_versions_are_pruned_but_never_the_latest(tmp_path: Path) -> None:
    store = ModelStore(tmp_path / "models")
    model = train(_runs())
    assert model is not None
    for day in range(1, 8):
        store.save(model.__class__(**{**model.__dict__, "version": f"202611{day:02d}T020000Z"}))
    assert store.prune(keep=3) == ["20261101T020000Z", "20261102T020000Z", "20261103T020000Z", "20261104T020000Z"]
    assert store.versions() == ["20261105T020000Z", "20261106T020000Z", "20261107T020000Z"]
    assert store.latest_version() == "20261107T020000Z"
