"""The Grafana alert rules provisioned from twspulse/dashboards/provisioning/alerting: well formed, and their SQL runs.

Each rule's query is run against the sample database on both engines, its result reduced and compared as
Grafana would (last value per row; string columns are the labels), so a renamed column or table fails here.
"""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
import yaml

from twspulse.dashboards.files import DATASOURCE_UID, PROVISIONING_DIR

RULES_FILE = PROVISIONING_DIR / "alerting" / "twspulse-rules.yaml"
DOC = yaml.safe_load(RULES_FILE.read_text())
RULES = [rule for group in DOC["groups"] for rule in group["rules"]]
COMPARE = {"gt": lambda v, t: v > t, "lt": lambda v, t: v < t}


def _evaluate(rule: dict[str, Any], rows: list[tuple[Any, ...]], columns: list[str]) -> dict[str, bool]:
    """label -> firing, for a rule of query A, reduce B (last) and threshold C, as Grafana evaluates it."""
    nodes = {d["refId"]: d["model"] for d in rule["data"]}
    [condition] = nodes[rule["condition"]]["conditions"]
    kind, (threshold,) = condition["evaluator"]["type"], condition["evaluator"]["params"]
    value_at = columns.index("value")
    out = {}
    for row in rows:
        label = ",".join(str(v) for i, v in enumerate(row) if i != value_at) or "-"
        if row[value_at] is not None:
            out[label] = COMPARE[kind](float(row[value_at]), threshold)
    return out


def test_rules_are_well_formed_and_read_the_provisioned_datasource() -> None:
    assert DOC["apiVersion"] == 1
    uids = [rule["uid"] for rule in RULES]
    assert len(uids) == len(set(uids)) >= 4
    for rule in RULES:
        refs = {d["refId"]: d for d in rule["data"]}
        assert rule["condition"] in refs and rule["title"] and rule["annotations"]["summary"], rule["uid"]
        assert rule["labels"]["severity"] in ("info", "warning", "critical"), rule["uid"]
        assert refs["A"]["datasourceUid"] == DATASOURCE_UID and refs["A"]["model"]["rawSql"].strip()
        for ref in ("B", "C"):
            assert refs[ref]["datasourceUid"] == "__expr__" and refs[ref]["model"]["expression"] in refs


@pytest.mark.parametrize("rule", RULES, ids=[r["uid"] for r in RULES])
def test_every_rule_query_runs_and_returns_a_numeric_value(sample_db: str, rule: dict[str, Any]) -> None:
    sql = next(d for d in rule["data"] if d["refId"] == "A")["model"]["rawSql"]
    with psycopg.connect(sample_db) as conn:
        cur = conn.execute(sql)
        columns = [c.name for c in cur.description or []]
        rows = cur.fetchall()
    assert "value" in columns, columns
    assert all(isinstance(r[columns.index("value")], (int, float)) or r[columns.index("value")] is None for r in rows)
    _evaluate(rule, rows, columns)  # evaluates without error


def test_the_disk_rule_fires_for_the_filling_disk_of_the_sample_and_only_for_it(sample_db: str) -> None:
    [rule] = [r for r in RULES if r["uid"] == "twspulse-disk-full"]
    sql = rule["data"][0]["model"]["rawSql"]
    with psycopg.connect(sample_db) as conn:
        cur = conn.execute(sql)
        firing = _evaluate(rule, cur.fetchall(), [c.name for c in cur.description or []])
    assert firing.get("dwh01:/data") is True, firing
    assert sum(firing.values()) == 1, firing
