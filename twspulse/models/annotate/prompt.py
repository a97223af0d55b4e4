"""The prompt sent to a language model: versioned template, masked input, hashed.

Everything that leaves the process is built here, and the last thing done to it is `mask_secrets`, so
no caller can add an unmasked field by accident. The template asks for exactly the fields of
`LlmAnswer`, a verbatim error line and steps that name the job; PROMPT_VERSION is part of the hash, so
annotations made with an older template can be found and redone.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

from twspulse.joblog.entities import Entities
from twspulse.joblog.secrets import mask_secrets
from twspulse.models.annotate.annotation import CATEGORIES, FailedRun
from twspulse.models.annotate.rerun import rerun_step
from twspulse.models.annotate.similar_cases import SimilarCase

PROMPT_VERSION = "annotate-v1"

SYSTEM = (
    "You are the root-cause analyst of an IBM Workload Scheduler (TWS / HCL Workload Automation) operations "
    "team. You read the joblog excerpt of one failed job and answer with ONE JSON object and nothing else, with "
    "exactly these keys:\n"
    '  "root_cause": one or two sentences naming the specific file, table, host, user or resource at fault, '
    "as the joblog names it (never a generic guess like 'RC=12 usually means file not found');\n"
    '  "error_line": the single joblog line that states the cause, copied VERBATIM from the excerpt '
    "(or null if no line does);\n"
    f'  "category": one of {", ".join(CATEGORIES)};\n'
    '  "steps": 2 to 5 ordered, concrete operator actions that name the entity and the job; the last one '
    "reruns the job with the given rerun command;\n"
    '  "confidence": a number from 0 to 1.\n'
    "Values shown as *** are masked secrets: never ask for them or guess them. Use the extracted entities, the "
    "run's history and the resolutions of similar past cases when they fit."
)


def build_messages(
    run: FailedRun,
    excerpt: str,
    entities: Entities,
    history: Sequence[dict[str, Any]] = (),
    similar: Sequence[SimilarCase] = (),
) -> list[dict[str, str]]:
    """System and user messages for one annotation, masked."""
    payload = {
        "run": {
            "run_id": run.run_id,
            "job": run.display_name,
            "job_stream": run.job_stream,
            "workstation": run.workstation,
            "folder": run.folder,
            "return_code": run.return_code,
            "status": run.status,
            "start_time": run.start_time.isoformat() if run.start_time else None,
            "end_time": run.end_time.isoformat() if run.end_time else None,
        },
        "rerun_command": rerun_step(run),
        "entities": entities,
        "recent_history": list(history)[:10],
        "similar_cases": [case.for_prompt() for case in similar],
    }
    user = (
        "Context (JSON):\n"
        + json.dumps(payload, ensure_ascii=False, default=str)
        + '\n\nJoblog excerpt ("[... N lines omitted ...]" marks cuts):\n<<<\n'
        + excerpt
        + "\n>>>"
    )
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": mask_secrets(user)}]


def prompt_hash(messages: Sequence[dict[str, str]]) -> str:
    """Hash of the template version and the exact (masked) input."""
    digest = hashlib.sha256(PROMPT_VERSION.encode())
    for message in messages:
        digest.update(message["role"].encode())
        digest.update(message["content"].encode("utf-8", "replace"))
    return digest.hexdigest()[:16]


def correction_message(error: str) -> dict[str, str]:
    """The one follow-up sent after an invalid answer: what was wrong, and the format again."""
    return {
        "role": "user",
        "content": mask_secrets(
            f"Your answer was not valid: {error[:800]}\nReply again with only the JSON object with keys "
            "root_cause, error_line, category, steps, confidence, as specified."
        ),
    }
