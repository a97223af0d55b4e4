"""The README's configuration table names every setting the code reads."""

from __future__ import annotations

from twspulse.settings import REPO_ROOT, Settings


def test_every_setting_is_in_the_readme_table() -> None:
    readme = (REPO_ROOT / "README.md").read_text()
    missing = [n for n in Settings.model_fields if f"`TWSPULSE_{n.upper()}`" not in readme]
    assert not missing, missing
