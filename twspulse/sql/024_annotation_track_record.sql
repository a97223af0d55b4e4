-- Learning from resolutions: each annotation keeps the track record its confidence was adjusted with (the
-- operators' recorded outcomes of earlier annotations of the same failure pattern, models/annotate/track_record.py).
ALTER TABLE job_annotations ADD COLUMN IF NOT EXISTS track_record jsonb;
-- The pattern of a run's error line is looked up by run.
CREATE INDEX IF NOT EXISTS job_run_patterns_run ON job_run_patterns (run_id);
