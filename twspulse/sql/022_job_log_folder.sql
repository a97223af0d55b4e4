-- The job's folder on its joblog rows: a failed run annotated before its job_runs row is stored (the joblog
-- agent can be ahead of the job events) still gets its whole job key (WS#/FOLDER/STREAM.JOB), so its
-- annotation matches the job's runs and enriches the job's open job_failed alert. NULL in older rows.
ALTER TABLE job_logs ADD COLUMN IF NOT EXISTS folder text;
