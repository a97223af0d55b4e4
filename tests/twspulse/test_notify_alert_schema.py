"""The published alert schema (docs/alerts.schema.json) is what the topic model generates, and docs/alerts.md's
example record is a valid ``Alert``."""

from __future__ import annotations

import json
import re

from twspulse.alert_schema import SCHEMA_FILE, alert_schema, main, render
from twspulse.events import Alert
from twspulse.settings import REPO_ROOT


def test_checked_in_alert_schema_equals_the_generated_one() -> None:
    assert SCHEMA_FILE.read_text() == render(), "run: python -m twspulse.alert_schema"
    assert main(["--check"]) == 0


def test_alert_schema_names_every_field_and_requires_only_those_without_default() -> None:
    schema = alert_schema()
    assert set(schema["properties"]) == set(Alert.model_fields)
    assert set(schema["required"]) == {n for n, f in Alert.model_fields.items() if f.is_required()}
    assert schema["properties"]["state"]["enum"] == ["firing", "resolved"]


def test_example_record_in_the_alerts_doc_is_a_valid_alert() -> None:
    doc = (REPO_ROOT / "docs" / "alerts.md").read_text()
    example = re.search(r"```json\n(.*?)\n```", doc, re.DOTALL)
    assert example, "docs/alerts.md has no ```json example record"
    alert = Alert.model_validate(json.loads(example.group(1)))
    assert alert.state == "firing"
