"""A learned reading of joblog lines: which candidate line states the failure, and which family it is.

The rule base reads the tools it was shaped on; fifteen blind sets showed that on a new tool it most often
loses the error line (a wrapper's verdict, an echoed command or a warning wins over the tool's message),
and the category with it. Two small linear models, learned from every labelled joblog of the project's
evaluation data (`twspulse annotate learn`), read what the rules do not depend on:

- the **line model** scores each candidate line: its words and word pairs (lowercased, digits dropped),
  its first words, where it sits (share of the output, lines from the end), its shape (length, share of
  digits and capitals, an echoed `+ cmd`, a `tool: message` prefix, a leading timestamp, indentation, an
  exit-code word, a `Caused by`) and whether a stack frame follows it. Logistic regression, positives the
  expected error lines, negatives every other line of the same joblogs;
- the **category model** reads a line's character 3-5-grams and word pairs: multinomial logistic
  regression on the expected error lines and their categories.

`RulesEngine` keeps its answer unless the line model prefers another candidate by more than `SWITCH_MARGIN`
in probability; the chosen line then keeps the rules' reading of it if a rule or evidence read it, and
the category model's otherwise. When no rule recognised any line, the line model's best candidate is the
error line if its probability reaches `ALONE_MIN`, with the category model's family if that is at least
`CATEGORY_MIN` sure. Both thresholds were chosen prequentially on blind8-blind11 (each set scored with the
rules of its own round and models trained only on the sets before it), docs/annotator.md has the protocol.

Written by hand around scikit-learn (hashing, logistic regression): no library ranks log lines.
Inference needs numpy and scipy only; the weights ship in `line_model.npz` beside this module.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse

MODEL_PATH = Path(__file__).with_name("line_model.npz")
LINE_FEATURES = 1 << 18
TEXT_FEATURES = 1 << 18
SWITCH_MARGIN = 0.1  # the line model must prefer another line by this much probability to overrule the rules
ALONE_MIN = 0.5  # with no rule reading any line: the line model's best line must be at least this likely
CATEGORY_MIN = 0.35  # and the category model this sure of its family, or the category stays unknown
LINE_C = 1.0
CATEGORY_C = 10.0
_MAX_TOKENS = 60
_WORD = re.compile(r"[A-Za-z]{2,}")
_FRAME = re.compile(r"^\s*(?:at |File \"|Traceback|\.\.\. \d+ more|Caused by)")
_TOOL_PREFIX = re.compile(r"^[\w.\-/]+: ")
_TIMESTAMP = re.compile(r"^\[?\d{2,4}[-/.]\d")
_EXIT_WORD = re.compile(r"\b(?:rc|RC|exit|Exit|EXIT)\b")
_DIGITS = re.compile(r"\d+")


@dataclass(frozen=True, slots=True)
class LabelledJoblog:
    """A joblog's output lines, the lines that state its cause (empty: none does) and its category."""

    lines: tuple[str, ...]
    error_lines: frozenset[str]
    category: str


def _bucket(name: str, size: int) -> int:
    return int.from_bytes(hashlib.blake2b(name.encode("utf-8", "replace"), digest_size=8).digest(), "little") % size


def line_features(lines: Sequence[str], index: int) -> dict[str, float]:
    """What the line model reads of line `index` of a job's output."""
    line = lines[index]
    text = line.strip()
    words = [w.lower() for w in _WORD.findall(text[:1000])][:_MAX_TOKENS]
    features: dict[str, float] = {}
    for word in words:
        features["w:" + word] = 1.0
    for left, right in zip(words, words[1:], strict=False):
        features[f"b:{left}_{right}"] = 1.0
    for word in words[:3]:
        features["f:" + word] = 1.0
    size = max(len(text), 1)
    count = len(lines)
    nxt = lines[index + 1] if index + 1 < count else ""
    features.update(
        {
            "len": min(len(text), 400) / 400,
            "pos": index / max(count, 1),
            "fromend": math.log1p(count - 1 - index) / 6,
            "digits": sum(c.isdigit() for c in text[:400]) / size,
            "upper": sum(c.isupper() for c in text[:400]) / size,
            "plus": float(text.startswith("+ ")),
            "colonpref": float(_TOOL_PREFIX.match(text) is not None),
            "ts": float(_TIMESTAMP.match(text) is not None),
            "indent": float(line[:1] in (" ", "\t")),
            "rc": float(_EXIT_WORD.search(text[:1000]) is not None),
            "next_frame": float(_FRAME.match(nxt) is not None),
            "caused": float(text.startswith("Caused by")),
        }
    )
    return features


