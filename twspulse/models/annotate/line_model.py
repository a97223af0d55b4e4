"""A learned reading of joblog lines: which of the rules' near-tied candidate lines states the failure.

The rule base reads the tools it was shaped on; fifteen blind sets showed that on a new tool it most often
loses the error line (a wrapper's verdict, an echoed command or a warning wins over the tool's message),
and the category with it. The **line model** reads what the rules do not depend on: each line's words and
word pairs (lowercased, digits dropped), its first words, where it sits (share of the output, lines from the
end), its shape (length, share of digits and capitals, an echoed `+ cmd`, a `tool: message` prefix, a leading
timestamp, indentation, an exit-code word, a `Caused by`) and whether a stack frame follows it. Logistic
regression over hashed features; positives the expected error lines of the labelled joblogs of the
project's evaluation splits already scored (`evaluation.LEARNING_SPLITS`), negatives every other line of the
same joblogs (`twspulse annotate learn`).

`RulesEngine` (`rules_engine._learned_choice`) lets it reorder the rules' near-ties only: the lines the rules
read within one entity bonus of their best (naming the thing to fix when their best does; never the links of
a Java chain). It takes another line when that line scores `SWITCH_MARGIN` more than the rules' line; the
chosen line keeps the rules' reading. When the rules read no line, the model does nothing: a first version
also let it pick a line and a learned family there, and its review showed setting lines ("connect_timeout =
45", "session timeout reset to 900s") read as failures; without it, blind8-11 lost 2 categories, 1 error
line and 1 key entity of 120. Scores are logistic outputs of a model trained with balanced classes: they
rank lines, they are not calibrated probabilities. The margin was chosen prequentially on blind8-blind11
(each set scored with the rules of its own round and a model trained only on the sets before it;
`bench/annotate_prequential.py`, docs/annotator.md has the protocol and the figures).

Written by hand around scikit-learn's logistic regression: no library ranks log lines. Inference needs numpy
and scipy only; the weights ship in `line_model.npz` beside this module.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import structlog
from scipy import sparse

log = structlog.get_logger(__name__)

MODEL_PATH = Path(__file__).with_name("line_model.npz")
LINE_FEATURES = 1 << 18
SWITCH_MARGIN = 0.1  # the line model must score another near-tie this much higher to overrule the rules
LINE_C = 1.0
_MAX_TOKENS = 60
_WORD = re.compile(r"[A-Za-z]{2,}")
_FRAME = re.compile(r"^\s*(?:at |File \"|Traceback|\.\.\. \d+ more|Caused by)")
_TOOL_PREFIX = re.compile(r"^[\w.\-/]+: ")
_TIMESTAMP = re.compile(r"^\[?\d{2,4}[-/.]\d")
_EXIT_WORD = re.compile(r"\b(?:rc|RC|exit|Exit|EXIT)\b")


@dataclass(frozen=True, slots=True)
class LabelledJoblog:
    """A joblog's output lines, the lines that state its cause (empty: none does) and its category (kept
    in the training digest: a relabelled case is other data)."""

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
    head = text[:400]
    size = max(len(head), 1)
    count = len(lines)
    nxt = lines[index + 1] if index + 1 < count else ""
    features.update(
        {
            "len": min(len(text), 400) / 400,
            "pos": index / max(count, 1),
            "fromend": math.log1p(count - 1 - index) / 6,
            "digits": sum(c.isdigit() for c in head) / size,
            "upper": sum(c.isupper() for c in head) / size,
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


def _hashed(rows: Iterable[dict[str, float]], size: int) -> sparse.csr_matrix:
    """Named features to a sparse matrix of `size` hashed columns (colliding names add up)."""
    data: list[float] = []
    indices: list[int] = []
    indptr = [0]
    for row in rows:
        merged: dict[int, float] = {}
        for name, value in row.items():
            if value:
                column = _bucket(name, size)
                merged[column] = merged.get(column, 0.0) + value
        indices.extend(merged)
        data.extend(merged.values())
        indptr.append(len(indices))
    return sparse.csr_matrix((data, indices, indptr), shape=(len(indptr) - 1, size))


@dataclass(frozen=True, eq=False)
class LineModel:
    """The line model's weights."""

    line_weights: np.ndarray  # (LINE_FEATURES,)
    line_bias: float
    trained_on: str  # digest of the training joblogs and their labels

    def line_scores(self, lines: Sequence[str], indexes: Sequence[int]) -> np.ndarray:
        """How likely each of `indexes` is the line stating the failure (logistic, 0-1; ranks, not calibrated)."""
        if not indexes:
            return np.zeros(0)
        rows = (line_features(lines, i) for i in indexes)
        logits = _hashed(rows, LINE_FEATURES) @ self.line_weights + self.line_bias
        return 1.0 / (1.0 + np.exp(-np.clip(logits, -30, 30)))

    def save(self, path: Path = MODEL_PATH) -> None:
        """Write the weights (the non-zero ones, compressed) to a file beside `path`, then move it into place:
        an interrupted training leaves the previous model, not half a file."""
        nonzero = np.flatnonzero(self.line_weights)
        partial = path.with_name(path.name + ".partial.npz")
        np.savez_compressed(
            partial,
            line_index=nonzero.astype(np.int32),
            line_value=self.line_weights[nonzero].astype(np.float32),
            line_bias=np.float64(self.line_bias),
            trained_on=np.array(self.trained_on),
        )
        os.replace(partial, path)

    @classmethod
    def load(cls, path: Path) -> LineModel:
        """The weights written by `save`; ValueError when the file does not hold a model of these features."""
        with np.load(path, allow_pickle=False) as saved:
            line_index, line_value, bias = saved["line_index"], saved["line_value"], saved["line_bias"]
            trained_on = str(saved["trained_on"])
        if line_index.dtype.kind not in "iu" or line_index.shape != line_value.shape or bias.shape != ():
            raise ValueError(f"{path} does not hold a line model's arrays")
        if line_index.size and (line_index.min() < 0 or line_index.max() >= LINE_FEATURES):
            raise ValueError(f"{path} was saved with more hashed features than this version reads")
        if not (np.isfinite(line_value).all() and np.isfinite(bias)):
            raise ValueError(f"{path} holds weights that are not finite")
        line = np.zeros(LINE_FEATURES)
        line[line_index] = line_value
        return cls(line, float(bias), trained_on)


