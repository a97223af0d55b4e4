"""The insights job on the simulator's own history: the injected truths are found and no control is."""

from __future__ import annotations

from bench.insights_eval import THRESHOLD, build_simulated, linear_forecaster
from twspulse.demo import HISTORY_DAYS
from twspulse.models.insights_job import insights_of


def test_insights_find_what_the_simulated_history_injected_and_nothing_else() -> None:
    # the demo's seed and history; the rules were chosen on seeds 0-19, 42 and 100-149 and the synthetic seeds
    # 0-99 (docs/insights.md)
    inputs, series, truth, now = build_simulated(42, HISTORY_DAYS)
    found, tested = insights_of(inputs, series, THRESHOLD, now, linear_forecaster)
    significant = {truth.name_of(i.kind, i.subject, i.metric, i.evidence) for i in found if i.significant}
    assert set(truth.expected()) <= significant
    assert significant - set(truth.expected()) == set()
    assert tested["pattern_trend"] >= 10 and tested["workload_resource_link"] >= 20  # controls were tested
