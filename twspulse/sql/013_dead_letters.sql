-- Dead letters counted in SQL (the records themselves stay whole on the <topic>.dlq topics), so the pipeline
-- health dashboard can show what was rejected, from which topic and why, next to the data it missed.
CREATE TABLE IF NOT EXISTS dead_letters (
  time         timestamptz NOT NULL,           -- when the record was rejected
  source_topic text        NOT NULL,
  partition    integer,
  "offset"     bigint,
  reason       text        NOT NULL,
  error_type   text        NOT NULL,
  PRIMARY KEY (source_topic, partition, "offset", time)
);
SELECT twspulse_make_hypertable('dead_letters', 'time', '7 days');
SELECT twspulse_compress('dead_letters', 'source_topic', 'time DESC', '7 days');
SELECT twspulse_retain('dead_letters', 'time', '90 days');
