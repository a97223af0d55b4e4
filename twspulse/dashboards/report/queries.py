"""The SQL behind each report section. ``%(since)s`` is the look-back interval (a timedelta parameter).

They run unchanged on TimescaleDB and plain PostgreSQL: rollups have the same names and columns on both.
"""

from __future__ import annotations

TOTALS = """
SELECT count(*) FILTER (WHERE category = 'succeeded') AS succeeded,
       count(*) FILTER (WHERE category = 'failed') AS failed,
       count(DISTINCT job_stream || '.' || job_name) AS jobs
  FROM job_runs
 WHERE time >= now() - %(since)s
"""

TOP_FAILING_JOBS = """
WITH failed AS (
  SELECT workstation, job_stream, job_name,
         count(*) FILTER (WHERE category = 'failed') AS failures,
         count(*) FILTER (WHERE category IN ('succeeded', 'failed')) AS finished,
         max(time) FILTER (WHERE category = 'failed') AS last_failure,
         (array_agg(run_id ORDER BY time DESC) FILTER (WHERE category = 'failed'))[1] AS last_failed_run
    FROM job_runs
   WHERE time >= now() - %(since)s
   GROUP BY workstation, job_stream, job_name
  HAVING count(*) FILTER (WHERE category = 'failed') > 0
)
SELECT f.workstation, f.job_stream, f.job_name, f.failures, f.finished,
       round(100.0 * f.failures / nullif(f.finished, 0), 1) AS failure_pct,
       f.last_failure, a.category AS cause, a.root_cause,
       coalesce(a.error_line, lg.first_error_line) AS error_line
  FROM failed f
  LEFT JOIN job_annotations a ON a.run_id = f.last_failed_run
  LEFT JOIN LATERAL (
    SELECT first_error_line FROM job_logs
     WHERE run_id = f.last_failed_run AND first_error_line IS NOT NULL
     ORDER BY chunk_index LIMIT 1) lg ON true
 ORDER BY f.failures DESC, f.last_failure DESC
 LIMIT 15
"""

# Per cause, what operators recorded about its annotations (`twspulse feedback`): the learning-from-resolutions
# loop's track record, which moves the confidence of later annotations of the same pattern.
ROOT_CAUSES = """
WITH outcome AS (
  SELECT DISTINCT ON (run_id) run_id, correct FROM annotation_feedback
   WHERE correct IS NOT NULL ORDER BY run_id, given_at DESC
)
SELECT coalesce(a.category, 'not annotated') AS cause, count(*) AS failures,
       (array_agg(a.root_cause ORDER BY r.time DESC) FILTER (WHERE a.root_cause IS NOT NULL))[1] AS latest_root_cause,
       round(avg(a.confidence)::numeric, 2) AS confidence,
       count(o.run_id) FILTER (WHERE o.correct) AS confirmed,
       count(o.run_id) FILTER (WHERE NOT o.correct) AS refuted
  FROM job_runs r
  LEFT JOIN job_annotations a ON a.run_id = r.run_id
  LEFT JOIN outcome o ON o.run_id = r.run_id
 WHERE r.time >= now() - %(since)s AND r.category = 'failed'
 GROUP BY 1
 ORDER BY 2 DESC
"""

# Drift is a multi-week notion: its look-back is the report's window, but at least DRIFT_LOOKBACK.
DRIFT_LOOKBACK = "greatest(%(since)s, INTERVAL '28 days')"
DRIFT_MIN_DAYS = 7  # daily medians a job needs before its slope means anything
DRIFT_MIN_RUNS = 10

# Candidates for the drift section: jobs with enough daily medians and runs over the drift look-back,
# pre-ranked by their least-squares relative slope (cheap, in the database); build.py then fits each
# candidate's robust (Theil-Sen) slope and Kendall test and ranks by those.
RUNTIME_DRIFT_CANDIDATES = f"""
SELECT job_stream, job_name, count(*) AS days, sum(runs) AS runs
  FROM job_runtime_daily
 WHERE bucket >= now() - {DRIFT_LOOKBACK}
 GROUP BY job_stream, job_name
HAVING count(*) >= {DRIFT_MIN_DAYS} AND sum(runs) >= {DRIFT_MIN_RUNS}
 ORDER BY abs(regr_slope(p50_duration_s, extract(epoch FROM bucket)::float8 / 86400)
              / nullif(avg(p50_duration_s), 0)) DESC NULLS LAST
 LIMIT 50
"""

