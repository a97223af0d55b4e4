-- What the model jobs produce (issue 5): forecasts, anomaly scores, alerts and the record of training runs.

-- One row per trained (or skipped) series and model version: the metadata of a forecast, its backtest and,
-- for resources, when it crosses the capacity threshold. Small (series x retrains), so a plain table.
CREATE TABLE IF NOT EXISTS forecast_models (
  model_version  text PRIMARY KEY,             -- e.g. "host_disk:web01:/data@20261125T020000Z"
  series_key     text        NOT NULL,         -- job_key for runtimes, "host/metric/device" for resources
  series_kind    text        NOT NULL,         -- job_runtime, host_cpu, host_memory, host_disk
  trained_at     timestamptz NOT NULL,
  train_start    timestamptz,
  train_end      timestamptz,
  n_points       integer     NOT NULL DEFAULT 0,
  status         text        NOT NULL CHECK (status IN ('trained', 'skipped', 'failed')),
  skip_reason    text,                         -- why a series was skipped (too little history, constant, ...)
  mape           double precision,             -- rolling-origin backtest of the model
  smape          double precision,
  baseline_smape double precision,             -- seasonal-naive baseline on the same folds
  threshold      double precision,             -- capacity threshold (percent) for resource series
  crossing_at    timestamptz,                  -- first forecast point with yhat >= threshold
  crossing_lower timestamptz,                  -- ... with yhat_upper >= threshold (earliest plausible)
  crossing_upper timestamptz                   -- ... with yhat_lower >= threshold (latest plausible)
);
CREATE INDEX IF NOT EXISTS forecast_models_series ON forecast_models (series_key, trained_at DESC);

-- Forecast points. A daily retrain of ~1,000 series x 30 days x 24 points is ~720k rows/day: 7-day chunks.
CREATE TABLE IF NOT EXISTS forecasts (
  time          timestamptz      NOT NULL,     -- the forecast instant (ds)
  series_key    text             NOT NULL,
  series_kind   text             NOT NULL,
  model_version text             NOT NULL,
  trained_at    timestamptz      NOT NULL,
  yhat          double precision NOT NULL,
  yhat_lower    double precision NOT NULL,
  yhat_upper    double precision NOT NULL,
  PRIMARY KEY (series_key, model_version, time)
);
SELECT twspulse_make_hypertable('forecasts', 'time', '7 days');
CREATE INDEX IF NOT EXISTS forecasts_series_time ON forecasts (series_key, trained_at DESC, time);

-- Anomaly scores of job runs and host metric points (streaming and batch detectors). Only scored points
-- above a floor are kept by the worker, so volume stays near the job_runs rate: 7-day chunks.
CREATE TABLE IF NOT EXISTS anomalies (
  time          timestamptz      NOT NULL,     -- time of the scored point
  subject_kind  text             NOT NULL,     -- job or host
  subject       text             NOT NULL,     -- job_key or host
  metric        text             NOT NULL,     -- duration_s, cpu.percent, disk.used_percent:/data, ...
  value         double precision,
  score         double precision NOT NULL CHECK (score >= 0 AND score <= 1),
  is_anomaly    boolean          NOT NULL,
  detector      text             NOT NULL,     -- robust_baseline, isolation_forest, ...
  model_version text,
  run_id        text,                          -- the job run scored, when subject_kind = job
  PRIMARY KEY (subject_kind, subject, metric, detector, time)
);
SELECT twspulse_make_hypertable('anomalies', 'time', '7 days');
CREATE INDEX IF NOT EXISTS anomalies_flagged ON anomalies (time DESC) WHERE is_anomaly;

-- Alert events, one row per change of an alert (opened, repeated, annotated, resolved): the same contract
-- as the topic `alerts`. The latest row of an alert_id is its state:
--   SELECT DISTINCT ON (alert_id) * FROM alerts ORDER BY alert_id, time DESC
CREATE TABLE IF NOT EXISTS alerts (
  time       timestamptz NOT NULL,             -- when this change happened
  alert_id   text        NOT NULL,
  dedup_key  text        NOT NULL,
  kind       text        NOT NULL,             -- job_failed, runtime_anomaly, metric_anomaly, capacity_forecast, sla_risk
  severity   text        NOT NULL,             -- info, warning, critical
  state      text        NOT NULL CHECK (state IN ('firing', 'resolved')),
  subject    text        NOT NULL,             -- job_key or host
  first_seen timestamptz NOT NULL,
  last_seen  timestamptz NOT NULL,
  count      integer     NOT NULL DEFAULT 1,
  summary    text        NOT NULL,
  evidence   jsonb       NOT NULL DEFAULT '{}'::jsonb,
  PRIMARY KEY (alert_id, time)
);
SELECT twspulse_make_hypertable('alerts', 'time', '30 days');
CREATE INDEX IF NOT EXISTS alerts_kind_time ON alerts (kind, time DESC);
CREATE INDEX IF NOT EXISTS alerts_subject_time ON alerts (subject, time DESC);

-- One row per `twspulse train` run, so dashboards show whether retraining works.
CREATE TABLE IF NOT EXISTS model_runs (
  run_id         text PRIMARY KEY,
  started_at     timestamptz NOT NULL,
  finished_at    timestamptz,
  duration_s     double precision,
  status         text        NOT NULL CHECK (status IN ('running', 'ok', 'failed')),
  series_trained integer     NOT NULL DEFAULT 0,
  series_skipped integer     NOT NULL DEFAULT 0,
  metrics        jsonb       NOT NULL DEFAULT '{}'::jsonb,
  error          text
);
CREATE INDEX IF NOT EXISTS model_runs_started ON model_runs (started_at DESC);

-- Compression segments by what the dashboards filter on (one series, one subject, one alert kind).
SELECT twspulse_compress('forecasts', 'series_key', 'time DESC', '30 days');
SELECT twspulse_compress('anomalies', 'subject_kind, subject', 'time DESC', '7 days');
SELECT twspulse_compress('alerts', 'kind', 'time DESC', '30 days');
SELECT twspulse_retain('forecasts', 'time', '180 days');
SELECT twspulse_retain('anomalies', 'time', '400 days');
SELECT twspulse_retain('alerts', 'time', '400 days');
