"""Run durations carry weekly, month-end and growth patterns a forecasting model can learn."""

from __future__ import annotations

import math
import re
import statistics
from datetime import timedelta

from tests.simulator.conftest import START, ServerFactory, all_jobs, client_for
from twspulse.simulator import SimulatorServer
from twspulse.simulator.config import SimConfig
from twspulse.simulator.plan import FAST_RUN_FACTOR, FAST_RUN_SHARE, SLOW_RUN_FACTOR, SLOW_RUN_SHARE, SUCC, PlanBook

DAY = 24 * 3600
# START is Tuesday 2026-11-24; Sat 28, Sun 29 Nov and Sat 5, Sun 6 Dec are weekend days; 29 and
# 30 Nov are the last two days of the month.
WEEKEND_DAYS = {4, 5, 11, 12}
MONTH_END_DAYS = {5, 6}


def _durations_by_day(server: SimulatorServer, days: range) -> dict[int, dict[str, float]]:
    """Day -> job definition id -> seconds of its first, successful run, read day by day from the API."""
    found: dict[int, dict[str, float]] = {}
    with client_for(server) as http:
        for day in days:
            day_start = START + timedelta(days=day)
            server.clock.advance_to(day_start + timedelta(seconds=DAY - 1))
            today: dict[str, float] = {}
            for job in all_jobs(http, oql=f"schedTime >= '{day_start.isoformat(timespec='milliseconds')}'"):
                run = job["jobruns"][0] if job["jobruns"] else None
                if run and run["commonStatus"] == "SUCCESSFUL":
                    today[job["jobDefinitionRefId"]] = _seconds(run["timeInfo"]["elapsedTime"])
            found[day] = today
    return found


def _seconds(duration: str) -> float:
    match = re.fullmatch(r"PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?", duration)
    assert match is not None, duration
    hours, minutes, seconds = (int(part or 0) for part in match.groups())
    return float(hours * 3600 + minutes * 60 + seconds)


def _quiet(make_server: ServerFactory) -> SimulatorServer:
    """A plan without failures, cancellations or outages: only durations vary."""
    return make_server(seed=21, job_streams=20, failure_rate=0.0, cancel_rate=0.0, unlink_minutes=0)


def test_weekend_runs_are_shorter_for_most_jobs_and_visible_across_two_weeks(make_server: ServerFactory) -> None:
    server = _quiet(make_server)
    by_day = _durations_by_day(server, range(14))
    ratios = []
    for job_id in by_day[0]:
        weekday = [
            by_day[d][job_id] for d in range(14) if d not in WEEKEND_DAYS | MONTH_END_DAYS and job_id in by_day[d]
        ]
        weekend = [by_day[d][job_id] for d in (4, 11) if job_id in by_day[d]]  # Saturdays, not month end
        if len(weekday) >= 5 and weekend:
            ratios.append(statistics.median(weekend) / statistics.median(weekday))
    assert len(ratios) > 50
    shorter = sum(ratio < 0.8 for ratio in ratios) / len(ratios)
    longer = sum(ratio > 1.25 for ratio in ratios) / len(ratios)
    assert shorter > 0.5, f"most jobs should run shorter on Saturdays, {shorter:.0%} do"
    assert longer > 0.03, "weekend maintenance (backups, vacuum) should run longer"
    # and the weekly shape repeats: this Saturday and next look alike, unlike a weekday
    same = [by_day[4][j] / by_day[11][j] for j in by_day[4] if j in by_day[11]]
    assert 0.75 < statistics.median(same) < 1.33


def test_finance_jobs_swell_at_month_end(make_server: ServerFactory) -> None:
    server = _quiet(make_server)
    by_day = _durations_by_day(server, range(1, 8))  # Wed 25 Nov .. Tue 1 Dec; Mon 30 Nov is month end
    finance = {d.id for d in server.simulation.plans.job_definitions if d.stream.folder == "/FINANCE/"}
    ratios = [
        by_day[6][job_id] / statistics.median(by_day[d][job_id] for d in (1, 2, 7))
        for job_id in finance
        if job_id in by_day[6] and all(job_id in by_day[d] for d in (1, 2, 7))
    ]
    assert len(ratios) >= 10
    assert statistics.median(ratios) > 1.4


def test_growing_jobs_drift_upwards_week_after_week(make_server: ServerFactory) -> None:
    server = _quiet(make_server)
    definitions = server.simulation.plans.job_definitions
    growing = {d.id for d in definitions if d.profile.weekly_growth >= 0.04}
    flat = {d.id for d in definitions if d.profile.weekly_growth == 0}
    early = _durations_by_day(server, range(1, 4))  # Wed-Fri of the first week
    late = _durations_by_day(server, range(57, 60))  # the same weekdays eight weeks later

    def log_ratio(ids: set[str]) -> float:
        values = [
            math.log(statistics.median(late[d][j] for d in late) / statistics.median(early[d][j] for d in early))
            for j in ids
            if all(j in late[d] for d in late) and all(j in early[d] for d in early)
        ]
        assert len(values) >= 5
        return statistics.mean(values)

    assert log_ratio(growing) > math.log(1.25)  # >= 4 %/week over eight weeks: at least +37 %
    assert abs(log_ratio(flat)) < math.log(1.15)


def test_slow_and_fast_runs_are_marked_and_far_from_their_jobs_usual_duration() -> None:
    book = PlanBook(SimConfig(seed=3, start=START, runtime_patterns=False))
    ratios: dict[str, list[float]] = {"slow": [], "fast": []}
    counted = 0
    try:
        for day in range(90):
            for job in book.plan(day).own_jobs():
                for run in job.runs:
                    if run.final_status != SUCC:
                        continue
                    counted += 1
                    assert not (run.slow and run.fast)
                    if run.slow or run.fast:
                        ratio = (run.end - run.start) / job.definition.median_seconds
                        ratios["slow" if run.slow else "fast"].append(ratio)
    finally:
        book.close()
    assert 0.5 * SLOW_RUN_SHARE < len(ratios["slow"]) / counted < 2 * SLOW_RUN_SHARE
    assert 0.5 * FAST_RUN_SHARE < len(ratios["fast"]) / counted < 2 * FAST_RUN_SHARE
    # the factor times the run's log-normal noise (sigma 0.25): nearly all far from the usual duration
    assert statistics.median(ratios["slow"]) > SLOW_RUN_FACTOR[0]
    assert sum(r > 1.5 for r in ratios["slow"]) >= 0.95 * len(ratios["slow"])
    assert statistics.median(ratios["fast"]) < FAST_RUN_FACTOR[1]  # (short jobs stop at the 5-second floor)
    assert sum(r < 0.5 for r in ratios["fast"]) >= 0.9 * len(ratios["fast"])
