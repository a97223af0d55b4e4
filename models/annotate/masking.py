"""Masks credentials in joblog text before any of it leaves the process (LLM prompt) or is stored.

Batch scripts echo their own command lines (`set -x`), connection strings and HTTP headers, so a
joblog regularly holds passwords, bearer tokens and keys. Everything sent to a remote model passes
through `mask_secrets` first; the annotation's own fields (root cause, error line) pass through it too,
so a secret printed on the failing line is not copied into the database or a terminal.

Masking keeps the key and replaces only the value with `***`: "password=***" still tells the model
(and the operator) that a password was given, which is often the point of the error. A line without a
secret comes back unchanged, so verbatim error lines stay verbatim.
"""

from __future__ import annotations

import re

MASK = "***"

_KEYS = (
    r"pass(?:word|wd|phrase)?|pwd|secret|client[_-]?secret|api[_-]?key|apikey|access[_-]?key(?:[_-]?id)?|"
    r"secret[_-]?access[_-]?key|private[_-]?key|auth[_-]?token|access[_-]?token|refresh[_-]?token|token|"
    r"session[_-]?id|credentials?|signature"
)
# key=value, key: value, "key": "value", -Dkey=value; value up to a separator.
_KEY_VALUE = re.compile(
    rf"""(?P<key>\b[\w.-]*(?:{_KEYS})[\w.-]*["']?\s*[=:]\s*)(?P<quote>["']?)(?P<value>[^\s"',;&)]+)""",
    re.IGNORECASE,
)
# --password value, -password value (command-line flags whose value follows a space)
_FLAG_VALUE = re.compile(
    rf"""(?P<key>(?<!\S)--?[\w-]*(?:{_KEYS})[\w-]*\s+)(?P<quote>["']?)(?P<value>(?!-)[^\s"']+)""", re.IGNORECASE
)
_AUTH_HEADER = re.compile(r"(?P<key>\b(?:Bearer|Basic|Token|Negotiate)\s+)(?P<value>[A-Za-z0-9._~+/=-]{6,})")
_URL_CREDENTIALS = re.compile(r"(?P<key>\b[a-z][a-z0-9+.-]*://[^\s:/@]+:)(?P<value>[^\s@/]+)(?=@)", re.IGNORECASE)
# sqlplus/sqlldr/expdp/jdbc thin: user/password@db (the classic Oracle connect string)
_ORACLE_CONNECT = re.compile(
    r"(?P<key>(?:\b(?:sqlplus|sqlldr|expdp|impdp|exp|imp|rman|dgmgrl)\s+(?:-\S+\s+)*|\buserid=|\bthin:|\bconnect\s+)"
    r"[A-Za-z][\w$#]*/)(?P<value>[^\s/@'\"]+)(?=@)",
    re.IGNORECASE,
)
# ALTER USER x IDENTIFIED BY pw; db2 connect to DB user u using pw
_IDENTIFIED_BY = re.compile(
    r"(?P<key>\b(?:(?:user|connect)\s+\S+\s+IDENTIFIED\s+BY|user\s+\S+\s+using)\s+)"
    r"(?P<value>(?!\*+(?:\s|$))[^\s;]+)",
    re.IGNORECASE,
)
_PRIVATE_KEY = re.compile(
    r"-----BEGIN (?P<kind>[A-Z ]*)PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|\Z)", re.DOTALL
)
_TOKENS = re.compile(
    r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b|\bgh[pousr]_[A-Za-z0-9]{30,}\b|\bxox[abprs]-[A-Za-z0-9-]{10,}\b|"
    r"\bsk-[A-Za-z0-9_-]{20,}\b|\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\b|"
    r"\bAIza[0-9A-Za-z_-]{35}\b"
)
# Cheap trigger: most lines hold none of these, and they skip every regex below.
_TRIGGER = re.compile(
    r"pass|pwd|secret|key|token|auth|bearer|basic|negotiate|credential|sig|session|identified|using|@|-----BEGIN|"
    r"AKIA|ASIA|gh[pousr]_|xox|sk-|eyJ|AIza",
    re.IGNORECASE,
)


def mask_secrets(text: str) -> str:
    """`text` with every credential value replaced by `***` (keys and structure kept)."""
    if not text or not _TRIGGER.search(text):
        return text
    text = _PRIVATE_KEY.sub(lambda m: f"-----BEGIN {m.group('kind')}PRIVATE KEY----- {MASK}", text)
    text = _TOKENS.sub(MASK, text)
    text = _AUTH_HEADER.sub(lambda m: m.group("key") + MASK, text)
    text = _URL_CREDENTIALS.sub(lambda m: m.group("key") + MASK, text)
    text = _KEY_VALUE.sub(_mask_key_value, text)
    text = _FLAG_VALUE.sub(_mask_key_value, text)
    text = _IDENTIFIED_BY.sub(lambda m: m.group("key") + MASK, text)
    return _ORACLE_CONNECT.sub(lambda m: m.group("key") + MASK, text)


def _mask_key_value(match: re.Match[str]) -> str:
    value = match.group("value")
    if value == MASK or set(value) <= {"*"}:
        return match.group(0)
    return f"{match.group('key')}{match.group('quote')}{MASK}"


def contains_secret(text: str) -> bool:
    """True when masking would change `text` (used by tests and to flag risky joblogs)."""
    return mask_secrets(text) != text