def training_digest(joblogs: Sequence[LabelledJoblog]) -> str:
    """A digest of the training data: the shipped model says which data made it."""
    digest = hashlib.sha256()
    for joblog in joblogs:
        digest.update("\n".join(joblog.lines).encode("utf-8", "replace"))
        digest.update(("\x00" + "\x01".join(sorted(joblog.error_lines)) + "\x00" + joblog.category).encode())
    return digest.hexdigest()[:16]


def _readable(line: str) -> bool:
    """A line the model scores: more than two characters once stripped."""
    return len(line.strip()) > 2


def candidate_lines(lines: Sequence[str]) -> list[int]:
    """Lines the line model trains on: every readable line of the output."""
    return [i for i, line in enumerate(lines) if _readable(line)]


def fit(joblogs: Sequence[LabelledJoblog], *, line_c: float = LINE_C) -> LineModel:
    """The line model from labelled joblogs (deterministic: lbfgs from zero)."""
    from sklearn.linear_model import LogisticRegression  # training only: inference needs numpy and scipy

    rows: list[dict[str, float]] = []
    labels: list[bool] = []
    for joblog in joblogs:
        for index in candidate_lines(joblog.lines):
            rows.append(line_features(joblog.lines, index))
            labels.append(joblog.lines[index].strip() in joblog.error_lines)
    ranker = LogisticRegression(C=line_c, max_iter=3000, class_weight="balanced")
    ranker.fit(_hashed(rows, LINE_FEATURES), np.array(labels))
    return LineModel(
        line_weights=ranker.coef_.ravel().astype(np.float64),
        line_bias=float(ranker.intercept_[0]),
        trained_on=training_digest(joblogs),
    )


_SHIPPED_LOCK = threading.Lock()
_SHIPPED: dict[str, LineModel | None] = {}


def shipped_model() -> LineModel | None:
    """The model shipped with the package, loaded once (None when its file is missing or unreadable: the
    rules then answer alone, and the log says why once)."""
    with _SHIPPED_LOCK:
        if "model" not in _SHIPPED:
            try:
                _SHIPPED["model"] = LineModel.load(MODEL_PATH) if MODEL_PATH.is_file() else None
            except Exception as exc:  # noqa: BLE001 (any damage to the file: numpy, zlib, zipfile... raise their own)
                log.warning("annotate.line_model_unreadable", path=str(MODEL_PATH), error=repr(exc))
                _SHIPPED["model"] = None
        return _SHIPPED["model"]


@dataclass(frozen=True, slots=True)
class Preference:
    """The line model's answer for one joblog: the output line (0-based) it prefers, and the two scores."""

    index: int
    score: float
    over: float  # the score of the line the rules chose


def preferred_line(model: LineModel, body: Sequence[str], indexes: Iterable[int], chosen: int) -> Preference | None:
    """The candidate the line model would put in the place of the rules' `chosen` line (None: keep the
    rules'): one that scores `SWITCH_MARGIN` more. None too when `chosen` is outside `body`."""
    if not 0 <= chosen < len(body):
        return None
    wanted = sorted({i for i in indexes if 0 <= i < len(body) and _readable(body[i])} | {chosen})
    scores = model.line_scores(body, wanted)
    top = int(scores.argmax())
    best, score = wanted[top], float(scores[top])
    over = float(scores[wanted.index(chosen)])
    if best == chosen or score <= over + SWITCH_MARGIN:
        return None
    return Preference(best, score, over)
