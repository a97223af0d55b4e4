-- Insights (issue 17): trends of error patterns, links between job workload and host resources, and the
-- 90-day capacity plan, each with the evidence behind it, a prediction with its interval and a recommendation.
--
-- One row per insight. insight_id is derived from kind + subject + metric, so the nightly job finds the same id
-- for the same finding and updates its row (ON CONFLICT on (insight_id, time), with time = when the insight was
-- first found, read back from this table) instead of adding one per run. A hypertable because its unique keys
-- must hold the time column, as every other table here; small (hosts x resources + significant findings), so
-- 30-day chunks. On plain PostgreSQL it is an ordinary table with the same key.
CREATE TABLE IF NOT EXISTS insights (
  time         timestamptz      NOT NULL,       -- when the insight was first found (kept by later runs)
  insight_id   text             NOT NULL,       -- stable: hash of kind, subject and metric
  kind         text             NOT NULL CHECK (kind IN ('pattern_trend', 'workload_resource_link', 'capacity_plan')),
  subject      text             NOT NULL,       -- job_key (pattern trends, links) or host (capacity)
  metric       text             NOT NULL DEFAULT '',  -- pattern_id, host resource (cpu.percent, disk.used_percent:/data)
  state        text             NOT NULL CHECK (state IN ('active', 'cleared')),  -- cleared: the last run no longer found it
  significant  boolean          NOT NULL,       -- passed the test and the minimum-evidence rule (capacity: a trend)
  summary      text             NOT NULL,
  confidence   double precision,               -- 1 - p (after multiple-testing correction where one applies)
  evidence     jsonb            NOT NULL DEFAULT '{}'::jsonb,  -- series, slopes with CIs, correlation and lag, runs
  prediction   jsonb,                          -- {"what", "at", "lower", "upper", ...}
  priority     text             CHECK (priority IN ('critical', 'high', 'medium', 'low')),
  action       text,
  deadline     timestamptz,                    -- act before this
  updated_at   timestamptz      NOT NULL,       -- the run that last found (or cleared) it
  run_id       text,
  PRIMARY KEY (insight_id, time)
);
SELECT twspulse_make_hypertable('insights', 'time', '30 days');
CREATE INDEX IF NOT EXISTS insights_active_deadline ON insights (deadline) WHERE state = 'active';
CREATE INDEX IF NOT EXISTS insights_kind_subject ON insights (kind, subject);
-- Compressed like every hypertable, late: a row is rewritten by every nightly run while its insight holds (a
-- host's "no trend" row holds for good), and TimescaleDB updates rows of a compressed chunk by decompressing
-- only their segment (one kind): a few rows a night.
SELECT twspulse_compress('insights', 'kind', 'time DESC', '90 days');
SELECT twspulse_retain('insights', 'time', '400 days');
