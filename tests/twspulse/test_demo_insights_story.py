"""The demo's insights lines: what the insights step found, and the recommendations due first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import psycopg

from twspulse.demo import _insights_story

T0 = datetime(2026, 12, 1, tzinfo=UTC)


def test_the_story_counts_active_significant_insights_and_lists_the_earliest_deadlines(database_url: str) -> None:
    assert _insights_story(database_url).startswith("insights: none significant")
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
    story = _insights_story(database_url).splitlines()
    assert story[0] == "insights: capacity_plan 1, workload_resource_link 1"
    assert story[1:] == [
        "  [high] add disk to /data (before 2026-12-21)",
        "  [medium] review S.J's growth (before 2027-01-10)",
    ]
