"""The business calendar's holidays come from one setting; a malformed date is an error that names it."""

from __future__ import annotations

from datetime import date

import pytest

from twspulse.settings import Settings, holidays_of


def test_holidays_are_read_from_a_comma_separated_list() -> None:
    settings = Settings(forecast_holidays=" 2026-12-25, 2027-01-01 ,")
    assert holidays_of(settings) == [date(2026, 12, 25), date(2027, 1, 1)]
    assert holidays_of(Settings()) == []


def test_a_malformed_holiday_names_the_value() -> None:
    with pytest.raises(ValueError, match="'25/12/2026' is not an ISO date"):
        holidays_of(Settings(forecast_holidays="2026-12-24,25/12/2026"))
