-- Pattern ids that stay stable (issue 16): a pattern merged into another keeps its id as an alias.
-- job_run_patterns keeps the id a line got when it was mined; resolve it through this table to group
-- lines by the pattern they belong to now (COALESCE(a.merged_into, r.pattern_id)).
CREATE TABLE IF NOT EXISTS pattern_aliases (
  pattern_id  text        PRIMARY KEY,
  merged_into text        NOT NULL,  -- a live pattern of job_error_patterns
  merged_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS pattern_aliases_merged_into ON pattern_aliases (merged_into);
