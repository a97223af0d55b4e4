-- A read-only role for Grafana (issue: compose hardening): the provisioned data source logs in as
-- twspulse_grafana, never as the owner of the tables, so a dashboard query (or anyone holding Grafana's
-- data source password) can read every table and rollup but change nothing.
--
-- NOLOGIN here: a migration is in git and must hold no password. The deployment lets it log in with its own
-- secret (compose: the migrate service runs `python -m twspulse.secrets_check grafana-reader`, which sets
-- LOGIN and GRAFANA_READER_PASSWORD, SCRAM-hashed); until then nobody can log in as it.
--
-- Roles belong to the server, grants to each database: the role is created once (another database of the
-- same server, or a second migrate racing this one, may have made it already), the grants in every database
-- migrated. Creating a role needs CREATEROLE (compose's POSTGRES_USER is a superuser); on a managed server
-- where the migrating user has none, create the role once by hand and this file only grants.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'twspulse_grafana') THEN
    CREATE ROLE twspulse_grafana NOLOGIN;
  END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
  NULL;  -- created by a concurrent migration of another database on this server
END $$;

-- Even a query that tries to write fails (the grants below already refuse it): defence in depth.
ALTER ROLE twspulse_grafana SET default_transaction_read_only = on;

DO $$
BEGIN
  EXECUTE format('GRANT CONNECT ON DATABASE %I TO twspulse_grafana', current_database());
END $$;
GRANT USAGE ON SCHEMA public TO twspulse_grafana;

-- Every table and view there is now: hypertables (their chunks inherit the hypertable's grants), the
-- continuous aggregates and the plain-PostgreSQL rollup views (twspulse/sql/010), the model and alert tables.
GRANT SELECT ON ALL TABLES IN SCHEMA public TO twspulse_grafana;

-- And every table or view a later migration creates: default privileges of the role that runs the
-- migrations (the one running this file), which owns what they create.
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO twspulse_grafana;
