"""The shipped annotator on the blind sets it never saw: its held-out figure, per set and pooled.

    python -m bench.annotate_heldout [--rules-only]

The sets are `evaluation.UNSEEN_BY_SHIPPED_ENGINE`: written by writers who had read only the joblog README and
two earlier sets (not the rules, the docs or the tests), committed before they were scored, and scored once by
the engine as it ships, which has not changed an answer since (its rules, and its line model, trained on the
splits before them: `LEARNING_SPLITS` leaves them out, a test checks the model's digest). Protocol and the
history of the earlier rounds, each scored on sets written before its change: docs/annotator.md. About 2 s a set.
"""

from __future__ import annotations

import argparse

from twspulse.models.annotate.annotator import Annotator
from twspulse.models.annotate.evaluation import LEARNING_SPLITS, SPLITS, UNSEEN_BY_SHIPPED_ENGINE, evaluate
from twspulse.models.annotate.rules_engine import RulesEngine
from twspulse.settings import Settings

FIELDS = ("category", "error_line", "key_entity")


def main() -> None:
    """Print each set's right answers per field, and the pooled percentages."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rules-only", action="store_true", help="Without the line model (the rules alone).")
    args = parser.parse_args()
    assert not set(UNSEEN_BY_SHIPPED_ENGINE) & set(LEARNING_SPLITS), "a held-out set is in the model's training"
    rules = RulesEngine(line_model=None) if args.rules_only else None
    totals = dict.fromkeys(FIELDS, (0, 0))
    print("| set | category | error line | key entity |")
    print("| --- | --- | --- | --- |")
    with Annotator(Settings(llm_url=None), rules=rules) as annotator:
        for name in UNSEEN_BY_SHIPPED_ENGINE:
            report = evaluate(SPLITS[name], annotator.annotate)
            counts = {field: report.count(field) for field in FIELDS}
            for field, (right, scored) in counts.items():
                totals[field] = (totals[field][0] + right, totals[field][1] + scored)
            print(f"| {name} | " + " | ".join(f"{right}/{scored}" for right, scored in counts.values()) + " |")
    print(
        f"| **{len(UNSEEN_BY_SHIPPED_ENGINE)} sets** | "
        + " | ".join(f"**{right}/{scored} ({100 * right / scored:.1f} %)**" for right, scored in totals.values())
        + " |"
    )


if __name__ == "__main__":
    main()
