"""From the engine's internal job state to the coarse category dashboards and alerts use.

The internal state (``compositeStatus.status``) is what operators know from ``conman``; the mapping
lives in one table so an engine that reports a state differently is corrected in one place.
"""

from __future__ import annotations

from twspulse.events import StatusCategory

_CATEGORY: dict[str, StatusCategory] = {
    **dict.fromkeys(["SUCC", "SUCCP", "COMPLT"], StatusCategory.SUCCEEDED),
    **dict.fromkeys(["ABEND", "ABENP", "FAIL", "ERROR"], StatusCategory.FAILED),
    **dict.fromkeys(["CANCL", "CANCLP"], StatusCategory.CANCELED),
    **dict.fromkeys(["EXEC", "STARTED", "INTRO", "WAIT"], StatusCategory.RUNNING),
    **dict.fromkeys(
        ["HOLD", "READY", "FENCE", "PEND", "PENDPRED", "ARRVING", "NONREPPRED", "EXTRN", "SUSP"],
        StatusCategory.WAITING,
    ),
}

FINAL = frozenset({StatusCategory.SUCCEEDED, StatusCategory.FAILED, StatusCategory.CANCELED})


def categorize(internal_status: str, canceled: bool = False) -> StatusCategory:
    """Category of an internal state; a canceled job keeps its last state with the canceled flag set."""
    if canceled:
        return StatusCategory.CANCELED
    return _CATEGORY.get(internal_status, StatusCategory.OTHER)
