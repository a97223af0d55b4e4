"""The learned line model and how the rules engine uses it, on invented joblogs and hand-set weights."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from tests.models.annotate.test_rules_engine import _annotate
from twspulse.models.annotate import line_model
from twspulse.models.annotate.cli import annotate_command
from twspulse.models.annotate.evaluation import LEARNING_SPLITS, SPLITS, labelled_joblogs
from twspulse.models.annotate.line_model import (
    LINE_FEATURES,
    LabelledJoblog,
    LineModel,
    fit,
    preferred_line,
    shipped_model,
    training_digest,
)
from twspulse.models.annotate.rules_engine import RulesEngine

CATEGORIES = ("disk_full", "network", "permission")
_FAILURES = {
    "disk_full": "{tool}: write to {path} stopped: no room left on volume",
    "network": "{tool}: cannot reach {host}:{port}: peer refused the link",
    "permission": "{tool}: opening {path} refused: caller lacks the right",
}


def _synthetic(rng: random.Random, category: str) -> LabelledJoblog:
    """An invented joblog: progress, an echoed command, the tool's message, then the wrapper's verdict."""
    tool = rng.choice(["qmover", "zfetch", "blobctl", "tallyrun"])
    path = f"/srv/{rng.choice(['in', 'out', 'spool'])}/f{rng.randint(1, 999)}.dat"
    error = _FAILURES[category].format(
        tool=tool, path=path, host=f"node{rng.randint(1, 99)}", port=rng.randint(80, 9999)
    )
    lines = [f"step {i} started, processed {rng.randint(1, 10_000)} rows" for i in range(rng.randint(2, 8))]
    lines += [f"+ {tool} --src {path}", error, f"wrapper: step {len(lines)} failed rc={rng.choice([4, 8, 12])}"]
    lines += ["cleanup done"] * rng.randint(0, 2)
    return LabelledJoblog(tuple(lines), frozenset({error}), category)


def _training(seed: int = 1, count: int = 60) -> list[LabelledJoblog]:
    rng = random.Random(seed)
    return [_synthetic(rng, CATEGORIES[i % len(CATEGORIES)]) for i in range(count)]


def _hand_set(line_words: dict[str, float]) -> LineModel:
    """A model whose line score is the logistic of the given words' weights summed, minus 4."""
    weights = np.zeros(LINE_FEATURES)
    for word, value in line_words.items():
        weights[line_model._bucket("w:" + word, LINE_FEATURES)] = value
    return LineModel(weights, -4.0, "hand-set")


def test_the_line_model_learns_that_the_tools_message_states_the_failure_not_its_echo_or_verdict() -> None:
    model = fit(_training())
    for category in CATEGORIES:
        fresh = _synthetic(random.Random(99), category)
        indexes = list(range(len(fresh.lines)))
        scores = model.line_scores(fresh.lines, indexes)
        best = fresh.lines[int(scores.argmax())]
        assert best in fresh.error_lines
        verdict = next(i for i, line in enumerate(fresh.lines) if line.startswith("wrapper:"))
        assert scores.max() > scores[verdict] + 0.3


def test_fitting_is_deterministic_and_the_weights_survive_save_and_load(tmp_path: Path) -> None:
    data = _training(seed=3, count=30)
    first, second = fit(data), fit(data)
    np.testing.assert_array_equal(first.line_weights, second.line_weights)
    assert first.trained_on == second.trained_on == training_digest(data)
    path = tmp_path / "model.npz"
    first.save(path)
    loaded = LineModel.load(path)
    lines = data[0].lines
    np.testing.assert_allclose(
        loaded.line_scores(lines, range(len(lines))),
        first.line_scores(lines, range(len(lines))),
        atol=1e-5,
    )
    assert loaded.trained_on == first.trained_on
    assert training_digest(_training(seed=4, count=30)) != first.trained_on


