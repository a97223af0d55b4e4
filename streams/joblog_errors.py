"""Finds the line of a joblog that explains a failure.

The last line of a failed joblog is usually the TWS footer or a generic "exit 12"; the useful line is
the one that names the problem. Lines are scored by how specifically they read as an error (a named
cause such as "No such file", an ORA- code or an exception beats a bare "failed"), lines logged at
INFO/DEBUG level never count, and a bare "ERROR:" borrows the line after it. The earliest line with the
best score wins, since later errors are usually consequences. The pattern miner of a later stage
refines this first cut.
"""

from __future__ import annotations

import re

_SPECIFIC = re.compile(
    r"(no such file|permission denied|access denied|no space left|disk quota|ORA-\d{5}|SQLSTATE|SQL\d{4}N|"
    r"\b[A-Z][A-Za-z]+(Exception|Error)\b|out of memory|\bkilled\b|connection refused|timed? ?out|"
    r"authentication failed|login failed|invalid password|syntax error|unique constraint|deadlock|"
    r"not found|cannot|can't|unable to)",
    re.IGNORECASE,
)
_GENERIC = re.compile(r"(\berror\b|\bfailed\b|\bfailure\b|\bfatal\b|\bsevere\b|\babend\b|\bexception\b)", re.I)
_QUIET_LEVEL = re.compile(r"(^|[\s\[])(INFO|DEBUG|TRACE)([\s\]:]|$)")
_BARE_LABEL = re.compile(r"^(error|fatal|severe|exception)\s*:?\s*$", re.IGNORECASE)


def is_tws_frame(line: str) -> bool:
    """Header/footer lines the engine wraps around the job's own output."""
    return line.startswith("=") or line.startswith("%sh") or line.startswith("AWKRAA")


def _score(line: str) -> int:
    if _QUIET_LEVEL.search(line):
        return 0
    return 2 * bool(_SPECIFIC.search(line)) + bool(_GENERIC.search(line))


def first_error_line(text: str) -> str | None:
    """The line of the job's own output that best explains the failure, stripped; None if none does."""
    lines = [ln.strip() for ln in text.splitlines()]
    lines = [ln for ln in lines if ln and not is_tws_frame(ln)]
    best: tuple[int, str] | None = None
    for i, line in enumerate(lines):
        if _BARE_LABEL.match(line) and i + 1 < len(lines):
            line = f"{line} {lines[i + 1]}"
        score = _score(line)
        if score and (best is None or score > best[0]):
            best = (score, line)
    return best[1][:1000] if best else None
