"""What a Faust agent alone can carry on this machine: why job events are not read by one.

Run: .venv/bin/python -m bench.faust_ceiling [--events 200000]
Pre-loads --events job events (keyed by job definition, as the connector sends them) into a fresh local
broker, then runs, each in its own process, a Faust agent that only takes batches (``take_events(500)``)
and, second, one that also writes one Faust-table key per event (what per-job state needs at worst);
prints events/s for each. The worker's job-event consumer (``python -m bench.streams``) does decoding,
enrichment, the database write, scores and alerts on top, and is still faster than the first.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from confluent_kafka import Producer

from bench.streams import event
from twspulse.engines.kafka import LocalKafka
from twspulse.job_keys import job_key
from twspulse.kafka_clients import librdkafka_config
from twspulse.settings import load_settings
from twspulse.topics import ensure_topics

AGENT = """
import os, sys, time, faust
bootstrap, n, mode, datadir = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
app = faust.App("ceiling-" + mode, broker="kafka://" + bootstrap, store="memory://", web_enabled=False,
                topic_partitions=3, consumer_auto_offset_reset="earliest", datadir=datadir)
source = app.topic("tws.job.events", key_serializer="raw", value_serializer="raw")
table = app.Table("t", default=dict, partitions=3, key_type=str) if mode == "table" else None
seen = {"n": 0, "t0": 0.0}

@app.agent(source)
async def take(stream):
    async for events in stream.take_events(500, within=0.25):
        seen["t0"] = seen["t0"] or time.perf_counter()
        if table is not None:
            previous = stream.current_event
            for e in events:
                stream._set_current_event(e)
                table[e.message.key.decode()] = {"n": 1}
            stream._set_current_event(previous)
        seen["n"] += len(events)
        if seen["n"] >= n:
            with open(datadir + ".rate", "w") as out:  # Faust's worker swallows print()
                out.write(f"{n / (time.perf_counter() - seen['t0']):.0f}")
            os._exit(0)

sys.argv = [sys.argv[0], "worker", "-l", "error"]
app.main()
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, default=200_000)
    args = ap.parse_args()
    settings = load_settings(data_dir=Path(tempfile.mkdtemp(prefix="bench-faust-")), log_json=False)
    kafka = LocalKafka(settings.data_dir / "kafka", settings.cache_dir, heap=settings.kafka_heap)
    kafka.start()
    try:
        ensure_topics(kafka.bootstrap, 3)
        producer = Producer(
            librdkafka_config(kafka.bootstrap, "bench-faust-ceiling")
            | {"linger.ms": 20, "compression.type": "zstd", "partitioner": "murmur2_random"}
        )
        for i in range(args.events):
            e = event(i)
            producer.produce("tws.job.events", key=job_key(e).encode(), value=e.to_bytes())
            if i % 5000 == 0:
                producer.poll(0)
        producer.flush(60)
        script = settings.data_dir / "agent.py"
        script.write_text(AGENT)
        for mode, what in (("bare", "take_events only"), ("table", "plus one table write per event")):
            start = time.perf_counter()
            out = subprocess.run(
                [sys.executable, str(script), kafka.bootstrap, str(args.events), mode,
                 str(settings.data_dir / f"faust-{mode}")],
                capture_output=True, text=True, timeout=900, env={**os.environ, "PYTHONWARNINGS": "ignore"},
            )  # fmt: skip
            result = settings.data_dir / f"faust-{mode}.rate"
            rate = f"{int(result.read_text()):,}" if result.exists() else "failed: " + out.stderr[-500:]
            print(f"Faust agent, {what}: {rate} events/s ({time.perf_counter() - start:.0f}s with start-up)")
    finally:
        kafka.stop()


if __name__ == "__main__":
    main()