def _line_matrix(rows: Iterable[dict[str, float]]) -> sparse.csr_matrix:
    data: list[float] = []
    indices: list[int] = []
    indptr = [0]
    for row in rows:
        merged: dict[int, float] = {}
        for name, value in row.items():
            if value:
                column = _bucket(name, LINE_FEATURES)
                merged[column] = merged.get(column, 0.0) + value
        indices.extend(merged)
        data.extend(merged.values())
        indptr.append(len(indices))
    return sparse.csr_matrix((data, indices, indptr), shape=(len(indptr) - 1, LINE_FEATURES))


def _text_matrix(texts: Iterable[str]) -> sparse.csr_matrix:
    data: list[float] = []
    indices: list[int] = []
    indptr = [0]
    for raw in texts:
        text = _DIGITS.sub("0", raw.strip()[:1000].lower())
        counts: dict[int, float] = {}
        for word in f" {text} ".split():
            padded = f" {word} "
            for n in (3, 4, 5):
                for start in range(max(len(padded) - n + 1, 1)):
                    column = _bucket("c:" + padded[start : start + n], TEXT_FEATURES)
                    counts[column] = counts.get(column, 0.0) + 1.0
        words = _WORD.findall(text)
        for name in [*words, *(f"{a}_{b}" for a, b in zip(words, words[1:], strict=False))]:
            column = _bucket("w:" + name, TEXT_FEATURES)
            counts[column] = counts.get(column, 0.0) + 1.0
        norm = math.sqrt(sum(v * v for v in counts.values())) or 1.0
        indices.extend(counts)
        data.extend(v / norm for v in counts.values())
        indptr.append(len(indices))
    return sparse.csr_matrix((data, indices, indptr), shape=(len(indptr) - 1, TEXT_FEATURES))


@dataclass(frozen=True)
class LineModel:
    """The two models' weights."""

    line_weights: np.ndarray  # (LINE_FEATURES,)
    line_bias: float
    category_weights: sparse.csr_matrix  # (categories, TEXT_FEATURES)
    category_bias: np.ndarray  # (categories,)
    categories: tuple[str, ...]
    trained_on: str  # digest of the training joblogs and their labels

    def line_probabilities(self, lines: Sequence[str], indexes: Sequence[int]) -> np.ndarray:
        """Probability that each of `indexes` is the line stating the failure."""
        if not indexes:
            return np.zeros(0)
        logits = _line_matrix(line_features(lines, i) for i in indexes) @ self.line_weights + self.line_bias
        return 1.0 / (1.0 + np.exp(-np.clip(logits, -30, 30)))

    def category(self, text: str) -> tuple[str, float]:
        """The most likely family of an error line and its probability."""
        logits = (self.category_weights @ _text_matrix([text]).T).toarray().ravel() + self.category_bias
        logits -= logits.max()
        probabilities = np.exp(logits) / np.exp(logits).sum()
        best = int(probabilities.argmax())
        return self.categories[best], float(probabilities[best])

    def save(self, path: Path = MODEL_PATH) -> None:
        """Write the weights (sparse, compressed)."""
        nonzero = np.flatnonzero(self.line_weights)
        weights = self.category_weights.tocsr()
        np.savez_compressed(
            path,
            line_index=nonzero.astype(np.int32),
            line_value=self.line_weights[nonzero].astype(np.float32),
            line_bias=np.float64(self.line_bias),
            cat_data=weights.data.astype(np.float32),
            cat_indices=weights.indices.astype(np.int32),
            cat_indptr=weights.indptr.astype(np.int32),
            cat_bias=self.category_bias.astype(np.float64),
            categories=np.array(self.categories),
            trained_on=np.array(self.trained_on),
        )

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> LineModel:
        """The weights written by `save`."""
        with np.load(path, allow_pickle=False) as saved:
            line = np.zeros(LINE_FEATURES)
            line[saved["line_index"]] = saved["line_value"]
            categories = tuple(str(c) for c in saved["categories"])
            weights = sparse.csr_matrix(
                (saved["cat_data"].astype(np.float64), saved["cat_indices"], saved["cat_indptr"]),
                shape=(len(categories), TEXT_FEATURES),
            )
            return cls(
                line, float(saved["line_bias"]), weights, saved["cat_bias"], categories, str(saved["trained_on"])
            )


