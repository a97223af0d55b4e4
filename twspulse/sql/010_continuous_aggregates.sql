-- Rollups for the dashboards and analyst queries (issue 4).
-- TimescaleDB: continuous aggregates with real-time aggregation (materialized_only = false: rows newer than
-- the last refresh are computed from the raw table at query time), each with a refresh policy.
-- Plain PostgreSQL: ordinary views with the same names and columns, computed from the raw tables at query
-- time: always fresh like the real-time aggregates, no refresh job needed (nothing schedules one there),
-- and cheap at the data sizes a plain-PostgreSQL install (demo, tests) holds.
--
-- Each definition is written once, in TimescaleDB's dialect. On plain PostgreSQL, time_bucket( is rewritten
-- to twspulse_time_bucket(, which is date_bin with time_bucket's default origin: identical buckets (UTC).
-- Created WITH NO DATA, which TimescaleDB allows inside the migration's transaction (WITH DATA and
-- refresh_continuous_aggregate are refused there). Real-time aggregation shows all rows until the first
-- refresh; on a database that already holds history, refresh the past once by hand, e.g.
--   CALL refresh_continuous_aggregate('job_runtime_daily', NULL, now() - interval '7 days');
-- (a policy only refreshes its own window, and the real-time part only covers what is after the watermark).

CREATE OR REPLACE FUNCTION twspulse_time_bucket(bucket_width interval, ts timestamptz)
RETURNS timestamptz LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT date_bin(bucket_width, ts, timestamptz '2000-01-03 00:00:00+00')
$$;

CREATE OR REPLACE FUNCTION twspulse_make_rollup(
  rollup name, definition text, refresh_start interval, refresh_end interval, refresh_every interval)
RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  IF NOT twspulse_has_timescaledb() THEN
    EXECUTE format('CREATE OR REPLACE VIEW %I AS %s', rollup,
                   replace(definition, 'time_bucket(', 'twspulse_time_bucket('));
    RETURN 'view';
  END IF;
  IF to_regclass(quote_ident(rollup)) IS NULL THEN
    EXECUTE format('CREATE MATERIALIZED VIEW %I WITH (timescaledb.continuous, timescaledb.materialized_only = false) '
                   'AS %s WITH NO DATA', rollup, definition);
  END IF;
  EXECUTE format('SELECT add_continuous_aggregate_policy(%L::regclass, start_offset => %L::interval, '
                 'end_offset => %L::interval, schedule_interval => %L::interval, if_not_exists => true)',
                 rollup, refresh_start, refresh_end, refresh_every);
  RETURN 'continuous aggregate';
END $$;

-- Compression of a continuous aggregate (its segments are its GROUP BY columns); nothing on plain PostgreSQL.
CREATE OR REPLACE FUNCTION twspulse_compress_rollup(rollup regclass, compress_after interval)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  enabled boolean;
BEGIN
  IF NOT twspulse_has_timescaledb() THEN
    RETURN 'plain';
  END IF;
  EXECUTE 'SELECT compression_enabled FROM timescaledb_information.continuous_aggregates
            WHERE format(''%I.%I'', view_schema, view_name)::regclass = $1'
    INTO enabled USING rollup;
  IF NOT enabled THEN
    EXECUTE format('ALTER MATERIALIZED VIEW %s SET (timescaledb.compress = true)', rollup);
  END IF;
  EXECUTE format('SELECT add_compression_policy(%L::regclass, compress_after => %L::interval, if_not_exists => true)',
                 rollup, compress_after);
  RETURN 'compressed after ' || compress_after;
END $$;

-- Status changes per hour, workstation and category: "runs" counts the runs that reached the category in
-- that hour (one job_runs row each: a start for running, an end for succeeded/failed).
SELECT twspulse_make_rollup('job_runs_hourly', $q$
  SELECT time_bucket(INTERVAL '1 hour', time) AS bucket,
         workstation,
         category,
         count(*) AS runs,
         count(duration_s) AS timed_runs,
         avg(duration_s) AS avg_duration_s,
         max(duration_s) AS max_duration_s
    FROM job_runs
   GROUP BY 1, 2, 3
$q$, '3 days', '1 hour', '15 minutes');

-- Runtime percentiles of successful runs per job and day (the day the run ended). percentile_cont is
-- exact here: continuous aggregates store finalized values, and ordered-set aggregates are allowed in
-- them since TimescaleDB 2.7 (production runs 2.17). Not re-aggregatable: weekly medians come from raw.
SELECT twspulse_make_rollup('job_runtime_daily', $q$
  SELECT time_bucket(INTERVAL '1 day', time) AS bucket,
         job_stream,
         job_name,
         count(*) AS runs,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_s) AS p50_duration_s,
         percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_s) AS p95_duration_s,
         avg(duration_s) AS avg_duration_s,
         max(duration_s) AS max_duration_s
    FROM job_runs
   WHERE category = 'succeeded' AND duration_s IS NOT NULL
   GROUP BY 1, 2, 3
$q$, '7 days', '1 hour', '1 hour');

-- Host samples per minute; the hourly rollup is built on it (hierarchical, TimescaleDB >= 2.9), with the
-- average weighted by the sample count so it equals the average of the raw samples.
SELECT twspulse_make_rollup('host_metrics_1m', $q$
  SELECT time_bucket(INTERVAL '1 minute', time) AS bucket,
         host,
         metric,
         device,
         avg(value) AS avg_value,
         min(value) AS min_value,
         max(value) AS max_value,
         count(*) AS samples
    FROM host_metrics
   GROUP BY 1, 2, 3, 4
$q$, '6 hours', '1 minute', '5 minutes');

SELECT twspulse_make_rollup('host_metrics_1h', $q$
  SELECT time_bucket(INTERVAL '1 hour', bucket) AS bucket,
         host,
         metric,
         device,
         sum(avg_value * samples) / sum(samples) AS avg_value,
         min(min_value) AS min_value,
         max(max_value) AS max_value,
         sum(samples)::bigint AS samples
    FROM host_metrics_1m
   GROUP BY 1, 2, 3, 4
$q$, '3 days', '1 hour', '30 minutes');

-- The per-minute rollup is the bulk of the rollups: compress it once its refresh window has passed.
SELECT twspulse_compress_rollup('host_metrics_1m', '7 days');

-- Rollups outlive the raw rows they summarise (raw: 30 days for host samples, 400 days for job runs).
-- Plain PostgreSQL: they are views of the raw tables, so they simply follow the raw retention.
DO $$
BEGIN
  IF twspulse_has_timescaledb() THEN
    PERFORM twspulse_retain('host_metrics_1m', 'bucket', '90 days');
    PERFORM twspulse_retain('host_metrics_1h', 'bucket', '730 days');
    PERFORM twspulse_retain('job_runs_hourly', 'bucket', '730 days');
    PERFORM twspulse_retain('job_runtime_daily', 'bucket', '730 days');
  END IF;
END $$;
