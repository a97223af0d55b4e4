"""The line model measured prequentially on the blind sets the rules were measured on fresh.

    python -m bench.annotate_prequential [--sets 8,9,10,11] [--rules-only]

Each blind set k (blind8..blind15: written by writers blind to the rules) was scored once, fresh, with the
rules of its own round (the commit in FRESH_RULES). This bench replays that scoring with the line model
added: the model is trained with the current `line_model.fit` on the splits written *before* set k only
(train, heldout, blind..blind{k-1}), and the commit's own rules engine runs with the current choice
(`rules_engine._learned_choice`, re-applied to that commit's matches and joblog by `_inside`, since the
old engine has no hook). So neither the rules nor the model had seen set k: each figure is as fresh as the
rules' own. blind8-11 chose the margin, the near-tie window and the choice's form (docs/annotator.md);
blind12-15 only report.

Needs the repository's history (`git archive` of each commit into a temporary directory) and about 20 s
per set on one core. `--rules-only` replays the old fresh scores (a check that the replay is faithful).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

# the commit that scored each blind set fresh (its round's rules)
FRESH_RULES = {
    8: "5a7e23d",
    9: "3bb35bc",
    10: "561ecb4",
    11: "45aeab9",
    12: "8885102",
    13: "1108870",
    14: "d826e96",
    15: "de0f0a8",
}
_ORDER = ["train", "heldout", "blind", *(f"blind{k}" for k in range(2, 17))]


def _inside(model_path: str, split_dir: str, rules_only: bool, dump: str | None) -> None:
    """In an old commit's checkout: its `annotate eval --json`, with the current line model's choice patched in."""
    import importlib.util  # noqa: PLC0415 (the old checkout's package is on sys.path, the current line model is not)

    spec = importlib.util.spec_from_file_location("current_line_model", os.environ["LINE_MODEL_SOURCE"])
    assert spec is not None and spec.loader is not None
    lm = importlib.util.module_from_spec(spec)
    sys.modules["current_line_model"] = lm
    spec.loader.exec_module(lm)
    import twspulse.models.annotate.rules_engine as old  # noqa: PLC0415
    from twspulse.cli import main  # noqa: PLC0415

    model = lm.LineModel.load(Path(model_path))
    state: dict[str, object] = {}
    annotate = old.RulesEngine.annotate

    def remember(self, run, joblog):  # type: ignore[no-untyped-def]
        state["joblog"] = joblog
        return annotate(self, run, joblog)

    best_of = old._best

    def names_target(match):  # type: ignore[no-untyped-def]
        kinds = match.rule.entity_kinds
        return bool(kinds) and not old._LineScore(match.text).named_kinds().isdisjoint(kinds)

    def choose(matches):  # type: ignore[no-untyped-def]
        # rules_engine._learned_choice, on the old commit's matches and joblog
        best = best_of(matches)
        if best is None or old._CAUSED_BY.match(best.text):
            return best
        joblog = state["joblog"]
        first = joblog.frame.body_first_line  # type: ignore[attr-defined]
        named = names_target(best)
        indexes = {
            m.line_no - first
            for m in matches
            if m.score >= max(best.score - old.ENTITY_BONUS, old.MIN_SCORE)
            and (not named or names_target(m))
            and not old._CAUSED_BY.match(m.text)
        }
        preference = lm.preferred_line(model, joblog.frame.body, indexes, best.line_no - first)  # type: ignore[attr-defined]
        if preference is None:
            return best
        return max((m for m in matches if m.line_no == first + preference.index), key=lambda m: m.score)

    old.RulesEngine.annotate = remember
    if not rules_only:
        old._best = choose
    if dump is None:
        sys.argv = ["twspulse", "annotate", "eval", split_dir, "--json"]
        main()
        return
    from twspulse.models.annotate.annotator import Annotator  # noqa: PLC0415
    from twspulse.models.annotate.evaluation import evaluate  # noqa: PLC0415
    from twspulse.settings import Settings  # noqa: PLC0415

    with Annotator(Settings(llm_url=None)) as annotator:
        report = evaluate(Path(split_dir), annotator.annotate)
    cases = [{"case": c.name, **c.annotation.model_dump(mode="json"), "correct": c.correct} for c in report.cases]
    Path(dump).write_text(json.dumps(cases))
    print(json.dumps(report.to_dict()))


def main() -> None:
    """Print per set: the rules' fresh figures and the rules plus a line model trained only on earlier sets."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sets", default="8,9,10,11,12,13,14,15", help="Blind set numbers (8-15).")
    parser.add_argument("--rules-only", action="store_true", help="Replay the rules alone (the old fresh figures).")
    parser.add_argument("--dump", type=Path, help="Also write each set's annotations to DIR/blindK.json.")
    parser.add_argument("--inside", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inside:
        _inside(args.inside[0], args.inside[1], args.rules_only, str(args.dump) if args.dump else None)
        return
    # imported here: the same file runs inside old checkouts, whose package lacks these
    from twspulse.models.annotate import line_model  # noqa: PLC0415
    from twspulse.models.annotate.evaluation import SPLITS, labelled_joblogs  # noqa: PLC0415
    from twspulse.settings import REPO_ROOT  # noqa: PLC0415

    totals = {"category": [0, 0], "error_line": [0, 0], "key_entity": [0, 0]}
    label = "rules alone (replayed)" if args.rules_only else "rules + line model trained on earlier sets"
    print(f"{'set':<8}{'trained on':>11}  {label}: category, error line, key entity")
    with tempfile.TemporaryDirectory() as scratch:
        for k in (int(s) for s in args.sets.split(",")):
            earlier = _ORDER[: _ORDER.index(f"blind{k}")]
            joblogs = [case for split in earlier for case in labelled_joblogs(SPLITS[split])]
            model_path = Path(scratch) / f"model_{k}.npz"
            line_model.fit(joblogs).save(model_path)
            checkout = Path(scratch) / FRESH_RULES[k]
            if not checkout.exists():
                checkout.mkdir()
                archive = subprocess.run(
                    ["git", "-C", str(REPO_ROOT), "archive", FRESH_RULES[k]], check=True, capture_output=True
                ).stdout
                subprocess.run(["tar", "-x", "-C", str(checkout)], input=archive, check=True)
            command = [sys.executable, __file__, "--inside", str(model_path), str(SPLITS[f"blind{k}"])]
            env = {**os.environ, "PYTHONPATH": str(checkout), "LINE_MODEL_SOURCE": line_model.__file__}
            out = subprocess.run(
                [
                    *command,
                    *(["--rules-only"] if args.rules_only else []),
                    *(["--dump", str(args.dump / f"blind{k}.json")] if args.dump else []),
                ],
                cwd=checkout, env=env, check=True, capture_output=True, text=True,
            ).stdout  # fmt: skip
            counts = json.loads(out)["counts"]
            for name, (right, total) in counts.items():
                totals[name][0] += right
                totals[name][1] += total
            cells = ", ".join(f"{right}/{total}" for right, total in counts.values())
            print(f"blind{k:<3}{len(joblogs):>11}  {cells}", flush=True)
    print(f"{'total':<8}{'':>11}  " + ", ".join(f"{right}/{total}" for right, total in totals.values()))


if __name__ == "__main__":
    main()
