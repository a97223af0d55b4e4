"""Online template mining of log lines with stable, never reused pattern ids; state in and out as bytes.

The joblog stage mines the error lines of every failed run as they arrive, so mining is online (one
line at a time, templates refine as more lines come) and the state must survive restarts: the caller
keeps `to_bytes()` next to the rows it wrote and gives it to `from_bytes()` on start.

The algorithm (each part measured on LogHub, leave-one-system-out; see docs/patterns.md):
1. Masking (joblog.masking): general token classes turn variables into typed masks; a
   token's words around a mask stay (its skeleton: `(uid=<*>)`, `lr:<*>`, `[<*>]`).
2. Drain's fixed-depth routing: lines are grouped by token count and their first `depth` tokens
   (a mask routes as "any"), so a line is only compared with a handful of candidate patterns.
3. Similarity over the template's literal tokens: the share of the template's literal positions the
   line fits. Positions the template already holds as bare masks neither help nor hurt (Drain counts
   them as misses, which makes a pattern harder to join the more it has generalised). The best
   candidate at or above `sim_th` takes the line; the positions that differ become masks.
4. Key=value fields are categorical: a line whose `key=word` differs from the template's never joins
   it on similarity (`user=root` and `user=guest` are two messages in many logs).
5. Word families (Brain's idea that a field with few values is part of the message and one with many
   values is a variable): a line that differs from a pattern in exactly one plain word is kept apart
   ("startup" / "shutdown", "GET" / "POST", "bytes" / "values") rather than merged on similarity.
6. Patterns identical but for one word or one key=value field's value form a family; when a family
   reaches `family_size` distinct values they merge into the oldest pattern, whose position becomes
   `<*>` (`key=<*>`), and the others become aliases of it (`resolve`). Lines mined before the merge
   keep the id they were given; `resolve` maps it to the surviving pattern.

Ids are "P" + a counter that is part of the state: given once, when a pattern is created, never
changed when its template generalises, never reused (a merged pattern's id stays an alias). A state
written under another masking version is re-mined from the one example line kept per pattern, each
pattern keeping its id (or becoming an alias when the new masks put two old patterns together).

Why not Drain3 (which the first version used): Drain3 counts masks as misses (3), has no notion of
fields, word families or merging patterns (4-6), and its per-line cost (~25 us) alone is above the
20 us a line that 50,000 lines/s cold allows. No maintained library mines online with these
mechanisms and stable ids (logparser's Brain is offline, batch only), so this one is written here.
Drain3 remains the baseline in bench/patterns_loghub.py.

Speed: a line seen before (by its masked tokens) maps straight to its result as long as no pattern
of its token count was created, changed or merged since (then the search would give the same
answer, see `_remember`): most lines of a steady stream cost a bytes translate and two dict lookups.
"""

from __future__ import annotations

import json
import zlib
from bisect import insort
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from itertools import combinations, compress
from operator import itemgetter, ne
from typing import Any

from twspulse.joblog.exceptions import CorruptStateError, IncompatibleStateError
from twspulse.joblog.masking import (
    ANY,
    MASKING_VERSION,
    VAR_CLOSE,
    VAR_OPEN,
    Masker,
    is_variable,
    punctuation,
    render,
    skeleton,
)

STATE_FORMAT = 2
_MAGIC = b"twspulse-patterns\n"
_ROUTE_ANY = VAR_OPEN  # the routing key of any masked token
_ROUTE_WORD = VAR_CLOSE  # the routing key of a leading word that took many values (see _merge_family)
_EXAMPLE_CHARS = 500
_FIELD_ANY = f"={ANY}"
_FAMILY_MAX_TOKENS = 64
_HASH_MASK = (1 << 64) - 1


@dataclass(frozen=True, slots=True)
class MinedLine:
    """The pattern a line belongs to: its stable id, the pattern's current template, whether it is new.

    `template_changed` is true when this line generalised an existing pattern's template or merged a
    family into it (the caller updates its stored template then).
    """

    pattern_id: str
    template: str
    is_new: bool
    template_changed: bool = False


