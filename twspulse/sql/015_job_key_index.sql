-- Per job definition reads (the worker's anomaly warm-up, the job detail dashboard, the training series)
-- filter job_runs on job_key, filled in by the enriching worker since 006.
CREATE INDEX IF NOT EXISTS job_runs_job_key_time ON job_runs (job_key, time DESC);
