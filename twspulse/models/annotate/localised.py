"""Localised messages read back in English, through the translation catalogs of the tools that print them.

A job run under a German, French or Swedish locale prints the C library's, bash's, coreutils', tar's,
PostgreSQL's... messages in that language ("jq: Kommando nicht gefunden.", "droit refusé pour la table x",
"Inget utrymme kvar på enheten"). Those tools translate through gettext, and their catalogs pair every
English message (msgid) with its translation (msgstr). `catalogs.py` builds, from the catalogs installed on
a machine, a table of the translations whose English message the rules read as a failure; this module
matches a line against those translations and gives the line back in English, the placeholders' values
(the file, the table, the user) carried over, so the rules read it as they read the English one.

A line is looked up only when no rule read it as it is. Each translation is found through its rarest
literal word (a dict lookup per word of the line), then matched in full.
"""

from __future__ import annotations

import gzip
import json
import re
import sys
import threading
import zlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import structlog

log = structlog.get_logger(__name__)

TABLE_PATH = Path(__file__).with_name("localised_messages.json.gz")
# printf conversions as gettext catalogs write them: "%s", "%d", "%1$s", "%lu", "%.*s", "%m" (strerror).
PLACEHOLDER = re.compile(
    r"%(?:(\d+)\$)?[-+ #0']*(?:\d+|\*)?(?:\.(?:\d+|\*))?(?:hh|h|ll|l|L|q|j|z|t|I64)?([diouxXeEfgGcsSpm])"
)
# A translation is looked up by a word of at least MIN_KEY characters, and only if its literal words have
# MIN_LITERAL characters in all ("Fehler: %s" says too little to be read as anything).
MIN_KEY = 4
MIN_LITERAL = 10
# How many times a line is looked up again once translated (a message quoting another).
PASSES = 3
_WORD = re.compile(r"\w+")
# What may come before a message in a line (a tool's name and colon, a bracketed level, a quote) and after
# one that ends with a literal (punctuation, a remark in brackets, a colon and the message it wraps).
_SEPARATORS = frozenset(":]>|-\"'«“„(")
_CLOSERS = frozenset("])\"'")  # separators that may also end a value
_ENDS_MESSAGE = re.compile(r"[\s.!?)\]\"'»”’…]*(?:$|[(\[:])")
_ENDS_LINE = re.compile(r"[\s.!?)\]\"'»”’…]*(?:$|[(\[])")
# The severities tools prefix their messages with; their translations are kept whatever the rules read.
_SEVERITY = ("DEBUG", "INFO", "LOG", "NOTICE", "WARNING", "ERROR", "FATAL", "PANIC")
LEVELS = frozenset(_SEVERITY)
_LEVEL = re.compile(r"(?<!\w)(\w+)(:)")
_PROGRESS = frozenset({"DEBUG", "INFO", "LOG", "NOTICE"})
# Lines longer than this are looked up by their start only (a dump must not cost seconds).
MAX_LOOKUP_CHARS = 2000


