"""Picks the lines of a failed run's output that explain the failure, with their joblog line numbers.

twspulse/joblog/first_error.py keeps one line (the first with the best score). Pattern mining and the
annotator want the few lines an operator would quote: the cause ("ORA-01653: unable to extend..."),
the label it hangs off ("ERROR at line 1:"), the root cause of a chained exception ("Caused by: ..."),
the details a database client adds ("DETAIL:  Key (id)=(42) already exists.") and the job's own
"failed, exit code 12" line. They come back in joblog order, so they read as the story they tell.

Scoring builds on the one of joblog_errors.py (a named cause beats a generic "failed"; INFO/DEBUG lines
never count) and adds: error codes of databases and tools, exception class names, "Caused by:" as the
strongest signal of a Java chain, warnings that announce a kill or timeout, and continuation lines
(DETAIL/HINT, indented lines after an error). Stack frames ("\\tat ...", "... 12 more") are never
error lines: they are the same for many failures and would crowd the cap.

Lines are scored one by one and only the best `limit` are kept at any time, so a joblog of millions of
lines is handled in bounded memory. Near-duplicates (equal up to digits) count once: a job that logs
"row 17 rejected" ten thousand times has one error line, not a cap full of them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from twspulse.joblog.joblog_frame import JoblogFrame, split_joblog

MAX_LINES = 20
MAX_CHARS = 1000

_SPECIFIC = re.compile(
    r"no such file|permission denied|access denied|no space left|disk quota|quota exceeded|out of memory|"
    r"\bkilled\b|segmentation fault|core dumped|connection (?:refused|reset|closed by)|\btimed? ?out\b|"
    r"authentication failed|login failed|logon denied|invalid (?:password|username|user)|syntax error|"
    r"unique constraint|duplicate key|deadlock|does not exist|not found|cannot|can't|unable to|"
    r"too many|broken pipe|no route to host|unknown host|name or service not known|"
    r"is not defined|not permitted|read-only file system|file exists|is a directory|no child processes|"
    r"\b(?:SIGKILL|SIGTERM|SIGSEGV|SIGABRT)\b|traceback \(most recent call last\)",
    re.IGNORECASE,
)
# The word "error" as Windows' tools print it before a system error code in their languages ("ERROR 112
# (0x00000070)", "Erreur 112 (0x00000070)", "エラー 112 (0x00000070)"): the word, then the code in decimal and hex.
WINDOWS_ERROR_WORD = (
    r"(?i:error|erreur|fehler|errore|erro|fout|fel|feil|fejl|chyba|b[łl][ąa]d|ошибка|hata|virhe|hiba|eroare|lỗi)|"
    r"エラー|错误|錯誤|오류"
)
WINDOWS_ERROR_WORD = f"(?:{WINDOWS_ERROR_WORD})"
# A message id that carries its severity, error or fatal ("PMX010-E-023", "%FAC-F-IDENT" style: program, E/F,
# number), as mainframe, COBOL and VMS-bred programs print them beside their -I- and -W- lines
SEVERE_MESSAGE_ID = r"\b[A-Z][A-Z0-9]{1,11}-[EF]-\d{3,5}\b"  # rules-25: a two-letter program too ("RP-E-4127")
_CODE = re.compile(
    SEVERE_MESSAGE_ID + r"|"
    r"\b[A-Z][A-Z0-9]{1,5}-\d{3,5}[A-Z]?\b|\bSQL\d{4,5}[NC]\b|\bAWS[A-Z]{3}\d{3}E\b|\bSQLSTATE\b|"
    r"(?:ERROR|FATAL|PANIC):\s+[0-9A-Z]{5}:|\berrno\b|\bcurl: \(\d+\)|"
    r"(?<![\w.])" + WINDOWS_ERROR_WORD + r"\s+[1-9]\d{0,4} \(0x[0-9A-Fa-f]{8}\)"  # Windows' "エラー 112 (0x00000070)"
)
_EXCEPTION = re.compile(r"\b[A-Z][A-Za-z0-9]*(?:Exception|Error)\b")
_CAUSED_BY = re.compile(r"^Caused by:\s")
_GENERIC = re.compile(
    r"\berror\b|\bfailed\b|\bfailure\b|\bfatal\b|\bsevere\b|\babend(?:ed)?\b|\bexception\b|\brejected\b|"
    r"\bdenied\b|\binvalid\b|\bexceeded\b|\babort(?:ed|ing)?\b|\bterminated\b|\bpanic\b|"
    r"\b(?:exit|return) (?:code|status)[ :=]*[1-9]\d*\b|\bRC\s*=\s*[1-9]\d*\b",
    re.IGNORECASE,
)
# A progress line's level: a word of its own ("INFO", "[DEBUG]", "|INFO|") or after a logger's channel, as PHP's
# Monolog writes it ("app.INFO: ..."), or a message id of informational severity ("PROG-I-002", beside the -E-
# codes of _CODE); shared with the annotator's readers.
INFO_LEVEL = re.compile(
    r"(?:^|[\s\[|])(?:INFO|DEBUG|TRACE|NOTICE)(?:[\s\]:|]|$)|(?<=\w)\.(?:INFO|DEBUG|NOTICE): |"
    r"^\W{0,3}[A-Z][A-Z0-9]{2,11}-I-\d{3,5}\b"
)
_QUIET_LEVEL = INFO_LEVEL
# A warning's level in the languages tools log in, as a level word (capitals, or capitalised before a colon),
# after a logger's channel, and a Python warning's category ("x.py:61: RuntimeWarning: invalid value encountered").
LOCAL_WARNING = (
    # (where a level stands: the line's start, a bracket or bar, after a time or a logger's "name: ", or before a
    # colon; "table AVISO does not exist" names a table)
    r"(?:^\s*|[\[|]|\d\s+|:\s+)(?:WARNUNG|AVERTISSEMENT|ADVERTENCIA|AVVERTENZA|AVVISO|AVISO|WAARSCHUWING|VARNING|"
    r"ADVARSEL|VAROITUS|OSTRZEŻENIE|UPOZORNĚNÍ|ПРЕДУПРЕЖДЕНИЕ|警告)(?:[\s\]:|：]|$)|"
    r"(?:WARNUNG|AVERTISSEMENT|ADVERTENCIA|AVVERTENZA|AVVISO|AVISO|WAARSCHUWING|VARNING|ADVARSEL|VAROITUS)[:\]]|"
    r"警告[：:]|"
    r"(?:^|[\s\[|])(?:Warnung|Avertissement|Advertencia|Avvertenza|Avviso|Aviso|Waarschuwing|Varning|Advarsel):|"
    r"(?<![\w.])(?:[A-Z][a-z]+)+Warning: |"
    r"(?<=\w)\.WARNING: "  # after a logger's channel (PHP's Monolog: "app.WARNING: ...")
)
_WARN_LEVEL = re.compile(rf"(?:^|[\s\[|])(?:WARN|WARNING)(?:[\s\]:|]|$)|{LOCAL_WARNING}")
# A command echoed before it runs: its words are arguments, not errors. The shell's set -x ("+ cmd"), cmd.exe's
# prompt ("D:\\jobs\\bin>tool args"; not a path in a message: no ':', quote or '(' in it, no '->' or '=>'),
# Expect's "spawn cmd" (not Node's "spawn java ENOENT") and a Unix prompt ("user@host:~$ cmd").
ECHOED_COMMAND = re.compile(
    r"^\++ |^[A-Za-z]:\\[^<>|\"\n:'(]{0,200}(?<![-=])>(?![>\s])|^spawn (?!.*\b(?:E[A-Z]{3,}|failed|error)\b)\S|"
    r"^[\w.-]{1,64}@[\w.-]{1,64}:[^\s$#]{0,200}[$#] "
)
_BARE_LABEL = re.compile(r"^(?:error|fatal|severe|exception)(?: at line \d+)?\s*:?\s*$", re.IGNORECASE)
_CONTINUATION = re.compile(r"^(?:DETAIL|HINT|CONTEXT|Reason|LINE \d+):\s", re.IGNORECASE)
_STACK_FRAME = re.compile(r"^(?:at\s+[\w$.<>/]+\(.*\)|\.\.\.\s*\d+\s+more|File \".*\", line \d+)")
_DIGITS = re.compile(r"\d+")


@dataclass(frozen=True, slots=True)
class ErrorLine:
    """A line that explains a failure: its 1-based number in the whole joblog, its stripped text, its score.

    Scores: 4 root cause of an exception chain, 3 a named cause or error code, 2 a generic error line
    or the context of a cause (the label before it, the detail after it), 1 a generic warning.
    """

    line_no: int
    text: str
    score: int


def score_line(text: str) -> int:
    """How strongly one stripped line reads as the explanation of a failure (0: not at all)."""
    if not text or _STACK_FRAME.match(text) or ECHOED_COMMAND.match(text):
        return 0
    if _CAUSED_BY.match(text):
        return 4
    if _QUIET_LEVEL.search(text):
        return 0
    if _SPECIFIC.search(text) or _CODE.search(text) or _EXCEPTION.search(text):
        return 3
    if _GENERIC.search(text):
        return 1 if _WARN_LEVEL.search(text) else 2
    return 0


def code_alone(text: str) -> bool:
    """Whether `text` scores only for a code-shaped token ("PL-2026-N4", "FT-101"): no failure phrase, exception
    type or error word, which an identifier (a licence, a tag, a lot number) looks like as much as an error code."""
    return (
        _CODE.search(text) is not None
        and _SPECIFIC.search(text) is None
        and _EXCEPTION.search(text) is None
        and _GENERIC.search(text) is None
    )


def pick_error_lines(lines: Iterable[str], first_line_no: int = 1, limit: int = MAX_LINES) -> list[ErrorLine]:
    """The error lines among `lines` (the job's output), best `limit` of them, in joblog order.

    `first_line_no` is the joblog line number of the first of `lines` (JoblogFrame.body_first_line).
    A bare "ERROR:" label is kept with the line it introduces; a continuation line (DETAIL:, HINT:, or
    an indented line) right after an error line is kept as its context.
    """
    kept: list[ErrorLine] = []
    seen: set[str] = set()
    previous: ErrorLine | None = None  # the error line just before, if the line before was one
    label: tuple[int, str] | None = None  # a bare label waiting for the line it introduces
    for offset, raw in enumerate(lines):
        line_no = first_line_no + offset
        text = raw.strip()[:MAX_CHARS]
        score = score_line(text)
        if label is not None and text:
            label_no, label_text = label
            label = None
            if score == 0 and not _STACK_FRAME.match(text):
                score = max(1, score_line(f"{label_text} {text}"))
            _keep(kept, seen, ErrorLine(label_no, label_text, 2 if score >= 3 else 1), limit)
        if _BARE_LABEL.match(text):
            label = (line_no, text)
            previous = None
            continue
        if score == 0 and previous is not None and previous.score >= 2 and text:
            if _CONTINUATION.match(text) or (raw[:1] in (" ", "\t") and not _STACK_FRAME.match(text)):
                score = 2
        if score:
            line = ErrorLine(line_no, text, score)
            _keep(kept, seen, line, limit)
            previous = line
        elif text:
            previous = None
    if label is not None:
        _keep(kept, seen, ErrorLine(label[0], label[1], 1), limit)
    best = sorted(kept, key=lambda item: (-item.score, item.line_no))[:limit]
    return sorted(best, key=lambda line: line.line_no)


def _keep(kept: list[ErrorLine], seen: set[str], line: ErrorLine, limit: int) -> None:
    """Add `line` unless a near-duplicate is kept; past 2x limit, drop all but the best `limit`.

    Dropping is safe: a line outside the best `limit` now can only fall further as lines are added.
    """
    key = _DIGITS.sub("0", line.text)
    if key in seen:
        return
    seen.add(key)
    kept.append(line)
    if len(kept) > 2 * limit:
        kept.sort(key=lambda item: (-item.score, item.line_no))
        for dropped in kept[limit:]:
            seen.discard(_DIGITS.sub("0", dropped.text))
        del kept[limit:]


def joblog_error_lines(joblog: str | JoblogFrame, limit: int = MAX_LINES) -> list[ErrorLine]:
    """The error lines of a joblog's own output (the engine's header and footer are never picked)."""
    frame = joblog if isinstance(joblog, JoblogFrame) else split_joblog(joblog)
    return pick_error_lines(frame.body, frame.body_first_line, limit)


def main_cause(lines: Iterable[ErrorLine]) -> ErrorLine | None:
    """The first line with the best score: later errors are usually consequences of the first."""
    best: ErrorLine | None = None
    for line in lines:
        if best is None or line.score > best.score:
            best = line
    return best
