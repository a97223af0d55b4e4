"""Learning from resolutions: an annotation's confidence moves with what operators recorded about earlier ones.

``twspulse feedback RUN_ID --correct/--wrong`` records whether an annotation was right. A new annotation of
the same failure pattern (same category, and the same mined error pattern of its error line; when that line
was not mined, the same category on the same job) takes the outcomes of those earlier annotations into its
confidence as a beta-binomial update: the engine's confidence counts as ``PRIOR_WEIGHT`` earlier
annotations, each recorded outcome as one more. No outcome: the confidence is the engine's. The counts and the
engine's own confidence travel with the annotation (``track_record``), into ``job_annotations``, the alert's
evidence and the report.

An operator can also say what the category really was (``twspulse feedback RUN_ID --wrong --category C``).
That word carries over: the next failure of the same pattern (the same mined error pattern; when the line was
not mined, the same job with the same error line up to its dates, times and long numbers) is annotated with
the operator's category, the operator's resolution as its first step, and a confidence from the operators'
words on that pattern (an even prior, weighing as ``PRIOR_WEIGHT`` outcomes). A confirmation (``--correct``)
is a word for the category it confirmed, except ``unknown``; each run's latest verdict or category counts
(a later note without either changes nothing), and the latest word wins. ``track_record.corrected_from``
keeps the engine's own category. Without it a rule base misreads a new tool's error every time it recurs;
with it, an operator corrects it once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import psycopg

from twspulse.joblog.secrets import mask_secrets
from twspulse.models.annotate.annotation import CATEGORIES, Annotation, FailedRun
from twspulse.models.annotate.rerun import rerun_step

PRIOR_WEIGHT = 4.0  # the engine's confidence weighs as much as four recorded outcomes
WORD_PRIOR = 0.5  # the confidence an operator's category starts from, before the words on its pattern count
_MAX_LINE = 200  # characters of the error line quoted in a carried-over root cause

_MINE = """
WITH mine AS (  -- the pattern this run's error line was mined into (merged patterns count as the one they joined)
  SELECT coalesce(al.merged_into, p.pattern_id) AS pattern_id
    FROM job_run_patterns p LEFT JOIN pattern_aliases al ON al.pattern_id = p.pattern_id
   WHERE p.run_id = %(run_id)s AND btrim(p.line) = btrim(%(error_line)s)
   LIMIT 1
)"""
_SAME_PATTERN = """
EXISTS (SELECT 1 FROM job_run_patterns p2 LEFT JOIN pattern_aliases al2 ON al2.pattern_id = p2.pattern_id
         WHERE p2.run_id = a.run_id AND btrim(p2.line) = btrim(a.error_line)
           AND coalesce(al2.merged_into, p2.pattern_id) = (SELECT pattern_id FROM mine))"""
_QUERY = f"""{_MINE}, outcome AS (  -- the latest recorded verdict per run
  SELECT DISTINCT ON (run_id) run_id, correct FROM annotation_feedback
   WHERE correct IS NOT NULL ORDER BY run_id, given_at DESC
)
SELECT (SELECT pattern_id FROM mine),
       count(*) FILTER (WHERE o.correct),
       count(*) FILTER (WHERE NOT o.correct)
  FROM job_annotations a JOIN outcome o USING (run_id)
 WHERE a.category = %(category)s AND a.run_id <> %(run_id)s
   AND CASE WHEN EXISTS (SELECT 1 FROM mine) THEN {_SAME_PATTERN} ELSE a.job_key = %(job_key)s END
"""
# Operators' words on earlier runs of the same pattern, newest first: each run's latest feedback that says
# something about its annotation, when it names a category (a correction) or confirms the annotation's (an
# `unknown` is no word: it names no cause). Unmined lines: the same job, compared by shape in Python.
_WORDS = f"""{_MINE}, latest AS (
  SELECT DISTINCT ON (run_id) run_id, given_at, resolution, correct, category FROM annotation_feedback
   WHERE category IS NOT NULL OR correct IS NOT NULL
   ORDER BY run_id, given_at DESC
)
SELECT l.run_id, coalesce(l.category, a.category), l.resolution, (SELECT pattern_id FROM mine), a.error_line
  FROM job_annotations a JOIN latest l USING (run_id)
 WHERE a.run_id <> %(run_id)s AND (l.category IS NOT NULL OR l.correct)
   AND coalesce(l.category, a.category) <> 'unknown'
   AND CASE WHEN EXISTS (SELECT 1 FROM mine) THEN {_SAME_PATTERN} ELSE a.job_key = %(job_key)s END
 ORDER BY l.given_at DESC, l.run_id
