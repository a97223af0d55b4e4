-- One row per observed status change of a job instance (topic tws.job.events).
-- The primary key makes a redelivered event a no-op (at-least-once delivery, idempotent write).
CREATE TABLE IF NOT EXISTS job_runs (
  time            timestamptz      NOT NULL,  -- event time of the status (end, start or first sight)
  event_id        text             NOT NULL,
  job_id          text             NOT NULL,
  run_id          text,
  plan_id         text             NOT NULL,
  job_name        text             NOT NULL,
  job_stream      text             NOT NULL,
  workstation     text             NOT NULL,
  folder          text             NOT NULL,
  status          text             NOT NULL,
  internal_status text             NOT NULL,
  category        text             NOT NULL,
  return_code     integer,
  sched_time      timestamptz,
  start_time      timestamptz,
  end_time        timestamptz,
  duration_s      double precision,
  run_attempt     integer,
  observed_at     timestamptz      NOT NULL,
  ingested_at     timestamptz      NOT NULL DEFAULT now(),
  PRIMARY KEY (event_id, time)
);
SELECT twspulse_make_hypertable('job_runs', 'time', '1 day');
CREATE INDEX IF NOT EXISTS job_runs_job_time ON job_runs (job_stream, job_name, time DESC);
CREATE INDEX IF NOT EXISTS job_runs_category_time ON job_runs (category, time DESC);
