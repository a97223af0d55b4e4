"""Faust's Kafka transport, reading only committed records.

faust-streaming has no setting for the consumer's isolation level: its aiokafka consumer reads
``read_committed`` only under ``processing_guarantee="exactly_once"`` (which would also make every
agent's output transactional), and ``read_uncommitted`` otherwise. The connectors write in Kafka
transactions, so after a connector crash the records of its aborted transaction were read by the agents
and stored. This transport builds the same aiokafka consumer and sets it to ``read_committed`` before
it starts (aiokafka hands the level to its fetcher in ``start()``).
"""

from __future__ import annotations

from typing import Any

import aiokafka
from faust.transport.drivers import aiokafka as faust_aiokafka

READ_COMMITTED = "read_committed"


class ReadCommittedConsumerThread(faust_aiokafka.AIOKafkaConsumerThread):
    """Faust's aiokafka consumer thread; its consumer reads committed records only.

    It also gives up stopping after ``shutdown_timeout`` seconds instead of mode's 60: with the broker down,
    aiokafka's ``stop()`` keeps retrying its last requests (leaving the group, fetches) and held a SIGTERMed
    worker for a minute. Nothing is lost by not waiting: offsets not committed are redelivered.
    """

    shutdown_timeout = 5.0

    def _create_worker_consumer(self, transport: Any) -> aiokafka.AIOKafkaConsumer:
        consumer = super()._create_worker_consumer(transport)
        if not hasattr(consumer, "_isolation_level"):  # an aiokafka that keeps it elsewhere: fail loudly, not open
            raise RuntimeError(
                "aiokafka.AIOKafkaConsumer has no _isolation_level; update twspulse/streams/faust_transport.py"
            )
        consumer._isolation_level = READ_COMMITTED
        return consumer


class ReadCommittedConsumer(faust_aiokafka.Consumer):
    """Faust's aiokafka consumer with ``ReadCommittedConsumerThread``."""

    def _new_consumer_thread(self) -> faust_aiokafka.AIOKafkaConsumerThread:
        return ReadCommittedConsumerThread(self, loop=self.loop, beacon=self.beacon)


class ReadCommittedTransport(faust_aiokafka.Transport):
    """The ``kafka://`` transport of Faust with ``ReadCommittedConsumer``; set as ``app.transport``."""

    Consumer = ReadCommittedConsumer
