"""PatternMiner: one pattern per message, stable ids across a persisted restart, a cache that changes nothing."""

from __future__ import annotations

import json
import random
import zlib

import pytest
from drain3.drain import Drain

from streams.patterns.exceptions import CorruptStateError, IncompatibleStateError
from streams.patterns.miner import MinerConfig, PatternMiner
from tests.streams.patterns.conftest import ServedJoblog

ERRORS = [
    "cat: /data/in/sales_20261124.csv: No such file or directory",
    "cat: /data/in/orders_20261125.dat: No such file or directory",
    "ORA-01653: unable to extend table DWH.FACT_SALES by 8192 in tablespace DWH_DATA",
    "ORA-01653: unable to extend table FIN.GL_BALANCES by 1024 in tablespace FIN_DATA",
    "ORA-12541: TNS:no listener",
    "/opt/batch/x.sh: line 42: /data/out/x_20261124.csv: Permission denied",
    "/opt/batch/y.sh: line 7: /data/out/y_20261125.csv: Permission denied",
    "curl: (7) Failed to connect to api.example.com port 8443 after 3 ms: Connection refused",
    "curl: (7) Failed to connect to crm.example.com port 443 after 12 ms: Connection refused",
]


def test_lines_differing_only_in_variables_share_a_pattern_and_different_errors_do_not() -> None:
    miner = PatternMiner()
    ids = [miner.add(line).pattern_id for line in ERRORS]
    assert ids[0] == ids[1] and ids[2] == ids[3] and ids[5] == ids[6] and ids[7] == ids[8]
    assert len({ids[0], ids[2], ids[4], ids[5], ids[7]}) == 5
    assert miner.template_of(ids[0]) == "cat: <PATH>: No such file or directory"
    assert miner.template_of(ids[2]) == "ORA-01653: unable to extend table <NAME> by <NUM> in tablespace <NAME>"


def test_is_new_marks_the_first_line_of_a_pattern_and_template_changed_its_generalisation() -> None:
    miner = PatternMiner()
    first = miner.add("job LOAD_SALES failed on workstation MDM for user alice")
    second = miner.add("job LOAD_SALES failed on workstation MDM for user bob")
    third = miner.add("job LOAD_SALES failed on workstation MDM for user carol")
    assert first.is_new and not first.template_changed
    assert not second.is_new and second.template_changed and second.pattern_id == first.pattern_id
    assert second.template == "job LOAD_SALES failed on workstation MDM for user <*>"
    assert not third.is_new and not third.template_changed and third.template == second.template


def test_match_finds_a_known_pattern_without_learning() -> None:
    miner = PatternMiner()
    known = miner.add(ERRORS[0])
    found = miner.match(ERRORS[1])
    assert found is not None and (found.pattern_id, found.template, found.is_new) == (
        known.pattern_id,
        known.template,
        False,
    )
    assert miner.match("something never seen before") is None
    assert len(miner) == 1


def test_a_restored_miner_keeps_ids_and_templates_and_continues_like_the_original() -> None:
    original = PatternMiner()
    ids = [original.add(line).pattern_id for line in ERRORS]
    restored = PatternMiner.from_bytes(original.to_bytes())
    assert list(restored.patterns()) == list(original.patterns())
    for line, pattern_id in zip(ERRORS, ids, strict=True):
        found = restored.match(line)
        assert found is not None and found.pattern_id == pattern_id
    count = len(original)
    later = ["cat: /tmp/other.txt: No such file or directory", "ORA-00942: table or view does not exist", *ERRORS]
    mined = [restored.add(line) for line in later]
    assert mined == [original.add(line) for line in later]
    assert mined[0].pattern_id == ids[0] and mined[1].pattern_id == f"P{count + 1}" and mined[1].is_new
    assert restored.to_bytes() == original.to_bytes()


def test_state_bytes_are_deterministic_and_keep_the_config() -> None:
    config = MinerConfig(sim_th=0.6, depth=4, max_clusters=50)
    first, second = PatternMiner(config), PatternMiner(config)
    for line in ERRORS:
        first.add(line)
        second.add(line)
    assert first.to_bytes() == second.to_bytes()
    assert PatternMiner.from_bytes(first.to_bytes()).config == config


def test_bytes_that_are_not_a_state_raise_a_specific_error() -> None:
    state = PatternMiner().to_bytes()
    for bad in (b"", b"garbage", state[:-5], state[:18] + b"not zlib"):
        with pytest.raises(CorruptStateError):
            PatternMiner.from_bytes(bad)


def test_a_state_of_other_masking_rules_is_refused() -> None:
    state = PatternMiner().to_bytes()
    magic, body = state[:18], json.loads(zlib.decompress(state[18:]))
    body["masking"] = -1
    with pytest.raises(IncompatibleStateError) as error:
        PatternMiner.from_bytes(magic + zlib.compress(json.dumps(body).encode()))
    assert error.value.field == "masking"


def test_a_long_line_is_cut_before_mining() -> None:
    miner = PatternMiner(MinerConfig(max_line_chars=50))
    mined = miner.add("word " * 10_000)
    assert len(mined.template) <= 50


def test_the_result_cache_changes_no_result(failed_joblogs: list[ServedJoblog]) -> None:
    """Drain3 alone on the same masked lines (no cache) must give the same clusters, line by line."""
    lines = [line for served in failed_joblogs[:60] for line in served.raw.decode("utf-8", "replace").split("\n")]
    lines = lines[:20_000]
    rng = random.Random(5)
    stream = lines + rng.sample(lines, len(lines)) + rng.sample(lines, len(lines))
    miner = PatternMiner()
    config = miner.config
    drain = Drain(depth=config.depth, sim_th=config.sim_th, max_children=config.max_children, param_str="<*>")
    for line in stream:
        mined = miner.add(line)
        cluster, _ = drain.add_log_message(miner.mask(line))
        assert mined.pattern_id == f"P{cluster.cluster_id}" and mined.template == cluster.get_template()
    assert len(miner) == len(drain.clusters) > 10
