"""Accuracy of an annotator on a directory of failed joblogs with expectations.

The directory holds `*.log` files and one `expected.json` mapping each file name to its `category`,
`error_line` (verbatim, or null when no line states the cause; `error_line_alternatives` lists other
lines an operator would accept equally), `key_entity` (the thing the root cause must name, or null)
and `return_code`. Three fields are scored:

- category: equal;
- error line: equal after trimming whitespace (None expected and None given counts as right);
- key entity: named in the root cause (case-insensitive); cases without one are not counted.

Splits (`SPLITS`): `train` is the set the rules were shaped on; `heldout` and `blind` to `blind127` were
written for issue 16 before the rule changes they measure and are only scored, never used to change a
rule (docs/annotator.md has the protocol and the scores). A held-out directory holds a `SHA256SUMS` of its files, and
`evaluate` refuses it when a case or an expectation changed, so an expectation cannot quietly be
adjusted to a rule.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from twspulse.models.annotate.annotation import Annotation, FailedRun
from twspulse.models.annotate.exceptions import EvalSetError
from twspulse.models.annotate.excerpt import read_joblog
from twspulse.models.annotate.line_model import LabelledJoblog
from twspulse.settings import REPO_ROOT

EXPECTATIONS = "expected.json"
CHECKSUMS = "SHA256SUMS"
FIELDS = ("category", "error_line", "key_entity")
_DATA = REPO_ROOT / "tests" / "data"
SPLITS: dict[str, Path] = {
    "train": _DATA / "joblogs",
    "heldout": _DATA / "annotate_heldout",
    "blind": _DATA / "annotate_blind",
    "blind2": _DATA / "annotate_blind2",
    "blind3": _DATA / "annotate_blind3",
    "blind4": _DATA / "annotate_blind4",
    "blind5": _DATA / "annotate_blind5",
    "blind6": _DATA / "annotate_blind6",
    "blind7": _DATA / "annotate_blind7",
    "blind8": _DATA / "annotate_blind8",
    "blind9": _DATA / "annotate_blind9",
    "blind10": _DATA / "annotate_blind10",
    "blind11": _DATA / "annotate_blind11",
    "blind12": _DATA / "annotate_blind12",
    "blind13": _DATA / "annotate_blind13",
    "blind14": _DATA / "annotate_blind14",
    "blind15": _DATA / "annotate_blind15",
    "blind16": _DATA / "annotate_blind16",
    "blind17": _DATA / "annotate_blind17",
    "blind18": _DATA / "annotate_blind18",
    "blind19": _DATA / "annotate_blind19",
    "blind20": _DATA / "annotate_blind20",
    "blind21": _DATA / "annotate_blind21",
    "blind22": _DATA / "annotate_blind22",
    "blind23": _DATA / "annotate_blind23",
    "blind24": _DATA / "annotate_blind24",
    "blind25": _DATA / "annotate_blind25",
    "blind26": _DATA / "annotate_blind26",
    "blind27": _DATA / "annotate_blind27",
    "blind28": _DATA / "annotate_blind28",
    "blind29": _DATA / "annotate_blind29",
    "blind30": _DATA / "annotate_blind30",
    "blind31": _DATA / "annotate_blind31",
    "blind32": _DATA / "annotate_blind32",
    "blind33": _DATA / "annotate_blind33",
    "blind34": _DATA / "annotate_blind34",
    "blind35": _DATA / "annotate_blind35",
    "blind36": _DATA / "annotate_blind36",
    "blind37": _DATA / "annotate_blind37",
    "blind38": _DATA / "annotate_blind38",
    "blind39": _DATA / "annotate_blind39",
    "blind40": _DATA / "annotate_blind40",
    "blind41": _DATA / "annotate_blind41",
    "blind42": _DATA / "annotate_blind42",
    "blind43": _DATA / "annotate_blind43",
    "blind44": _DATA / "annotate_blind44",
    "blind45": _DATA / "annotate_blind45",
    "blind46": _DATA / "annotate_blind46",
    "blind47": _DATA / "annotate_blind47",
    "blind48": _DATA / "annotate_blind48",
    "blind49": _DATA / "annotate_blind49",
    "blind50": _DATA / "annotate_blind50",
    "blind51": _DATA / "annotate_blind51",
    "blind52": _DATA / "annotate_blind52",
    "blind53": _DATA / "annotate_blind53",
    "blind54": _DATA / "annotate_blind54",
    "blind55": _DATA / "annotate_blind55",
    "blind56": _DATA / "annotate_blind56",
    "blind57": _DATA / "annotate_blind57",
    "blind58": _DATA / "annotate_blind58",
    "blind59": _DATA / "annotate_blind59",
    "blind60": _DATA / "annotate_blind60",
    "blind61": _DATA / "annotate_blind61",
    "blind62": _DATA / "annotate_blind62",
    "blind63": _DATA / "annotate_blind63",
    "blind64": _DATA / "annotate_blind64",
    "blind65": _DATA / "annotate_blind65",
    "blind66": _DATA / "annotate_blind66",
    "blind67": _DATA / "annotate_blind67",
    "blind68": _DATA / "annotate_blind68",
    "blind69": _DATA / "annotate_blind69",
    "blind70": _DATA / "annotate_blind70",
    "blind71": _DATA / "annotate_blind71",
    "blind72": _DATA / "annotate_blind72",
    "blind73": _DATA / "annotate_blind73",
    "blind74": _DATA / "annotate_blind74",
    "blind75": _DATA / "annotate_blind75",
    "blind76": _DATA / "annotate_blind76",
    "blind77": _DATA / "annotate_blind77",
    "blind78": _DATA / "annotate_blind78",
    "blind79": _DATA / "annotate_blind79",
    "blind80": _DATA / "annotate_blind80",
    "blind81": _DATA / "annotate_blind81",
    "blind82": _DATA / "annotate_blind82",
    "blind83": _DATA / "annotate_blind83",
    "blind84": _DATA / "annotate_blind84",
    "blind85": _DATA / "annotate_blind85",
    "blind86": _DATA / "annotate_blind86",
    "blind87": _DATA / "annotate_blind87",
    "blind88": _DATA / "annotate_blind88",
    "blind89": _DATA / "annotate_blind89",
    "blind90": _DATA / "annotate_blind90",
    "blind91": _DATA / "annotate_blind91",
    "blind92": _DATA / "annotate_blind92",
    "blind93": _DATA / "annotate_blind93",
    "blind94": _DATA / "annotate_blind94",
    "blind95": _DATA / "annotate_blind95",
    "blind96": _DATA / "annotate_blind96",
    "blind97": _DATA / "annotate_blind97",
    "blind98": _DATA / "annotate_blind98",
    "blind99": _DATA / "annotate_blind99",
    "blind100": _DATA / "annotate_blind100",
    "blind101": _DATA / "annotate_blind101",
    "blind102": _DATA / "annotate_blind102",
    "blind103": _DATA / "annotate_blind103",
    "blind104": _DATA / "annotate_blind104",
    "blind105": _DATA / "annotate_blind105",
    "blind106": _DATA / "annotate_blind106",
    "blind107": _DATA / "annotate_blind107",
    "blind108": _DATA / "annotate_blind108",
    "blind109": _DATA / "annotate_blind109",
    "blind110": _DATA / "annotate_blind110",
    "blind111": _DATA / "annotate_blind111",
    "blind112": _DATA / "annotate_blind112",
    "blind113": _DATA / "annotate_blind113",
    "blind114": _DATA / "annotate_blind114",
    "blind115": _DATA / "annotate_blind115",
    "blind116": _DATA / "annotate_blind116",
    "blind117": _DATA / "annotate_blind117",
    **{f"blind{n}": _DATA / f"annotate_blind{n}" for n in range(118, 128)},
}
# The sets the shipped engine (its rules and its line model) was scored on once, after it was last changed, and
# has never learned from: the README's held-out figure is its score on them (docs/annotator.md, round 24). The
# next round that changes the engine first lets the line model learn them and reports on newer sets.
UNSEEN_BY_SHIPPED_ENGINE: tuple[str, ...] = tuple(f"blind{n}" for n in range(118, 128))
# The splits the shipped line model learned from (`twspulse annotate learn`): every split already scored,
# except those above. A new blind set is registered unscored and left out here until it is scored with the
# model trained before it; only then does it join and the model get retrained.
LEARNING_SPLITS: tuple[str, ...] = tuple(name for name in SPLITS if name not in UNSEEN_BY_SHIPPED_ENGINE)


@dataclass
class CaseResult:
    """One joblog's outcome."""

    name: str
    expected_category: str
    annotation: Annotation
    correct: dict[str, bool | None]


