-- Why a point was scored as it was (issue 15): the streaming detector's component that fired, its expected
-- range and score, as JSON ({"component": "level", "expected_low": ..., "expected_high": ..., ...}), so an SRE
-- can judge a flag from the anomalies table alone. NULL for rows of detectors that give no reason.
-- A nullable column without default: TimescaleDB adds it to compressed chunks without rewriting them.
ALTER TABLE anomalies ADD COLUMN IF NOT EXISTS evidence jsonb;
