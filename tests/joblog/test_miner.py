"""PatternMiner: general mechanisms on synthetic logs, stable never-reused ids, a cache that changes nothing."""

from __future__ import annotations

import json
import random
import zlib

import pytest

from tests.joblog.conftest import ServedJoblog
from twspulse.joblog.exceptions import CorruptStateError, IncompatibleStateError
from twspulse.joblog.miner import MinerConfig, PatternMiner

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
    assert (
        miner.template_of(ids[7])
        == "curl: (<NUM>) Failed to connect to <HOST> port <NUM> after <NUM> <UNIT>: Connection refused"
    )


def test_error_codes_keep_their_digits_and_split_patterns() -> None:
    miner = PatternMiner()
    first = miner.add("ORA-01653: unable to extend segment in tablespace")
    second = miner.add("ORA-01654: unable to extend segment in tablespace")
    assert first.pattern_id != second.pattern_id and second.template.startswith("ORA-01654:")


def test_is_new_marks_the_first_line_of_a_pattern_and_template_changed_its_generalisation() -> None:
    miner = PatternMiner(MinerConfig(word_families=False))
    first = miner.add("job LOAD_SALES failed on workstation MDM for user alice")
    second = miner.add("job LOAD_SALES failed on workstation MDM for user bob")
    third = miner.add("job LOAD_SALES failed on workstation MDM for user carol")
    assert first.is_new and not first.template_changed
    assert not second.is_new and second.template_changed and second.pattern_id == first.pattern_id
    assert second.template == "job LOAD_SALES failed on workstation MDM for user <*>"
    assert not third.is_new and not third.template_changed and third.template == second.template


def test_a_generalised_position_does_not_count_against_the_next_line() -> None:
    """Drain counts a template's <*> as a miss; here only the template's literal tokens are compared."""
    miner = PatternMiner(MinerConfig(sim_th=0.75, word_families=False))
    first = miner.add("copy done x y ok now fine good all well")
    assert miner.add("copy done p q ok now fine good all well").pattern_id == first.pattern_id  # 8/10 equal
    third = miner.add("copy done r s ok now fine good all swell")  # Drain: 7/10 < 0.75; here 7/8
    assert third.pattern_id == first.pattern_id and third.template == "copy done <*> <*> ok now fine good all <*>"


def test_a_categorical_field_splits_until_enough_values_make_it_a_variable() -> None:
    """key=word is a message's own word while few values occur; the family merges at family_size values."""
    miner = PatternMiner(MinerConfig(family_size=4))
    line = "login refused; tries=3 tty=console rhost=10.0.0.{n} mode={mode}"
    few = [miner.add(line.format(n=n, mode=mode)) for n, mode in enumerate(["batch", "batch", "interactive"])]
    assert few[0].pattern_id == few[1].pattern_id != few[2].pattern_id
    merged = [miner.add(line.format(n=9, mode=mode)) for mode in ["service", "remote"]]
    assert merged[-1].pattern_id == few[0].pattern_id and merged[-1].template_changed
    assert merged[-1].template.endswith("rhost=<IP> mode=<*>")
    assert miner.resolve(few[2].pattern_id) == miner.resolve(merged[0].pattern_id) == few[0].pattern_id
    assert set(miner.aliases().values()) == {few[0].pattern_id} and len(miner.aliases()) == 3
    assert miner.add(line.format(n=1, mode="other")).pattern_id == few[0].pattern_id  # any new value joins
    assert miner.template_of(few[2].pattern_id) == merged[-1].template


def test_a_field_with_a_value_never_joins_the_same_field_empty() -> None:
    miner = PatternMiner()
    assert (
        miner.add("auth failed; ruser= rhost=").pattern_id
        != miner.add("auth failed; ruser= rhost=h1.example.com").pattern_id
    )


