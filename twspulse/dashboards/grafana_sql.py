"""What Grafana does to a PostgreSQL panel query before the database sees it, in two steps as Grafana does.

Used by ``twspulse dashboards screenshots`` (twspulse/dashboards/snapshot.py) and by the panel tests, so both send the
database what Grafana would.

1. Template variables (Grafana's frontend, ``TemplateSrv`` with the SQL data source's ``interpolateVariable``):
   ``$var``, ``${var}``, ``${var:format}`` and ``[[var]]``. A single-valued variable is inserted raw with ``'``
   doubled (the query quotes it: ``'$job'``); a multi-value or include-All variable becomes a list of quoted
   literals (``'a','b'``, for ``IN ($host)``). Built-ins: ``$__interval``, ``$__interval_ms``, ``$__from``,
   ``$__to``, ``$__range_s``. Unknown names are left alone (so the macros below survive this step).
2. Macros (Grafana's backend, pkg/tsdb/grafana-postgresql-datasource/macros.go): ``$__name(args)`` with
   args split on commas and trimmed. ``$__timeFilter(c)`` -> ``c BETWEEN '<from>' AND '<to>'`` (RFC 3339,
   UTC); ``$__timeFrom()`` / ``$__timeTo()``; ``$__timeGroup(c, '5m'[, fill])`` -> ``time_bucket('300.000s',c)``
   with the TimescaleDB option, else ``floor(extract(epoch from c)/300)*300``; ``$__timeGroupAlias`` adds
   ``AS "time"`` (as does ``$__timeGroup`` directly followed by a comma, Grafana's pre-5.3 compatibility);
   ``$__time(c)`` -> ``c AS "time"``; ``$__timeEpoch(c)``; ``$__unixEpochFilter(c)`` and friends.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from twspulse.dashboards.files import PROVISIONING_DIR

# Grafana's variable syntax (public/app/features/variables/utils.ts, variableRegex).
VARIABLE_RE = re.compile(r"\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?:\.([^:^}]+))?(?::([^}]+))?\}")
# macros.go: sExpr = `\$` + `([_a-zA-Z0-9]+)` + `\(([^\)]*)\)`
MACRO_RE = re.compile(r"\$([_a-zA-Z0-9]+)\(([^)]*)\)")
_DURATION_RE = re.compile(r"^(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y)$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}
# Grafana rounds the computed interval to one of these (rangeutil.roundInterval, simplified to its steps).
_NICE_INTERVALS_S = (1, 5, 10, 15, 30, 60, 300, 600, 900, 1800, 3600, 10800, 21600, 43200, 86400, 604800, 2592000)
MAX_DATA_POINTS = 1000  # about a panel's width in pixels, which is what Grafana sends
DATASOURCE_FILE = PROVISIONING_DIR / "datasources" / "timescaledb.yaml"
# The one setting of the provisioned data source the expansion needs; read without a YAML parser (not a
# runtime dependency), tests compare it with the parsed file.
_TIME_INTERVAL_RE = re.compile(r"^\s*timeInterval:\s*['\"]?([0-9.]+[a-z]+)", re.MULTILINE)


class MacroError(ValueError):
    """A macro Grafana would refuse (unknown name, missing argument, bad interval or fill value)."""


@dataclass(frozen=True)
class Variable:
    """A dashboard variable's current value(s) and whether it is multi-valued (or includes All)."""

    values: tuple[str, ...]
    multi: bool = False


@dataclass
class Expanded:
    """The SQL sent to the database and the fill mode ``$__timeGroup``'s third argument asked for, if any."""

    sql: str
    fill: str | None = None
    macros: list[str] = field(default_factory=list)


def parse_duration(text: str) -> timedelta:
    """Grafana's interval strings: ``5m``, ``1h``, ``300ms``, ``1d``, ``2w`` (gtime.ParseInterval)."""
    m = _DURATION_RE.match(text.strip().strip("'\""))
    if not m:
        raise MacroError(f"error parsing interval {text}")
    return timedelta(seconds=float(m.group(1)) * _UNIT_SECONDS[m.group(2)])


def format_duration(d: timedelta) -> str:
    """The text ``$__interval`` carries: the largest whole unit (``5m``, ``1h``, ``1d``, ``500ms``)."""
    ms = round(d.total_seconds() * 1000)
    for unit, seconds in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if ms % (seconds * 1000) == 0 and ms >= seconds * 1000:
            return f"{ms // (seconds * 1000)}{unit}"
    return f"{ms}ms"


