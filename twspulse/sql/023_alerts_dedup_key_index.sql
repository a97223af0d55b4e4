-- A worker that annotates a run whose job_failed alert another worker opened finds that alert by its dedup key
-- (streams/alert_stage.py): one index lookup per batch of annotations instead of a scan of the alerts table.
CREATE INDEX IF NOT EXISTS alerts_dedup_key_time ON alerts (dedup_key, time DESC);
