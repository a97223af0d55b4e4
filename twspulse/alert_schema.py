"""The JSON Schema of the ``alerts`` topic, generated from its pydantic model and published in docs/.

``python -m twspulse.alert_schema`` rewrites docs/alerts.schema.json; ``--check`` exits 1 when the file is
not what the model generates (tests/twspulse/test_alert_schema.py checks the same), so the published
schema cannot drift from the contract the producers validate against.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from twspulse.events import Alert
from twspulse.settings import REPO_ROOT

SCHEMA_FILE = REPO_ROOT / "docs" / "alerts.schema.json"


def alert_schema() -> dict[str, Any]:
    """The schema of one ``alerts`` record: ``Alert.model_json_schema()`` in validation mode, so a field with a
    default is optional, as it is for a record written before that field was added (the contract's rule)."""
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **Alert.model_json_schema()}


def render() -> str:
    """The file's text: sorted keys, two-space indent, one trailing newline (stable diffs)."""
    return json.dumps(alert_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    """Write the schema file, or with ``--check`` say whether it is current."""
    text = render()
    if "--check" in argv:
        current = SCHEMA_FILE.read_text() if SCHEMA_FILE.exists() else ""
        if current != text:
            print(f"{SCHEMA_FILE.name} is out of date: run python -m twspulse.alert_schema", file=sys.stderr)
            return 1
        return 0
    SCHEMA_FILE.write_text(text)
    print(f"wrote {SCHEMA_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
