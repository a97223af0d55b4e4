-- Enable TimescaleDB where the server has it; plain PostgreSQL keeps working without it.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb') THEN
    CREATE EXTENSION IF NOT EXISTS timescaledb;
  END IF;
END $$;

-- Helper used by later migrations: a hypertable where TimescaleDB is present, a plain table elsewhere.
CREATE OR REPLACE FUNCTION twspulse_make_hypertable(tbl regclass, time_col name, chunk interval)
RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') THEN
    EXECUTE format('SELECT create_hypertable(%L, by_range(%L, %L::interval), if_not_exists => true, migrate_data => true)',
                   tbl, time_col, chunk);
    RETURN 'hypertable';
  END IF;
  RETURN 'plain';
END $$;
