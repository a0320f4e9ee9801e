// The Stores the ChatKit server's tests run on: memory and SQLite, or, with TEST_DATABASE_URL set
// (npm test's postgres suite), PostgreSQL on a database of its own.
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import pg from 'pg';
import { MemoryStore } from '../../src/server/index.js';
import type { Store } from '../../src/server/index.js';
import { SQLiteStore } from '../../src/server/chatkit/stores/sqlite.js';
import { PostgresStore } from '../../src/server/chatkit/stores/postgres.js';
import { dropDatabase, ensureDatabase, testDatabaseUrl } from './databases.js';

export interface StoreFixture {
  store: Store;
  close(): Promise<void>;
}

export interface StoreKind {
  name: string;
  open(): Promise<StoreFixture>;
}

export const memoryKind: StoreKind = {
  name: 'MemoryStore',
  open: async () => ({ store: new MemoryStore(), close: async () => {} }),
};

export const sqliteKind: StoreKind = {
  name: 'SQLiteStore',
  async open() {
    const db = new Database(':memory:');
    return { store: new SQLiteStore(db), close: async () => void db.close() };
  },
};

/** A PostgresStore on a new database of the test cluster (dropped on close). */
export const postgresKind: StoreKind = {
  name: 'PostgresStore',
  async open() {
    const name = `chatkit_${randomBytes(6).toString('hex')}`;
    const pool = new pg.Pool({ connectionString: await ensureDatabase(name), max: 4 });
    const store = new PostgresStore(pool);
    await store.migrate();
    return {
      store,
      async close() {
        await pool.end();
        await dropDatabase(name);
      },
    };
  },
};

/** Memory and SQLite; PostgreSQL alone when TEST_DATABASE_URL is set. */
export const storeKinds: StoreKind[] = testDatabaseUrl ? [postgresKind] : [memoryKind, sqliteKind];
