"""An error-centred excerpt of a joblog that fits a token budget (what a model is shown).

A failed joblog can be 10,000+ lines of progress output around three lines that matter. The excerpt
keeps, in this order of priority: the engine's header and footer (which job, which user and script,
exit status), a window of lines around each error line (best-scored first: the cause, then its
context), and the tail of the job's output (jobs often print their verdict last). Skipped stretches
are marked "[... N lines omitted ...]" so a reader knows the log is not contiguous. Tokens are
estimated as characters / 4, close enough for budgeting English-like log text.

Error lines come from joblog.error_lines (the pattern miner's finder), so the excerpt, the
stored `first_error_line` and the miner agree on what an error line is. Input may be bytes in any
state (invalid UTF-8, NUL, CRLF): it is decoded the way the connector decodes joblogs.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from twspulse.joblog.error_lines import MAX_CHARS, ErrorLine, pick_error_lines
from twspulse.joblog.joblog_frame import JoblogFrame, joblog_lines, parse_footer, parse_header
from twspulse.models.annotate.keyword_filter import KeywordSet
from twspulse.models.annotate.rule_base import RULE_HINT_WORDS

CHARS_PER_TOKEN = 4
CONTEXT_BEFORE = 3
CONTEXT_AFTER = 4
TAIL_LINES = 15
MAX_LINE_CHARS = 400  # one giant line (a JSON dump, binary) must not eat the budget
ERROR_LINE_LIMIT = 20
# Rule-hint lines read per joblog: the first and the last half of those that differ beyond their digits. A
# job that prints one hinted warning 10,000 times, or thousands of long lines of hint words, must not make
# the rules read each (a hostile 1,000-character line costs the rules ~35 ms).
HINT_LINE_LIMIT = 100
# Lower-case words one of which is in every line joblog.error_lines can score (a superset of
# its _SPECIFIC, _GENERIC, _EXCEPTION, _CODE, label and continuation patterns), plus "-123" codes.
_FINDER_WORDS = (
    "error", "fail", "fatal", "severe", "abend", "exception", "reject", "denied", "invalid", "exceed", "abort",
    "terminat", "panic", "exit", "return", "rc=", "rc =", "killed", "sig", "segmentation", "core dump",
    "timed out", "timedout", "timeout", "time out", "traceback", "too many", "broken pipe", "no route",
    "unknown host", "name or service", "is not defined", "not permitted", "read-only", "file exists",
    "is a directory", "no child", "syntax", "unique constraint", "duplicate key", "deadlock", "does not exist",
    "not found", "cannot", "can't", "unable to", "authentication", "login", "logon", "connection", "no space",
    "quota", "memory", "no such file", "permission", "access denied", "sql", "aws", "errno", "curl: (",
    "caused by", "detail", "hint", "context", "reason", "line ",
)  # fmt: skip
_FINDER_TRIGGER = KeywordSet(_FINDER_WORDS)
_FINDER_CODE = re.compile(r"-\d{3}")
_HINT_TRIGGER = KeywordSet(RULE_HINT_WORDS)
# A line the finder scores 0 at its quiet-level check: not indented (a continuation), not "Caused by:"
# or DETAIL/HINT (scored before or despite the level), and with INFO/DEBUG/TRACE/NOTICE as a word that
# starts within its first 1000 characters. Tested as a prefix match plus a search (`_is_quiet`, and over all the
# lines at once in `_loud_lines`), a third faster than one regex with a lazy look-ahead, with the same answer.
_NOT_QUIET_PREFIX = re.compile(r"[ \t]|Caused by:|(?:DETAIL|HINT|CONTEXT|Reason|LINE \d+):")
_LEVEL_WORD = re.compile(r"(?:INFO|DEBUG|TRACE|NOTICE)(?:[\s\]:]|$)")
_LEVEL_REACH = 1000
_DIGITS = re.compile(r"\d+")


@dataclass(frozen=True, slots=True)
class Joblog:
    """A decoded joblog: its lines, its frame (header, body, footer) and the error lines of its body."""

    lines: tuple[str, ...]
    frame: JoblogFrame
    error_lines: tuple[ErrorLine, ...]
    hint_lines: tuple[int, ...] = ()  # 1-based numbers of output lines holding a rule-only word

    @property
    def body_lines(self) -> tuple[str, ...]:
        """The job's own output (no engine header or footer)."""
        return self.frame.body


