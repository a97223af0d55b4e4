-- Consumer lag in SQL, so the pipeline health dashboard shows how far the worker is behind each topic next to
-- the data (Grafana reads the database only; /metrics exports the same numbers as twspulse_consumer_lag).
-- Each worker writes its assigned partitions' lag every 15 s (twspulse/streams/app.py, record_consumer_lag).
CREATE TABLE IF NOT EXISTS consumer_lag (
  time           timestamptz NOT NULL,
  worker_id      text        NOT NULL,
  consumer_group text        NOT NULL,
  topic          text        NOT NULL,
  partition      integer     NOT NULL,
  lag            bigint      NOT NULL CHECK (lag >= 0),  -- records on the partition not yet processed
  PRIMARY KEY (consumer_group, topic, partition, time)
);
SELECT twspulse_make_hypertable('consumer_lag', 'time', '1 day');
SELECT twspulse_compress('consumer_lag', 'consumer_group, topic', 'time DESC', '2 days');
SELECT twspulse_retain('consumer_lag', 'time', '30 days');