"""
# What changes from one run of the same failure to the next: dates, times, long numbers (run, row and job
# numbers), hex ids. Short numbers stay: "rc=8" and "rc=12", HTTP 404 and 503, ORA-01653 and ORA-01654 differ.
_VOLATILE = re.compile(
    r"\d{4}-\d{2}-\d{2}|\b\d{1,4}[/.]\d{1,2}[/.]\d{2,4}\b|\b\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?|\b0x[0-9a-f]+\b|\d{6,}",
    re.IGNORECASE,
)


def line_shape(line: str) -> str:
    """``line`` with what differs between two runs of the same failure masked (for comparing unmined lines)."""
    return _VOLATILE.sub("#", " ".join(line.split()))


@dataclass(frozen=True, slots=True)
class TrackRecord:
    """Recorded outcomes of earlier annotations of the same failure pattern."""

    basis: str  # "pattern P12" or "job WS#/F/STREAM.JOB"
    confirmed: int
    refuted: int

    def adjusted(self, confidence: float) -> float:
        """The engine's ``confidence`` updated with the outcomes (beta-binomial, prior weight PRIOR_WEIGHT)."""
        seen = self.confirmed + self.refuted
        return round((PRIOR_WEIGHT * confidence + self.confirmed) / (PRIOR_WEIGHT + seen), 2)

    def as_dict(self, engine_confidence: float) -> dict[str, Any]:
        return {"basis": self.basis, "confirmed": self.confirmed, "refuted": self.refuted,
                "engine_confidence": engine_confidence}  # fmt: skip


def track_record_of(conn: psycopg.Connection[Any], run: FailedRun, annotation: Annotation) -> TrackRecord:
    """The outcomes recorded for earlier annotations of the same failure pattern as ``annotation``."""
    row = conn.execute(
        _QUERY,
        {"run_id": annotation.run_id, "error_line": annotation.error_line or "", "category": annotation.category,
         "job_key": run.job_key},
    ).fetchone()  # fmt: skip
    pattern, confirmed, refuted = row if row is not None else (None, 0, 0)
    basis = f"pattern {pattern}" if pattern else f"job {run.job_key}"
    return TrackRecord(basis, int(confirmed or 0), int(refuted or 0))


@dataclass(frozen=True, slots=True)
class OperatorsWord:
    """What operators said the category of the same failure pattern was, on earlier runs."""

    category: str  # the latest word's category
    run_id: str  # the run it was said about
    resolution: str
    record: TrackRecord  # confirmed: words for that category (the latest included); refuted: for another

    def confidence(self) -> float:
        """An even prior moved by the words, as the track record moves an engine's confidence."""
        return self.record.adjusted(WORD_PRIOR)


def operators_word(conn: psycopg.Connection[Any], run: FailedRun, annotation: Annotation) -> OperatorsWord | None:
    """The operators' latest word on the category of ``annotation``'s failure pattern, or None."""
    if not annotation.error_line:
        return None  # no line, no pattern: nothing to recognise the failure by
    rows = conn.execute(
        _WORDS, {"run_id": annotation.run_id, "error_line": annotation.error_line, "job_key": run.job_key}
    ).fetchall()
    rows = [row for row in rows if row[1] in CATEGORIES]  # a word the model no longer knows is not one
    if rows and rows[0][3] is None:  # not mined: the same job's runs that failed on a line of the same shape
        shape = line_shape(annotation.error_line)
        rows = [row for row in rows if row[4] and line_shape(row[4]) == shape]
    if not rows:
        return None
    run_id, category, resolution, pattern, _ = rows[0]
    agreeing = sum(1 for row in rows if row[1] == category)
    basis = f"pattern {pattern}" if pattern else f"job {run.job_key}"
    return OperatorsWord(category, run_id, resolution, TrackRecord(basis, agreeing, len(rows) - agreeing))


def carried_over(run: FailedRun, annotation: Annotation, word: OperatorsWord) -> Annotation:
    """``annotation`` with the operators' category, their resolution first in its steps and why."""
    line = " ".join((annotation.error_line or "").split())
    line = line if len(line) <= _MAX_LINE else line[: _MAX_LINE - 3] + "..."
    resolution = mask_secrets(" ".join(word.resolution.split()))
    return annotation.model_copy(
        update={
            "category": word.category,
            "root_cause": mask_secrets(
                f"{line} (a {word.category} failure, as operators recorded for run {word.run_id} of the same "
                f"error pattern: {resolution})"
            ),
            "steps": [
                f"Operators fixed run {word.run_id}, which failed on the same error pattern, with: {resolution}",
                f"Check that this run failed for the same reason: {line}",
                rerun_step(run),
            ],
            "confidence": word.confidence(),
            "track_record": {
                **word.record.as_dict(annotation.confidence),
                "corrected_from": annotation.category,
                "operator_run": word.run_id,
            },
        }
    )


def with_track_record(conn: psycopg.Connection[Any], run: FailedRun, annotation: Annotation) -> Annotation:
    """``annotation`` with the operators' category when they said another on its pattern, else with its
    confidence moved by the track record (unchanged when nothing was recorded)."""
    word = operators_word(conn, run, annotation)
    if word is not None and word.category != annotation.category:
        return carried_over(run, annotation, word)
    record = track_record_of(conn, run, annotation)
    if record.confirmed + record.refuted == 0:
        return annotation
    return annotation.model_copy(
        update={
            "confidence": record.adjusted(annotation.confidence),
            "track_record": record.as_dict(annotation.confidence),
        }
    )
