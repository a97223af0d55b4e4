-- Joblog lines and the error patterns the miner (Drain3) finds in them (issue 4).

-- One row per template the miner learned; the miner updates count/last_seen as it sees the pattern again.
CREATE TABLE IF NOT EXISTS job_error_patterns (
  pattern_id text PRIMARY KEY,
  template   text        NOT NULL,  -- e.g. "ORA-01653: unable to extend table <*> by <*> in tablespace <*>"
  first_seen timestamptz,
  last_seen  timestamptz,
  count      bigint      NOT NULL DEFAULT 0,
  example    text                   -- one real line, for people reading the template
);
CREATE INDEX IF NOT EXISTS job_error_patterns_last_seen ON job_error_patterns (last_seen DESC);

-- Which pattern each error line of a failed run matched: the long-term "failures by cause" history.
CREATE TABLE IF NOT EXISTS job_run_patterns (
  time        timestamptz NOT NULL,  -- end of the run (same time as its job_logs rows)
  run_id      text        NOT NULL,
  job_id      text        NOT NULL,
  job_stream  text        NOT NULL,
  job_name    text        NOT NULL,
  workstation text        NOT NULL,
  pattern_id  text        NOT NULL,
  line_no     integer     NOT NULL,
  line        text,
  PRIMARY KEY (run_id, pattern_id, line_no, time)
);
-- A few error lines per failed run (1-3 % of up to 50,000 runs/day): at most ~15,000 rows/day, so a week
-- per chunk keeps chunks at ~100k rows and 400 days of history in ~58 chunks.
SELECT twspulse_make_hypertable('job_run_patterns', 'time', '7 days');
CREATE INDEX IF NOT EXISTS job_run_patterns_pattern_time ON job_run_patterns (pattern_id, time DESC);
CREATE INDEX IF NOT EXISTS job_run_patterns_job_time ON job_run_patterns (job_stream, job_name, time DESC);

-- Every line of the joblogs of failed runs, numbered, so an analyst can grep them and read the context.
CREATE TABLE IF NOT EXISTS job_log_lines (
  time       timestamptz NOT NULL,  -- end of the run (same time as its job_logs rows)
  run_id     text        NOT NULL,
  job_stream text        NOT NULL,
  job_name   text        NOT NULL,
  line_no    integer     NOT NULL,  -- 1-based, across the joblog's chunks
  line       text        NOT NULL,
  is_error   boolean     NOT NULL DEFAULT false,
  pattern_id text,                  -- set for error lines the miner matched
  PRIMARY KEY (run_id, line_no, time)
);
-- Up to a few hundred thousand lines/day, each indexed by trigrams (a GIN index is 2-3x the text): one day
-- per chunk keeps the index of the chunk being written small enough to stay in memory.
SELECT twspulse_make_hypertable('job_log_lines', 'time', '1 day');
CREATE INDEX IF NOT EXISTS job_log_lines_job_time ON job_log_lines (job_stream, job_name, time DESC);
CREATE INDEX IF NOT EXISTS job_log_lines_errors ON job_log_lines (time DESC) WHERE is_error;

-- Grep support: a trigram index serves LIKE/ILIKE '%...%' and regular expressions. pg_trgm is a trusted
-- contrib extension (a database owner may create it); where it is missing or not allowed, a full-text index
-- still serves word searches (to_tsvector('simple', line) @@ ...) and ILIKE still works, unindexed.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm') THEN
    BEGIN
      CREATE EXTENSION IF NOT EXISTS pg_trgm;
    EXCEPTION WHEN insufficient_privilege THEN
      RAISE NOTICE 'pg_trgm not created (%): joblog grep falls back to a full-text index', SQLERRM;
    END;
  END IF;
  IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
    CREATE INDEX IF NOT EXISTS job_log_lines_line_trgm ON job_log_lines USING gin (line gin_trgm_ops);
  ELSE
    CREATE INDEX IF NOT EXISTS job_log_lines_line_fts ON job_log_lines USING gin (to_tsvector('simple', line));
  END IF;
END $$;

-- The miner's serialized state (Drain3 snapshot), so a restarted or second worker resumes its templates.
CREATE TABLE IF NOT EXISTS pattern_miner_state (
  name       text        PRIMARY KEY,
  state      bytea       NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
