"""The two functions behind `twspulse patterns mine FILE [--format csv]`: read lines, print their patterns.

Each row says what the worker stores for the line: `pattern_id` is the id the line got when it was
mined (job_run_patterns.pattern_id), `group_id` the pattern that id resolves to once every line was
seen (itself, or the pattern its family merged into: pattern_aliases), `template` that group's final
template (job_error_patterns.template). The worker and this command run the same PatternMiner with the
same defaults, so on the same lines in the same order they give the same ids.

`mine_lines` is two-pass. Mining is online, so the template known when line 1 is mined is line 1
itself; the template of its pattern is only final once every line was seen. Printing as we go would
show one pattern under several templates, which misleads a reader and breaks an evaluation that joins
on templates. So pass one mines every line and keeps only its pattern's index (4 bytes a line, spilled
to a temporary file past a million lines), and pass two prints each line's pattern with its final
template. Pattern ids are the same in both passes: an id never changes once given.

`open_input` never reads a file whole: lines are read one at a time from a binary stream, so a
100 MB or 10 GB input costs one line of memory, and a line without a newline for megabytes (a binary
dump) is cut at `max_line_bytes` instead of being held whole.
"""

from __future__ import annotations

import csv
import io
import json
import sys
import tempfile
from array import array
from collections.abc import Iterable, Iterator
from typing import BinaryIO, TextIO

from twspulse.joblog.exceptions import UnsupportedFormatError
from twspulse.joblog.miner import PatternMiner

FORMATS = ("csv", "jsonl")
COLUMNS = ("line_no", "pattern_id", "group_id", "template")
MAX_LINE_BYTES = 64 * 1024


def open_input(path: str, max_line_bytes: int = MAX_LINE_BYTES) -> Iterator[str]:
    """The lines of a file ("-" for stdin) as text, streamed; the file is opened now, read lazily.

    Bytes that are not UTF-8 become U+FFFD, as do NUL bytes (text tools and PostgreSQL reject NUL);
    "\\n" and "\\r\\n" both end a line; a line longer than `max_line_bytes` keeps its first
    `max_line_bytes` and the rest is skipped. Raises OSError (FileNotFoundError...) at the call.
    """
    if path == "-":
        return _lines(sys.stdin.buffer, max_line_bytes, close=False)
    return _lines(open(path, "rb"), max_line_bytes, close=True)  # _lines closes it when done or dropped


def _lines(stream: BinaryIO, max_line_bytes: int, close: bool) -> Iterator[str]:
    try:
        while raw := stream.readline(max_line_bytes):
            if len(raw) == max_line_bytes and not raw.endswith(b"\n"):
                while (rest := stream.readline(max_line_bytes)) and not rest.endswith(b"\n"):
                    pass  # skip the rest of an over-long line, one bounded read at a time
            if raw.endswith(b"\n"):
                raw = raw[:-1]
            if raw.endswith(b"\r"):
                raw = raw[:-1]
            text = raw.decode("utf-8", "replace")
            yield text.replace("\x00", "\ufffd") if "\x00" in text else text
    finally:
        if close:
            stream.close()


def mine_lines(lines: Iterable[str], out: TextIO, fmt: str = "csv", miner: PatternMiner | None = None) -> int:
    """Mine `lines` and write one row per line, in input order: line_no (1-based), pattern_id, group_id,
    template (see the module docstring).

    fmt "csv": a header row then rows quoted by the csv module, "\\n" line ends; fmt "jsonl": one JSON
    object per line with the same keys. `miner` lets a caller start from a restored state (its ids are
    kept) and read the learnt patterns afterwards; by default a fresh PatternMiner is used.
    Returns the number of lines mined. Raises UnsupportedFormatError for another fmt, before reading.
    """
    if fmt not in FORMATS:
        raise UnsupportedFormatError(fmt, FORMATS)
    miner = miner if miner is not None else PatternMiner()
    index_of: dict[str, int] = {}
    pattern_ids: list[str] = []
    spool = _IndexSpool()
    for line in lines:
        pattern_id = miner.add(line).pattern_id
        index = index_of.get(pattern_id)
        if index is None:
            index = index_of[pattern_id] = len(pattern_ids)
            pattern_ids.append(pattern_id)
        spool.append(index)
    # Each pattern's columns are rendered once (quoting a long template costs more than mining it);
    # rows then only prepend their line number.
    rendered = [
        _render(fmt, pattern_id, miner.resolve(pattern_id), miner.template_of(pattern_id)) for pattern_id in pattern_ids
    ]
    if fmt == "csv":
        out.write(",".join(COLUMNS) + "\n")
        for line_no, index in enumerate(spool, start=1):
            out.write(f"{line_no},{rendered[index]}")
    else:
        for line_no, index in enumerate(spool, start=1):
            out.write(f'{{"line_no": {line_no}, {rendered[index]}')
    spool.close()
    return len(spool)


def _render(fmt: str, pattern_id: str, group_id: str, template: str) -> str:
    """The row text after "line_no," (csv, quoted by the csv module) or after '{"line_no": n, ' (jsonl)."""
    if fmt == "csv":
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerow((pattern_id, group_id, template))
        return buffer.getvalue()
    return json.dumps({"pattern_id": pattern_id, "group_id": group_id, "template": template})[1:] + "\n"


class _IndexSpool:
    """An append-only list of small ints that keeps at most `chunk` of them in memory.

    Full chunks go to an anonymous temporary file (deleted on close), so the first pass of mine_lines
    stays bounded for inputs of any length.
    """

    def __init__(self, chunk: int = 1 << 20) -> None:
        self._chunk = chunk
        self._memory = array("I")
        self._file: BinaryIO | None = None
        self._spilled = 0

    def append(self, value: int) -> None:
        self._memory.append(value)
        if len(self._memory) >= self._chunk:
            if self._file is None:
                self._file = tempfile.TemporaryFile()
            self._memory.tofile(self._file)
            self._spilled += len(self._memory)
            self._memory = array("I")

    def __len__(self) -> int:
        return self._spilled + len(self._memory)

    def __iter__(self) -> Iterator[int]:
        if self._file is not None:
            self._file.seek(0)
            remaining = self._spilled
            while remaining:
                block = array("I")
                block.fromfile(self._file, min(self._chunk, remaining))
                remaining -= len(block)
                yield from block
        yield from self._memory

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
