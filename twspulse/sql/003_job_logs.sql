-- Joblogs of failed runs (topic tws.job.logs), one row per ordered chunk.
CREATE TABLE IF NOT EXISTS job_logs (
  time             timestamptz NOT NULL,  -- end of the run, or when the log was fetched
  run_id           text        NOT NULL,
  chunk_index      integer     NOT NULL,
  chunk_count      integer     NOT NULL,
  job_id           text        NOT NULL,
  job_name         text        NOT NULL,
  job_stream       text        NOT NULL,
  workstation      text        NOT NULL,
  return_code      integer,
  internal_status  text        NOT NULL,
  content          text        NOT NULL,
  total_bytes      bigint      NOT NULL,
  truncated        boolean     NOT NULL,
  first_error_line text,                  -- the first line that reads like an error, if any
  fetched_at       timestamptz NOT NULL,
  ingested_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (run_id, chunk_index, time)
);
SELECT twspulse_make_hypertable('job_logs', 'time', '7 days');
CREATE INDEX IF NOT EXISTS job_logs_job_time ON job_logs (job_stream, job_name, time DESC);