def test_brackets_and_quotes_stay_around_masks_and_quoted_words_stay_literal() -> None:
    miner = PatternMiner()
    get = miner.add('request "GET /api/v2/items HTTP/1.1" status: 200 len: 1834 [req-77af10]')
    post = miner.add('request "POST /api/v2/items HTTP/1.1" status: 201 len: 12 [req-90b1c2]')
    assert get.template == 'request "GET <PATH> <ID>" status: <NUM> len: <NUM> [<ID>]'
    assert get.pattern_id != post.pattern_id or "<*>" in post.template


def test_match_finds_a_known_pattern_without_learning() -> None:
    miner = PatternMiner()
    known = miner.add(ERRORS[0])
    found = miner.match(ERRORS[1])
    assert found is not None and (found.pattern_id, found.is_new) == (known.pattern_id, False)
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
    later = ["cat: /tmp/other.txt: No such file or directory", "ORA-00942: table or view does not exist", *ERRORS]
    mined = [restored.add(line) for line in later]
    assert mined == [original.add(line) for line in later]
    assert mined[0].pattern_id == ids[0] and mined[1].pattern_id == f"P{original.last_id}" and mined[1].is_new
    assert restored.to_bytes() == original.to_bytes()


def test_a_state_of_other_masking_rules_is_re_mined_with_the_same_ids_and_none_reused() -> None:
    original = PatternMiner()
    ids = [original.add(line).pattern_id for line in ERRORS]
    state = original.to_bytes()
    magic, body = state[:18], json.loads(zlib.decompress(state[18:]))
    body["masking"] = 1
    body["counter"] += 5  # ids given by that deployment after the examples were stored
    migrated = PatternMiner.from_bytes(magic + zlib.compress(json.dumps(body).encode()))
    assert [migrated.add(line).pattern_id for line in ERRORS] == ids
    assert migrated.add("a message nobody saw before").pattern_id == f"P{original.last_id + 6}"


def test_seeding_keeps_each_number_and_aliases_examples_that_now_fall_together() -> None:
    miner = PatternMiner.seeded([(3, "disk full on /data"), (7, "disk full on /srv"), (9, "")], counter=4)
    assert miner.add("disk full on /backup").pattern_id == "P3"
    assert miner.resolve("P7") == "P3" and miner.add("brand new message").pattern_id == "P10"


def test_state_bytes_are_deterministic_and_keep_the_config() -> None:
    config = MinerConfig(sim_th=0.6, depth=1, family_size=3)
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


def test_a_state_of_another_format_is_refused() -> None:
    state = PatternMiner().to_bytes()
    magic, body = state[:18], json.loads(zlib.decompress(state[18:]))
    body["format"] = 1
    with pytest.raises(IncompatibleStateError) as error:
        PatternMiner.from_bytes(magic + zlib.compress(json.dumps(body).encode()))
    assert error.value.field == "format"


def test_a_long_line_is_cut_before_mining() -> None:
    miner = PatternMiner(MinerConfig(max_line_chars=50))
    mined = miner.add("word " * 10_000)
    assert len(mined.template) <= 50


def test_the_result_cache_changes_no_result(failed_joblogs: list[ServedJoblog]) -> None:
    """A miner whose cache is emptied before every line must give the same ids and templates."""
    lines = [line for served in failed_joblogs[:60] for line in served.raw.decode("utf-8", "replace").split("\n")]
    lines = lines[:8_000]
    rng = random.Random(5)
    stream = lines + rng.sample(lines, len(lines)) + [f"{line} extra{index % 7}" for index, line in enumerate(lines)]
    cached, uncached = PatternMiner(MinerConfig(family_size=3)), PatternMiner(MinerConfig(family_size=3))
    for line in stream:
        uncached._known.clear()
        assert cached.add(line) == uncached.add(line), line
    assert cached.to_bytes() == uncached.to_bytes() and len(cached) > 10


def test_words_around_a_mask_still_tell_messages_apart() -> None:
    """`(uid=<NUM>)` and `LOGIN(uid=<NUM>)` are both variable tokens, but their words differ."""
    miner = PatternMiner()
    first = miner.add("session opened for user alice by (uid=0)")
    other = miner.add("session opened for user alice by LOGIN(uid=0)")
    mixed = miner.add("session opened for user alice by (uid=x9)")
    assert first.pattern_id != other.pattern_id and mixed.pattern_id == first.pattern_id
    assert mixed.template == "session opened for user alice by (uid=<*>)"


