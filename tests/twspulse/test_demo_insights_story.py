"""The demo's insights lines: what the insights step found, and the recommendations due first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import psycopg
from psycopg.types.json import Jsonb

from twspulse.demo import _insights_story
from twspulse.simulator.insight_truth import InsightTruth

T0 = datetime(2026, 12, 1, tzinfo=UTC)


def test_the_story_counts_active_significant_insights_and_lists_the_earliest_deadlines(database_url: str) -> None:
    text, problems = _insights_story(database_url, None)
    assert text.startswith("insights: none significant") and problems == []
    rows = [
        ("i1", "capacity_plan", "web01", "active", True, "high", "add disk to /data", T0 + timedelta(days=20)),
        ("i2", "workload_resource_link", "WS#/F/S.J", "active", True, "medium", "review S.J's growth",
         T0 + timedelta(days=40)),
        ("i3", "capacity_plan", "web02", "cleared", True, "high", "was: add CPU", T0 + timedelta(days=5)),
        ("i4", "pattern_trend", "WS#/F/S.K", "active", False, None, None, None),
    ]  # fmt: skip
    with psycopg.connect(database_url) as conn:
        for insight_id, kind, subject, state, significant, priority, action, deadline in rows:
            conn.execute(
                "INSERT INTO insights (time, insight_id, kind, subject, state, significant, summary, priority,"
                " action, deadline, updated_at) VALUES (%s, %s, %s, %s, %s, %s, 'x', %s, %s, %s, %s)",
                (T0, insight_id, kind, subject, state, significant, priority, action, deadline, T0),
            )
    text, problems = _insights_story(database_url, None)
    story = text.splitlines()
    assert problems == []
    assert story[0] == "insights: capacity_plan 1, workload_resource_link 1"
    assert story[1:] == [
        "  [high] add disk to /data (before 2026-12-21)",
        "  [medium] review S.J's growth (before 2027-01-10)",
    ]


def test_the_story_says_which_injected_insights_were_found_and_what_nothing_injected(database_url: str) -> None:
    truth = InsightTruth("/WS1#/S.LINKED", "h1", "/WS2#/S.DEGRADING", "No space left on device", "h2", "/data")
    rows = [  # the link and both capacity plans found; the pattern missing; one insight nothing injected
        ("l1", "workload_resource_link", "/WS1#/S.LINKED", "runtime~h1/cpu", {"host": "h1", "resource": "cpu.percent"}),
        ("c1", "capacity_plan", "h1", "cpu.percent", {}),
        ("c2", "capacity_plan", "h2", "disk.used_percent:/data", {}),
        ("p1", "pattern_trend", "/WS2#/S.DEGRADING", "p9", {"template": "ORA-01653 unable to extend"}),
    ]
    with psycopg.connect(database_url) as conn:
        for insight_id, kind, subject, metric, evidence in rows:
            conn.execute(
                "INSERT INTO insights (time, insight_id, kind, subject, metric, state, significant, summary, evidence,"
                " updated_at) VALUES (%s, %s, %s, %s, %s, 'active', true, %s, %s, %s)",
                (T0, insight_id, kind, subject, metric, f"summary of {insight_id}", Jsonb(evidence), T0),
            )
    text, problems = _insights_story(database_url, truth)
    lines = text.splitlines()
    assert lines[0].startswith("insights injected: 3/4 found, 1 significant insight(s) nothing injected")
    assert "  found  workload_resource_link /WS1#/S.LINKED h1/cpu.percent: summary of l1" in lines
    assert "  MISSED pattern_trend /WS2#/S.DEGRADING No space left on device" in lines
    assert problems == [
        "injected insight not found: pattern_trend /WS2#/S.DEGRADING No space left on device",
        "1 significant insight(s) that nothing injected",
    ]
