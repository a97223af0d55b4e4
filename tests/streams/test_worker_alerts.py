"""The worker scores each stored point against its series' past and publishes deduplicated alerts.

On the real broker and database: a CPU spike among ordinary samples and a run five times longer than its
job's usual are flagged in ``anomalies`` within the batch that stored them, while ordinary points are not;
a failed run fires ``job_failed`` and the job's next success resolves it; every alert change appears both
on the ``alerts`` topic (the downstream contract) and in the ``alerts`` table; and a failure repeated within
the dedup window updates the open alert instead of opening a second one.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import psycopg
from confluent_kafka import Producer

from tests.connectors.test_tws_connector import read_topic
from tests.helpers import count, wait_until
from twspulse.events import Alert, DiskUsage, HostMetrics, JobEvent, StatusCategory
from twspulse.job_keys import job_key
from twspulse.models import isolation_forest
from twspulse.models.anomaly_scoring import host_metrics_config

T0 = datetime(2026, 10, 1, tzinfo=UTC)
SPIKE_AT = host_metrics_config().warmup + 20  # the detector learns a new series before it flags


def _host(i: int) -> HostMetrics:
    cpu = 95.0 if i == SPIKE_AT else 20.0 + (i * 7919 % 11) / 5  # ordinary: 20-22 %
    return HostMetrics(
        host="web01", time=T0 + timedelta(minutes=5 * i), cpu_percent=cpu, load_1m=1.0, memory_percent=50.0,
        memory_used_bytes=1, swap_percent=0.0, net_bytes_sent=i, net_bytes_recv=i,
        disks=[DiskUsage(mount="/data", device="/dev/sdb1", total_bytes=100, used_bytes=60, used_percent=60.0)],
    )  # fmt: skip


def _run(day: int, duration: float, ok: bool = True) -> JobEvent:
    start = T0 + timedelta(days=day, hours=2)
    end = start + timedelta(seconds=duration)
    internal = "SUCC" if ok else "ABEND"
    return JobEvent(
        event_id=f"j{day}/r{day}/{internal}", job_id=f"j{day}", run_id=f"r{day}", plan_id=f"p{day}",
        job_name="LOAD", job_stream="DAILY", workstation="/MDM", folder="/FIN/", status="X",
        internal_status=internal, category=StatusCategory.SUCCEEDED if ok else StatusCategory.FAILED,
        return_code=0 if ok else 12, sched_time=start, start_time=start, end_time=end, status_time=end,
        run_attempt=1, observed_at=end,
    )  # fmt: skip


def _train_batch_model(model_dir: Path) -> str:
    """An IsolationForest saved where the worker looks (its data dir's models), as `twspulse train` would.

    Its history holds 300 ordinary runs and three past slow incidents: a forest only isolates regions its
    training data reaches (an unseen extreme lands in the leaf of the nearest edge point), which a nightly
    retrain over real history gives it.
    """
    ordinary = [
        {"duration_s": 600 + d * 37 % 13, "late_start_s": float(d * 53 % 120),
         "duration_deviation": 1 + (d * 7 % 11 - 5) / 100, "failed_rc": 0.0, "hour_of_day": float(2 + d % 3)}
        for d in range(300)
    ]  # fmt: skip
    slow = [{"duration_s": 2900 + d * 50, "late_start_s": 30.0, "duration_deviation": 5.0, "failed_rc": 0.0,
             "hour_of_day": 2.0} for d in range(3)]  # fmt: skip
    model = isolation_forest.train(pd.DataFrame(ordinary + slow), version="v1")
    assert model is not None
    isolation_forest.ModelStore(model_dir).save(model)
    return model.version


def test_spikes_and_slow_runs_are_flagged_and_alerts_open_update_and_resolve(
    kafka: str, database_url: str, start_worker, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    p = Producer({"bootstrap.servers": kafka, "partitioner": "murmur2_random"})
    for i in range(SPIKE_AT + 10):
        p.produce("host.metrics", key=b"web01", value=_host(i).to_bytes())
    runs = [_run(d, 600 + (d * 37 % 13)) for d in range(55)]  # ordinary: 600-612 s
    runs += [_run(55, 3000)]  # five times the usual
    rerun = _run(56, 5, ok=False)
    later = {"end_time": rerun.end_time + timedelta(hours=1), "status_time": rerun.status_time + timedelta(hours=1)}
    runs += [_run(56, 5, ok=False), rerun.model_copy(update={"event_id": "j56b", "run_id": "r56b", **later})]
    runs += [_run(57, 605)]  # the job works again
    for e in runs:
        p.produce("tws.job.events", key=job_key(e).encode(), value=e.to_bytes())
    assert p.flush(30) == 0
    version = _train_batch_model(tmp_path / "worker-data" / "models")

    worker = start_worker(kafka, database_url)
    wait_until(lambda: count(database_url, "SELECT count(*) FROM job_runs") == len(runs), worker=worker,
               what="every run stored")  # fmt: skip
    wait_until(lambda: count(database_url, "SELECT count(*) FROM alerts WHERE kind = 'job_failed'") >= 2,
               worker=worker, what="job_failed opened and resolved")  # fmt: skip
    host_flags = "SELECT count(*) FROM anomalies WHERE subject_kind = 'host' AND is_anomaly"
    wait_until(lambda: count(database_url, host_flags) >= 1, worker=worker, what="the CPU spike flagged")

    with psycopg.connect(database_url) as conn:
        flagged = conn.execute(
            "SELECT subject_kind, subject, metric, time FROM anomalies "
            "WHERE is_anomaly AND detector = 'robust_baseline' ORDER BY time"
        ).fetchall()
        failed = conn.execute(
            "SELECT state, count, severity FROM alerts WHERE kind = 'job_failed' ORDER BY time, state"
        ).fetchall()
        kinds = dict(conn.execute("SELECT kind, count(DISTINCT alert_id) FROM alerts GROUP BY kind").fetchall())
    assert ("host", "web01", "cpu.percent", _host(SPIKE_AT).time) in flagged
    assert ("job", job_key(runs[0]), "duration_s", runs[55].status_time) in flagged
    assert not [f for f in flagged if f[0] == "host" and f[3] != _host(SPIKE_AT).time and f[2] == "cpu.percent"]
    assert not [f for f in flagged if f[0] == "job" and f[3] != runs[55].status_time]  # ordinary runs are not
    # two failures in a row: one alert, updated (count 2), then resolved by the next success
    assert [s for s, _, _ in failed] == ["firing", "firing", "resolved"], failed
    assert [c for _, c, _ in failed][:2] == [1, 2]
    assert kinds["job_failed"] == 1 and kinds["runtime_anomaly"] == 1 and kinds["metric_anomaly"] >= 1

    # the batch detector (trained by `twspulse train`, loaded by the worker) flags the slow run, live
    with psycopg.connect(database_url) as conn:
        batch = conn.execute(
            "SELECT run_id, model_version FROM anomalies WHERE detector = 'isolation_forest'"
        ).fetchall()
    assert ("r55", version) in batch
    assert len(batch) <= 3, batch  # the slow run and at most the two 5-second failures, no ordinary run

    published = [Alert.model_validate_json(v) for v in read_topic(kafka, "alerts")]
    with psycopg.connect(database_url) as conn:
        stored = conn.execute("SELECT alert_id, time, state FROM alerts ORDER BY alert_id, time").fetchall()
    assert sorted((a.alert_id, a.time, a.state) for a in published) == stored
