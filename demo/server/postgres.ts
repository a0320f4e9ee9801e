// PostgreSQL for the demo backend (DATABASE_URL): one pg Pool per instance, shared by Better Auth
// (Kysely's PostgresDialect) and the chat store; migrations of instances starting together taken one
// at a time; the 503 for "the database cannot be reached" (told apart by the package's isUnavailable).
import pg from 'pg';
import { HttpError, oneLine } from './http-errors.js';

/** Any constant: every instance on a database takes the same advisory lock around its migrations. */
const MIGRATION_LOCK = 4_215_061_771;

export function openPool(url: string, log: (line: string) => void): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    // a database that does not answer fails a request (503) in seconds instead of holding it
    connectionTimeoutMillis: 5_000,
    keepAlive: true,
  });
  // A connection that breaks while idle (the server restarted) is dropped and reported here; without a
  // listener the event would crash the process. The pool opens new connections when asked again.
  pool.on('error', error => log(`database: an idle connection was lost: ${oneLine(error)}`));
  // One that breaks while checked out fails its query, which is where the error is handled; it emits
  // 'error' as well, and an unheard 'error' event would crash the process.
  pool.on('connect', client => client.on('error', () => {}));
  return pool;
}

/**
 * Runs `work` holding a session-level advisory lock on one connection: two instances starting at once
 * migrate one after the other (the second finds the tables made). The lock goes with the connection
 * if the process dies.
 */
export async function withMigrationLock<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: unknown;
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      return await work(client);
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } catch (error) {
    broken = error;
    throw error;
  } finally {
    // a connection that failed is not given back to the pool for reuse
    client.release(broken instanceof Error ? broken : undefined);
  }
}

/** The answer for a request that needs the database while it cannot be reached. */
export function databaseUnavailable(): HttpError {
  return new HttpError(503, 'database_unavailable', 'The database cannot be reached right now. Try again shortly.', { 'Retry-After': '5' });
}

/** host:port/database for messages: never the user name or password of the URL. */
export function describeTarget(url: string): string {
  const { hostname, port, pathname } = new URL(url);
  return `${hostname || 'localhost'}:${port || '5432'}${pathname.length > 1 ? pathname : ''}`;
}
