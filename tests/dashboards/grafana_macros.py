"""The macro expander the panel tests use: the package's own (twspulse/dashboards/grafana_sql.py), one implementation.

Kept as a module so the tests read as before; everything is re-exported from ``dashboards.grafana_sql``.
"""

from __future__ import annotations

from twspulse.dashboards.grafana_sql import (
    MACRO_RE,
    VARIABLE_RE,
    Expanded,
    MacroError,
    Variable,
    auto_interval,
    expand,
    expand_macros,
    format_duration,
    go_float,
    interpolate_variables,
    parse_duration,
    resolve_relative,
    rfc3339,
)

__all__ = [
    "MACRO_RE",
    "VARIABLE_RE",
    "Expanded",
    "MacroError",
    "Variable",
    "auto_interval",
    "expand",
    "expand_macros",
    "format_duration",
    "go_float",
    "interpolate_variables",
    "parse_duration",
    "resolve_relative",
    "rfc3339",
]
