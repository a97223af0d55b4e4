"""Root-cause annotation of failed runs, as soon as their joblog is stored and mined.

For each failed run whose last joblog chunk arrived: its context (the run, the whole joblog, the job's
recent runs) is read back from the database, ``models.annotate.Annotator`` explains the failure (the
offline rules engine, or an OpenAI-compatible model when ``TWSPULSE_LLM_URL`` is set, falling back to the
rules), the annotation is stored in ``job_annotations`` and added to the run's open ``job_failed`` alert.

The annotator is synchronous (psycopg, httpx) and an LLM answer takes seconds, so it runs in a thread;
the joblog topic carries only failed runs, so this stage is never the worker's bottleneck. A run that
cannot be annotated (a database error, a run that vanished) is logged and skipped: its joblog and patterns
are stored, and `twspulse annotate RUN_ID` annotates it later. One LLM engine (with its circuit breaker
and per-minute budget) serves every batch.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import psycopg
import structlog

from twspulse.models.annotate.annotation import Annotation
from twspulse.models.annotate.annotator import Annotator
from twspulse.models.annotate.exceptions import RunNotFound
from twspulse.models.annotate.openai_engine import OpenAIEngine
from twspulse.models.annotate.rules_engine import RulesEngine
from twspulse.models.annotate.store import load_run_context, save_annotation
from twspulse.settings import LlmSettings
from twspulse.streams.alert_stage import AlertStage

log = structlog.get_logger(__name__)


class AnnotationStage:
    """Annotates failed runs and enriches their alerts."""

    def __init__(self, settings: LlmSettings, database_url: str, alerts: AlertStage):
        self._settings = settings
        self._url = database_url
        self._alerts = alerts
        self._rules = RulesEngine()
        self._llm = OpenAIEngine.from_settings(settings) if settings.llm_url else None
        self.annotated = 0

    async def annotate(self, run_ids: Sequence[str]) -> list[Annotation]:
        """Annotate, store and publish; returns the annotations made."""
        if not run_ids:
            return []
        done = await asyncio.to_thread(self._annotate, list(dict.fromkeys(run_ids)))
        updates: list[tuple[str, str, str, dict[str, Any]]] = []
        for job_key, annotation in done:
            if job_key:
                updates.append((f"job_failed:{job_key}", annotation.run_id, annotation.root_cause,
                                {"annotation": _evidence(annotation)}))  # fmt: skip
        await self._alerts.enrich(updates)
        self.annotated += len(done)
        return [a for _, a in done]

    def _annotate(self, run_ids: list[str]) -> list[tuple[str | None, Annotation]]:
        out: list[tuple[str | None, Annotation]] = []
        with psycopg.connect(self._url) as conn:
            annotator = Annotator(self._settings, llm=self._llm, rules=self._rules, conn=conn)
            for run_id in run_ids:
                try:
                    ctx = load_run_context(conn, run_id)
                    annotation = annotator.annotate(ctx.run, ctx.joblog, ctx.history)
                    save_annotation(conn, annotation, ctx.run)
                except (RunNotFound, psycopg.Error) as exc:
                    conn.rollback()
                    log.error("annotate.skipped", run_id=run_id, error=f"{type(exc).__name__}: {exc}")
                    continue
                log.info("annotate.done", run_id=run_id, engine=annotation.engine, category=annotation.category)
                out.append((ctx.run.job_key, annotation))
        return out


def _evidence(a: Annotation) -> dict[str, Any]:
    return {
        "engine": a.engine, "category": a.category, "root_cause": a.root_cause, "error_line": a.error_line,
        "steps": a.steps, "confidence": a.confidence, "similar_cases": a.similar_cases,
        "track_record": a.track_record,
    }  # fmt: skip
