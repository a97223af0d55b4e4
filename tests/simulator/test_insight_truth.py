"""The insights' ground truth in the simulator: a degrading job, a workload that loads its host, and the controls."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from tests.simulator.conftest import START
from twspulse.demo_history import DRIFT_PER_WEEK, History
from twspulse.events import StatusCategory
from twspulse.job_keys import job_key
from twspulse.simulator.config import SimConfig
from twspulse.simulator.failures import FAMILIES
from twspulse.simulator.host_metrics import SimulatedHosts, UnknownHostError
from twspulse.simulator.insight_truth import DEGRADING_FAMILY, LinkedLoad, pick_degrading_job
from twspulse.simulator.plan import ABEND, SUCC, PlanBook

DAYS = 56


def test_degrading_job_ends_its_stream_and_its_share_ramps_from_zero() -> None:
    book = PlanBook(SimConfig(seed=5, start=START))
    try:
        avoid = book.job_definitions[0]
        degrading = pick_degrading_job(book, DAYS, avoid=[avoid])
        job = degrading.definition
        assert job is not avoid
        assert job.position == max(j.position for j in book.job_definitions if j.stream.index == job.stream.index)
        shares = [degrading.share(day) for day in range(DAYS)]
        assert shares[: degrading.start_day] == [0.0] * degrading.start_day
        assert shares[degrading.start_day] == pytest.approx(degrading.start_share)
        assert shares[-1] == pytest.approx(degrading.end_share)
        assert all(b >= a for a, b in zip(shares, shares[1:], strict=False))
        assert [degrading.fails(d) for d in range(DAYS)] == [degrading.fails(d) for d in range(DAYS)]  # seeded
        assert degrading.marker == FAMILIES[DEGRADING_FAMILY].marker
    finally:
        book.close()


def test_fail_turns_a_successful_or_failed_run_into_the_pattern_and_leaves_others() -> None:
    book = PlanBook(SimConfig(seed=5, start=START))
    try:
        degrading = pick_degrading_job(book, DAYS)
        run = next(job.runs[-1] for job in book.plan(0).streams[0].jobs if job.runs)
        original = run.final_status
        assert degrading.fail(run) is (original in (SUCC, ABEND))
        if original in (SUCC, ABEND):
            assert (run.final_status, run.family) == (ABEND, DEGRADING_FAMILY) and run.return_code != 0
        run.final_status = "CANCL"
        assert degrading.fail(run) is False and run.final_status == "CANCL"
    finally:
        book.close()


def test_linked_load_follows_the_log_runtime_and_holds_over_days_without_a_run() -> None:
    load = LinkedLoad("h1", points=10.0)
    day0 = datetime(2026, 11, 2, 3, tzinfo=UTC)
    for day, seconds in enumerate((100.0, 100.0 * math.e, 100.0)):
        load.observe(day0 + timedelta(days=day), seconds)
    assert load.cpu_at(day0 - timedelta(days=1)) == 0.0  # before the first run
    assert load.cpu_at(day0) == pytest.approx(0.0)  # the median day
    assert load.cpu_at(day0 + timedelta(days=1, hours=10)) == pytest.approx(10.0)  # one e-fold longer
    assert load.cpu_at(day0 + timedelta(days=5)) == pytest.approx(0.0)  # the last day's load, held
    assert load.days_observed == 3


def test_a_cpu_load_shows_in_its_host_samples_only() -> None:
    config = SimConfig(seed=3, start=START)
    plain, loaded = SimulatedHosts(config), SimulatedHosts(config)
    host, other = plain.hosts[0], plain.hosts[1]
    loaded.add_cpu_load(host, lambda at: 20.0)
    with pytest.raises(UnknownHostError):
        loaded.add_cpu_load("nowhere.example.com", lambda at: 1.0)
    at = START + timedelta(hours=3, minutes=7)
    quiet = [at + timedelta(hours=h) for h in range(48) if plain.spike_at(host, at + timedelta(hours=h)) is None]
    raised = [loaded.sample(host, t).cpu_percent - plain.sample(host, t).cpu_percent for t in quiet]
    clamped = [plain.sample(host, t).cpu_percent > 79.0 for t in quiet]  # 100 % caps what the load can add
    assert all(19.8 <= d <= 20.2 or capped for d, capped in zip(raised, clamped, strict=True))
    assert loaded.sample(other, at) == plain.sample(other, at)


def test_history_injects_a_rising_pattern_with_joblogs_and_names_its_truth() -> None:
    config = SimConfig(seed=42, start=START)
    history = History(config, DAYS, DRIFT_PER_WEEK)
    per_week: dict[int, list[int]] = {}
    logs = 0
    for day, batch in enumerate(history.days()):
        for run in batch:
            if job_key(run.event) != history.degrading_key and history.degrading_key is not None:
                assert run.joblog is None  # only the injected failures carry a joblog
                continue
            hit = run.family == DEGRADING_FAMILY and run.event.category is StatusCategory.FAILED
            per_week.setdefault(day // 7, []).append(int(hit))
            if run.joblog is not None:
                logs += 1
                assert hit and FAMILIES[DEGRADING_FAMILY].marker.encode() in run.joblog
    assert logs == history.injected_failures > 10
    shares = [sum(v) / len(v) for _, v in sorted(per_week.items())]
    assert shares[-1] >= 0.6 and shares[-1] - shares[0] >= 0.4  # its own rare failures aside, it rises
    fleet = SimulatedHosts(config)
    history.couple(fleet)
    truth = history.truth(fleet)
    assert truth is not None and history.load is not None and history.load.days_observed >= 40
    assert ("pattern_trend", history.degrading_key, FAMILIES[DEGRADING_FAMILY].marker) in truth.expected()
    assert ("workload_resource_link", truth.linked_job, f"{truth.linked_host}/cpu.percent") in truth.expected()
    assert truth.linked_job == history.drifting_key  # the drifting job is the one that loads its host


def test_history_without_insights_injects_nothing() -> None:
    history = History(SimConfig(seed=42, start=START), 14, DRIFT_PER_WEEK, insights=False)
    runs = [run for batch in history.days() for run in batch]
    assert runs and all(run.joblog is None for run in runs)
    assert history.injected_failures == 0 and history.truth(SimulatedHosts(history.config)) is None
