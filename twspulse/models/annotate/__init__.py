"""Root-cause annotation of failed TWS jobs (issue 6).

A failed run's joblog goes in; an `Annotation` comes out: the specific cause ("Missing file:
/data/hr/employees.csv"), the verbatim error line, a category, ordered steps that name the job and the
entity, and similar past cases with what fixed them. The offline rules engine always answers; an
OpenAI-compatible model answers when one is configured and falls back to the rules on any failure.
"""

from twspulse.models.annotate.annotation import Annotation, Category, FailedRun

__all__ = ["Annotation", "Category", "FailedRun"]