@dataclass(frozen=True, slots=True)
class Translation:
    """One catalog entry: the localised template, its English message, and where it comes from."""

    template: str  # the msgstr, printf placeholders included
    english: str  # the msgid
    source: str  # "lang/domain"

    def parts(self) -> tuple[tuple[str, ...], tuple[int, ...]] | None:
        """The template's literal runs (lower-cased) and its placeholders' argument numbers; None when it cannot
        be matched without guessing (two placeholders side by side, or one argument used twice)."""
        literals, indexes, position = [], [], 0
        for number, match in enumerate(PLACEHOLDER.finditer(self.template), start=1):
            literals.append(self.template[position : match.start()].lower())
            indexes.append(int(match.group(1)) if match.group(1) else number)
            position = match.end()
        literals.append(self.template[position:].lower())
        if len(set(indexes)) < len(indexes) or any(not literal for literal in literals[1:-1]):
            return None
        return tuple(literals), tuple(indexes)

    def match(self, text: str, lowered: str | None = None) -> tuple[int, int, dict[int, str]] | None:
        """Where the template matches `text` as a whole message (start, end) and the value of each argument,
        or None. `lowered` is `text` lower-cased (given when many templates are tried on one line).

        Read left to right with `str.find`, each literal at its first place after the previous one (a
        placeholder's value is the shortest that reaches the next literal; one at the end takes the rest):
        linear in the line, where a regex of several lazy groups can backtrack for seconds on a hostile line.
        A message is matched whole, not inside a sentence: it starts the line or follows a separator (": ",
        "] ", a quote...), a leading placeholder takes only what follows the last separator before the
        literal, and a message that ends with a literal ends the line or is followed by punctuation, a
        remark in brackets or another message after a colon."""
        parts = self.parts()  # worked out per match: a few microseconds, where caching it costs memory
        if parts is None:
            return None
        literals, indexes = parts
        if lowered is None or len(lowered) != len(text):
            lowered = text.lower()
            if len(lowered) != len(text):
                lowered = text  # a character whose lower case is longer: compared as written
        if literals[0]:
            start = lowered.find(literals[0])
            if start < 0 or not _starts_message(text, start):
                return None
            position = start + len(literals[0])
        else:
            start = position = -1  # set by the first literal below
        values: dict[int, str] = {}
        for index, literal in zip(indexes, literals[1:], strict=True):
            if literal:
                found = lowered.find(literal, max(position, 0) + 1)
                if found < 0:
                    return None
            else:
                found = len(text)  # a placeholder at the end takes the rest of the line
            if start < 0:  # a leading placeholder: what follows the last separator before the literal
                start = position = _message_start(text, found)
                if found <= start:
                    return None
            values[index] = text[position:found]
            position = found + len(literal)
        if literals[-1] and not (_ENDS_MESSAGE if indexes else _ENDS_LINE).match(text, position):
            return None  # (a message without placeholders, "Memory exhausted", must end the line)
        return start, position, values

    def to_english(self, values: dict[int, str]) -> str:
        """The English message with the values the localised line gave its placeholders."""
        out, position = [], 0
        for number, placeholder in enumerate(PLACEHOLDER.finditer(self.english), start=1):
            index = int(placeholder.group(1)) if placeholder.group(1) else number
            out.append(self.english[position : placeholder.start()])
            out.append(values.get(index, ""))
            position = placeholder.end()
        out.append(self.english[position:])
        return "".join(out)


def _starts_message(text: str, start: int) -> bool:
    """Whether a message may start at `start`: the line's start, or after a separator."""
    before = text[:start].rstrip()
    return not before or before[-1] in _SEPARATORS


def _message_start(text: str, end: int) -> int:
    """Where the message that ends at `end` starts: after the last separator before it (its value then
    holds no separator), or the line's first non-blank character. A separator right before the literal ends
    the value when it closes a bracket or quote, not starts it ("JOUR[OUE] : variable sans liaison": the value
    is "JOUR[OUE]")."""
    for index in range(end - 1, -1, -1):
        if (
            text[index] in _SEPARATORS
            and (index + 1 >= len(text) or text[index + 1] in " \t")
            and (text[index] not in _CLOSERS or text[index + 1 : end].strip())
        ):
            return index + 1 + (len(text[index + 1 : end]) - len(text[index + 1 : end].lstrip()))
    return len(text) - len(text.lstrip())


def literal_words(template: str) -> list[str]:
    """The words of a template outside its placeholders, lower-cased."""
    return [word.lower() for run in PLACEHOLDER.split(template) if run for word in _WORD.findall(run)]