@dataclass(frozen=True, slots=True)
class MinerConfig:
    """The miner's parameters. Defaults are those the leave-one-system-out protocol picks on all eight
    LogHub systems (bench/patterns_loghub.py; the same rule picks them without each system in turn).

    - sim_th: share of a template's literal tokens a line must fit to join it.
    - depth: leading tokens that route a line (with its token count), as in Drain.
    - categorical_fields: key=word values must match (mechanism 4); False treats them like words.
    - word_families: a single differing plain word keeps a line apart (mechanism 5).
    - family_size: distinct values of one word or field after which its patterns merge
      (mechanism 6); 0 never merges.
    - family_context: literal tokens a pattern needs besides the varying one to have a family
      ("<*> set to <NUM>" would swallow unrelated messages; "Launching <ID>" has no context left).
    - max_line_chars: a line is cut there before mining; a 1 MB line of hex would otherwise make a
      pattern with a million tokens and a state to match.
    """

    sim_th: float = 0.7
    depth: int = 1
    categorical_fields: bool = True
    word_families: bool = True
    family_size: int = 4
    family_context: int = 3
    max_line_chars: int = 2000


@dataclass(slots=True, eq=False)
class _Pattern:
    pid: int
    tokens: list[str]
    example: str
    size: int = 1
    skeleton: list[str] = field(default_factory=list)
    literals: tuple[int, ...] = field(default=())
    text: str = ""  # the template rendered
    route: tuple[str, ...] = ()  # the bucket it is filed in
    known: MinedLine = field(init=False)  # the result for a line that joins it unchanged (kept, not rebuilt)
    slots: list[tuple[int, int]] = field(default_factory=list)  # family (position, signature) when filed

    def __post_init__(self) -> None:
        self.skeleton = [skeleton(token) for token in self.tokens]
        self.text = render(self.tokens)
        self.known = MinedLine(f"P{self.pid}", self.text, False)
        self.refresh()

    def refresh(self) -> None:
        """Literal positions: every token but a bare mask (`(pid=<*>)` and `lr:<*>` keep their words)."""
        self.literals = tuple(i for i, token in enumerate(self.skeleton) if token != ANY)


class _Bucket:
    """The patterns of one route, in creation order, split for speed (never for a different answer).

    A pattern with few literal tokens loses on any differing one ((n - 1) / n < sim_th), so the only
    way a line reaches it is to equal it at all its literal positions: such patterns are found by a
    dict lookup on those positions' tokens (`exact`), the others by a scan (`scan`). A bucket of
    hundreds of near-identical short messages then costs a few lookups instead of hundreds of
    comparisons. Patterns with a field that takes any value (`mode=<*>`) match more than equal
    tokens, so they are always scanned.
    """

    __slots__ = ("exact", "groups", "scan", "filed")

    def __init__(self) -> None:
        self.exact: dict[tuple[tuple[int, ...], object], list[_Pattern]] = {}
        # literal positions of exact patterns -> [how many, a getter of those positions' tokens]
        self.groups: dict[tuple[int, ...], list[Any]] = {}
        self.scan: list[_Pattern] = []
        self.filed: dict[int, tuple[tuple[int, ...], object] | None] = {}

    def __iter__(self) -> Iterator[_Pattern]:
        patterns = [p for group in self.exact.values() for p in group] + self.scan
        return iter(sorted(patterns, key=_pid))

    def add(self, pattern: _Pattern, sim_th: float) -> None:
        """File the pattern where its current template belongs."""
        literals = pattern.literals
        if (len(literals) - 1) < sim_th * len(literals) - 1e-9 and not any(
            pattern.skeleton[i].endswith(_FIELD_ANY) for i in literals
        ):
            group = self.groups.get(literals)
            if group is None:
                group = self.groups[literals] = [0, itemgetter(*literals) if literals else _nothing]
            group[0] += 1
            key = (literals, group[1](pattern.skeleton))
            insort(self.exact.setdefault(key, []), pattern, key=_pid)
            self.filed[pattern.pid] = key
        else:
            insort(self.scan, pattern, key=_pid)
            self.filed[pattern.pid] = None

    def remove(self, pattern: _Pattern) -> None:
        """Take the pattern out (after its template changed, or when it merges into another)."""
        key = self.filed.pop(pattern.pid)
        if key is None:
            self.scan.remove(pattern)
            return
        group = self.exact[key]
        group.remove(pattern)
        if not group:
            del self.exact[key]
        self.groups[key[0]][0] -= 1
        if not self.groups[key[0]][0]:
            del self.groups[key[0]]


