"""The evaluation splits: held-out sets stay frozen, the CLI scores a split by name, counts are reported."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from twspulse.models.annotate.cli import annotate_command
from twspulse.models.annotate.evaluation import (
    LEARNING_SPLITS,
    SPLITS,
    UNSEEN_BY_SHIPPED_ENGINE,
    evaluate,
    resolve_split,
    verify_frozen,
)
from twspulse.models.annotate.exceptions import EvalSetError
from twspulse.models.annotate.excerpt import read_joblog
from twspulse.models.annotate.rules_engine import RulesEngine

HELD_OUT = [
    "heldout",
    "blind",
    "blind2",
    "blind3",
    "blind4",
    "blind5",
    "blind6",
    "blind7",
    "blind8",
    "blind9",
    "blind10",
    "blind11",
    "blind12",
    "blind13",
    "blind14",
    "blind15",
    "blind16",
    "blind17",
    "blind18",
    "blind19",
    "blind20",
    "blind21",
    "blind22",
    "blind23",
    "blind24",
    "blind25",
    "blind26",
    "blind27",
    "blind28",
    "blind29",
    "blind30",
    "blind31",
    "blind32",
    "blind33",
    "blind34",
    "blind35",
    "blind36",
    "blind37",
    "blind38",
    "blind39",
    "blind40",
    "blind41",
    "blind42",
    "blind43",
    "blind44",
    "blind45",
    "blind46",
    "blind47",
    "blind48",
    "blind49",
    "blind50",
    "blind51",
    "blind52",
    "blind53",
    "blind54",
    "blind55",
    "blind56",
    "blind57",
    "blind58",
    "blind59",
    "blind60",
    "blind61",
    "blind62",
    "blind63",
    "blind64",
    "blind65",
    "blind66",
    "blind67",
    "blind68",
    "blind69",
    "blind70",
    "blind71",
    "blind72",
    "blind73",
    "blind74",
    "blind75",
    "blind76",
    "blind77",
    "blind78",
    "blind79",
    "blind80",
    "blind81",
    "blind82",
    "blind83",
    "blind84",
    "blind85",
    "blind86",
    "blind87",
    "blind88",
    "blind89",
    "blind90",
    "blind91",
    "blind92",
    "blind93",
    "blind94",
    "blind95",
    "blind96",
    "blind97",
    "blind98",
    "blind99",
    "blind100",
    "blind101",
    "blind102",
    "blind103",
    "blind104",
    "blind105",
    "blind106",
    "blind107",
    "blind108",
    "blind109",
    "blind110",
    "blind111",
    "blind112",
    "blind113",
    "blind114",
    "blind115",
    "blind116",
    "blind117",
    "blind118",
    "blind119",
    "blind120",
    "blind121",
    "blind122",
    "blind123",
    "blind124",
    "blind125",
    "blind126",
    "blind127",
]


@pytest.mark.parametrize("split", HELD_OUT)
def test_held_out_split_matches_its_frozen_checksums(split: str) -> None:
    directory = SPLITS[split]
    frozen = verify_frozen(directory)
    listed = {line.split(maxsplit=1)[1] for line in (directory / "SHA256SUMS").read_text().splitlines() if line}
    needed = {path.name for path in directory.glob("*.log")} | {"expected.json"}
    assert needed <= listed  # every case and the expectations are frozen (blind10 also froze its README)
    assert frozen is not None and frozen == len(listed)


def test_held_out_splits_share_no_joblog_with_the_training_split() -> None:
    train = {path.read_bytes() for path in SPLITS["train"].glob("*.log")}
    for split in HELD_OUT:
        assert not any(path.read_bytes() in train for path in SPLITS[split].glob("*.log"))


def test_an_edited_expectation_makes_the_frozen_set_refuse_to_score(tmp_path: Path) -> None:
    copy = tmp_path / "heldout"
    shutil.copytree(SPLITS["heldout"], copy)
    expected = copy / "expected.json"
    expected.write_text(expected.read_text().replace('"network"', '"timeout"', 1))
    engine = RulesEngine()
    with pytest.raises(EvalSetError, match="expected.json differs"):
        evaluate(copy, lambda run, data: engine.annotate(run, read_joblog(data)))


def test_a_case_added_to_a_frozen_set_is_refused(tmp_path: Path) -> None:
    copy = tmp_path / "blind"
    shutil.copytree(SPLITS["blind"], copy)
    (copy / "extra.log").write_text("x\n")
    with pytest.raises(EvalSetError, match="extra.log is not in SHA256SUMS"):
        verify_frozen(copy)


def test_the_training_split_is_not_frozen_and_split_names_resolve() -> None:
    assert verify_frozen(SPLITS["train"]) is None
    assert resolve_split("heldout") == SPLITS["heldout"]
    assert resolve_split("some/dir") == Path("some/dir")


def test_cli_scores_a_split_by_name_with_counts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TWSPULSE_LLM_URL", raising=False)
    result = CliRunner().invoke(annotate_command, ["eval", "blind"])
    assert result.exit_code == 0, result.output
    first = result.output.splitlines()[0]
    assert first.startswith("30 cases (frozen set: 31 files match SHA256SUMS): category ")
    assert "error_line " in first and "key_entity " in first
    result = CliRunner().invoke(annotate_command, ["eval", "no-such-split"])
    assert result.exit_code != 0 and f"neither a directory nor one of {', '.join(SPLITS)}" in result.output


def test_the_sets_unseen_by_the_shipped_engine_are_frozen_and_out_of_its_training() -> None:
    assert UNSEEN_BY_SHIPPED_ENGINE and set(UNSEEN_BY_SHIPPED_ENGINE) <= set(HELD_OUT)
    assert not set(UNSEEN_BY_SHIPPED_ENGINE) & set(LEARNING_SPLITS)
    assert all(verify_frozen(SPLITS[name]) for name in UNSEEN_BY_SHIPPED_ENGINE)
