"""The subset of the engine's Orchestration Query Language (OQL) the simulator understands.

Grammar (keywords case-insensitive, `@` is the LIKE wildcard, strings in single quotes with '' as an
escaped quote):

    query      := [expr] [ORDER BY field [ASC|DESC] {, field [ASC|DESC]}]
    expr       := term {OR term}
    term       := factor {AND factor}
    factor     := NOT factor | '(' expr ')' | comparison
    comparison := field (= | != | > | >= | < | <=) literal
                | field [NOT] LIKE 'pattern'
                | field [NOT] IN '[' literal {, literal} ']'
    literal    := 'string' | integer | TRUE | FALSE

Fields are resolved against a table supplied per resource (jobs, job streams, workstations). A field
may hold several values (e.g. `jobruns.commonStatus`, one per run): a comparison is true if any value
satisfies it. Time fields compare as instants written the documented way, with milliseconds and an
offset (`'2026-11-24T01:15:02.000Z'`). The simulator is as strict as the engine is documented to be:
field names are case-sensitive, strings take single quotes only, `<>` is not an operator, an instant
without milliseconds is refused, and so is `key.name` in a filter (the real engine answers 400 to it).
Anything outside this subset raises OqlSyntaxError (HTTP 400 OQL_FILTER_SYNTAX_ERROR). These choices
live here and in `oql_fields.py`, so a difference found on a real engine is corrected in one place.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from twspulse.simulator.exceptions import OqlSyntaxError

Row = Any
Values = Sequence[Any]


@dataclass(frozen=True)
class Field:
    """A filterable/sortable field: `kind` is 'str', 'time' (POSIX seconds), 'int' or 'bool'."""

    name: str
    kind: str
    values: Callable[[Row], Values]


Predicate = Callable[[Row], bool]


@dataclass(frozen=True)
class Query:
    """A compiled OQL query: an optional row predicate and the sort order."""

    predicate: Predicate | None
    order: tuple[tuple[Field, bool], ...]

    def apply(self, rows: Iterable[Row]) -> list[Row]:
        """Filter and sort `rows` (whose incoming order is the tie-breaker)."""
        selected = [row for row in rows if self.predicate(row)] if self.predicate else list(rows)
        for field, descending in reversed(self.order):
            keyed = [(_sort_value(field, row), row) for row in selected]
            present = [item for item in keyed if item[0] is not None]
            missing = [row for value, row in keyed if value is None]
            present.sort(key=_first, reverse=descending)
            selected = [row for _, row in present] + missing
        return selected


def _first(item: tuple[Any, Row]) -> Any:
    return item[0]


def _sort_value(field: Field, row: Row) -> Any:
    values = field.values(row)
    return values[-1] if values else None


_TOKEN = re.compile(
    r"\s*(?:(?P<string>'(?:[^']|'')*')|(?P<number>-?\d+(?![\w.]))"
    r"|(?P<op>!=|>=|<=|=|>|<)|(?P<punct>[(),\[\]])|(?P<word>[A-Za-z_][\w.]*))"
)
_KEYWORDS = {"AND", "OR", "NOT", "LIKE", "IN", "ORDER", "BY", "ASC", "DESC", "TRUE", "FALSE"}


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    position: int


def _tokenize(oql: str) -> list[_Token]:
    tokens = []
    position = 0
    while position < len(oql):
        if oql[position:].strip() == "":
            break
        match = _TOKEN.match(oql, position)
        if match is None or match.end() == position:
            raise OqlSyntaxError(oql, position, f"unexpected character {oql[position:].lstrip()[:1]!r}")
        kind = match.lastgroup or ""
        text = match.group(kind)
        start = match.start(kind)
        if kind == "string":
            tokens.append(_Token("string", text[1:-1].replace("''", "'"), start))
        elif kind == "word" and text.upper() in _KEYWORDS:
            tokens.append(_Token("kw", text.upper(), start))
        else:
            tokens.append(_Token(kind, text, start))
        position = match.end()
    return tokens


_INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}(?:Z|[+-]\d{2}:\d{2})")


def _parse_instant(text: str) -> int | None:
    """POSIX seconds of a documented OQL instant (milliseconds and an offset required), else None."""
    if not _INSTANT.fullmatch(text):
        return None
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


def _like(pattern: str) -> re.Pattern[str]:
    return re.compile("".join(".*" if char == "@" else re.escape(char) for char in pattern), re.DOTALL)


class _Parser:
    def __init__(self, oql: str, fields: Mapping[str, Field], order_fields: Mapping[str, Field]) -> None:
        self._oql = oql
        self._tokens = _tokenize(oql)
        self._index = 0
        self._fields = dict(fields)
        self._order_fields = {**fields, **order_fields}

    def _peek(self) -> _Token | None:
        return self._tokens[self._index] if self._index < len(self._tokens) else None

    def _error(self, reason: str, token: _Token | None = None) -> OqlSyntaxError:
        token = token or self._peek()
        return OqlSyntaxError(self._oql, token.position if token else len(self._oql), reason)

    def _take(self, kind: str, text: str | None = None) -> _Token:
        token = self._peek()
        if token is None or token.kind != kind or (text is not None and token.text != text):
            expected = text or kind
            found = "end of filter" if token is None else repr(token.text)
            raise self._error(f"expected {expected}, found {found}", token)
        self._index += 1
        return token

    def _at_keyword(self, *words: str) -> bool:
        token = self._peek()
        return token is not None and token.kind == "kw" and token.text in words

    def parse(self) -> Query:
        predicate = None
        if self._peek() is not None and not self._at_keyword("ORDER"):
            predicate = self._expr()
        order: list[tuple[Field, bool]] = []
        if self._at_keyword("ORDER"):
            self._take("kw", "ORDER")
            self._take("kw", "BY")
            while True:
                token = self._take("word")
                field = self._order_fields.get(token.text)
                if field is None:
                    raise self._error(f"unknown sort field {token.text!r}", token)
                descending = False
                if self._at_keyword("ASC", "DESC"):
                    descending = self._take("kw").text == "DESC"
                order.append((field, descending))
                if self._peek() is None or self._peek().text != ",":  # type: ignore[union-attr]
                    break
                self._take("punct", ",")
        if self._peek() is not None:
            raise self._error(f"unexpected {self._peek().text!r}")  # type: ignore[union-attr]
        return Query(predicate, tuple(order))

    def _expr(self) -> Predicate:
        parts = [self._term()]
        while self._at_keyword("OR"):
            self._take("kw", "OR")
            parts.append(self._term())
        if len(parts) == 1:
            return parts[0]
        return lambda row: any(part(row) for part in parts)

    def _term(self) -> Predicate:
        parts = [self._factor()]
        while self._at_keyword("AND"):
            self._take("kw", "AND")
            parts.append(self._factor())
        if len(parts) == 1:
            return parts[0]
        return lambda row: all(part(row) for part in parts)

    def _factor(self) -> Predicate:
        if self._at_keyword("NOT"):
            self._take("kw", "NOT")
            inner = self._factor()
            return lambda row: not inner(row)
        token = self._peek()
        if token is not None and token.text == "(":
            self._take("punct", "(")
            inner = self._expr()
            self._take("punct", ")")
            return inner
        return self._comparison()

    def _literal(self, field: Field) -> Any:
        token = self._peek()
        if token is None:
            raise self._error("expected a value, found end of filter")
        self._index += 1
        if field.kind == "bool":
            if token.kind == "kw" and token.text in ("TRUE", "FALSE"):
                return token.text == "TRUE"
            if token.kind == "string" and token.text.lower() in ("true", "false"):
                return token.text.lower() == "true"
            raise self._error(f"field {field.name} needs true or false, found {token.text!r}", token)
        if field.kind == "int":
            if token.kind in ("number", "string") and re.fullmatch(r"-?\d+", token.text):
                return int(token.text)
            raise self._error(f"field {field.name} needs an integer, found {token.text!r}", token)
        if token.kind != "string":
            raise self._error(f"expected a quoted value, found {token.text!r}", token)
        if field.kind == "time":
            instant = _parse_instant(token.text)
            if instant is None:
                raise self._error(
                    f"field {field.name} needs an instant like '2026-11-24T01:15:02.000Z', found {token.text!r}", token
                )
            return instant
        return token.text

    def _comparison(self) -> Predicate:
        token = self._take("word")
        field = self._fields.get(token.text)
        if field is None:
            raise self._error(f"unknown field {token.text!r}", token)
        values = field.values
        negate = False
        if self._at_keyword("NOT"):
            self._take("kw", "NOT")
            negate = True
            if not self._at_keyword("LIKE", "IN"):
                raise self._error("expected LIKE or IN after NOT")
        if self._at_keyword("LIKE"):
            self._take("kw", "LIKE")
            if field.kind != "str":
                raise self._error(f"LIKE needs a text field, {field.name} is {field.kind}", token)
            pattern = self._take("string")
            regex = _like(pattern.text)
            match: Predicate = lambda row: any(v is not None and regex.fullmatch(v) for v in values(row))  # noqa: E731
        elif self._at_keyword("IN"):
            self._take("kw", "IN")
            self._take("punct", "[")
            options = [self._literal(field)]
            while self._peek() is not None and self._peek().text == ",":  # type: ignore[union-attr]
                self._take("punct", ",")
                options.append(self._literal(field))
            self._take("punct", "]")
            allowed = set(options)
            match = lambda row: any(v in allowed for v in values(row))  # noqa: E731
        else:
            op = self._take("op").text
            value = self._literal(field)
            if op == "=":
                match = lambda row: any(v == value for v in values(row))  # noqa: E731
            elif op == "!=":
                return lambda row: not any(v == value for v in values(row))
            else:
                if field.kind == "bool":
                    raise self._error(f"{op} does not apply to boolean field {field.name}", token)
                compare = {
                    ">": lambda a: a > value,
                    ">=": lambda a: a >= value,
                    "<": lambda a: a < value,
                    "<=": lambda a: a <= value,
                }[op]
                match = lambda row: any(v is not None and compare(v) for v in values(row))  # noqa: E731
        if negate:
            return lambda row: not match(row)
        return match


def compile_oql(oql: str, fields: Mapping[str, Field], order_fields: Mapping[str, Field] | None = None) -> Query:
    """Compile `oql` against `fields` (filter and sort) and `order_fields` (sort only)."""
    return _Parser(oql, fields, order_fields or {}).parse()