RUNTIME_DEVIATION = f"""
SELECT avg(duration_deviation) AS avg_ratio, max(duration_deviation) AS max_ratio,
       count(*) FILTER (WHERE runtime_above_p95) AS runs_above_p95
  FROM job_runs
 WHERE job_stream = %(job_stream)s AND job_name = %(job_name)s AND time >= now() - {DRIFT_LOOKBACK}
   AND category = 'succeeded' AND duration_deviation IS NOT NULL
"""

RUNTIME_DAILY = f"""
SELECT bucket, p50_duration_s
  FROM job_runtime_daily
 WHERE job_stream = %(job_stream)s AND job_name = %(job_name)s AND bucket >= now() - {DRIFT_LOOKBACK}
 ORDER BY bucket
"""

CAPACITY_CROSSINGS = """
WITH latest AS (
  SELECT DISTINCT ON (series_key) *
    FROM forecast_models
   WHERE series_kind IN ('host_cpu', 'host_memory', 'host_disk')
   ORDER BY series_key, trained_at DESC
)
SELECT series_key, series_kind, model_version, threshold, crossing_at, crossing_lower, crossing_upper, trained_at
  FROM latest
 WHERE status = 'trained' AND crossing_at IS NOT NULL
 ORDER BY crossing_at
"""

HOST_HISTORY = """
SELECT bucket, avg_value
  FROM host_metrics_1h
 WHERE host = %(host)s AND metric = %(metric)s AND device = %(device)s AND bucket >= now() - %(since)s
 ORDER BY bucket
"""

FORECAST_POINTS = """
SELECT time, yhat, yhat_lower, yhat_upper
  FROM forecasts
 WHERE series_key = %(series_key)s AND model_version = %(model_version)s
 ORDER BY time
"""

BACKTEST_BY_KIND = """
WITH latest AS (
  SELECT DISTINCT ON (series_key) *
    FROM forecast_models
   ORDER BY series_key, trained_at DESC
)
SELECT series_kind,
       count(*) FILTER (WHERE status = 'trained') AS trained,
       count(*) FILTER (WHERE status <> 'trained') AS not_trained,
       round(avg(mape)::numeric, 3) AS mean_mape,
       round((percentile_cont(0.5) WITHIN GROUP (ORDER BY smape))::numeric, 3) AS median_smape,
       round((percentile_cont(0.5) WITHIN GROUP (ORDER BY baseline_smape))::numeric, 3) AS median_baseline_smape,
       count(*) FILTER (WHERE smape < baseline_smape) AS beats_baseline
  FROM latest
 GROUP BY series_kind
 ORDER BY series_kind
"""

BACKTEST_SERIES = """
WITH latest AS (
  SELECT DISTINCT ON (series_key) *
    FROM forecast_models
   ORDER BY series_key, trained_at DESC
)
SELECT series_key, series_kind, n_points, mape, smape, baseline_smape, trained_at
  FROM latest
 WHERE status = 'trained' AND smape IS NOT NULL
 ORDER BY smape - coalesce(baseline_smape, smape) DESC, smape DESC
"""

OPEN_ALERTS = """
SELECT severity, kind, subject, summary, count, first_seen, last_seen
  FROM (SELECT DISTINCT ON (alert_id) *
          FROM alerts
         ORDER BY alert_id, time DESC) current_state
 WHERE state = 'firing'
 ORDER BY CASE severity WHEN 'critical' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, last_seen DESC
"""

# Active insights with a recommendation (twspulse/models/insights_job.py), the soonest deadline first; an insight
# without a deadline (a trend that stays below its threshold) comes last.
RECOMMENDATIONS = """
SELECT deadline, priority, action, kind, subject, summary, round(confidence::numeric, 3) AS confidence,
       prediction ->> 'crossing_at' AS crossing_at
  FROM insights
 WHERE state = 'active' AND significant AND priority IS NOT NULL
 ORDER BY deadline NULLS LAST,
          CASE priority WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END, subject
"""

# Queries that take only %(since)s: the conformance tests run these on every engine.
SECTION_QUERIES = {
    "totals": TOTALS,
    "top_failing_jobs": TOP_FAILING_JOBS,
    "root_causes": ROOT_CAUSES,
    "runtime_drift_candidates": RUNTIME_DRIFT_CANDIDATES,
    "capacity_crossings": CAPACITY_CROSSINGS,
    "backtest_by_kind": BACKTEST_BY_KIND,
    "backtest_series": BACKTEST_SERIES,
    "open_alerts": OPEN_ALERTS,
    "recommendations": RECOMMENDATIONS,
}
