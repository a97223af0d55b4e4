"""The macro expander used by the panel tests behaves as Grafana's PostgreSQL data source (macros.go)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.dashboards.grafana_macros import (
    MacroError,
    Variable,
    auto_interval,
    expand,
    expand_macros,
    format_duration,
    go_float,
    interpolate_variables,
    parse_duration,
    resolve_relative,
    rfc3339,
)

START = datetime(2026, 11, 24, 10, 0, 0, tzinfo=UTC)
END = datetime(2026, 11, 25, 10, 30, 15, 250000, tzinfo=UTC)


def _macros(sql: str, timescaledb: bool = True) -> str:
    return expand_macros(sql, start=START, end=END, timescaledb=timescaledb).sql


def test_time_filter_is_an_inclusive_between_in_rfc3339_utc() -> None:
    assert _macros("WHERE $__timeFilter(time)") == (
        "WHERE time BETWEEN '2026-11-24T10:00:00Z' AND '2026-11-25T10:30:15.25Z'"
    )


def test_time_filter_converts_other_zones_to_utc() -> None:
    cet = timezone_plus_one()
    out = expand_macros("$__timeFilter(t)", start=START.astimezone(cet), end=END, timescaledb=False).sql
    assert out.startswith("t BETWEEN '2026-11-24T10:00:00Z'")


def timezone_plus_one():  # type: ignore[no-untyped-def]
    from datetime import timezone

    return timezone(timedelta(hours=1))


def test_time_from_and_to_are_quoted_literals() -> None:
    assert _macros("$__timeFrom() .. $__timeTo()") == "'2026-11-24T10:00:00Z' .. '2026-11-25T10:30:15.25Z'"


def test_time_group_is_time_bucket_with_the_timescaledb_option() -> None:
    assert _macros("SELECT $__timeGroupAlias(bucket, '5m')") == "SELECT time_bucket('300.000s',bucket) AS \"time\""
    assert _macros("GROUP BY $__timeGroup(bucket, 1h)") == "GROUP BY time_bucket('3600.000s',bucket)"


def test_time_group_is_epoch_arithmetic_without_it() -> None:
    assert _macros("SELECT $__timeGroupAlias(time, '5m')", timescaledb=False) == (
        'SELECT floor(extract(epoch from time)/300)*300 AS "time"'
    )
    assert _macros("GROUP BY $__timeGroup(time, 30d)", timescaledb=False) == (
        "GROUP BY floor(extract(epoch from time)/2.592e+06)*2.592e+06"
    )


def test_time_group_followed_by_a_comma_gets_the_alias_for_old_dashboards() -> None:
    assert _macros("SELECT $__timeGroup(time, '1m'), count(*)", timescaledb=False) == (
        'SELECT floor(extract(epoch from time)/60)*60 AS "time", count(*)'
    )
    # ... but not when followed by anything else (a window function's ORDER BY).
    assert _macros("ORDER BY $__timeGroup(time, '1m'))", timescaledb=False).endswith("*60)")


def test_time_group_records_the_fill_mode() -> None:
    for fill in ("0", "NULL", "previous", "1.5"):
        assert expand_macros(f"$__timeGroupAlias(t, 1m, {fill})", start=START, end=END, timescaledb=True).fill == fill
    with pytest.raises(MacroError):
        _macros("$__timeGroup(t, 1m, nope)")


def test_time_and_epoch_macros() -> None:
    assert _macros("SELECT $__time(end_time)") == 'SELECT end_time AS "time"'
    assert _macros("SELECT $__timeEpoch(t)") == 'SELECT extract(epoch from t) as "time"'
    assert (
        _macros("WHERE $__unixEpochFilter(ts)")
        == f"WHERE ts >= {int(START.timestamp())} AND ts <= {int(END.timestamp())}"
    )
    assert _macros("$__unixEpochGroupAlias(ts, 5m)") == 'floor((ts)/300)*300 AS "time"'
    assert _macros("$__unixEpochNanoFrom()") == str(int(START.timestamp()) * 10**9)


def test_unknown_macros_and_bad_arguments_are_errors_as_in_grafana() -> None:
    for bad in ("$__nope(x)", "$__timeGroup(t)", "$__timeGroup(t, 5x)", "$__timeFilter()", "$__time()"):
        with pytest.raises(MacroError):
            _macros(bad)


def test_single_value_variables_are_inserted_raw_with_quotes_doubled() -> None:
    out = interpolate_variables(
        "WHERE job = '$job' AND s = '${stream}'", {"job": Variable(("O'Hara#/A.B",)), "stream": Variable(("S",))},
        start=START, end=END, interval=timedelta(minutes=1),
    )  # fmt: skip
    assert out == "WHERE job = 'O''Hara#/A.B' AND s = 'S'"


def test_multi_value_variables_become_quoted_lists() -> None:
    v = {"host": Variable(("a", "b'c"), multi=True)}
    kw = {"start": START, "end": END, "interval": timedelta(minutes=1)}
    assert interpolate_variables("host IN ($host)", v, **kw) == "host IN ('a','b''c')"
    assert interpolate_variables("[[host]] ${host:csv} ${host:pipe}", v, **kw) == "'a','b''c' a,b'c a|b'c"
    assert interpolate_variables("${host:sqlstring}", v, **kw) == "'a','b''c'"


def test_builtins_and_unknown_names() -> None:
    out = interpolate_variables(
        "$__interval $__interval_ms $__range_s $__from $unknown $__timeFilter(t)", {},
        start=START, end=END, interval=timedelta(minutes=5),
    )  # fmt: skip
    assert out.split() == ["5m", "300000", "88215", str(int(START.timestamp() * 1000)), "$unknown", "$__timeFilter(t)"]


def test_expand_runs_variables_before_macros() -> None:
    out = expand(
        "SELECT $__timeGroupAlias(t, $__interval), v FROM x WHERE h IN ($h) AND $__timeFilter(t)",
        {"h": Variable(("x",), multi=True)}, start=START, end=END, interval=timedelta(hours=1), timescaledb=True,
    )  # fmt: skip
    assert out.sql == (
        "SELECT time_bucket('3600.000s',t) AS \"time\", v FROM x WHERE h IN ('x') AND "
        "t BETWEEN '2026-11-24T10:00:00Z' AND '2026-11-25T10:30:15.25Z'"
    )
    assert out.macros == ["__timeGroupAlias", "__timeFilter"]


def test_intervals_and_numbers_format_like_grafana_and_go() -> None:
    assert parse_duration("'5m'") == timedelta(minutes=5) and parse_duration("100ms") == timedelta(milliseconds=100)
    assert [format_duration(timedelta(seconds=s)) for s in (0.5, 30, 300, 3600, 86400, 5400)] == [
        "500ms", "30s", "5m", "1h", "1d", "90m",
    ]  # fmt: skip
    assert [go_float(v) for v in (300.0, 86400.0, 0.5, 2592000.0, 1e-5)] == [
        "300",
        "86400",
        "0.5",
        "2.592e+06",
        "1e-05",
    ]
    assert rfc3339(datetime(2026, 1, 2, 3, 4, 5, 120000, tzinfo=UTC)) == "2026-01-02T03:04:05.12Z"


def test_auto_interval_respects_the_minimum_and_rounds_up() -> None:
    day = timedelta(days=1)
    assert auto_interval(START, START + day, 1000, timedelta(seconds=15)) == timedelta(minutes=5)  # 86.4 s -> 5m
    assert auto_interval(START, START + day, 1000, timedelta(hours=1)) == timedelta(hours=1)
    assert resolve_relative("now-24h", END) == END - day and resolve_relative("now+30d", END) == END + 30 * day
