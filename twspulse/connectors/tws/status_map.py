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

# Every link state of a workstation that means the engine reaches it (the spec lists these besides LINKED).
LINKED_STATES = frozenset({"LINKED", "FULLY_LINKED", "DIRECTLY_LINKED", "HOST_LINKED"})

FINAL = frozenset({StatusCategory.SUCCEEDED, StatusCategory.FAILED, StatusCategory.CANCELED})


def categorize(internal_status: str, canceled: bool = False) -> StatusCategory:
    """Category of an internal state; a canceled job keeps its last state with the canceled flag set."""
    if canceled:
        return StatusCategory.CANCELED
    return _CATEGORY.get(internal_status, StatusCategory.OTHER)


# An older run listed with only its normalised status: the internal state it stands for.
_INTERNAL_OF_COMMON: dict[str, str] = {
    "SUCCESSFUL": "SUCC",
    "COMPLETED": "COMPLT",
    "DUMMY_COMPLETED": "COMPLT",
    "ERROR": "ABEND",
    "CANCELED": "CANCL",
    "RUNNING": "EXEC",
    "INTERRUPTED": "INTRPT",
    "SUPPRESS": "SUPPR",
    "SUPPRESS_BY_COND": "SUPPR",
    "UNDECIDED": "UNDCDED",
    "BLOCKED": "SUSP",
    "HELD": "HOLD",
    "READY": "READY",
    "READY_PREV_WS_NONREP": "READY",
    "WAITING": "HOLD",
    "WAITING_FOR_TRIGGER": "HOLD",
}


def internal_of_common(common_status: str) -> str:
    """The internal state a common status stands for (``HOLD`` when unknown: waiting, never final)."""
    return _INTERNAL_OF_COMMON.get(common_status, "HOLD")