def test_another_line_must_be_clearly_more_likely_to_take_the_rules_place() -> None:
    body = ("alpha gamma", "beta gamma", "delta")
    model = _hand_set({"alpha": 3.0, "beta": 3.2, "delta": 6.0})
    # delta is far more likely than alpha: it takes the place
    preference = preferred_line(model, body, [0, 1, 2], chosen=0)
    assert preference is not None and preference.index == 2 and preference.score > preference.over + 0.1
    # beta is only slightly more likely than alpha (less than the switch margin): the rules' line stays
    assert preferred_line(model, body, [0, 1], chosen=0) is None
    # the rules' own line wins: nothing to change
    assert preferred_line(model, body, [0, 2], chosen=2) is None
    # no other candidate, or a rules' line outside the output: nothing to change
    assert preferred_line(model, body, [], chosen=0) is None
    assert preferred_line(model, body, [2], chosen=7) is None


_NEAR_TIE = (
    "cp: cannot stat '/data/in/hr_feed.csv': No such file or directory\n"
    "loader: input file /data/in/hr_feed_ok.csv not found\n"
    "wrapper: step 2 failed rc=12\n"
)


def test_the_engine_follows_the_model_among_the_rules_near_ties_and_says_so() -> None:
    rules_alone = _annotate(_NEAR_TIE, engine=RulesEngine(line_model=None))
    assert rules_alone.error_line.startswith("cp: cannot stat")  # type: ignore[union-attr]
    assert "line_model" not in rules_alone.entities
    with_model = _annotate(_NEAR_TIE, engine=RulesEngine(line_model=_hand_set({"loader": 8.0})))
    assert with_model.error_line == "loader: input file /data/in/hr_feed_ok.csv not found"
    assert with_model.category == "missing_file"  # the rules' reading of the chosen line
    assert "/data/in/hr_feed_ok.csv" in with_model.root_cause
    assert str(with_model.entities["line_model"]).startswith("hand-set: line ")


def test_the_model_never_moves_the_answer_to_a_line_the_rules_read_far_less_or_not_at_all() -> None:
    # the wrapper's verdict is read far below the tool's message, "cleanup" not at all
    body = "cp: cannot stat '/data/in/hr_feed.csv': No such file or directory\nwrapper: step 2 failed rc=12\ncleanup\n"
    for words in ({"wrapper": 9.0}, {"cleanup": 9.0}):
        annotation = _annotate(body, engine=RulesEngine(line_model=_hand_set(words)))
        assert annotation.error_line.startswith("cp: cannot stat")  # type: ignore[union-attr]
        assert "line_model" not in annotation.entities


def test_a_line_naming_no_target_never_replaces_one_that_names_it_nor_does_a_java_chain_link() -> None:
    named = "cp: cannot stat '/data/in/hr_feed.csv': No such file or directory"
    body = f"{named}\nloader: input file not found\nwrapper: step 2 failed rc=12\n"
    annotation = _annotate(body, engine=RulesEngine(line_model=_hand_set({"loader": 9.0})))
    assert annotation.error_line == named and "line_model" not in annotation.entities
    chain = (
        "app: publish failed\n"
        "Caused by: java.util.concurrent.ExecutionException: com.acme.q.QException: Connection refused: "
        "q7.corp.test:7000\n"
        "Caused by: io.net.ConnectFailure: Connection refused: q7.corp.test/10.1.1.7:7000\n"
        "\tat io.net.Poller.poll(Poller.java:88)\n"
    )
    rules_alone = _annotate(chain, engine=RulesEngine(line_model=None))
    with_model = _annotate(chain, engine=RulesEngine(line_model=_hand_set({"executionexception": 9.0, "app": 9.0})))
    assert with_model.error_line == rules_alone.error_line


def test_with_no_line_the_rules_read_the_model_changes_nothing() -> None:
    # the finder flags the line (ERROR), no rule or evidence reads it: unknown, with or without the model
    body = "step 1 done\nERROR flumph grommet wobbled on spindle 4\nstep 2 skipped\n"
    rules_alone = _annotate(body, engine=RulesEngine(line_model=None))
    with_model = _annotate(body, engine=RulesEngine(line_model=_hand_set({"skipped": 9.0, "grommet": 9.0})))
    assert rules_alone.category == with_model.category == "unknown"
    assert rules_alone.error_line == with_model.error_line == "ERROR flumph grommet wobbled on spindle 4"
    assert "line_model" not in with_model.entities


