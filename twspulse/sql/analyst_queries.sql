-- Analyst queries for psql or Grafana's query editor. They run unchanged on TimescaleDB and on plain
-- PostgreSQL: only the rollups (job_runs_hourly, job_runtime_daily, host_metrics_1m, host_metrics_1h) differ
-- between the two, and those have the same names and columns on both.
-- Each query starts with a name line and a description line, as below (tests/sql runs every one of them).
-- Not a migration: the migration runner only reads files named NNN_name.sql.

-- name: failures-by-pattern-this-week
-- description: Failed runs of the last 7 days grouped by the error pattern their joblog matched, most frequent first.
SELECT COALESCE(a.merged_into, p.pattern_id) AS pattern_id,  -- a merged pattern counts under the one it joined
       e.template,
       count(DISTINCT p.run_id) AS failed_runs,
       count(DISTINCT p.job_stream || '.' || p.job_name) AS jobs,
       min(p.time) AS first_failure,
       max(p.time) AS last_failure,
       (array_agg(p.job_stream || '.' || p.job_name ORDER BY p.time DESC))[1] AS latest_job,
       (array_agg(p.line ORDER BY p.time DESC))[1] AS latest_line
  FROM job_run_patterns p
  LEFT JOIN pattern_aliases a ON a.pattern_id = p.pattern_id
  LEFT JOIN job_error_patterns e ON e.pattern_id = COALESCE(a.merged_into, p.pattern_id)
 WHERE p.time >= now() - INTERVAL '7 days'
 GROUP BY 1, e.template
 ORDER BY failed_runs DESC, last_failure DESC;

-- name: slowest-growing-jobs
-- description: Jobs whose daily median runtime grew fastest over the last 8 weeks (least-squares slope of the daily p50).
SELECT job_stream,
       job_name,
       count(*) AS days,
       round(regr_slope(p50_duration_s, extract(epoch FROM bucket)::float8 / 86400)::numeric, 2) AS growth_s_per_day,
       round((100 * 7 * regr_slope(p50_duration_s, extract(epoch FROM bucket)::float8 / 86400)
              / avg(p50_duration_s))::numeric, 1) AS growth_pct_per_week,
       round(regr_r2(p50_duration_s, extract(epoch FROM bucket)::float8 / 86400)::numeric, 2) AS fit_r2,
       round(((array_agg(p50_duration_s ORDER BY bucket))[1])::numeric) AS first_p50_s,
       round(((array_agg(p50_duration_s ORDER BY bucket DESC))[1])::numeric) AS latest_p50_s
  FROM job_runtime_daily
 WHERE bucket >= now() - INTERVAL '8 weeks'
 GROUP BY job_stream, job_name
HAVING count(*) >= 14
   AND regr_slope(p50_duration_s, extract(epoch FROM bucket)::float8 / 86400) > 0
 ORDER BY growth_pct_per_week DESC
 LIMIT 20;

-- name: late-starts
-- description: First attempts of the last 7 days that started 5 minutes or more after their scheduled time, latest first.
WITH runs AS (
  SELECT DISTINCT ON (run_id)
         run_id, workstation, job_stream, job_name, sched_time, start_time, category,
         coalesce(late_start_s, extract(epoch FROM start_time - sched_time)::float8) AS late_s
    FROM job_runs
   WHERE time >= now() - INTERVAL '7 days'
     AND run_id IS NOT NULL AND start_time IS NOT NULL AND sched_time IS NOT NULL
     AND coalesce(run_attempt, 1) = 1
   ORDER BY run_id, time DESC
)
SELECT workstation, job_stream, job_name, sched_time, start_time,
       round((late_s / 60)::numeric, 1) AS late_min,
       category AS latest_category
  FROM runs
 WHERE late_s >= 300
 ORDER BY start_time DESC
 LIMIT 100;

-- name: host-saturation
-- description: Hosts whose CPU, memory, swap or disk ran at or above the warning threshold in the last hour (per-minute rollup).
WITH thresholds (metric, warn, crit) AS (
  VALUES ('cpu.percent', 85.0, 95.0),
         ('memory.percent', 85.0, 95.0),
         ('swap.percent', 50.0, 80.0),
         ('disk.used_percent', 85.0, 95.0)
)
SELECT m.host,
       m.metric,
       m.device,
       round(avg(m.avg_value)::numeric, 1) AS avg_last_hour,
       round(max(m.max_value)::numeric, 1) AS peak_last_hour,
       t.warn,
       t.crit,
       CASE WHEN max(m.max_value) >= t.crit THEN 'critical' ELSE 'warning' END AS level,
       max(m.bucket) FILTER (WHERE m.max_value >= t.warn) AS last_minute_over_warn
  FROM host_metrics_1m m
  JOIN thresholds t USING (metric)
 WHERE m.bucket >= now() - INTERVAL '1 hour'
 GROUP BY m.host, m.metric, m.device, t.warn, t.crit
HAVING avg(m.avg_value) >= t.warn OR max(m.max_value) >= t.crit
 ORDER BY max(m.max_value) - t.crit DESC;

