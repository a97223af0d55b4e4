-- Indexes for the analyst queries (twspulse/sql/analyst_queries.sql) and the model jobs on the existing tables.
-- Created before compression is enabled (009), while every chunk can still carry them.

-- Joblog lines and patterns join back to their run by run_id (job_runs' key is the event, not the run).
CREATE INDEX IF NOT EXISTS job_runs_run_id ON job_runs (run_id, time DESC);
-- Per-workstation panels and late-start lists.
CREATE INDEX IF NOT EXISTS job_runs_workstation_time ON job_runs (workstation, time DESC);
-- The model jobs read a job's history by its key to compute the enrichment columns.
CREATE INDEX IF NOT EXISTS job_runs_job_key_time ON job_runs (job_key, time DESC) WHERE job_key IS NOT NULL;
-- Fleet-wide "which host is near a threshold" reads one metric across all hosts; the primary key
-- (host, metric, device, time) serves per-host reads only.
CREATE INDEX IF NOT EXISTS host_metrics_metric_time ON host_metrics (metric, time DESC);
