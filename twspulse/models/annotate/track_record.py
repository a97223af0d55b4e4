"""Learning from resolutions: an annotation's confidence moves with what operators recorded about earlier ones.

``twspulse feedback RUN_ID --correct/--wrong`` records whether an annotation was right. A new annotation of
the same failure pattern (same category, and the same mined error pattern of its error line; when that line
was not mined, the same category on the same job) takes the outcomes of those earlier annotations into its
confidence as a beta-binomial update: the engine's confidence counts as ``PRIOR_WEIGHT`` earlier
annotations, each recorded outcome as one more. No outcome: the confidence is the engine's. The counts and the
engine's own confidence travel with the annotation (``track_record``), into ``job_annotations``, the alert's
evidence and the report.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg

from twspulse.models.annotate.annotation import Annotation, FailedRun

PRIOR_WEIGHT = 4.0  # the engine's confidence weighs as much as four recorded outcomes

_QUERY = """
WITH mine AS (  -- the pattern this run's error line was mined into (merged patterns count as the one they joined)
  SELECT coalesce(al.merged_into, p.pattern_id) AS pattern_id
    FROM job_run_patterns p LEFT JOIN pattern_aliases al ON al.pattern_id = p.pattern_id
   WHERE p.run_id = %(run_id)s AND btrim(p.line) = btrim(%(error_line)s)
   LIMIT 1
), outcome AS (  -- the latest recorded verdict per run
  SELECT DISTINCT ON (run_id) run_id, correct FROM annotation_feedback
   WHERE correct IS NOT NULL ORDER BY run_id, given_at DESC
)
SELECT (SELECT pattern_id FROM mine),
       count(*) FILTER (WHERE o.correct),
       count(*) FILTER (WHERE NOT o.correct)
  FROM job_annotations a JOIN outcome o USING (run_id)
 WHERE a.category = %(category)s AND a.run_id <> %(run_id)s
   AND CASE WHEN EXISTS (SELECT 1 FROM mine) THEN EXISTS (
              SELECT 1 FROM job_run_patterns p2 LEFT JOIN pattern_aliases al2 ON al2.pattern_id = p2.pattern_id
               WHERE p2.run_id = a.run_id AND btrim(p2.line) = btrim(a.error_line)
                 AND coalesce(al2.merged_into, p2.pattern_id) = (SELECT pattern_id FROM mine))
            ELSE a.job_key = %(job_key)s END
"""


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


def with_track_record(conn: psycopg.Connection[Any], run: FailedRun, annotation: Annotation) -> Annotation:
    """``annotation`` with its confidence moved by the track record (unchanged when nothing was recorded)."""
    record = track_record_of(conn, run, annotation)
    if record.confirmed + record.refuted == 0:
        return annotation
    return annotation.model_copy(
        update={
            "confidence": record.adjusted(annotation.confidence),
            "track_record": record.as_dict(annotation.confidence),
        }
    )
