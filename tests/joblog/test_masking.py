"""Masking: general token classes (numbers, hex, ids, paths, hosts:ports, dates), punctuation and key=value kept."""

from __future__ import annotations

import pytest

from twspulse.joblog.masking import Masker, render

CASES = [
    ("copied 1,024 files (3.5GB) in 12ms", "copied <NUM> files (<NUM>) in <NUM>"),
    ("block 0x7f3a00 and 0245b64c freed", "block <NUM> and <NUM> freed"),
    ("blk_-1608999687919862906 attempt_1445_m_000003_0 done", "<ID> <ID> done"),
    ("open /var/log/app.log C:\\tmp\\x.txt ./run.sh", "open <PATH> <PATH> <PATH>"),
    ("connect 10.1.2.3:5432 and fe80::1 via db1.example.com:5432", "connect <IP> and <IP> via <HOST>"),
    ("at 2026-11-24 01:15:03 on Tue Nov 24", "at <DATE> <TIME> on <DATE> <DATE> <NUM>"),
    ("uid=0 euid=0 tty=NODEVssh ruser= rhost=h.example.org", "uid=<NUM> euid=<NUM> tty=NODEVssh ruser= rhost=<HOST>"),
    ("mail ops@example.com see https://x.example.com/a?b=1", "mail <EMAIL> see <URL>"),
    ("java.net.ConnectException in Main.java", "java.net.ConnectException in Main.java"),
    ("ORA-01653 SQL0911N SQLSTATE=40001 at pid 4711", "ORA-01653 SQL0911N SQLSTATE=40001 at pid <NUM>"),
    ("id 123e4567-e89b-12d3-a456-426614174000 ok", "id <UUID> ok"),
    ("r24=0x0ffea4c8 r25=0x3", "r24=<NUM> r25=<NUM>"),
]


@pytest.mark.parametrize(("line", "masked"), CASES)
def test_general_token_classes(line: str, masked: str) -> None:
    assert Masker().mask(line) == masked


def test_the_shape_cache_agrees_with_the_rules_for_lines_of_one_shape() -> None:
    masker = Masker()
    lines = [
        "ORA-01653 at pid 4711",
        "ORA-12541 at pid 8350",  # same shape, other code: the code is taken from the line itself
        "r24=0x0ffea4c8 r25=0x3",
        "r91=0x1ffea4c8 r33=0x9",
        *[line for line, _ in CASES],
    ]
    for line in lines:
        assert masker.tokens(line) == masker.tokens_uncached(line), line
    assert masker.mask("ORA-12541 at pid 8350") == "ORA-12541 at pid <NUM>"


def test_control_characters_cannot_forge_a_mask() -> None:
    assert render(Masker().tokens("a\x00NUM\x01 b\x1b[31m c")) == "a NUM b c"


def test_dot_leaders_and_labels_keep_their_words_apart_from_their_values() -> None:
    masker = Masker()
    assert masker.mask("prefetch depth..........0 lr:00004ed0") == "prefetch depth..........<NUM> lr:<NUM>"
    assert masker.mask("request:<memory:1024, cores:1>") == "request:<memory:<NUM>, cores:<NUM>>"


def test_a_switched_off_class_leaves_its_tokens_alone_and_unknown_names_are_refused() -> None:
    assert Masker(off=frozenset({"DATE_WORDS", "UNITS"})).mask("on Tue took 5 ms") == "on Tue took <NUM> ms"
    with pytest.raises(ValueError, match="NOPE"):
        Masker(off=frozenset({"NOPE"}))
