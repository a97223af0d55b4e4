"""Picks the engine for a failed run and guarantees an answer.

The rules engine runs first, always: it is cheap, it gives the retrieval its query, and it is the answer
whenever the LLM is not configured or fails in any way (unreachable, slow, over budget, breaker open,
invalid twice). A fallback is recorded in `fallback_reason` (and in entities), so an operator and the
evaluation can see which annotations a model made and why the others were not.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import TracebackType
from typing import Any

import psycopg
import structlog

from twspulse.models.annotate.annotation import Annotation, FailedRun
from twspulse.models.annotate.exceptions import LlmError
from twspulse.models.annotate.excerpt import build_excerpt, read_joblog
from twspulse.models.annotate.openai_engine import OpenAIEngine
from twspulse.models.annotate.rules_engine import RulesEngine
from twspulse.models.annotate.similar_cases import SimilarCase, find_similar
from twspulse.models.annotate.track_record import with_track_record
from twspulse.settings import LlmSettings

log = structlog.get_logger(__name__)


class Annotator:
    """Rules always; an OpenAI-compatible model on top when `llm_url` is set; similar cases when a DB is given."""

    def __init__(
        self,
        settings: LlmSettings,
        *,
        llm: OpenAIEngine | None = None,
        rules: RulesEngine | None = None,
        conn: psycopg.Connection[Any] | None = None,
        similar_k: int = 3,
    ) -> None:
        self.settings = settings
        self.rules = rules or RulesEngine()
        self._owns_llm = llm is None and bool(settings.llm_url)
        self.llm = llm if llm is not None else (OpenAIEngine.from_settings(settings) if settings.llm_url else None)
        self.conn = conn
        self.similar_k = similar_k

    def annotate(self, run: FailedRun, joblog_data: str | bytes, history: Sequence[dict[str, Any]] = ()) -> Annotation:
        """The annotation of one failed run; never raises for an LLM problem."""
        joblog = read_joblog(joblog_data)
        offline = self.rules.annotate(run, joblog)
        similar: list[SimilarCase] = []
        if self.conn is not None:
            similar = find_similar(self.conn, offline, run.job_key, self.similar_k)
        result = offline
        if self.llm is not None:
            excerpt = build_excerpt(joblog, self.llm.token_budget).text
            entities = {kind: values for kind, values in offline.entities.items() if isinstance(values, list)}
            try:
                result = self.llm.annotate(run, joblog, excerpt, entities, history, similar)
            except LlmError as exc:
                reason = f"{type(exc).__name__}: {exc}"
                log.warning("annotate.fallback_to_rules", run_id=run.run_id, reason=reason)
                result = offline.model_copy(
                    update={"fallback_reason": reason, "entities": {**offline.entities, "fallback_reason": reason}}
                )
        result = result.model_copy(update={"similar_cases": [case.run_id for case in similar]})
        return with_track_record(self.conn, run, result) if self.conn is not None else result

    def close(self) -> None:
        """Release the LLM's HTTP client if this annotator created it."""
        if self._owns_llm and self.llm is not None:
            self.llm.close()

    def __enter__(self) -> Annotator:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