-- name: disk-full-forecast
-- description: Disks filling up, with the days left at the trend of the last 3 days (hourly rollup, linear fit).
WITH trend AS (
  SELECT host,
         device,
         count(*) AS hours,
         regr_slope(avg_value, extract(epoch FROM bucket)::float8 / 3600) AS pct_per_hour,
         (array_agg(avg_value ORDER BY bucket DESC))[1] AS used_pct
    FROM host_metrics_1h
   WHERE metric = 'disk.used_percent' AND bucket >= now() - INTERVAL '3 days'
   GROUP BY host, device
)
SELECT host, device,
       round(used_pct::numeric, 1) AS used_pct,
       round((pct_per_hour * 24)::numeric, 2) AS pct_per_day,
       round(((100 - used_pct) / pct_per_hour / 24)::numeric, 1) AS days_to_full
  FROM trend
 WHERE hours >= 12 AND pct_per_hour > 0.01
 ORDER BY days_to_full;

-- name: top-failing-jobs
-- description: Jobs with the most failed runs in the last 30 days, their failure rate and the error line of their latest failure.
WITH failed AS (
  SELECT workstation, job_stream, job_name,
         count(*) FILTER (WHERE category = 'failed') AS failures,
         count(*) FILTER (WHERE category IN ('succeeded', 'failed')) AS finished,
         max(time) FILTER (WHERE category = 'failed') AS last_failure,
         (array_agg(run_id ORDER BY time DESC) FILTER (WHERE category = 'failed'))[1] AS last_failed_run
    FROM job_runs
   WHERE time >= now() - INTERVAL '30 days'
   GROUP BY workstation, job_stream, job_name
  HAVING count(*) FILTER (WHERE category = 'failed') > 0
)
SELECT f.workstation, f.job_stream, f.job_name, f.failures, f.finished,
       round(100.0 * f.failures / nullif(f.finished, 0), 1) AS failure_pct,
       f.last_failure,
       coalesce(lg.first_error_line, ln.line) AS latest_error_line,
       e.template AS latest_error_pattern
  FROM failed f
  LEFT JOIN LATERAL (
    SELECT first_error_line FROM job_logs
     WHERE run_id = f.last_failed_run AND first_error_line IS NOT NULL
     ORDER BY chunk_index LIMIT 1) lg ON true
  LEFT JOIN LATERAL (
    SELECT line, pattern_id FROM job_log_lines
     WHERE run_id = f.last_failed_run AND is_error
     ORDER BY pattern_id IS NULL, line_no LIMIT 1) ln ON true
  LEFT JOIN job_error_patterns e ON e.pattern_id = ln.pattern_id
 ORDER BY f.failures DESC, f.last_failure DESC
 LIMIT 20;

-- name: joblog-grep
-- description: Grep the joblog lines of failed runs (here for "tablespace", case-insensitive; the trigram index serves ILIKE), newest first.
SELECT l.time, l.job_stream, l.job_name, l.run_id, l.line_no, l.line, l.is_error, l.pattern_id
  FROM job_log_lines l
 WHERE l.line ILIKE '%tablespace%'
   AND l.time >= now() - INTERVAL '30 days'
 ORDER BY l.time DESC, l.line_no
 LIMIT 100;

-- name: job-runs-per-hour-by-status
-- description: Status changes per hour over the last 48 hours, one column per status category (continuous aggregate job_runs_hourly).
SELECT bucket AS time,
       coalesce(sum(runs) FILTER (WHERE category = 'succeeded'), 0) AS succeeded,
       coalesce(sum(runs) FILTER (WHERE category = 'failed'), 0) AS failed,
       coalesce(sum(runs) FILTER (WHERE category = 'running'), 0) AS started,
       coalesce(sum(runs) FILTER (WHERE category = 'canceled'), 0) AS canceled,
       coalesce(sum(runs) FILTER (WHERE category IN ('waiting', 'other')), 0) AS other
  FROM job_runs_hourly
 WHERE bucket >= now() - INTERVAL '48 hours'
 GROUP BY bucket
 ORDER BY bucket;

-- name: runtime-outliers-this-week
-- description: Successful runs of the last 7 days that took far longer than the model expected (enrichment columns).
SELECT time AS ended_at, job_key, job_stream, job_name,
       round(duration_s::numeric) AS duration_s,
       round(expected_duration_s::numeric) AS expected_s,
       round(duration_deviation::numeric, 2) AS ratio,
       runtime_above_p95
  FROM job_runs
 WHERE time >= now() - INTERVAL '7 days'
   AND category = 'succeeded'
   AND (runtime_above_p95 OR duration_deviation >= 1.5)
 ORDER BY duration_deviation DESC NULLS LAST
 LIMIT 50;

-- name: failure-streaks
-- description: Jobs whose latest failure of the last 7 days is a repeat failure or breaks a long run of successes.
SELECT DISTINCT ON (job_stream, job_name)
       job_stream, job_name, workstation, time AS failed_at, run_attempt,
       failure_streak, successes_before_failure, breaks_pattern
  FROM job_runs
 WHERE time >= now() - INTERVAL '7 days'
   AND category = 'failed'
   AND (failure_streak >= 2 OR breaks_pattern)
 ORDER BY job_stream, job_name, time DESC;

-- name: workstation-link-outages
-- description: Workstations seen unlinked or not running in the last 24 hours, with the first and last such poll.
SELECT workstation,
       count(*) AS polls_down,
       min(time) AS first_seen_down,
       max(time) AS last_seen_down,
       (array_agg(array_to_string(active_states, ',') ORDER BY time DESC))[1] AS latest_states_while_down
  FROM workstation_status
 WHERE time >= now() - INTERVAL '24 hours'
   AND NOT (linked AND running)
 GROUP BY workstation
 ORDER BY last_seen_down DESC;
