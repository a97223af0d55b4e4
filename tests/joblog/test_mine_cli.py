"""mine_lines prints every line's pattern in input order with final templates; open_input streams any bytes."""

from __future__ import annotations

import csv
import io
import json
import sys
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest

from twspulse.joblog.exceptions import UnsupportedFormatError
from twspulse.joblog.mine_cli import _IndexSpool, mine_lines, open_input
from twspulse.joblog.miner import PatternMiner

LINES = [
    "job LOAD_SALES failed for user alice at step 10",
    'cat: /data/in/a.csv: No such file or directory, "quoted", comma',
    "job LOAD_SALES failed for user alice at step 20",
    'cat: /data/in/b.csv: No such file or directory, "quoted", comma',
]


class _Discard(io.StringIO):
    """A text sink that keeps only a count, so output does not count against memory."""

    def __init__(self) -> None:
        self.chars = 0

    def write(self, text: str) -> int:
        self.chars += len(text)
        return len(text)


def test_csv_rows_are_in_input_order_with_the_final_template_of_each_pattern() -> None:
    out = io.StringIO()
    assert mine_lines(LINES, out) == 4
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[0] == ["line_no", "pattern_id", "group_id", "template"]
    assert [row[0] for row in rows[1:]] == ["1", "2", "3", "4"]
    assert rows[1][1] == rows[3][1] != rows[2][1] == rows[4][1]
    assert rows[1][3] == rows[3][3] == "job LOAD_SALES failed for user alice at step <NUM>"
    assert rows[2][3] == 'cat: <PATH>: No such file or directory, "quoted", comma'
    assert out.getvalue().count("\n") == 5 and "\r" not in out.getvalue()


def test_csv_quotes_templates_with_commas_and_quotes() -> None:
    out = io.StringIO()
    mine_lines(['say "hi", then go'], out)
    assert out.getvalue().splitlines()[1] == '1,P1,P1,"say ""hi"", then go"'


def test_jsonl_has_the_same_fields() -> None:
    out = io.StringIO()
    mine_lines(LINES[:1], out, fmt="jsonl")
    assert json.loads(out.getvalue()) == {
        "line_no": 1,
        "pattern_id": "P1",
        "group_id": "P1",
        "template": "job LOAD_SALES failed for user alice at step <NUM>",
    }


def test_an_unknown_format_is_refused_before_any_line_is_read() -> None:
    def lines() -> Iterator[str]:
        raise AssertionError("read before the format was checked")
        yield ""

    with pytest.raises(UnsupportedFormatError, match="xml"):
        mine_lines(lines(), io.StringIO(), fmt="xml")


def test_a_restored_miner_keeps_its_pattern_ids() -> None:
    miner = PatternMiner()
    known = miner.add("ORA-12541: TNS:no listener").pattern_id
    restored = PatternMiner.from_bytes(miner.to_bytes())
    out = io.StringIO()
    mine_lines(["something else entirely", "ORA-12541: TNS:no listener"], out, miner=restored)
    assert out.getvalue().splitlines()[2].split(",")[1] == known


def test_open_input_decodes_crlf_nul_and_invalid_utf8(tmp_path: Path) -> None:
    path = tmp_path / "log.txt"
    path.write_bytes(b"first\r\nnul\x00byte\n\xff\xfe caf\xe9\n\x00\x01\x02\x1b[0m\n\nlast without newline")
    assert list(open_input(str(path))) == [
        "first",
        "nul\ufffdbyte",
        "\ufffd\ufffd caf\ufffd",
        "\ufffd\x01\x02\x1b[0m",
        "",
        "last without newline",
    ]


def test_a_file_of_binary_bytes_is_mined_line_by_line(tmp_path: Path) -> None:
    path = tmp_path / "core.bin"
    path.write_bytes(bytes(range(256)) * 64)
    out = io.StringIO()
    count = mine_lines(open_input(str(path)), out)
    assert count == 64 + 1  # 64 "\n" bytes, then the tail after the last one
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert len(rows) == count + 1 and all(len(row) == 4 for row in rows)


def test_an_over_long_line_is_cut_and_the_next_line_still_read(tmp_path: Path) -> None:
    path = tmp_path / "long.txt"
    path.write_bytes(b"x" * 100 + b"\nnext\n")
    assert list(open_input(str(path), max_line_bytes=10)) == ["x" * 10, "next"]


def test_dash_reads_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"a\r\nb\n")))
    assert list(open_input("-")) == ["a", "b"]


def test_a_missing_file_fails_at_the_call() -> None:
    with pytest.raises(FileNotFoundError):
        open_input("/nonexistent/twspulse/input.log")


def test_the_index_spool_spills_to_disk_and_reads_back_in_order() -> None:
    spool = _IndexSpool(chunk=1000)
    for value in range(2500):
        spool.append(value % 7)
    assert len(spool) == 2500 and list(spool) == [value % 7 for value in range(2500)]
    spool.close()


def test_a_100_mb_input_is_mined_in_bounded_memory(tmp_path: Path) -> None:
    """100 MB written lazily, read through open_input, mined: memory stays far below the input size.

    Lines are long (SQL statements, as database jobs print them) and of few shapes, so the run stays a
    few seconds under tracemalloc, which slows Python code about four times.
    """
    path = tmp_path / "big.log"
    target = 100 * 1024 * 1024
    columns = ", ".join(f"{side}_{name}" for side in ("src", "dst", "chk") for name in "abcdefghijklmnopqrstuvwxyz")
    written = lines = 0
    with path.open("wb") as handle:
        while written < target:
            block = "".join(
                f"2026-11-24 01:{i % 60:02d}:{i % 60:02d} DEBUG [LOAD] INSERT INTO stage.orders ({columns}) "
                f"VALUES ({lines + i:09d}, 'customer {i % 97:02d}', {i * 0.25:08.2f}, {i * 7919:012x}, "
                f"'EUR', '2026-11-{1 + i % 28:02d}', {i % 13:02d}, 'note {i:03d}') -- batch {lines // 1000:06d}\n"
                for i in range(1000)
            ).encode()
            handle.write(block)
            written += len(block)
            lines += 1000
    tracemalloc.start()
    try:
        sink = _Discard()
        count = mine_lines(open_input(str(path)), sink)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == lines and sink.chars > count * 20
    assert peak < 20 * 1024 * 1024, f"peak {peak / 2**20:.1f} MiB for a {written / 2**20:.0f} MiB input"
