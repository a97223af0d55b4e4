"""The annotator's input (`FailedRun`) and its one output model (`Annotation`).

The Annotation is the contract between the engines (rules or LLM), the database row of
`job_annotations`, the CLI's JSON and the LLM's JSON answer: the model is asked for exactly the fields
of `LlmAnswer`, and what it returns is validated against them before anything is stored.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Category = Literal[
    "missing_file",
    "permission",
    "disk_full",
    "db_error",
    "network",
    "timeout",
    "oom",
    "auth",
    "dependency",
    "data_quality",
    "script_error",
    "unknown",
]
CATEGORIES: tuple[str, ...] = Category.__args__  # type: ignore[attr-defined]


class FailedRun(BaseModel):
    """What is known about the failed run besides its joblog (from job_runs, the header or the CLI)."""

    model_config = ConfigDict(frozen=True)

    run_id: str
    job_id: str | None = None
    job_name: str | None = None
    job_stream: str | None = None
    workstation: str | None = None
    folder: str | None = None
    job_key: str | None = None
    return_code: int | None = None
    status: str | None = None
    start_time: datetime | None = None
    end_time: datetime | None = None

    @property
    def conman_job(self) -> str | None:
        """The job as conman names it (WS#STREAM.JOB), or None when a part is unknown."""
        if self.workstation and self.job_stream and self.job_name:
            return f"{self.workstation}#{self.job_stream}.{self.job_name}"
        return None

    @property
    def display_name(self) -> str:
        """The most specific name we have, for root causes and steps."""
        return self.conman_job or self.job_name or self.run_id


class LlmAnswer(BaseModel):
    """The fields a language model must return; validated strictly, since a model can return anything."""

    model_config = ConfigDict(extra="ignore")

    root_cause: str = Field(min_length=8, max_length=600)
    error_line: str | None = Field(default=None, max_length=2000)
    category: Category
    steps: list[str] = Field(min_length=1, max_length=10)
    confidence: float = Field(ge=0, le=1)

    @field_validator("steps")
    @classmethod
    def _steps_not_blank(cls, steps: list[str]) -> list[str]:
        if any(not step.strip() for step in steps):
            raise ValueError("steps must not contain blank entries")
        return steps


class Annotation(BaseModel):
    """The root cause of one failed run, as an operator reads it and as job_annotations stores it.

    `root_cause` names the file, table, host or resource when the joblog does; `error_line` is
    verbatim (whitespace-trimmed) from the joblog or None; `steps` are ordered and concrete;
    `prompt_hash` identifies template version + input, so a re-annotation can tell what changed;
    `entities` keeps what was extracted (and `fallback_reason` when the LLM could not answer).
    """

    run_id: str
    root_cause: str
    error_line: str | None = None
    category: Category
    steps: list[str] = Field(default_factory=list)
    confidence: float = Field(ge=0, le=1)
    engine: str
    similar_cases: list[str] = Field(default_factory=list)
    prompt_hash: str | None = None
    entities: dict[str, Any] = Field(default_factory=dict)
    fallback_reason: str | None = None
    # outcomes operators recorded for earlier annotations of the same pattern, which moved `confidence`
    # (models/annotate/track_record.py); None when there were none
    track_record: dict[str, Any] | None = None
