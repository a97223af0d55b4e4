"""The job-baseline table on a real broker: what one worker stored, another restores, partition by partition.

This is what makes a restarted or rebalanced worker resume: states go to a compacted changelog in the
partition of their events; a worker that gains a partition reads it back before processing it; one that
loses a partition forgets it (its next owner has the truth).
"""

from __future__ import annotations

import pytest
from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, ConfigResource

from twspulse.producer import EventProducer
from twspulse.streams.changelog_table import ChangelogTable

TOPIC = "test-job-baselines-changelog"


def _table(kafka: str) -> ChangelogTable:
    return ChangelogTable(kafka, TOPIC, EventProducer(kafka, client_id="test-changelog"))


def test_states_survive_in_the_changelog_and_follow_their_partition(kafka: str) -> None:
    first = _table(kafka)
    first.ensure_topic(2)
    first.assign({0, 1})
    first.put({"A#/S.J1": (0, {"outcomes": [[1.0, "e1", True, 60.0]]}), "A#/S.J2": (1, {"outcomes": []})})
    first.put({"A#/S.J1": (0, {"outcomes": [[1.0, "e1", True, 60.0], [2.0, "e2", False, None]]})})  # newer wins
    assert first.get(0, "A#/S.J1")["outcomes"][-1] == [2.0, "e2", False, None]

    # a JSON null value is a tombstone: the key is gone after a restore
    p = Producer({"bootstrap.servers": kafka})
    p.produce(TOPIC, key=b'"A#/S.GONE"', value=b'{"outcomes": []}', partition=1)
    p.produce(TOPIC, key=b'"A#/S.GONE"', value=None, partition=1)
    p.flush(10)

    second = _table(kafka)
    second.ensure_topic(2)  # exists: no error, nothing created
    second.assign({0})  # owns partition 0 only: restores exactly that one
    assert second.get(0, "A#/S.J1") == {"outcomes": [[1.0, "e1", True, 60.0], [2.0, "e2", False, None]]}
    assert second.get(1, "A#/S.J2") == {} and len(second) == 1
    second.assign({0, 1})  # gains partition 1 (a rebalance): restored; partition 0 is kept as is
    assert second.get(1, "A#/S.J2") == {"outcomes": []}
    assert second.get(1, "A#/S.GONE") == {}
    second.assign({1})  # loses partition 0: forgotten
    assert second.partitions == {1} and second.get(0, "A#/S.J1") == {}


def test_the_changelog_is_compacted_and_must_match_the_source_partitions(kafka: str) -> None:
    table = _table(kafka)
    table.ensure_topic(2)
    admin = AdminClient({"bootstrap.servers": kafka})
    (config,) = admin.describe_configs([ConfigResource(ConfigResource.Type.TOPIC, TOPIC)]).values()
    assert config.result()["cleanup.policy"].value == "compact"
    with pytest.raises(RuntimeError, match="has 2 partitions, its source 3"):
        table.ensure_topic(3)


def test_an_empty_changelog_restores_nothing_quickly(kafka: str) -> None:
    table = _table(kafka)
    table.ensure_topic(2)
    table.assign({0, 1})
    assert len(table) == 0 and table.partitions == {0, 1}
