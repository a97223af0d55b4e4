-- Host samples (topic host.metrics) in narrow form: one row per host, metric and device.
-- Narrow rows let a new metric or disk appear without a migration.
CREATE TABLE IF NOT EXISTS host_metrics (
  time    timestamptz      NOT NULL,
  host    text             NOT NULL,
  metric  text             NOT NULL,  -- cpu.percent, memory.percent, disk.used_percent, ...
  device  text             NOT NULL DEFAULT '',  -- mount point for disk metrics
  value   double precision NOT NULL,
  PRIMARY KEY (host, metric, device, time)
);
SELECT twspulse_make_hypertable('host_metrics', 'time', '1 day');
