"""Which database errors are worth waiting for, and which are the rows' own fault.

Decided by the SQLSTATE class (PostgreSQL's appendix A), not by psycopg's exception classes: psycopg
files ``ProgramLimitExceeded`` (an index row too large for its btree, class 54) under ``OperationalError``
next to a dropped connection, and treating both alike made one 900,000-character job name stall its
topic in a 30-second retry loop. The classes:

- transient (wait and retry the same rows): 08 connection exception, 40 transaction rollback (serialization
  failure, deadlock), 53 insufficient resources (disk full, out of memory, too many connections),
  57 operator intervention (admin shutdown, cannot connect now, query canceled), 58 system error;
  a lock that is not available (55P03, 55006); errors without a SQLSTATE from a connection that failed or
  closed (refused, reset, server gone), and a pool with no connection to give (``PoolTimeout``);
- schema (wait for ``twspulse db migrate``; retried like transient ones): a missing table or column,
  a revoked grant: the worker is newer than the database, and the rows are fine;
- permanent (these rows will never be accepted; isolate and dead-letter them): everything else the server
  answers about the rows, e.g. 22 data exception (out of range, invalid encoding, NUL), 23 integrity
  constraint, 54 program limit exceeded, 21 cardinality, and what psycopg refuses before sending
  (a NUL in a text value, a string that cannot be encoded).
"""

from __future__ import annotations

from enum import StrEnum

import psycopg
from psycopg_pool import PoolTimeout

TRANSIENT_CLASSES = frozenset({"08", "40", "53", "57", "58"})
TRANSIENT_STATES = frozenset({"55P03", "55006"})  # lock_not_available, object_in_use: another session's, it passes
SCHEMA_STATES = frozenset({"42P01", "42703", "42501"})  # undefined_table, undefined_column, insufficient_privilege


class ErrorKind(StrEnum):
    """What a failed write means for its rows."""

    TRANSIENT = "transient"
    SCHEMA = "schema"
    PERMANENT = "permanent"


def classify(exc: BaseException) -> ErrorKind:
    """The kind of a database error (or of a value psycopg could not send); see the module docstring."""
    if isinstance(exc, PoolTimeout):
        return ErrorKind.TRANSIENT
    if isinstance(exc, psycopg.Error):
        state = exc.sqlstate
        if state is None:
            # no answer from a server: the connection failed, broke or was closed (client-side refusals, such as
            # a NUL in a text value, are DataErrors and carry no SQLSTATE either)
            is_connection = isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError)
            return ErrorKind.TRANSIENT if is_connection else ErrorKind.PERMANENT
        if state[:2] in TRANSIENT_CLASSES or state in TRANSIENT_STATES:
            return ErrorKind.TRANSIENT
        if state in SCHEMA_STATES:
            return ErrorKind.SCHEMA
        return ErrorKind.PERMANENT
    # what a dumper raises for a Python value it cannot send (UnicodeEncodeError is a ValueError): the row's own
    return ErrorKind.PERMANENT


def is_transient(exc: BaseException) -> bool:
    """True for a database error worth retrying as is (transient or schema); False for any other exception."""
    if not isinstance(exc, psycopg.Error):
        return False
    return classify(exc) is not ErrorKind.PERMANENT


def describe(exc: BaseException) -> str:
    """One line for a dead letter's reason: the error's class, its SQLSTATE when there is one, its message."""
    state = getattr(exc, "sqlstate", None)
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}{f' [{state}]' if state else ''}: {first}"