class Catalog:
    """The translations of a table, each looked up by its rarest literal word (at least MIN_KEY letters):
    a line's words are looked up in a dict, and only the translations keyed by one of them are matched."""

    def __init__(self, translations: Sequence[Translation]) -> None:
        # a message's severity as the tool prints it, localised too ("HINWEIS:" is PostgreSQL's "NOTICE:")
        self.levels: dict[str, str] = {}
        for t in translations:  # a word two languages give two severities is read as the milder
            if t.english in LEVELS and " " not in t.template:
                known = self.levels.get(t.template)
                if known is None or _SEVERITY.index(t.english) < _SEVERITY.index(known):
                    self.levels[t.template] = t.english
        translations = [t for t in translations if t.english not in LEVELS]
        words = [literal_words(t.template) for t in translations]
        frequency = Counter(word for each in words for word in set(each))
        self.by_word: dict[str, list[Translation]] = {}
        for translation, each in zip(translations, words, strict=True):
            keys = [word for word in each if len(word) >= MIN_KEY]
            if keys and sum(len(word) for word in each) >= MIN_LITERAL:
                key = min(keys, key=lambda word: (frequency[word], -len(word), word))
                self.by_word.setdefault(key, []).append(translation)

    def __len__(self) -> int:
        return sum(len(entries) for entries in self.by_word.values())

    def _candidates(self, text: str) -> list[Translation]:
        found: list[Translation] = []
        for word in set(_WORD.findall(text.lower())):
            found += self.by_word.get(word, ())
        return found

    def has_key(self, line: str) -> bool:
        """Whether the line holds the key word of some translation (a cheap test before `translate`)."""
        return any(word in self.by_word for word in _WORD.findall(line[:MAX_LOOKUP_CHARS].lower()))

    def progress_level(self, line: str) -> bool:
        """The line is printed at a localised progress severity (PostgreSQL's "POZNÁMKA:" or "HINWEIS:" is its
        NOTICE, "INFORMACE:" its INFO): it reports, it does not fail."""
        return any(self.levels.get(match.group(1)) in _PROGRESS for match in _LEVEL.finditer(line[:MAX_LOOKUP_CHARS]))

    def translate(self, line: str) -> tuple[str, list[Translation]] | None:
        """The line in English and the translations used, or None when none matches. A translation that
        matches gives way to a longer one; the English line is looked up again (a message that quotes
        another, as "cp: error writing 'x': <the C library's message>"), up to PASSES times."""
        text, used = line[:MAX_LOOKUP_CHARS], list[Translation]()
        for _ in range(PASSES):
            best: tuple[int, str, Translation] | None = None
            lowered = text.lower()
            for translation in self._candidates(text):
                found = translation.match(text, lowered)
                if found is None:
                    continue
                literal = len(PLACEHOLDER.sub("", translation.template))
                if best is None or literal > best[0]:
                    start, end, values = found
                    best = (literal, text[:start] + translation.to_english(values) + text[end:], translation)
            if best is None or best[1] == text:
                break
            text, used = best[1], [*used, best[2]]
        if used and self.levels:  # the severity too, so that a notice stays a notice
            text = _LEVEL.sub(lambda m: self.levels.get(m.group(1), m.group(1)) + m.group(2), text)
        return (text, used) if used else None


def save(translations: Sequence[Translation], path: Path) -> None:
    """Write a table (gzip'd JSON, sorted for a stable file), atomically."""
    rows = sorted({(t.template, t.english, t.source) for t in translations})
    partial = path.with_name(path.name + ".partial")
    with gzip.GzipFile(partial, "wb", mtime=0) as out:
        out.write(json.dumps({"version": 1, "translations": rows}, ensure_ascii=False).encode())
    partial.replace(path)


def load(path: Path) -> Catalog:
    """The catalog of a table; ValueError when the file is not one."""
    try:
        with gzip.open(path, "rb") as data:
            document = json.loads(data.read())
        rows = document["translations"]
        # the same English message and source recur in every language: one string each
        translations = [Translation(str(t), sys.intern(str(e)), sys.intern(str(s))) for t, e, s in rows]
        del document, rows
    except (OSError, EOFError, zlib.error, KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"{path} is not a table of localised messages: {exc}") from exc
    return Catalog(translations)


_lock = threading.Lock()
_shipped: list[Catalog] = []


def shipped_catalog() -> Catalog:
    """The table shipped with the package (an empty catalog, logged once, when it cannot be read)."""
    with _lock:
        if not _shipped:
            try:
                _shipped.append(load(TABLE_PATH))
            except Exception as exc:  # noqa: BLE001 - whatever is wrong with the file, the rules go on alone
                log.warning("localised_messages.unreadable", error=str(exc))
                _shipped.append(Catalog(()))
        return _shipped[0]
