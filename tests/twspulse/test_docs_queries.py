"""The analyst queries live in twspulse/sql/analyst_queries.sql only; docs/schema.md lists each one by name."""

from __future__ import annotations

from tests.sql.analyst_queries import load_analyst_queries
from twspulse.settings import REPO_ROOT


def test_every_analyst_query_is_listed_in_the_docs_and_its_sql_is_written_down_once() -> None:
    schema = (REPO_ROOT / "docs" / "schema.md").read_text()
    queries = load_analyst_queries()
    assert len(queries) >= 6
    docs = [p.read_text() for p in (REPO_ROOT / "docs").glob("*.md")] + [(REPO_ROOT / "README.md").read_text()]
    for q in queries:
        assert f"| `{q.name}` | {q.description} |" in schema, q.name
        assert not any(q.sql in text for text in docs), f"{q.name}'s SQL is copied into the docs"


def test_the_readme_stays_short() -> None:
    lines = (REPO_ROOT / "README.md").read_text().splitlines()
    assert len(lines) < 250, f"README.md has {len(lines)} lines: move details to docs/"
