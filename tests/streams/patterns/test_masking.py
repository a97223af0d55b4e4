"""Each masking rule on its own shapes, error codes kept, and the shape cache agreeing with the rules."""

from __future__ import annotations

import pytest

from streams.patterns.masking import Masker
from tests.streams.patterns.conftest import ServedJoblog

EXAMPLES = [
    # paths: unix, relative, home, windows, UNC; the colon after a path is not part of it
    ("cat: /data/in/employees.csv: No such file or directory", "cat: <PATH>: No such file or directory"),
    ("run ./load.sh then ../bin/x and ~/y", "run <PATH> then <PATH> and <PATH>"),
    (r"copy C:\batch\in\feed.txt to \\fileserver\share\out", "copy <PATH> to <PATH>"),
    ("and/or TCP/IP N/A", "and/or TCP/IP N/A"),
    # URLs, e-mails, hosts (known TLDs only: class and file names are not hosts)
    ("GET https://api.example.com/v1/batch?id=7 failed", "GET <URL> failed"),
    ("mail to ops.team+tws@example.com", "mail to <EMAIL>"),
    ("call to crm.internal.example.com:443 failed", "call to <HOST> failed"),
    ("java.net.ConnectException at Arrays.java", "java.net.ConnectException at Arrays.java"),
    # IPv4/IPv6 with optional port; C++ scopes and clock times are not addresses
    ("from 10.20.1.15 and 10.1.2.3:5432", "from <IP> and <IP>"),
    ("peer fe80::1 and [2001:db8::7]:8443 and ::1", "peer <IP> and <IP> and <IP>"),
    ("std::vector a::b at 12:30:45", "std::vector a::b at <TIME>"),
    # UUIDs, hex ids, block ids (prefix kept)
    ("run 123e4567-e89b-12d3-a456-426614174000 done", "run <UUID> done"),
    ("at 0x00e462c0 iar 0245b64c dear 00106228", "at <NUM> iar <NUM> dear <NUM>"),
    ("deadbeefcafe stays a word", "deadbeefcafe stays a word"),
    ("blk_-6952295868487656571 attempt_1445144423722_0020_m_000004_0", "blk_<ID> attempt_<ID>"),
    # numbers with units (auto-scaled sizes and durations are one mask), names with digits stay
    (
        "took 12ms, 3.5GB, 9.2 KB, 100%, -5, 1,250,000 and 2.5e3",
        "took <NUM>, <NUM>, <NUM>, <NUM>, <NUM>, <NUM> and <NUM>",
    ),
    ("ssh2 R02-M1-N0 v3.4.1 x86_64 19c", "ssh2 R02-M1-N0 v3.4.1 x86_64 19c"),
    ("core.2275 at Runner.java:57", "core.<NUM> at Runner.java:<NUM>"),
    # dates and times in common formats, with their weekday and zone
    ("2026-11-24 01:15:03 ERROR x", "<DATE> ERROR x"),
    ("at 2026-11-24T01:15:02.123Z and 2026-11-24T01:15:02+01:00", "at <DATE> and <DATE>"),
    ("= Tue 11/24/2026 01:15:02 UTC", "= <DATE>"),
    ("Sun Dec 04 04:47:44 2005 restart", "<DATE> restart"),
    ("on 24.11.2026, 2005.06.03, 17/06/09 20:10:40, 10/Oct/2000:13:55:36 -0700", "on <DATE>, <DATE>, <DATE>, <DATE>"),
    ("Decimal 5 sold in May", "Decimal <NUM> sold in May"),
    # error codes stay literal, their variable parts do not
    (
        "ORA-01653: unable to extend table DWH.FACT_SALES by 8192 in tablespace DWH_DATA",
        "ORA-01653: unable to extend table <NAME> by <NUM> in tablespace <NAME>",
    ),
    ("ORA-00942: table or view does not exist", "ORA-00942: table or view does not exist"),
    ("SP2-0751: Unable to connect", "SP2-0751: Unable to connect"),
    (
        'SQL0911N  The current transaction has been rolled back.  Reason code "2".  SQLSTATE=40001',
        "SQL0911N  The current transaction has been rolled back.  Reason code <STR>.  SQLSTATE=40001",
    ),
    ("psql:/opt/x.sql:42: ERROR:  23505: duplicate key", "psql:<PATH>:<NUM>: ERROR:  23505: duplicate key"),
    ("SQLSTATE 42P01 and DB20000I and AWSBIN091E", "SQLSTATE 42P01 and DB20000I and AWSBIN091E"),
    # quoted strings (JSON keys are structure and stay), key=value values
    ("open \"employees.csv\" for 'M\u00fcller GmbH' can't", "open <STR> for <STR> can't"),
    ('{"key": "value", "n": 5}', '{"key": <STR>, "n": <NUM>}'),
    (
        "uid=0 tty=NODEVssh rhost=1.2.3.4 id=7f3a ruser= status=OK",
        "uid=<VAL> tty=NODEVssh rhost=<VAL> id=<VAL> ruser= status=OK",
    ),
    # control characters and ANSI colours become spaces
    ("\x1b[31mred\x1b[0m\ttab\x00nul", " red  tab nul"),
]


@pytest.mark.parametrize(("line", "masked"), EXAMPLES)
def test_masking_rule_examples(line: str, masked: str) -> None:
    masker = Masker()
    assert masker.mask(line) == masked
    assert masker.mask_uncached(line) == masked


def test_lines_differing_in_their_variables_mask_the_same() -> None:
    masker = Masker()
    first = masker.mask("2026-11-24 01:15:03 copy of /data/a.csv to 10.0.0.1:22 failed after 3 s (pid 4711)")
    second = masker.mask("2026-12-01 23:59:59 copy of /srv/b.dat to 192.168.10.200:2222 failed after 120 s (pid 9)")
    assert first == second


def test_different_error_codes_stay_different() -> None:
    masker = Masker()
    assert masker.mask("ORA-01653: unable to extend") != masker.mask("ORA-01654: unable to extend")


def test_the_shape_cache_gives_each_line_its_own_surviving_digits() -> None:
    masker = Masker()
    assert masker.mask("ORA-01653 at pid 4711") == "ORA-01653 at pid <NUM>"
    assert masker.mask("ORA-12541 at pid 8350") == "ORA-12541 at pid <NUM>"  # same shape, other code


def test_the_shape_cache_agrees_with_the_rules_on_served_joblogs(failed_joblogs: list[ServedJoblog]) -> None:
    masker = Masker()
    lines = [line for served in failed_joblogs for line in served.raw.decode("utf-8", "replace").split("\n")]
    assert len(lines) > 1000
    for line in lines:
        assert masker.mask(line) == masker.mask_uncached(line), line
