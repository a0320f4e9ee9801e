// The PostgreSQL side of the server tests. `npm test` starts a throwaway cluster
// (scripts/postgres-cluster.mjs) and runs the suites that exercise the store and auth a second time
// with TEST_DATABASE_URL set: then every test server gets a database of its own on that cluster.
import pg from 'pg';

/** A superuser's URL on the test cluster; undefined when the tests run on SQLite. */
export const testDatabaseUrl = process.env.TEST_DATABASE_URL || undefined;

/** The URL of database `name` on the test cluster. */
export function databaseUrl(name: string): string {
  if (!testDatabaseUrl) throw new Error('TEST_DATABASE_URL is not set: npm test starts a PostgreSQL cluster and sets it');
  const url = new URL(testDatabaseUrl);
  url.pathname = `/${encodeURIComponent(name)}`;
  return url.href;
}

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: databaseUrl('postgres') });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

const quoted = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** Creates database `name` unless it exists; returns its URL. */
export async function ensureDatabase(name: string): Promise<string> {
  await admin(async client => {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) await client.query(`CREATE DATABASE ${quoted(name)}`);
  });
  return databaseUrl(name);
}

/** Drops database `name`, closing whatever is still connected to it. */
export function dropDatabase(name: string): Promise<void> {
  return admin(async client => {
    await client.query(`DROP DATABASE IF EXISTS ${quoted(name)} WITH (FORCE)`);
  });
}
