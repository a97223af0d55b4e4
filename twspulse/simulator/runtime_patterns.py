"""How long a job runs on a given day: weekly and month-end patterns, busy hours and slow drift.

Real batch runtimes are not noise around a constant: weekend runs of business-volume jobs are shorter,
weekend maintenance (full backups, vacuum) is longer, finance jobs swell at month end, jobs that start
in business hours share the databases with users, and data volumes grow week after week. Each job draws
its own profile once (catalog), and a run's duration is the job's median times the factors of its day
and start time, so forecasting and anomaly models have a signal to learn beside the noise.

The production date of day N is the UTC date of the first day's start plus N days; business hours are
08:00-18:00 of the production day (of `day_seconds`, so shortened simulated days keep the pattern).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

# Jobs whose work is weekly maintenance: longer at weekends (full instead of incremental), not shorter.
_WEEKEND_MAINTENANCE = ("BACKUP", "VACUUM", "PURGE", "COMPRESS", "ARCHIVE", "ROTATE")
# Folders whose volumes peak when books close.
_MONTH_END_FOLDERS = ("/FINANCE/", "/RISK/")
BUSY_START, BUSY_END = 8 / 24, 18 / 24


@dataclass(slots=True, eq=False)  # not frozen: one per job, and frozen construction is slow
class RuntimeProfile:
    """A job's runtime habits (read-only); every factor multiplies the job's median duration."""

    weekend_factor: float
    month_end_factor: float
    weekly_growth: float
    busy_hours_factor: float


FLAT = RuntimeProfile(1.0, 1.0, 0.0, 1.0)


def is_weekend_maintenance(job_name: str) -> bool:
    """True for jobs whose work is weekly maintenance, which runs longer at weekends."""
    return any(word in job_name for word in _WEEKEND_MAINTENANCE)


def peaks_at_month_end(folder: str) -> bool:
    """True for folders whose volumes peak when the books close."""
    return folder in _MONTH_END_FOLDERS


def draw_profile(rng: random.Random, maintenance: bool, month_end_peak: bool) -> RuntimeProfile:
    """A job's profile, drawn once from the catalog's generator (see is_weekend_maintenance, peaks_at_month_end)."""
    draw = rng.random
    if maintenance:
        weekend = 1.4 + 0.6 * draw()
    elif draw() < 0.75:
        weekend = 0.4 + 0.35 * draw()
    else:
        weekend = 1.0
    if month_end_peak:
        month_end = 1.6 + 0.9 * draw()
    elif draw() < 0.25:
        month_end = 1.1 + 0.3 * draw()
    else:
        month_end = 1.0
    growth = 0.02 + 0.04 * draw() if draw() < 0.3 else 0.0
    return RuntimeProfile(weekend, month_end, growth, 1.05 + 0.25 * draw())


@dataclass(frozen=True, slots=True)
class DayCalendar:
    """What a production day is, calendar-wise: its date, weekend, month end, distance from day 0."""

    day: int
    date: date
    weekend: bool
    month_end: bool
    busy_from: int
    busy_to: int

    def factor(self, profile: RuntimeProfile, start: int) -> float:
        """Multiplier of the median duration for a run of a job with `profile` starting at `start`."""
        value = profile.weekend_factor if self.weekend else 1.0
        if self.month_end:
            value *= profile.month_end_factor
        if profile.weekly_growth:
            value *= (1.0 + profile.weekly_growth) ** (self.day / 7)
        if not self.weekend and self.busy_from <= start < self.busy_to:
            value *= profile.busy_hours_factor
        return value


def day_calendar(first_date: date, day: int, day_start: int, day_seconds: int) -> DayCalendar:
    """The calendar of production day `day`, which starts at POSIX second `day_start`."""
    today = first_date + timedelta(days=day)
    return DayCalendar(
        day=day,
        date=today,
        weekend=today.weekday() >= 5,
        month_end=(today + timedelta(days=2)).month != today.month,  # the last two days of the month
        busy_from=day_start + round(BUSY_START * day_seconds),
        busy_to=day_start + round(BUSY_END * day_seconds),
    )
