"""Errors of the pattern-mining package, as a hierarchy callers can catch at the level they care about.

`PatternError` catches everything raised here; a stream stage usually catches `MinerStateError` alone,
logs it and starts from an empty miner (or dead-letters the stored state) rather than crash-looping.
"""

from __future__ import annotations


class PatternError(Exception):
    """Base class of every error raised by joblog."""


class MinerStateError(PatternError):
    """Persisted miner state cannot be restored."""


class CorruptStateError(MinerStateError):
    """The bytes are not a miner state this code wrote (truncated, not zlib, not JSON, wrong shape)."""


class IncompatibleStateError(MinerStateError):
    """The state was written by a different state format or different masking rules.

    Restoring it would silently give known lines new templates (and so new pattern ids); the caller
    decides whether to start a fresh miner or keep running an older release.
    """

    def __init__(self, field: str, stored: object, expected: object) -> None:
        super().__init__(f"miner state has {field}={stored!r}, this code expects {expected!r}")
        self.field = field
        self.stored = stored
        self.expected = expected


class UnsupportedFormatError(PatternError, ValueError):
    """An output format mine_lines does not know."""

    def __init__(self, fmt: str, supported: tuple[str, ...]) -> None:
        super().__init__(f"unsupported output format {fmt!r}; use one of {', '.join(supported)}")
        self.fmt = fmt
        self.supported = supported
