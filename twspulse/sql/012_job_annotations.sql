-- Root-cause annotations of failed runs (issue 6) and the operators' feedback that teaches retrieval.

-- One annotation per failed run (a newer one replaces it: ON CONFLICT (run_id) DO UPDATE).
-- A few hundred failures a day: a plain table with a full-text column for similar-case retrieval.
CREATE TABLE IF NOT EXISTS job_annotations (
  run_id        text PRIMARY KEY,
  job_id        text,
  job_key       text,                          -- WS#/FOLDER/STREAM.JOB, as job_runs.job_key (twspulse/job_keys.py)
  job_name      text,
  job_stream    text,
  workstation   text,
  return_code   integer,
  failed_at     timestamptz,
  annotated_at  timestamptz      NOT NULL DEFAULT now(),
  engine        text             NOT NULL,     -- "rules" or "openai:<model>"
  category      text             NOT NULL,     -- missing_file, permission, disk_full, db_error, ...
  root_cause    text             NOT NULL,
  error_line    text,
  steps         jsonb            NOT NULL DEFAULT '[]'::jsonb,
  confidence    double precision NOT NULL CHECK (confidence >= 0 AND confidence <= 1),
  similar_cases text[]           NOT NULL DEFAULT '{}',
  prompt_hash   text,
  search        tsvector GENERATED ALWAYS AS (
                  to_tsvector('simple', coalesce(category, '') || ' ' || coalesce(root_cause, '') || ' ' ||
                                        coalesce(error_line, ''))) STORED
);
CREATE INDEX IF NOT EXISTS job_annotations_failed_at ON job_annotations (failed_at DESC);
CREATE INDEX IF NOT EXISTS job_annotations_job ON job_annotations (job_key, failed_at DESC);
CREATE INDEX IF NOT EXISTS job_annotations_search ON job_annotations USING gin (search);

-- What operators said really fixed a run (`twspulse feedback`): read back by similar-case retrieval.
CREATE TABLE IF NOT EXISTS annotation_feedback (
  run_id     text        NOT NULL,
  given_at   timestamptz NOT NULL DEFAULT now(),
  resolution text        NOT NULL,
  correct    boolean,                          -- was the annotation right? NULL: not said
  PRIMARY KEY (run_id, given_at)
);
