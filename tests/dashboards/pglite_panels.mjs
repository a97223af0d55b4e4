// Dashboard and report queries on TimescaleDB, in-process: PGlite (PostgreSQL 17) with TimescaleDB 2.23.
//
// Uses the PGlite package installed for tests/sql/pglite (its node_modules; this script installs nothing).
// Input: one JSON file (argv[2]) written by tests/dashboards/test_panels_timescale.py:
//   { pglite_dir, migrations: [{version, name, checksum, sql}], sample_sql, queries: [{name, sql}] }
// Steps: apply every migration (each in a transaction, as the runner does), load the sample rows, refresh
// every continuous aggregate (lower levels first), then run every query and report its columns, row count
// and first rows. Output: one JSON line on stdout; exit 2 on a fatal error (the report says which).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const input = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const report = { fatal: null, timings_ms: {}, results: [] };
const errorText = (e) => (e && e.message ? e.message : String(e));
const plain = (v) => JSON.parse(JSON.stringify(v, (_, x) => (typeof x === 'bigint' ? Number(x) : x)));

// The package's own "exports" map decides which file an import of it means.
function entry(pkgDir, subpath) {
  const exportsMap = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')).exports;
  const cut = subpath.lastIndexOf('/') + 1;
  const target = exportsMap[subpath] ?? exportsMap[subpath.slice(0, cut) + '*']; // "./contrib/*" patterns
  const file = typeof target.import === 'string' ? target.import : target.import.default;
  return pathToFileURL(join(pkgDir, file.replace('*', subpath.slice(cut)))).href;
}

async function main() {
  const pkg = join(input.pglite_dir, 'node_modules', '@unni-craftsman', 'pglite');
  const { PGlite } = await import(entry(pkg, '.'));
  const { timescaledb } = await import(entry(pkg, './timescaledb'));
  const { pg_trgm } = await import(entry(pkg, './contrib/pg_trgm'));

  let t0 = Date.now();
  const db = await PGlite.create({ extensions: { timescaledb, pg_trgm } });
  await db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
                   version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,
                   applied_at timestamptz NOT NULL DEFAULT now())`);
  for (const mig of input.migrations) {
    try {
      await db.transaction(async (tx) => {
        await tx.exec(mig.sql);
        await tx.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
          mig.version, mig.name, mig.checksum,
        ]);
      });
    } catch (e) {
      throw new Error(`migration ${mig.name} failed: ${errorText(e)}`);
    }
  }
  report.mode = (await db.query(`SELECT count(*)::int AS n FROM pg_extension WHERE extname = 'timescaledb'`)).rows[0].n
    ? 'timescaledb' : 'postgresql';
  report.timings_ms.migrations = Date.now() - t0;

  t0 = Date.now();
  await db.exec(input.sample_sql);
  report.timings_ms.load_sample = Date.now() - t0;

  t0 = Date.now();
  const caggs = (await db.query(
    `SELECT c.view_name, coalesce(mh.parent_mat_hypertable_id, 0) AS level
       FROM timescaledb_information.continuous_aggregates c
       JOIN _timescaledb_catalog.continuous_agg mh ON mh.user_view_name = c.view_name
      ORDER BY level, c.view_name`)).rows;
  for (const c of caggs) await db.exec(`CALL refresh_continuous_aggregate('${c.view_name}', NULL, NULL)`);
  report.refreshed = caggs.map((c) => c.view_name);
  report.timings_ms.refresh = Date.now() - t0;

  t0 = Date.now();
  for (const q of input.queries) {
    try {
      const r = await db.query(q.sql, [], { rowMode: 'array' });
      report.results.push({
        name: q.name,
        columns: r.fields.map((f) => f.name),
        rows: r.rows.length,
        first: plain(r.rows.slice(0, 3)),
        error: null,
      });
    } catch (e) {
      report.results.push({ name: q.name, columns: [], rows: 0, first: [], error: errorText(e) });
    }
  }
  report.timings_ms.queries = Date.now() - t0;
  await db.close();
}

let code = 0;
try {
  await main();
} catch (e) {
  report.fatal = errorText(e);
  code = 2;
}
process.stdout.write(JSON.stringify(report) + '\n');
process.exitCode = code;
