"""Errors raised by the TWS simulator.

Each carries the offending value so the HTTP layer can answer the client the way the real engine would
(400 with a code, 404 for unknown ids) and so test failures say what was wrong.
"""

from __future__ import annotations


class SimulatorError(Exception):
    """Base class of every error the simulator raises on purpose."""


class OqlSyntaxError(SimulatorError):
    """An OQL filter the simulator (like the engine) refuses: answered as 400 OQL_FILTER_SYNTAX_ERROR."""

    def __init__(self, oql: str, position: int, reason: str) -> None:
        super().__init__(f"{reason} at position {position} of OQL {oql!r}")
        self.oql = oql
        self.position = position
        self.reason = reason


class BadParameterError(SimulatorError):
    """A query parameter that is missing, of the wrong type or out of range: answered as 400."""

    def __init__(self, name: str, value: object, reason: str) -> None:
        super().__init__(f"parameter {name}={value!r}: {reason}")
        self.name = name
        self.value = value
        self.reason = reason


class UnknownPlanError(SimulatorError):
    """A plan_id that is neither 'current' nor one of the retained plans: answered as 404."""

    def __init__(self, plan_id: str) -> None:
        super().__init__(f"no plan with id {plan_id!r}")
        self.plan_id = plan_id


class FaultSpecError(SimulatorError):
    """A /sim/faults request body that cannot be understood: answered as 400."""

    def __init__(self, key: str, value: object, reason: str) -> None:
        super().__init__(f"fault {key}={value!r}: {reason}")
        self.key = key
        self.value = value
        self.reason = reason


class UnsupportedMediaTypeError(SimulatorError):
    """An action sent without `Content-Type: application/json`: answered as 415, as the engine does."""

    def __init__(self, path: str, content_type: str | None) -> None:
        super().__init__(f"{path} needs Content-Type: application/json, got {content_type!r}")
        self.path = path
        self.content_type = content_type


class ActionRefusedError(SimulatorError):
    """An action the run's current state does not allow (e.g. rerun of a running job): answered as 400."""

    def __init__(self, action: str, run_id: str, reason: str) -> None:
        super().__init__(f"{action} of run {run_id!r} refused: {reason}")
        self.action = action
        self.run_id = run_id
        self.reason = reason