@dataclass(frozen=True, slots=True)
class Excerpt:
    """The excerpt's text and which joblog lines (1-based) it kept."""

    text: str
    kept_line_numbers: tuple[int, ...]
    total_lines: int
    approx_tokens: int


def decode_joblog(data: str | bytes) -> str:
    """Text of a joblog: bytes decoded as UTF-8 with replacement; NUL (no place in PostgreSQL text) replaced."""
    text = data.decode("utf-8", errors="replace") if isinstance(data, bytes) else data
    return text.replace("\x00", "\ufffd") if "\x00" in text else text


def read_joblog(data: str | bytes, error_line_limit: int = ERROR_LINE_LIMIT) -> Joblog:
    """Decode, split into header/body/footer and find the error lines, once, for every later step."""
    lines = joblog_lines(decode_joblog(data))
    header, body_start = parse_header(lines)
    footer, footer_start = parse_footer(lines[body_start:])
    body_end = body_start + footer_start if footer is not None else len(lines)
    frame = JoblogFrame(header, tuple(lines[body_start:body_end]), footer, body_start + 1, len(lines))
    errors, hints = find_error_lines(frame.body, frame.body_first_line, error_line_limit)
    return Joblog(tuple(lines), frame, tuple(errors), tuple(hints))


def find_error_lines(
    body: Sequence[str], first_line_no: int, limit: int = ERROR_LINE_LIMIT
) -> tuple[list[ErrorLine], list[int]]:
    """The shared finder's error lines (without feeding it lines that cannot score), and rule-hint lines.

    joblog.error_lines scores each line with case-insensitive regexes (~8-45 us a line), too
    slow for a 10k-line joblog within 50 ms. A line it can score contains one of _FINDER_WORDS (or a
    code "-123"); a line that scores 0 ends any label or continuation exactly like the end of its input,
    except right after a bare "ERROR:" label (it borrows the next line) or as an indented continuation.
    Quiet-level (INFO/DEBUG) lines score 0 too. So it is called on each block of hits, the line right after
    a hit, and indented or empty lines continuing a block, which gives its answer (up to near-duplicates
    across blocks, collapsed here) for a fraction of the cost.
    """
    hits: list[int] = []
    hints: list[int] = []
    for index in _loud_lines(body):
        lowered = body[index].lower()
        if _FINDER_TRIGGER.found_in(lowered) or _FINDER_CODE.search(lowered) is not None:
            hits.append(index)
        if _HINT_TRIGGER.found_in(lowered):
            hints.append(first_line_no + index)
    found: list[ErrorLine] = []
    blocks_seen: set[tuple[str, ...]] = set()
    for start, end in _blocks(body, hits):
        block = tuple(_DIGITS.sub("0", line) for line in body[start:end])
        # A block equal to an earlier one up to digits (a warning repeated all night) can only give
        # near-duplicates of that block's error lines, which are collapsed below: skip the finder.
        if block not in blocks_seen:
            blocks_seen.add(block)
            found += pick_error_lines(body[start:end], first_line_no + start, limit)
    seen: set[str] = set()
    unique = []
    for error in found:
        key = _DIGITS.sub("0", error.text)
        if key not in seen:
            seen.add(key)
            unique.append(error)
    best = sorted(unique, key=lambda e: (-e.score, e.line_no))[:limit]
    return sorted(best, key=lambda e: e.line_no), _distinct_hints(body, first_line_no, hints)


def _distinct_hints(body: Sequence[str], first_line_no: int, hints: list[int]) -> list[int]:
    """The hint lines that differ beyond their digits, at most HINT_LINE_LIMIT: the first and last halves."""
    seen: set[str] = set()
    distinct = []
    for line_no in hints:
        key = _DIGITS.sub("0", body[line_no - first_line_no][:MAX_CHARS])  # as the rules read it
        if key not in seen:
            seen.add(key)
            distinct.append(line_no)
    if len(distinct) <= HINT_LINE_LIMIT:
        return distinct
    half = HINT_LINE_LIMIT // 2
    return distinct[:half] + distinct[-half:]