def test_a_word_is_part_of_the_message_until_it_takes_family_size_values() -> None:
    miner = PatternMiner()  # defaults: word families, family_size 4
    users = [miner.add(f"job LOAD_SALES failed on workstation MDM for user {u}") for u in ("al", "bo", "cy")]
    assert len({mined.pattern_id for mined in users}) == 3
    fourth = miner.add("job LOAD_SALES failed on workstation MDM for user di")
    assert fourth.pattern_id == users[0].pattern_id and fourth.template.endswith("for user <*>")
    assert {miner.resolve(mined.pattern_id) for mined in users} == {users[0].pattern_id}
    assert miner.add("job LOAD_SALES failed on workstation MDM for user ed").pattern_id == users[0].pattern_id


def test_word_families_split_single_word_differences_until_the_word_takes_many_values() -> None:
    miner = PatternMiner(MinerConfig(word_families=True, family_size=3))
    start, stop = miner.add("service cupsd startup succeeded"), miner.add("service cupsd shutdown succeeded")
    assert start.pattern_id != stop.pattern_id
    miner.add("service cupsd restart succeeded")
    assert miner.resolve(stop.pattern_id) == start.pattern_id  # three values: a variable
    first = miner.add("alpha beta gamma delta")
    assert miner.add("other beta gamma delta").pattern_id != first.pattern_id  # first token: another route


def test_a_miner_restored_anywhere_continues_exactly_like_the_original() -> None:
    """Families, aliases and merges depend on the state only, so a restart changes no later id."""
    rng = random.Random(3)
    words = ["alpha", "beta", "gamma", "delta", "eps", "zeta"]
    shapes = [
        "login refused; tty=console rhost=10.0.0.{n} mode={w}",
        "service {w} startup succeeded",
        "session opened for user {w} by (uid={n})",
        "copy of /data/{w}/f{n}.csv failed after {n} ms",
    ]
    stream = [rng.choice(shapes).format(n=rng.randint(0, 999), w=rng.choice(words)) for _ in range(600)]
    for cut in (50, 200, 400):
        original = PatternMiner()
        for line in stream[:cut]:
            original.add(line)
        restored = PatternMiner.from_bytes(original.to_bytes())
        assert [restored.add(line) for line in stream[cut:]] == [original.add(line) for line in stream[cut:]]
        assert restored.to_bytes() == original.to_bytes() and restored.aliases() == original.aliases()
    assert original.aliases()  # the stream did merge families


def test_a_leading_word_that_takes_many_values_becomes_a_variable_and_routes_new_values_to_it() -> None:
    """Lines route by their first token; a family of first words merges across routes."""
    miner = PatternMiner()
    jobs = ["LOADSALES", "LOADORDERS", "EXPORTGL", "PURGETMP"]
    mined = [miner.add(f"{job}: cannot open input file for reading") for job in jobs]
    assert len({m.pattern_id for m in mined[:3]}) == 3 and mined[3].pattern_id == mined[0].pattern_id
    assert mined[3].template == "<*> cannot open input file for reading"
    later = miner.add("ARCHIVE: cannot open input file for reading")  # a fifth job, its own route
    assert later.pattern_id == mined[0].pattern_id and not later.is_new
    assert miner.add("ARCHIVE: disk quota exceeded").is_new
    restored = PatternMiner.from_bytes(miner.to_bytes())
    assert restored.add("REPORTS: cannot open input file for reading").pattern_id == mined[0].pattern_id


def test_short_messages_form_no_family() -> None:
    """ "<*> <ID>" would swallow every two-token message: a family needs family_context literal words."""
    miner = PatternMiner()
    mined = [miner.add(f"{verb} attempt_{n}") for n, verb in enumerate(["Launching", "KILLING", "JOB_CREATE", "Done"])]
    assert len({m.pattern_id for m in mined}) == 4 and not miner.aliases()