@dataclass
class EvalReport:
    """Per-field and per-category accuracy of one evaluation run."""

    cases: list[CaseResult] = field(default_factory=list)
    frozen_files: int | None = None  # files checked against SHA256SUMS (None: the set is not frozen)

    def accuracy(self, field_name: str, category: str | None = None) -> float | None:
        """Share of counted cases right on `field_name` (None when no case counts)."""
        marks = [
            case.correct[field_name]
            for case in self.cases
            if case.correct[field_name] is not None and (category is None or case.expected_category == category)
        ]
        return sum(bool(mark) for mark in marks) / len(marks) if marks else None

    def by_category(self) -> dict[str, dict[str, Any]]:
        """For each expected category: case count and accuracy of each field."""
        groups: dict[str, int] = defaultdict(int)
        for case in self.cases:
            groups[case.expected_category] += 1
        return {
            category: {"cases": count, **{name: self.accuracy(name, category) for name in FIELDS}}
            for category, count in sorted(groups.items())
        }

    def count(self, field_name: str) -> tuple[int, int]:
        """(right, counted) for `field_name` over all cases."""
        marks = [case.correct[field_name] for case in self.cases if case.correct[field_name] is not None]
        return sum(bool(mark) for mark in marks), len(marks)

    def failures(self) -> list[CaseResult]:
        """Cases wrong on at least one field."""
        return [case for case in self.cases if any(mark is False for mark in case.correct.values())]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary."""
        return {
            "cases": len(self.cases),
            "frozen_files": self.frozen_files,
            "accuracy": {name: self.accuracy(name) for name in FIELDS},
            "counts": {name: self.count(name) for name in FIELDS},
            "by_category": self.by_category(),
            "failures": [
                {"case": c.name, "wrong": [k for k, v in c.correct.items() if v is False],
                 "category": c.annotation.category, "error_line": c.annotation.error_line}
                for c in self.failures()
            ],
        }  # fmt: skip

    def to_text(self) -> str:
        """A table an operator reads in a terminal."""
        frozen = "" if self.frozen_files is None else f" (frozen set: {self.frozen_files} files match {CHECKSUMS})"
        counts = ", ".join(f"{name} {right}/{total}" for name in FIELDS for right, total in [self.count(name)])
        out = [f"{len(self.cases)} cases{frozen}: {counts}"]
        out.append(f"{'':<14}{'cases':>6}{'category':>10}{'error_line':>12}{'key_entity':>12}")
        rows = [("ALL", {"cases": len(self.cases), **{n: self.accuracy(n) for n in FIELDS}})]
        rows += list(self.by_category().items())
        for name, row in rows:
            cells = "".join(f"{_pct(row[n]):>{w}}" for n, w in zip(FIELDS, (10, 12, 12), strict=True))
            out.append(f"{name:<14}{row['cases']:>6}{cells}")
        for case in self.failures():
            wrong = ", ".join(k for k, v in case.correct.items() if v is False)
            out.append(f"  miss {case.name}: {wrong} (got {case.annotation.category}: {case.annotation.error_line!r})")
        return "\n".join(out)


def load_expectations(directory: Path) -> dict[str, dict[str, Any]]:
    """The expectations of an evaluation directory, checked against its files."""
    path = directory / EXPECTATIONS
    if not path.is_file():
        raise EvalSetError(f"{directory} has no {EXPECTATIONS}")
    expected: dict[str, dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    missing = [name for name in expected if not (directory / name).is_file()]
    if missing:
        raise EvalSetError(f"{EXPECTATIONS} names joblogs that are not in {directory}: {', '.join(missing[:5])}")
    return expected


def verify_frozen(directory: Path) -> int | None:
    """Check a held-out directory against its SHA256SUMS; the number of files checked (None: not frozen).

    Raises EvalSetError naming the first file that changed, is missing, or is not listed.
    """
    path = directory / CHECKSUMS
    if not path.is_file():
        return None
    listed: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        digest, _, name = line.strip().partition("  ")
        if digest and name:
            listed[name] = digest
    for name, digest in sorted(listed.items()):
        file = directory / name
        if not file.is_file() or hashlib.sha256(file.read_bytes()).hexdigest() != digest:
            raise EvalSetError(f"{directory / name} differs from {CHECKSUMS}: a held-out case must not change")
    unlisted = sorted(p.name for p in directory.iterdir() if p.suffix == ".log" or p.name == EXPECTATIONS)
    extra = [name for name in unlisted if name not in listed]
    if extra:
        raise EvalSetError(f"{directory / extra[0]} is not in {CHECKSUMS}: held-out sets are frozen")
    return len(listed)


def labelled_joblogs(directory: Path) -> list[LabelledJoblog]:
    """The cases of an evaluation directory as the line model learns them: the job's output (no engine
    header or footer), the lines an operator accepts as its error line, and its category."""
    out = []
    for name, expected in sorted(load_expectations(directory).items()):
        body = read_joblog((directory / name).read_bytes()).frame.body
        accepted = [expected.get("error_line"), *expected.get("error_line_alternatives", [])]
        lines = frozenset(line.strip() for line in accepted if isinstance(line, str))
        out.append(LabelledJoblog(tuple(body), lines, expected["category"]))
    return out


def resolve_split(name_or_directory: str | Path) -> Path:
    """The directory of a split name (train, heldout, blind), or the directory given."""
    return SPLITS.get(str(name_or_directory), Path(name_or_directory))


def run_for_case(name: str, data: bytes, expected: dict[str, Any]) -> FailedRun:
    """The FailedRun of an evaluation case: names from the joblog header, exit code from the expectations."""
    header = read_joblog(data).frame.header
    return FailedRun(
        run_id=f"eval:{Path(name).stem}",
        job_name=header.job_name if header else None,
        job_stream=header.job_stream if header else None,
        workstation=header.workstation if header else None,
        return_code=expected.get("return_code"),
        status="ABEND",
    )


def evaluate(directory: Path, annotate: Callable[[FailedRun, bytes], Annotation]) -> EvalReport:
    """Run `annotate` over every case of `directory` and score it."""
    report = EvalReport(frozen_files=verify_frozen(directory))
    for name, expected in sorted(load_expectations(directory).items()):
        data = (directory / name).read_bytes()
        annotation = annotate(run_for_case(name, data, expected), data)
        report.cases.append(CaseResult(name, expected["category"], annotation, score(annotation, expected)))
    return report


def score(annotation: Annotation, expected: dict[str, Any]) -> dict[str, bool | None]:
    """Right/wrong per field (None: not counted)."""
    accepted = [expected.get("error_line"), *expected.get("error_line_alternatives", [])]
    accepted_lines = {line.strip() if isinstance(line, str) else None for line in accepted}
    got_line = annotation.error_line.strip() if annotation.error_line else None
    key = expected.get("key_entity")
    return {
        "category": annotation.category == expected["category"],
        "error_line": got_line in accepted_lines,
        "key_entity": None if not key else key.lower() in annotation.root_cause.lower(),
    }


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.0f}%"
