"""The README's analyst queries are the tested ones, word for word."""

from __future__ import annotations

from tests.sql.analyst_queries import load_analyst_queries
from twspulse.settings import REPO_ROOT


def test_every_analyst_query_is_in_the_readme_verbatim() -> None:
    readme = (REPO_ROOT / "README.md").read_text()
    queries = load_analyst_queries()
    assert len(queries) >= 6
    for q in queries:
        assert f"### {q.name}" in readme, q.name
        assert q.sql + ";" in readme, f"README's {q.name} differs from sql/analyst_queries.sql"
