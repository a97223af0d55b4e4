"""Finds the line of a joblog that explains a failure.

The last line of a failed joblog is usually the TWS footer or a generic "exit 12"; the useful line is the
first one that names the problem. This first cut scores lines by error vocabulary; the pattern miner of
a later stage refines it.
"""

from __future__ import annotations

import re

_ERROR = re.compile(
    r"(\berror\b|\bfailed\b|\bfailure\b|exception|\bfatal\b|denied|no such file|not found|ORA-\d{5}|"
    r"SQLSTATE|SQL\d{4}N|cannot|can't|refused|timed? ?out|killed|out of memory|no space left|abend)",
    re.IGNORECASE,
)


def is_tws_frame(line: str) -> bool:
    """Header/footer lines the engine wraps around the job's own output."""
    return line.startswith("=") or line.startswith("%sh") or line.startswith("AWKRAA")


def first_error_line(text: str) -> str | None:
    """The first line of the job's own output that reads like an error, stripped; None if none does."""
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and not is_tws_frame(stripped) and _ERROR.search(stripped):
            return stripped[:1000]
    return None
