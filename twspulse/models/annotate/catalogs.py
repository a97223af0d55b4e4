"""Builds the table of localised messages (localised.py) from gettext catalogs installed on a machine.

Every translation of the listed domains, in every language installed, whose English message the rules
read as a failure (at their minimum score, with placeholders filled by neutral values) is kept. The table
is built here once and shipped with the package, so that annotation does not depend on the locales of the
machine it runs on. The catalogs' translations come from the GNU projects and PostgreSQL (their licences
apply to the strings); Python's gettext reads the .mo files.
"""

from __future__ import annotations

import gettext
from collections.abc import Iterable, Iterator
from pathlib import Path

from twspulse.models.annotate.excerpt import read_joblog
from twspulse.models.annotate.localised import LEVELS, PLACEHOLDER, Translation
from twspulse.models.annotate.rules_engine import MIN_SCORE, RulesEngine

# The tools batch jobs call whose messages are translated through gettext.
DOMAINS = (
    "libc", "bash", "coreutils", "tar", "findutils", "grep", "sed", "wget", "postgres-15", "libpq5-15", "psql-15",
    "pg_dump-15", "pgscripts-15", "mit-krb5", "git", "gnupg2", "shadow", "Linux-PAM",
)  # fmt: skip
DEFAULT_LOCALE_DIR = Path("/usr/share/locale")
# Neutral values for the placeholders of an English message, for reading it as the rules would.
_FILLERS = {"d": "3", "i": "3", "u": "3", "o": "3", "x": "3", "X": "3", "c": "x", "m": "error"}


def catalog_entries(locale_dir: Path, domains: Iterable[str] = DOMAINS) -> Iterator[Translation]:
    """Every single-line, non-empty translation of `domains` under `locale_dir` (unreadable catalogs skipped)."""
    for domain in domains:
        for path in sorted(locale_dir.glob(f"*/LC_MESSAGES/{domain}.mo")):
            language = path.parent.parent.name
            if language.split("_")[0].split("@")[0] == "en":
                continue  # English variants (en_GB, en@quot) say what the rules already read
            try:
                with path.open("rb") as data:
                    catalog = gettext.GNUTranslations(data)._catalog  # type: ignore[attr-defined]
            except (OSError, UnicodeDecodeError, ValueError):
                continue  # a catalog in a legacy charset that gettext cannot read
            for english, translated in catalog.items():
                if not isinstance(english, str) or not english or not isinstance(translated, str):
                    continue
                english, translated = english.strip(), translated.strip()
                if translated and translated != english and "\n" not in english + translated:
                    yield Translation(translated, english, f"{language}/{domain}")


def filled(english: str) -> str:
    """The English message with neutral values in its placeholders ("%s" -> "x", "%d" -> "3")."""
    return PLACEHOLDER.sub(lambda m: _FILLERS.get(m.group(2), "x"), english)


def failure_messages(englishes: Iterable[str]) -> set[str]:
    """The English messages the rules read as a failure, at their minimum score or above."""
    engine = RulesEngine(line_model=None)
    kept = set()
    for english in englishes:
        matches = engine.matches(read_joblog(filled(english)))
        if matches and max(m.score for m in matches) >= MIN_SCORE:
            kept.add(english)
    return kept


def build(locale_dir: Path = DEFAULT_LOCALE_DIR, domains: Iterable[str] = DOMAINS) -> list[Translation]:
    """The translations whose English message is a failure the rules read, and that can be matched, and the
    translations of the severities messages are printed with (LEVELS)."""
    entries = list(catalog_entries(locale_dir, domains))
    failures = failure_messages({entry.english for entry in entries}) | LEVELS
    return [e for e in entries if e.english in failures and e.parts() is not None]
