-- The fields of the TWS frame around each mined joblog (header: JOB, USER, JCLFILE, Job Number, start banner;
-- footer: Exit Status, Elapsed Time, end banner). They identify a run even when its events are gone, and let
-- an analyst compare what the engine printed with what the API said (e.g. exit status vs return_code).
CREATE TABLE IF NOT EXISTS job_log_frames (
  time           timestamptz NOT NULL,  -- end of the run (same time as its job_logs rows)
  run_id         text        NOT NULL,
  job            text,                  -- the JOB field as printed: ws#stream[(sched),(id)].job
  workstation    text,                  -- the job STREAM's workstation, as JOB prints it (a job may run elsewhere)
  job_stream     text,
  job_name       text,
  tws_user       text,                  -- USER: who the job ran as
  jcl_file       text,                  -- JCLFILE: the script or command
  job_number     bigint,                -- Job Number: the process id on the agent
  started_at     timestamptz,           -- header banner, when printed with UTC/GMT or an offset
  ended_at       timestamptz,           -- footer banner, likewise
  banner_zone    text,                  -- the zone the banners printed (e.g. CET) when not an offset
  exit_status    integer,               -- footer Exit Status
  elapsed_s      integer,               -- footer Elapsed Time
  has_header     boolean     NOT NULL,
  has_footer     boolean     NOT NULL,  -- false: the job was still running or the log was cut
  line_count     integer     NOT NULL,
  PRIMARY KEY (run_id, time)
);
-- One row per failed run (1-3 % of runs): 7-day chunks, like job_run_patterns.
SELECT twspulse_make_hypertable('job_log_frames', 'time', '7 days');
CREATE INDEX IF NOT EXISTS job_log_frames_jcl ON job_log_frames (jcl_file, time DESC);
SELECT twspulse_compress('job_log_frames', 'job_stream', 'time DESC', '7 days');
SELECT twspulse_retain('job_log_frames', 'time', '400 days');
