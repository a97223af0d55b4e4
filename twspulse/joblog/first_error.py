"""The one line of a joblog chunk that explains a failure, stored with the chunk in ``job_logs``.

One error-line finder serves the whole project: this is the first line with the best score among the
lines `joblog.error_lines` picks (the ones pattern mining and the annotator use), so
``job_logs.first_error_line``, ``job_run_patterns`` and annotations never disagree about the cause.
The engine's header and footer are never picked; a bare "ERROR:" label is read with the line after it.
"""

from __future__ import annotations

from twspulse.joblog.error_lines import joblog_error_lines, main_cause

MAX_CHARS = 1000


def first_error_line(text: str) -> str | None:
    """The line of the job's own output that best explains the failure, stripped; None if none does."""
    best = main_cause(joblog_error_lines(text))
    return best.text.strip()[:MAX_CHARS] if best else None
