"""The engine's plan_filter path patterns (e.g. /@/@#/@/@.@) matched against job and job stream keys.

A pattern is `[/folder/]WORKSTATION#[/folder/]STREAM[.JOB]` with `@` matching any text; a `/@/` folder
part also matches the root folder, so the engine's default `/@/@#/@/@.@` selects every job.
"""

from __future__ import annotations

import re

from twspulse.simulator.exceptions import BadParameterError


def compile_plan_filter(pattern: str, with_job: bool = True) -> re.Pattern[str]:
    """Regex matching the keys (`/WS#/FOLDER/STREAM.JOB`, or without `.JOB`) `pattern` selects."""
    if "#" not in pattern:
        raise BadParameterError("plan_filter", pattern, "expected WORKSTATION#STREAM[.JOB]")
    workstation, rest = pattern.split("#", 1)
    if not with_job and "." in rest:
        rest = rest.rsplit(".", 1)[0]
    if not workstation.startswith("/"):
        workstation = "/" + workstation
    if not rest.startswith("/"):
        rest = "/" + rest
    return re.compile(_to_regex(workstation) + "#" + _to_regex(rest))


def _to_regex(part: str) -> str:
    out = []
    index = 0
    while index < len(part):
        if part.startswith("/@/", index):
            out.append("/(?:.*/)?")
            index += 3
        elif part[index] == "@":
            out.append(".*")
            index += 1
        else:
            out.append(re.escape(part[index]))
            index += 1
    return "".join(out)
