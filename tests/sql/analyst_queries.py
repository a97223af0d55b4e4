"""Splits ``twspulse/sql/analyst_queries.sql`` into its named queries (a ``-- name:`` and a ``-- description:``
line each)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from twspulse.settings import REPO_ROOT

QUERY_FILE = REPO_ROOT / "twspulse" / "sql" / "analyst_queries.sql"
_HEADER = re.compile(r"^-- name: (?P<name>[a-z0-9-]+)\n-- description: (?P<description>.+)\n", re.MULTILINE)


class QueryFileError(ValueError):
    """The query file does not follow its format."""


@dataclass(frozen=True)
class AnalystQuery:
    """One query of the file, without its trailing semicolon."""

    name: str
    description: str
    sql: str


def load_analyst_queries(path: Path = QUERY_FILE) -> list[AnalystQuery]:
    """The queries in file order; a duplicate name, an empty body or a stray "-- name:" line is an error."""
    text = path.read_text()
    headers = list(_HEADER.finditer(text))
    if len(headers) != text.count("-- name:"):
        raise QueryFileError(f"{path}: every '-- name:' line must be followed by a '-- description:' line")
    queries = []
    for i, h in enumerate(headers):
        end = headers[i + 1].start() if i + 1 < len(headers) else len(text)
        body = text[h.end() : end].strip()
        if not body.endswith(";") or ";" in body[:-1]:
            raise QueryFileError(f"{path}: query {h['name']} must be one statement ending with ';'")
        queries.append(AnalystQuery(h["name"], h["description"].strip(), body[:-1].strip()))
    names = [q.name for q in queries]
    if len(set(names)) != len(names):
        raise QueryFileError(f"{path}: duplicate query names in {names}")
    return queries
