-- Enrichment of job runs (issue 4), filled in by the model jobs after a run ends, never by the worker:
-- nullable and without defaults, so the worker's INSERTs stay as they are and adding them rewrites nothing.
ALTER TABLE job_runs ADD COLUMN IF NOT EXISTS job_key text;                        -- workstation/folder/stream/job
ALTER TABLE job_runs ADD COLUMN IF NOT EXISTS expected_duration_s double precision; -- what the model expected
ALTER TABLE job_runs ADD COLUMN IF NOT EXISTS duration_deviation double precision;  -- duration_s / expected_duration_s
ALTER TABLE job_runs ADD COLUMN IF NOT EXISTS late_start_s double precision;        -- start_time - sched_time
ALTER TABLE job_runs ADD COLUMN IF NOT EXISTS rerun_number integer;                 -- 0 for the first attempt
ALTER TABLE job_runs ADD COLUMN IF NOT EXISTS runtime_above_p95 boolean;            -- against the job's history
ALTER TABLE job_runs ADD COLUMN IF NOT EXISTS failure_streak integer;               -- consecutive failures so far
ALTER TABLE job_runs ADD COLUMN IF NOT EXISTS successes_before_failure integer;     -- successes before this failure
ALTER TABLE job_runs ADD COLUMN IF NOT EXISTS breaks_pattern boolean;               -- failed after a long clean run
