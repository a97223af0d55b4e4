-- Chunk sizes, compression and retention (issue 4). Full policies where TimescaleDB is installed; on plain
-- PostgreSQL the tables stay plain (time indexes from 002-008), nothing is compressed, and the retention
-- wishes are only recorded in retention_settings for the model jobs' cleanup to enforce.
--
-- Data rates behind the numbers (a large shop: 50,000 jobs/day in the plan, 50 hosts):
--   host_metrics        ~15 narrow rows per host every 15 s (7 metrics + 2 per mount) = 86,400 rows/host/day,
--                       ~4.3 M rows/day for 50 hosts: 1-day chunks (set in 004) keep the written chunk's
--                       primary-key index at ~250 MB, well inside a quarter of memory.
--   job_runs            ~3 status rows per run = up to 150,000 rows/day: 1-day chunks would give 400 small
--                       chunks over the kept 400 days (planning cost grows with the chunk count), so 7 days
--                       (~1 M rows, ~400 MB with its indexes per chunk).
--   job_logs            joblogs of failed runs only (1-3 % of runs), large text in TOAST: 7 days (as in 003).
--   workstation_status  one row per workstation per poll (every 10 s) = 8,640 rows/workstation/day,
--                       ~430,000 rows/day for 50 workstations: 1 day instead of 7.
--   job_log_lines (1 day) and job_run_patterns (7 days): see 007.
-- set_chunk_time_interval only affects chunks created from now on.

CREATE TABLE IF NOT EXISTS retention_settings (
  relation    text        PRIMARY KEY,
  time_column text        NOT NULL,
  drop_after  interval    NOT NULL,
  enforced_by text        NOT NULL CHECK (enforced_by IN ('timescaledb_policy', 'model_jobs')),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE retention_settings IS
  'How long each table or rollup keeps its rows. enforced_by = model_jobs: plain PostgreSQL, the model jobs '
  'delete rows whose time_column is older than now() - drop_after.';

CREATE OR REPLACE FUNCTION twspulse_has_timescaledb() RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb')
$$;

-- TimescaleDB objects are only named inside EXECUTE: plain PostgreSQL never parses them.
CREATE OR REPLACE FUNCTION twspulse_set_chunk_interval(tbl regclass, chunk interval)
RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  IF NOT twspulse_has_timescaledb() THEN
    RETURN 'plain';
  END IF;
  EXECUTE format('SELECT set_chunk_time_interval(%L::regclass, %L::interval)', tbl, chunk);
  RETURN 'chunks of ' || chunk;
END $$;

-- Enables compression once (settings cannot change while compressed chunks exist) and adds its policy.
CREATE OR REPLACE FUNCTION twspulse_compress(tbl regclass, segmentby text, orderby text, compress_after interval)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  enabled boolean;
BEGIN
  IF NOT twspulse_has_timescaledb() THEN
    RETURN 'plain';
  END IF;
  EXECUTE 'SELECT compression_enabled FROM timescaledb_information.hypertables
            WHERE format(''%I.%I'', hypertable_schema, hypertable_name)::regclass = $1'
    INTO enabled USING tbl;
  IF enabled IS NULL THEN
    RAISE EXCEPTION 'twspulse_compress: % is not a hypertable', tbl;
  END IF;
  IF NOT enabled THEN
    EXECUTE format('ALTER TABLE %s SET (timescaledb.compress, timescaledb.compress_segmentby = %L, '
                   'timescaledb.compress_orderby = %L)', tbl, segmentby, orderby);
  END IF;
  EXECUTE format('SELECT add_compression_policy(%L::regclass, compress_after => %L::interval, if_not_exists => true)',
                 tbl, compress_after);
  RETURN 'compressed after ' || compress_after;
END $$;

-- A retention policy where TimescaleDB runs one; always a row in retention_settings.
CREATE OR REPLACE FUNCTION twspulse_retain(rel regclass, time_column name, drop_after interval)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  how text := 'model_jobs';
BEGIN
  IF twspulse_has_timescaledb() THEN
    EXECUTE format('SELECT add_retention_policy(%L::regclass, drop_after => %L::interval, if_not_exists => true)',
                   rel, drop_after);
    how := 'timescaledb_policy';
  END IF;
  INSERT INTO retention_settings AS r (relation, time_column, drop_after, enforced_by)
  VALUES (rel::text, time_column, drop_after, how)
  ON CONFLICT (relation) DO UPDATE
    SET time_column = EXCLUDED.time_column, drop_after = EXCLUDED.drop_after,
        enforced_by = EXCLUDED.enforced_by, updated_at = now();
  RETURN how;
END $$;

SELECT twspulse_set_chunk_interval('job_runs', '7 days');
SELECT twspulse_set_chunk_interval('workstation_status', '1 day');

-- Compression. segmentby = the columns dashboards filter on, so a query reads only its segments; the first
-- orderby column gets min/max metadata per batch, which still skips batches for a finer filter.
-- job_runs: by stream (a job alone has ~20 rows a week: too few for good batches), job name first in order.
-- Compressed late enough that the model jobs' enrichment UPDATEs and late events have landed.
SELECT twspulse_compress('job_runs', 'job_stream', 'job_name, time DESC', '14 days');
SELECT twspulse_compress('job_logs', 'job_stream', 'job_name, time DESC', '14 days');
SELECT twspulse_compress('job_log_lines', 'job_stream', 'job_name, time DESC', '14 days');  -- older grep scans
SELECT twspulse_compress('job_run_patterns', 'pattern_id', 'time DESC', '14 days');
-- host_metrics: a (host, metric) segment holds 5,760 rows a day per device: full 1,000-row batches.
SELECT twspulse_compress('host_metrics', 'host, metric', 'device, time DESC', '2 days');
SELECT twspulse_compress('workstation_status', 'workstation', 'time DESC', '2 days');

-- Retention: raw host samples are the bulk and live on in the rollups (010); job history is kept over a
-- year for year-on-year comparisons; joblog text is for investigating recent failures.
SELECT twspulse_retain('host_metrics', 'time', '30 days');
SELECT twspulse_retain('workstation_status', 'time', '90 days');
SELECT twspulse_retain('job_runs', 'time', '400 days');
SELECT twspulse_retain('job_run_patterns', 'time', '400 days');
SELECT twspulse_retain('job_logs', 'time', '90 days');
SELECT twspulse_retain('job_log_lines', 'time', '90 days');