def _nothing(tokens: object) -> tuple[()]:
    """The tokens at no positions (the key of a pattern that is all masks)."""
    return ()


def _pid(pattern: _Pattern) -> int:
    return pattern.pid


def _is_field(token: str) -> bool:
    return "=" in token[1:]


def _fits(template: str, token: str) -> bool:
    """A line's skeleton token fits a template's: equal, or the template's field holds any value."""
    return template == token or (template.endswith(_FIELD_ANY) and token.startswith(template[: -len(ANY)]))


def _differences(first: list[str], second: list[str]) -> list[int]:
    """Positions where two skeletons differ."""
    return [i for i, (a, b) in enumerate(zip(first, second, strict=True)) if a != b]


def _merge_token(old: str, new: str) -> str:
    """The template token of a position where `old` (template) and `new` (line) differ: `<*>`, or
    `key=<*>` for one field. (A word's punctuation is not kept: `<*>:` would be a compound token,
    which only equal tokens fit.)"""
    key, eq, _ = old.partition("=")
    if eq and key and new.startswith(key + "=") and key[0] != VAR_OPEN:
        return f"{key}={ANY}"
    return ANY


class PatternMiner:
    """Mines templates from log lines online; state in and out as bytes. Not thread-safe.

    `cache_size` bounds the cache of results by masked line (the masker has its own); caches are
    derived data, never persisted, and do not change any result.
    """

    def __init__(self, config: MinerConfig | None = None, masker: Masker | None = None, cache_size: int = 200_000):
        self.config = config or MinerConfig()
        self._masker = masker or Masker()
        self._cache_size = cache_size
        self._counter = 0
        self._patterns: dict[int, _Pattern] = {}
        self._buckets: dict[tuple[str, ...], _Bucket] = {}
        self._aliases: dict[int, int] = {}
        # (oldest pattern id, position) -> ids of the patterns that differ only in that field's value
        self._families: dict[tuple[int, int], list[int]] = {}
        self._family_of: dict[int, tuple[int, int]] = {}
        # template with one field's value or one word left out (hashed) -> ids of the patterns having it
        self._signatures: dict[int, list[int]] = {}
        self._registered: dict[int, list[int]] = {}  # pattern id -> its signatures when filed
        # pattern id -> leading positions whose word family merged: the pattern routes as "any word" there
        self._word_heads: dict[int, tuple[int, ...]] = {}
        # masked tokens -> (token count's generation when cached, pattern, result); see _remember
        self._known: dict[tuple[str, ...], tuple[int, _Pattern, MinedLine]] = {}
        self._generations: dict[int, int] = {}

    def tokens(self, line: str) -> tuple[str, ...]:
        """The line as the miner sees it: cut to max_line_chars, masked, split into tokens."""
        return self._masker.tokens(line[: self.config.max_line_chars])

    def mask(self, line: str) -> str:
        """`tokens` rendered as one string (masks as `<NUM>`, `<PATH>`...)."""
        return render(self.tokens(line))

    def add(self, line: str) -> MinedLine:
        """Learn from `line` and return its pattern (a new one if nothing known is similar enough)."""
        tokens, shape = self._masker.masked(line[: self.config.max_line_chars])
        entry = self._known.get(tokens)
        if entry is not None and self._generations.get(len(tokens), 0) == entry[0]:
            entry[1].size += 1
            return entry[2]
        best = self._search(tokens, shape)
        if best is None:
            pattern = self._create(tokens, line[:_EXAMPLE_CHARS])
            self._file(pattern)
            merged_into = self._join_family(pattern)
            self._bump(len(tokens))
            if merged_into is not None:
                self._remember(tokens, merged_into, merged_into.known)
                return MinedLine(f"P{merged_into.pid}", merged_into.text, False, True)
            self._remember(tokens, pattern, pattern.known)
            return MinedLine(f"P{pattern.pid}", pattern.text, True)
        best.size += 1
        if self._generalise(best, tokens, shape):
            self._unfile(best)  # filed under its old template: found by identity
            self._file(best)
            self._bump(len(tokens))
            best.text = render(best.tokens)
            best.known = MinedLine(f"P{best.pid}", best.text, False)
            self._remember(tokens, best, best.known)
            return MinedLine(f"P{best.pid}", best.text, False, True)
        self._remember(tokens, best, best.known)
        return best.known

    def _search(self, tokens: tuple[str, ...], shape: tuple[str, ...]) -> _Pattern | None:
        """The pattern a line joins: the best of its own route, else of the routes with its leading
        words as any word (where patterns whose leading word took many values went, see _merge_family)."""
        route = self._route(tokens)
        bucket = self._buckets.get(route)
        best = self._best(bucket, shape) if bucket is not None else None
        if best is not None or not self._word_heads:
            return best
        for alternative in self._wider_routes(route):
            bucket = self._buckets.get(alternative)
            if bucket is not None and (best := self._best(bucket, shape)) is not None:
                return best
        return None

    @staticmethod
    def _wider_routes(route: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
        """The route with one or more of its literal leading words as any word, fewest first."""
        literal = [i for i, token in enumerate(route) if i and token != _ROUTE_ANY]
        for count in range(1, len(literal) + 1):
            for chosen in combinations(literal, count):
                yield tuple(_ROUTE_WORD if i in chosen else token for i, token in enumerate(route))

    def _file(self, pattern: _Pattern) -> None:
        """Put the pattern in the bucket of its template's route and in the family index."""
        route = self._route(tuple(pattern.tokens))
        for position in self._word_heads.get(pattern.pid, ()):
            route = (*route[: position + 1], _ROUTE_WORD, *route[position + 2 :])
        pattern.route = route
        bucket = self._buckets.get(pattern.route)
        if bucket is None:
            bucket = self._buckets[pattern.route] = _Bucket()
        bucket.add(pattern, self.config.sim_th)
        slots = pattern.slots = self._family_slots(pattern)
        signatures = [signature for _, signature in slots]
        for signature in signatures:
            insort(self._signatures.setdefault(signature, []), pattern.pid)
        self._registered[pattern.pid] = signatures

    def _unfile(self, pattern: _Pattern) -> None:
        """Take the pattern out of its bucket and the family index (its template may have changed since)."""
        self._buckets[pattern.route].remove(pattern)
        for signature in self._registered.pop(pattern.pid):
            holders = self._signatures[signature]
            holders.remove(pattern.pid)
            if not holders:
                del self._signatures[signature]

    def _family_slots(self, pattern: _Pattern) -> list[tuple[int, int]]:
        """(position, signature) of each literal field or plain word of the pattern that can vary in a
        family: a hash of its template with that position's value left out (a field keeps its key,
        a word its punctuation). The hash is a sum of per-position hashes, so all signatures of a
        pattern cost one pass; a collision is caught by _kin. Patterns with too little context
        (family_context) or of more than _FAMILY_MAX_TOKENS tokens form no families."""
        fields = self.config.family_size and self.config.categorical_fields
        words = self.config.family_size and self.config.word_families
        tokens = pattern.skeleton
        if not (fields or words) or len(tokens) > _FAMILY_MAX_TOKENS:
            return []
        if len(pattern.literals) <= self.config.family_context:
            return []
        hashes = [hash((position, token)) for position, token in enumerate(tokens)]
        total = sum(hashes)
        found = []
        for position in pattern.literals:
            token = tokens[position]
            if fields and _is_field(token):
                slot = token.partition("=")[0] + "="
            elif words and VAR_OPEN not in token and (word := punctuation(token))[1]:
                slot = word[0] + VAR_CLOSE + word[2]  # any plain word with this punctuation around it
            else:
                continue
            found.append((position, (total - hashes[position] + hash((position, slot))) & _HASH_MASK))
        return found

    @staticmethod
    def _generalise(pattern: _Pattern, tokens: tuple[str, ...], shape: tuple[str, ...]) -> bool:
        """Make the pattern's template cover the line; True if it changed.

        A position whose words differ becomes `<*>` (a field keeps its key: `mode=<*>`); one where only
        the kinds of masks differ keeps its words with `<*>` for the masks (`(<NUM>)` + `(<ID>)` ->
        `(<*>)`); a bare mask that meets a word becomes `<*>`.
        """
        template, skel = pattern.tokens, pattern.skeleton
        changed = False
        for index in compress(range(len(template)), map(ne, template, tokens)):
            token = template[index]
            if token == ANY:  # already as open as a position gets
                continue
            old = skel[index]
            if _fits(old, shape[index]):
                new = old
            elif old == ANY:
                new = ANY
            else:
                new = _merge_token(old, shape[index])
            if new != token:
                template[index] = new
                skel[index] = skeleton(new)
                changed = True
        if changed:
            pattern.refresh()
        return changed

    def _route(self, tokens: tuple[str, ...]) -> tuple[str, ...]:
        if self.config.depth == 1 and tokens:
            return (str(len(tokens)), _ROUTE_ANY if VAR_OPEN in tokens[0] else tokens[0])
        head = tuple(_ROUTE_ANY if is_variable(token) else token for token in tokens[: self.config.depth])
        return (str(len(tokens)), *head)

    def _best(self, bucket: _Bucket, shape: tuple[str, ...]) -> _Pattern | None:
        """The first pattern with the highest similarity at or above sim_th, None if there is none.

        `shape` is the line's skeleton; similarity counts the template's literal positions the line
        fits. A field that does not fit vetoes the pattern (categorical fields); with word families, so
        does a single differing word. The result is that of scanning every pattern of the bucket in
        creation order (see _Bucket).
        """
        exact: _Pattern | None = None
        for positions, (_, getter) in bucket.groups.items():
            found = bucket.exact.get((positions, getter(shape)))
            if found and (exact is None or found[0].pid < exact.pid):
                exact = found[0]
        if exact is not None:  # similarity 1.0: only an older scanned pattern at 1.0 comes first
            for pattern in bucket.scan:
                if pattern.pid > exact.pid:
                    break
                if self._similarity(pattern, shape, 1.0) >= 1.0:
                    return pattern
            return exact
        best, best_sim = None, self.config.sim_th
        for pattern in bucket.scan:
            sim = self._similarity(pattern, shape, best_sim)
            if sim > best_sim or (sim == best_sim and best is None):
                best, best_sim = pattern, sim
        return best

    def _similarity(self, pattern: _Pattern, shape: tuple[str, ...], floor: float) -> float:
        """Share of the pattern's literal positions the line fits; -1.0 when vetoed or below `floor`."""
        categorical = self.config.categorical_fields
        words = self.config.word_families
        template = pattern.skeleton
        literals = pattern.literals
        if not literals:
            return 1.0
        # Stop counting once too many positions differ to reach the floor: it only prunes.
        limit = len(literals) * (1.0 - floor) + 1e-9
        misses = 0
        word_miss = False
        for index in literals:
            token = template[index]
            other = shape[index]
            if token != other and not _fits(token, other):
                if categorical and (_is_field(token) or _is_field(other)):
                    return -1.0
                misses += 1
                word_miss = VAR_OPEN not in token and VAR_OPEN not in other  # two plain words
                if misses > limit:
                    return -1.0
        if misses == 1 and word_miss and words:
            return -1.0
        return (len(literals) - misses) / len(literals)

    def _create(self, tokens: tuple[str, ...], example: str) -> _Pattern:
        self._counter += 1
        pattern = _Pattern(self._counter, list(tokens), example)
        self._patterns[pattern.pid] = pattern
        return pattern

    def _join_family(self, pattern: _Pattern) -> _Pattern | None:
        """Record a new pattern that differs from a known one only in one word or key=value field's
        value; merge the family when it reaches family_size values. Returns the surviving pattern on a
        merge.

        The known pattern is the oldest one whose current template has the same signature (see
        _family_slots), whatever its route: a dict lookup, not a scan, and a function of the current
        templates only, so a miner restored from its state finds the same families as the original.
        """
        for position, signature in pattern.slots:  # as filed just before
            holders = self._signatures.get(signature, ())
            first = next((pid for pid in holders if pid != pattern.pid and self._kin(pid, pattern, position)), None)
            if first is None:
                continue
            key = self._family_of.get(first, (first, position))
            if key[1] != position or key[0] not in self._patterns:
                continue
            members = self._families.setdefault(key, [key[0]])
            members.append(pattern.pid)
            self._family_of[pattern.pid] = key
            self._family_of.setdefault(key[0], key)
            if len(members) < self.config.family_size:
                return None
            return self._merge_family(key)
        return None

    def _kin(self, pid: int, pattern: _Pattern, position: int) -> bool:
        """The known pattern differs from `pattern` at `position` only, both holding a plain word or the
        same field there (what equal signatures mean, checked because signatures are hashes)."""
        other = self._patterns[pid].skeleton
        if _differences(other, pattern.skeleton) != [position]:
            return False
        mine, theirs = pattern.skeleton[position], other[position]
        if _is_field(mine) or _is_field(theirs):
            return mine.partition("=")[0] == theirs.partition("=")[0]
        if VAR_OPEN in mine or VAR_OPEN in theirs:
            return False
        (lead, _, trail), (their_lead, _, their_trail) = punctuation(mine), punctuation(theirs)
        return lead == their_lead and trail == their_trail

    def _merge_family(self, key: tuple[int, int]) -> _Pattern:
        """The family's position becomes a mask in its oldest pattern (which moves to the route of its
        new template when the position is a leading one); the others, and any pattern now identical
        to it, become its aliases."""
        root_id, position = key
        members = self._families.pop(key)
        root = self._patterns[root_id]
        self._unfile(root)
        if position < self.config.depth and not _is_field(root.skeleton[position]):
            self._word_heads[root_id] = (*self._word_heads.get(root_id, ()), position)
        root.tokens[position] = _merge_token(root.skeleton[position], root.skeleton[position])
        root.skeleton[position] = skeleton(root.tokens[position])
        root.text = render(root.tokens)
        root.known = MinedLine(f"P{root.pid}", root.text, False)
        root.refresh()
        self._file(root)
        for pid in members:
            if pid != root_id and pid in self._patterns:
                self._alias(self._patterns[pid], root)
        for pattern in list(self._buckets[root.route]):
            if pattern is not root and not _differences(pattern.skeleton, root.skeleton):
                self._alias(pattern, root)
        return root

    def _alias(self, pattern: _Pattern, into: _Pattern) -> None:
        self._unfile(pattern)
        del self._patterns[pattern.pid]
        self._word_heads.pop(pattern.pid, None)
        self._family_of.pop(pattern.pid, None)
        into.size += pattern.size
        self._aliases[pattern.pid] = into.pid

    def _bump(self, token_count: int) -> None:
        self._generations[token_count] = self._generations.get(token_count, 0) + 1

    def _remember(self, tokens: tuple[str, ...], pattern: _Pattern, result: MinedLine) -> None:
        """Cache the result of a masked line, keeping the cache exactly equal to what the search gives.

        Once `tokens` joined a pattern, the pattern's literal tokens equal the line's (similarity 1.0)
        and no earlier pattern scored higher, so the same search gives the same pattern again until a
        pattern of this token count is created, changed or merged: each of those bumps the token
        count's generation, which invalidates exactly the cached lines of that length. Exact equality
        matters: the cache is not persisted, and replay after a restart must give the same ids.
        """
        if len(self._known) >= self._cache_size:
            self._known.clear()
        self._known[tokens] = (self._generations.get(len(tokens), 0), pattern, result)

    def match(self, line: str) -> MinedLine | None:
        """The known pattern `line` would join, without learning anything; None for a new message."""
        tokens = self.tokens(line)
        best = self._search(tokens, tuple(skeleton(token) for token in tokens))
        if best is None:
            return None
        return MinedLine(f"P{best.pid}", render(best.tokens), False)

    def resolve(self, pattern_id: str) -> str:
        """The id of the pattern `pattern_id` stands for now (itself, or the pattern it merged into)."""
        number = self._number(pattern_id)
        while number in self._aliases:
            number = self._aliases[number]
        return f"P{number}"

    def aliases(self) -> dict[str, str]:
        """Every merged pattern id and the live pattern it resolves to."""
        return {f"P{old}": self.resolve(f"P{old}") for old in sorted(self._aliases)}

    def template_of(self, pattern_id: str) -> str:
        """The current template of a known pattern (of the pattern it merged into, for an alias)."""
        pattern = self._patterns.get(self._number(self.resolve(pattern_id)))
        if pattern is None:
            raise KeyError(f"unknown pattern id {pattern_id!r}")
        return render(pattern.tokens)

    def example_of(self, pattern_id: str) -> str:
        """The first line a live pattern was made from (cut to 500 characters)."""
        pattern = self._patterns.get(self._number(self.resolve(pattern_id)))
        if pattern is None:
            raise KeyError(f"unknown pattern id {pattern_id!r}")
        return pattern.example

    @staticmethod
    def _number(pattern_id: str) -> int:
        if not (pattern_id.startswith("P") and pattern_id[1:].isdigit()):
            raise KeyError(f"unknown pattern id {pattern_id!r}")
        return int(pattern_id[1:])

    def patterns(self) -> Iterator[tuple[str, str, int]]:
        """(pattern_id, template, lines seen) of every live pattern, oldest first."""
        for pid in sorted(self._patterns):
            pattern = self._patterns[pid]
            yield f"P{pid}", render(pattern.tokens), pattern.size

    @property
    def last_id(self) -> int:
        """The highest pattern number given so far (the next pattern gets one more)."""
        return self._counter

    def __len__(self) -> int:
        return len(self._patterns)

    def to_bytes(self) -> bytes:
        """The whole mining state (config, masking version, patterns, aliases, families), compressed JSON."""
        state = {
            "format": STATE_FORMAT,
            "masking": MASKING_VERSION,
            "config": asdict(self.config),
            "counter": self._counter,
            "patterns": [[p.pid, p.size, p.tokens, p.example] for p in self._patterns.values()],
            "aliases": sorted(self._aliases.items()),
            "families": [[root, position, members] for (root, position), members in self._families.items()],
            "word_heads": [[pid, list(positions)] for pid, positions in sorted(self._word_heads.items())],
        }
        return _MAGIC + zlib.compress(json.dumps(state, separators=(",", ":")).encode("ascii"), 6)

    @classmethod
    def from_bytes(cls, data: bytes, masker: Masker | None = None, cache_size: int = 200_000) -> PatternMiner:
        """A miner in the state `to_bytes` captured, with the config stored in it.

        A state of another masking version is re-mined from its examples (`seeded`): ids are kept.
        Raises CorruptStateError for bytes this code did not write, IncompatibleStateError for a state
        of another format (the Drain3-based format 1 kept no examples to re-mine).
        """
        state = _decode(data)
        if state.get("format") != STATE_FORMAT:
            raise IncompatibleStateError("format", state.get("format"), STATE_FORMAT)
        try:
            config = MinerConfig(**state["config"])
            counter = int(state["counter"])
            rows = [
                (int(pid), int(size), [str(t) for t in tokens], str(ex)) for pid, size, tokens, ex in state["patterns"]
            ]
            aliases = {int(old): int(new) for old, new in state["aliases"]}
            families = [(int(root), int(pos), [int(m) for m in members]) for root, pos, members in state["families"]]
            word_heads = {int(pid): tuple(int(p) for p in positions) for pid, positions in state["word_heads"]}
        except (KeyError, TypeError, ValueError) as error:
            raise CorruptStateError(f"miner state has an unexpected shape: {error!r}") from error
        if state.get("masking") != MASKING_VERSION:
            examples = sorted([(pid, example) for pid, _, _, example in rows] + [(old, "") for old in aliases])
            return cls.seeded(examples, counter, config, masker, cache_size, aliases)
        miner = cls(config, masker, cache_size)
        miner._counter = counter
        for pid, size, tokens, example in rows:
            pattern = _Pattern(pid, tokens, example, size)
            miner._patterns[pid] = pattern
        miner._word_heads = word_heads
        for pid in sorted(miner._patterns):
            miner._file(miner._patterns[pid])
        miner._aliases = aliases
        for root, position, members in families:
            miner._families[(root, position)] = members
            for member in members:
                miner._family_of[member] = (root, position)
        return miner

    @classmethod
    def seeded(
        cls,
        examples: Iterable[tuple[int, str]],
        counter: int,
        config: MinerConfig | None = None,
        masker: Masker | None = None,
        cache_size: int = 200_000,
        aliases: Mapping[int, int] | None = None,
    ) -> PatternMiner:
        """A miner rebuilt from one example line per known pattern number, keeping those numbers.

        Examples are mined in ascending number: one that makes a new pattern gives it its old number;
        one that joins a pattern already rebuilt (the current masks put both together) becomes an
        alias of it. An empty example (a pattern known only by its id) is recorded as used. New
        patterns are numbered after `counter`, every example and every alias, so no id is ever reused.
        `aliases` (pattern number -> the number it merged into) are kept as they were.
        """
        miner = cls(config, masker, cache_size)
        top = counter
        for number, example in sorted(examples):
            top = max(top, number)
            if not example:
                continue
            miner._counter = number - 1
            before = len(miner._patterns)
            mined = miner.add(example)
            if len(miner._patterns) == before and mined.pattern_id != f"P{number}":
                miner._aliases[number] = miner._number(mined.pattern_id)
        for old, new in (aliases or {}).items():
            miner._aliases.setdefault(old, new)
            top = max(top, old, new)
        miner._counter = top
        miner._known.clear()
        return miner


def _decode(data: bytes) -> dict[str, Any]:
    if not data.startswith(_MAGIC):
        raise CorruptStateError(f"not a pattern miner state (starts with {bytes(data[:20])!r})")
    try:
        state = json.loads(zlib.decompress(data[len(_MAGIC) :]))
    except (zlib.error, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CorruptStateError(f"pattern miner state does not decode: {error}") from error
    if not isinstance(state, dict):
        raise CorruptStateError(f"pattern miner state is a {type(state).__name__}, not an object")
    return state


def pattern_number(pattern_id: str) -> int | None:
    """The number of a pattern id ("P17" -> 17), None for anything else."""
    if pattern_id.startswith("P") and pattern_id[1:].isdigit():
        return int(pattern_id[1:])
    return None