def auto_interval(start: datetime, end: datetime, max_data_points: int, min_interval: timedelta) -> timedelta:
    """``$__interval``: the range over the points the panel can show, rounded up to a step, at least the minimum."""
    raw = (end - start).total_seconds() / max(1, max_data_points)
    nice = next((s for s in _NICE_INTERVALS_S if s >= raw), _NICE_INTERVALS_S[-1])
    return max(timedelta(seconds=nice), min_interval)


def go_float(value: float) -> str:
    """Go's ``%v`` of a float64 (strconv 'g', shortest): exponent form from 1e+06 and below 1e-04."""
    if value == 0:
        return "0"
    digits = repr(float(value))
    d = Decimal(digits)
    exp = d.adjusted()
    if exp < -4 or exp >= 6:
        mantissa, _, e = f"{d:e}".partition("e")
        mantissa = mantissa.rstrip("0").rstrip(".") if "." in mantissa else mantissa
        sign = "-" if int(e) < 0 else "+"
        return f"{mantissa}e{sign}{abs(int(e)):02d}"
    text = format(d, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def rfc3339(t: datetime) -> str:
    """Go's time.RFC3339Nano of a UTC time: no trailing zeros in the fraction, ``Z`` for UTC."""
    t = t.astimezone(UTC)
    text = t.strftime("%Y-%m-%dT%H:%M:%S")
    if t.microsecond:
        text += ("." + f"{t.microsecond:06d}").rstrip("0")
    return text + "Z"


def _sql_quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _format_value(var: Variable, fmt: str | None) -> str:
    values = list(var.values)
    if fmt in ("csv",):
        return ",".join(values)
    if fmt == "pipe":
        return "|".join(values)
    if fmt == "raw":
        return ",".join(values)
    if fmt == "singlequote":
        return ",".join("'" + v.replace("'", "\\'") + "'" for v in values)
    if fmt == "doublequote":
        return ",".join('"' + v.replace('"', '\\"') + '"' for v in values)
    if fmt == "sqlstring":
        return ",".join(_sql_quote(v) for v in values)
    if fmt is not None:
        raise MacroError(f"variable format {fmt!r} is not supported by this expander")
    # The SQL data source's own formatting (SqlDatasource.interpolateVariable).
    if var.multi:
        return ",".join(_sql_quote(v) for v in values)
    return values[0].replace("'", "''") if values else ""


def interpolate_variables(
    sql: str,
    variables: dict[str, Variable],
    *,
    start: datetime,
    end: datetime,
    interval: timedelta,
) -> str:
    """Step 1: dashboard variables and Grafana's built-in ones; unknown names stay as they are."""
    builtins = {
        "__interval": format_duration(interval),
        "__interval_ms": str(round(interval.total_seconds() * 1000)),
        "__from": str(round(start.timestamp() * 1000)),
        "__to": str(round(end.timestamp() * 1000)),
        "__range_s": str(round((end - start).total_seconds())),
    }

    def repl(m: re.Match[str]) -> str:
        name = m.group(1) or m.group(2) or m.group(4)
        fmt = m.group(3) or m.group(6)
        if name in builtins:
            return builtins[name]
        if name in variables:
            return _format_value(variables[name], fmt)
        return m.group(0)

    return VARIABLE_RE.sub(repl, sql)


def expand_macros(sql: str, *, start: datetime, end: datetime, timescaledb: bool) -> Expanded:
    """Step 2: the PostgreSQL data source's macros, exactly as its backend rewrites them."""
    result = Expanded(sql)
    original = sql

    def evaluate(name: str, args: list[str]) -> str:
        if name == "__time":
            _need_column(name, args)
            return f'{args[0]} AS "time"'
        if name == "__timeEpoch":
            _need_column(name, args)
            return f'extract(epoch from {args[0]}) as "time"'
        if name == "__timeFilter":
            _need_column(name, args)
            return f"{args[0]} BETWEEN '{rfc3339(start)}' AND '{rfc3339(end)}'"
        if name == "__timeFrom":
            return f"'{rfc3339(start)}'"
        if name == "__timeTo":
            return f"'{rfc3339(end)}'"
        if name in ("__timeGroup", "__unixEpochGroup"):
            if len(args) < 2:
                raise MacroError(f"macro {name} needs time column and interval and optional fill value")
            seconds = parse_duration(args[1].strip("'")).total_seconds()
            if len(args) == 3:
                result.fill = _fill_mode(args[2])
            if name == "__unixEpochGroup":
                return f"floor(({args[0]})/{go_float(seconds)})*{go_float(seconds)}"
            if timescaledb:
                return f"time_bucket('{seconds:.3f}s',{args[0]})"
            return f"floor(extract(epoch from {args[0]})/{go_float(seconds)})*{go_float(seconds)}"
        if name in ("__timeGroupAlias", "__unixEpochGroupAlias"):
            return evaluate(name.removesuffix("Alias"), args) + ' AS "time"'
        if name == "__unixEpochFilter":
            _need_column(name, args)
            return f"{args[0]} >= {int(start.timestamp())} AND {args[0]} <= {int(end.timestamp())}"
        if name == "__unixEpochNanoFilter":
            _need_column(name, args)
            return f"{args[0]} >= {_nanos(start)} AND {args[0]} <= {_nanos(end)}"
        if name == "__unixEpochNanoFrom":
            return str(_nanos(start))
        if name == "__unixEpochNanoTo":
            return str(_nanos(end))
        raise MacroError(f"unknown macro {name!r}")

    def repl(m: re.Match[str]) -> str:
        name, args = m.group(1), [a.strip(" ") for a in m.group(2).split(",")]
        if name == "__timeGroup":
            # Grafana looks at the first occurrence of the same text in the query: a comma right after the
            # macro means the pre-5.3 form, which aliased the column.
            index = original.find(m.group(0))
            if index >= 0 and original[index + len(m.group(0)) : index + len(m.group(0)) + 1] == ",":
                name = "__timeGroupAlias"
        result.macros.append(name)
        return evaluate(name, args)

    result.sql = MACRO_RE.sub(repl, sql)
    return result


def expand(
    sql: str,
    variables: dict[str, Variable],
    *,
    start: datetime,
    end: datetime,
    interval: timedelta,
    timescaledb: bool,
) -> Expanded:
    """Both steps: what Grafana sends for this panel query."""
    text = interpolate_variables(sql, variables, start=start, end=end, interval=interval)
    return expand_macros(text, start=start, end=end, timescaledb=timescaledb)


def _need_column(name: str, args: list[str]) -> None:
    if not args or not args[0]:
        raise MacroError(f"missing time column argument for macro {name}")


def _nanos(t: datetime) -> int:
    return int(t.timestamp()) * 1_000_000_000 + t.microsecond * 1000


def _fill_mode(arg: str) -> str:
    value = arg.strip()
    if value in ("NULL", "previous"):
        return value
    try:
        float(value)
    except ValueError as exc:
        raise MacroError(f"error parsing fill value {value}") from exc
    return value


def resolve_relative(text: str, now: datetime) -> datetime:
    """A dashboard time like ``now``, ``now-24h``, ``now+30d`` (no rounding with ``/``) against ``now``.

    An absolute ISO 8601 time (UTC when it names no zone) is taken as it is, as Grafana's picker does.
    """
    m = re.fullmatch(r"now(?:([+-])(\d+)([smhdwy]))?", text.strip())
    if not m:
        try:
            absolute = datetime.fromisoformat(text.strip())
        except ValueError:
            raise MacroError(f"time {text!r}: expected now[+-]N<unit> or an ISO 8601 time") from None
        return absolute if absolute.tzinfo else absolute.replace(tzinfo=UTC)
    if not m.group(1):
        return now
    delta = timedelta(seconds=int(m.group(2)) * _UNIT_SECONDS[m.group(3)])
    return now + delta if m.group(1) == "+" else now - delta


def datasource_min_interval() -> timedelta:
    """The provisioned data source's ``timeInterval`` (the smallest ``$__interval``), 1s when it sets none."""
    m = _TIME_INTERVAL_RE.search(DATASOURCE_FILE.read_text())
    return parse_duration(m.group(1)) if m else timedelta(seconds=1)


@dataclass(frozen=True)
class PanelQuery:
    """One query as Grafana would run it."""

    name: str  # "<dashboard uid>/<panel id>/<refId>", or ".../var:<name>" for a variable's query
    dashboard: dict[str, Any]
    panel: dict[str, Any] | None
    target: dict[str, Any] | None
    sql: str
    fmt: str  # time_series or table


def iter_panels(dashboard: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every panel, including those folded into a row."""
    for panel in dashboard.get("panels", []):
        yield panel
        yield from panel.get("panels", [])


def dashboard_range(dashboard: dict[str, Any], now: datetime) -> tuple[datetime, datetime]:
    """The dashboard's default time range (``time.from`` .. ``time.to``) against ``now``."""
    return resolve_relative(dashboard["time"]["from"], now), resolve_relative(dashboard["time"]["to"], now)


def panel_range(
    panel: dict[str, Any], dashboard_start: datetime, dashboard_end: datetime, now: datetime
) -> tuple[datetime, datetime]:
    """The panel's own range: its ``timeFrom`` (relative to now) overrides the dashboard's."""
    if panel.get("timeFrom"):
        return now - parse_duration(panel["timeFrom"]), now
    return dashboard_start, dashboard_end


def panel_interval(panel: dict[str, Any], start: datetime, end: datetime, ds_min: timedelta) -> timedelta:
    """``$__interval`` of a panel: its range over its data points, at least its (or the data source's) minimum."""
    min_interval = max(ds_min, parse_duration(panel["interval"])) if panel.get("interval") else ds_min
    return auto_interval(start, end, panel.get("maxDataPoints", MAX_DATA_POINTS), min_interval)


def variable_query(
    dashboard: dict[str, Any],
    var: dict[str, Any],
    variables: dict[str, Variable],
    *,
    now: datetime,
    timescaledb: bool,
    ds_min: timedelta,
) -> PanelQuery:
    """A query variable's SQL, expanded with the variables chosen before it."""
    start, end = dashboard_range(dashboard, now)
    interval = auto_interval(start, end, MAX_DATA_POINTS, ds_min)
    sql = expand(var["query"], variables, start=start, end=end, interval=interval, timescaledb=timescaledb).sql
    return PanelQuery(f"{dashboard['uid']}/var:{var['name']}", dashboard, None, None, sql, "table")


def panel_queries(
    dashboard: dict[str, Any],
    panel: dict[str, Any],
    variables: dict[str, Variable],
    *,
    now: datetime,
    timescaledb: bool,
    ds_min: timedelta,
) -> list[PanelQuery]:
    """Every target of one panel, expanded as Grafana sends it."""
    start, end = panel_range(panel, *dashboard_range(dashboard, now), now)
    interval = panel_interval(panel, start, end, ds_min)
    out = []
    for target in panel.get("targets", []):
        sql = expand(target["rawSql"], variables, start=start, end=end, interval=interval, timescaledb=timescaledb).sql
        name = f"{dashboard['uid']}/{panel['id']}/{target['refId']}"
        out.append(PanelQuery(name, dashboard, panel, target, sql, target.get("format", "time_series")))
    return out


def dashboard_queries(
    dashboard: dict[str, Any],
    variables: dict[str, Variable],
    *,
    now: datetime,
    timescaledb: bool,
    ds_min: timedelta,
) -> list[PanelQuery]:
    """Every query variable, SQL annotation and panel target of a dashboard, expanded for ``now``."""
    uid = dashboard["uid"]
    start, end = dashboard_range(dashboard, now)
    out = [
        variable_query(dashboard, var, variables, now=now, timescaledb=timescaledb, ds_min=ds_min)
        for var in dashboard.get("templating", {}).get("list", [])
        if var.get("type") == "query"
    ]
    for anno in dashboard.get("annotations", {}).get("list", []):  # SQL annotations (alerts on the graphs)
        target = anno.get("target") or {}
        if target.get("rawSql"):
            interval = auto_interval(start, end, MAX_DATA_POINTS, ds_min)
            sql = expand(target["rawSql"], variables, start=start, end=end, interval=interval, timescaledb=timescaledb)
            out.append(PanelQuery(f"{uid}/annotation:{anno['name']}", dashboard, None, target, sql.sql, "table"))
    for panel in iter_panels(dashboard):
        out.extend(panel_queries(dashboard, panel, variables, now=now, timescaledb=timescaledb, ds_min=ds_min))
    return out