def _loud_lines(body: Sequence[str]) -> list[int]:
    """Indexes of the lines that are not quiet (`_is_quiet`), ascending. The two regexes run over the lines in
    C (`map`); Python looks only at the lines with a level word, and reads a line again whole only when its
    first level word is glued to a word before it ("XINFO"), where a later one may still make it quiet."""
    loud = []
    for index, (prefix, level, line) in enumerate(
        zip(map(_NOT_QUIET_PREFIX.match, body), map(_LEVEL_WORD.search, body), body, strict=True)
    ):
        if level is None or prefix is not None:
            loud.append(index)
            continue
        start = level.start()
        if start == 0:
            continue
        if line[start - 1].isspace() or line[start - 1] == "[":
            if start - 1 > _LEVEL_REACH:
                loud.append(index)
        elif not _is_quiet(line):
            loud.append(index)
    return loud


def _blocks(body: Sequence[str], hits: list[int]) -> list[tuple[int, int]]:
    """The [start, end) runs of lines the finder reads, from the `hits` (ascending): each hit, the line right
    after it, and the empty or indented lines that continue those."""
    runs: list[tuple[int, int]] = []
    is_hit = set(hits)
    for index in hits:
        end = min(index + 2, len(body))
        while end < len(body) and end not in is_hit and (not body[end].strip() or body[end][:1] in " \t"):
            end += 1
        if runs and index <= runs[-1][1]:
            runs[-1] = (runs[-1][0], max(runs[-1][1], end))
        else:
            runs.append((index, end))
    return runs


def _is_quiet(line: str) -> bool:
    """Whether the finder scores `line` 0 for its INFO/DEBUG/TRACE/NOTICE level (see _LEVEL_WORD)."""
    if _NOT_QUIET_PREFIX.match(line):
        return False
    for match in _LEVEL_WORD.finditer(line):
        start = match.start()
        if start == 0:
            return True
        if line[start - 1].isspace() or line[start - 1] == "[":
            return start - 1 <= _LEVEL_REACH
    return False


def build_excerpt(joblog: Joblog, token_budget: int) -> Excerpt:
    """The header, footer, error windows and tail of `joblog`, within about `token_budget` tokens."""
    budget = max(200, token_budget) * CHARS_PER_TOKEN
    lines = joblog.lines
    total = len(lines)
    if total == 0:
        return Excerpt("[empty joblog]", (), 0, 4)
    frame = joblog.frame
    body_first = frame.body_first_line  # 1-based
    body_last = body_first + len(frame.body) - 1
    wanted: list[range] = [range(1, body_first)]  # the header
    wanted.append(range(body_last + 1, total + 1))  # the footer
    for error in sorted(joblog.error_lines, key=lambda e: (-e.score, e.line_no)):
        start = max(body_first, error.line_no - CONTEXT_BEFORE)
        wanted.append(range(start, min(body_last, error.line_no + CONTEXT_AFTER) + 1))
    wanted.append(range(max(body_first, body_last - TAIL_LINES + 1), body_last + 1))
    kept: set[int] = set()
    used = 0
    for block in wanted:
        for line_no in block:
            if line_no in kept:
                continue
            cost = min(len(lines[line_no - 1]), MAX_LINE_CHARS) + 1
            if used + cost > budget:
                break
            kept.add(line_no)
            used += cost
    return _render(lines, sorted(kept), total)


def _render(lines: tuple[str, ...], kept: list[int], total: int) -> Excerpt:
    out: list[str] = []
    previous = 0
    for line_no in kept:
        if line_no > previous + 1:
            out.append(f"[... {line_no - previous - 1} lines omitted ...]")
        line = lines[line_no - 1]
        out.append(line if len(line) <= MAX_LINE_CHARS else line[:MAX_LINE_CHARS] + " [...]")
        previous = line_no
    if previous < total:
        out.append(f"[... {total - previous} lines omitted ...]")
    text = "\n".join(out)
    return Excerpt(text, tuple(kept), total, len(text) // CHARS_PER_TOKEN + 1)