def training_digest(joblogs: Sequence[LabelledJoblog]) -> str:
    """A digest of the training data: the shipped model says which data made it."""
    digest = hashlib.sha256()
    for joblog in joblogs:
        digest.update("\n".join(joblog.lines).encode("utf-8", "replace"))
        digest.update(("\x00" + "\x01".join(sorted(joblog.error_lines)) + "\x00" + joblog.category).encode())
    return digest.hexdigest()[:16]


def candidate_lines(lines: Sequence[str]) -> list[int]:
    """Lines the line model trains on: every non-blank line of the output."""
    return [i for i, line in enumerate(lines) if len(line.strip()) > 2]


def fit(joblogs: Sequence[LabelledJoblog], *, line_c: float = LINE_C, category_c: float = CATEGORY_C) -> LineModel:
    """Both models from labelled joblogs (deterministic: lbfgs from zero)."""
    from sklearn.linear_model import LogisticRegression  # training only: inference needs numpy and scipy

    rows: list[dict[str, float]] = []
    labels: list[bool] = []
    texts: list[str] = []
    families: list[str] = []
    for joblog in joblogs:
        for index in candidate_lines(joblog.lines):
            rows.append(line_features(joblog.lines, index))
            labels.append(joblog.lines[index].strip() in joblog.error_lines)
        for line in sorted(joblog.error_lines):
            texts.append(line)
            families.append(joblog.category)
    ranker = LogisticRegression(C=line_c, max_iter=3000, class_weight="balanced")
    ranker.fit(_line_matrix(rows), np.array(labels))
    classifier = LogisticRegression(C=category_c, max_iter=3000)
    classifier.fit(_text_matrix(texts), np.array(families))
    return LineModel(
        line_weights=ranker.coef_.ravel().astype(np.float64),
        line_bias=float(ranker.intercept_[0]),
        category_weights=sparse.csr_matrix(classifier.coef_),
        category_bias=classifier.intercept_.astype(np.float64),
        categories=tuple(str(c) for c in classifier.classes_),
        trained_on=training_digest(joblogs),
    )


_SHIPPED: dict[str, Any] = {}


def shipped_model() -> LineModel | None:
    """The model shipped with the package (None when the file is missing: the rules answer alone)."""
    if "model" not in _SHIPPED:
        _SHIPPED["model"] = LineModel.load() if MODEL_PATH.is_file() else None
    model: LineModel | None = _SHIPPED["model"]
    return model


@dataclass(frozen=True, slots=True)
class Preference:
    """The line model's answer for one joblog: the output line (0-based) it prefers, and how sure it is."""

    index: int
    probability: float
    over: float  # the probability of the line the rules chose (0 when they chose none)


def preferred_line(
    model: LineModel, body: Sequence[str], indexes: Iterable[int], chosen: int | None
) -> Preference | None:
    """The candidate the line model would put instead of the rules' `chosen` line (None: keep the rules').

    With a rules' line, another candidate must be more likely by `SWITCH_MARGIN`; without one, the best
    candidate must reach `ALONE_MIN`.
    """
    wanted = sorted(
        {i for i in indexes if 0 <= i < len(body) and len(body[i].strip()) > 2}
        | ({chosen} if chosen is not None and 0 <= chosen < len(body) else set())
    )
    if not wanted:
        return None
    probabilities = model.line_probabilities(body, wanted)
    top = int(probabilities.argmax())
    best, probability = wanted[top], float(probabilities[top])
    if chosen is None:
        return Preference(best, probability, 0.0) if probability >= ALONE_MIN else None
    over = float(probabilities[wanted.index(chosen)]) if chosen in wanted else 0.0
    if best == chosen or probability <= over + SWITCH_MARGIN:
        return None
    return Preference(best, probability, over)