def test_the_shipped_model_was_trained_on_the_learning_splits_and_the_engine_loads_it() -> None:
    shipped = shipped_model()
    assert shipped is not None and RulesEngine().line_model is shipped
    assert set(LEARNING_SPLITS) <= set(SPLITS)
    joblogs = [case for split in LEARNING_SPLITS for case in labelled_joblogs(SPLITS[split])]
    assert shipped.trained_on == training_digest(joblogs)  # retrain with `twspulse annotate learn` when they change


def test_cli_learns_a_model_from_a_directory_and_eval_can_leave_it_out(tmp_path: Path) -> None:
    cases = tmp_path / "cases"
    cases.mkdir()
    expected = {}
    for i, joblog in enumerate(_training(seed=5, count=12)):
        (cases / f"c{i}.log").write_text("\n".join(joblog.lines) + "\n")
        expected[f"c{i}.log"] = {"category": joblog.category, "error_line": next(iter(joblog.error_lines))}
    (cases / "expected.json").write_text(json.dumps(expected))
    out = tmp_path / "m.npz"
    result = CliRunner().invoke(annotate_command, ["learn", "--out", str(out), str(cases)])
    assert result.exit_code == 0, result.output
    assert "trained on 12 joblogs" in result.output
    assert LineModel.load(out).trained_on == training_digest(labelled_joblogs(cases))
    rules_only = CliRunner().invoke(annotate_command, ["eval", str(cases), "--rules-only", "--json"])
    assert rules_only.exit_code == 0, rules_only.output
    assert json.loads(rules_only.output)["cases"] == 12


HARMLESS = [
    # settings, success and progress lines an invented job prints before an unexplained end
    "connect_timeout = 45",
    "retry window set to 30s for remote calls",
    "file /srv/in/parts.csv present, 2048 bytes",
    "permission check passed for /srv/out",
    "lookup of duplicate ids: none",
    "session timeout reset to 900s",
    "input file: /srv/in/parts.csv",
    "exec /opt/jobs/run_parts.sh --timeout 600 --input /srv/in/parts.csv",
]


def test_the_shipped_engine_reads_no_failure_in_settings_and_success_lines() -> None:
    for line in HARMLESS:
        body = f"job PARTS starting\nreading parameters\n{line}\nloading stage table\njob PARTS ended\n"
        annotation = _annotate(body)
        assert annotation.category == "unknown", (line, annotation.error_line)


def test_a_model_file_that_does_not_fit_this_version_is_refused_and_the_rules_answer_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bigger = LineModel(np.zeros(LINE_FEATURES * 2), 0.0, "x")
    bigger.line_weights[-1] = 1.0
    path = tmp_path / "bigger.npz"
    bigger.save(path)
    assert not list(tmp_path.glob("*.partial.npz"))  # written beside, then moved into place
    with pytest.raises(ValueError, match="more hashed features"):
        LineModel.load(path)
    not_finite = LineModel(np.zeros(LINE_FEATURES), float("nan"), "x")
    not_finite.save(tmp_path / "nan.npz")
    with pytest.raises(ValueError, match="not finite"):
        LineModel.load(tmp_path / "nan.npz")
    good = tmp_path / "good.npz"
    fit(_training(seed=7, count=12)).save(good)
    damaged = bytearray(good.read_bytes())
    damaged[200:400] = bytes(255 - b for b in damaged[200:400])  # a flipped stretch inside the compressed data
    files = {"empty.npz": b"", "corrupt.npz": b"not a model", "damaged.npz": bytes(damaged)}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
        monkeypatch.setattr(line_model, "MODEL_PATH", tmp_path / name)
        monkeypatch.setattr(line_model, "_SHIPPED", {})
        assert shipped_model() is None, name
        engine = RulesEngine()
        assert engine.line_model is None
        assert _annotate(_NEAR_TIE, engine=engine).error_line.startswith("cp: cannot stat")  # type: ignore[union-attr]
