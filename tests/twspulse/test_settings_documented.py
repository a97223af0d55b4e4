"""docs/configuration.md is generated from the settings and names every setting the code reads."""

from __future__ import annotations

from twspulse.settings import REPO_ROOT, Settings
from twspulse.settings_doc import render


def test_the_configuration_page_is_the_generated_one_and_names_every_setting() -> None:
    page = (REPO_ROOT / "docs" / "configuration.md").read_text()
    assert page == render(), "docs/configuration.md is stale: python -m twspulse.settings_doc > docs/configuration.md"
    missing = [n for n in Settings.model_fields if f"| `TWSPULSE_{n.upper()}` |" not in page]
    assert not missing, missing
    assert str(REPO_ROOT) not in page  # defaults under the checkout are shown as <repo>/...


def test_every_section_of_the_settings_has_a_heading_and_secrets_are_marked() -> None:
    page = render()
    assert (
        "## Kafka" in page and "## TWS engine" in page and "## Notifier" in page.replace("## Notifier (", "## Notifier")
    )
    secret_rows = [line for line in page.splitlines() if "`TWSPULSE_KAFKA_SASL_PASSWORD`" in line]
    assert len(secret_rows) == 1 and secret_rows[0].endswith("(secret) |")
