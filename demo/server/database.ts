// The backend's database, chosen by configuration: SQLite in a file (DATABASE_PATH, the embedded
// default) or PostgreSQL (DATABASE_URL, several instances on one database). Either way one handle for
// Better Auth's tables and the chat store on the same database, migrations at start, and close().
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type pg from 'pg';
import { ConfigError } from './config.js';
import type { ServerConfig } from './config.js';
import { oneLine } from './http-errors.js';
import type { HttpError } from './http-errors.js';
import { databaseUnavailable, describeTarget, openPool, withMigrationLock } from './postgres.js';
import type { AttachmentFiles, Store } from '../../src/server/index.js';
import { DiskAttachmentFiles } from '../../src/server/chatkit/attachments/disk.js';
import { PostgresAttachmentFiles } from '../../src/server/chatkit/attachments/postgres.js';
import { isUnavailable, PostgresStore } from '../../src/server/chatkit/stores/postgres.js';
import { SQLiteStore } from '../../src/server/chatkit/stores/sqlite.js';

export interface AppDatabase {
  kind: 'sqlite' | 'postgres';
  /** Better Auth's `database` option: a better-sqlite3 database or a pg Pool (it picks Kysely's dialect). */
  auth: Database.Database | pg.Pool;
  store: Store;
  /** Where attachments' bytes live: a folder beside the SQLite file, or a table on PostgreSQL. */
  attachmentFiles: AttachmentFiles;
  /** Where Better Auth keeps its rate-limit counters: in the shared database when instances are several. */
  rateLimitStorage: 'memory' | 'database';
  /**
   * Creates the store's tables, then runs `migrateAuth` (Better Auth's), one instance at a time. On
   * PostgreSQL a database that cannot be reached or prepared is a ConfigError naming DATABASE_URL.
   */
  migrate(migrateAuth: () => Promise<void>): Promise<void>;
  /** The 503 to answer for `error` when it means the database cannot be reached; otherwise undefined. */
  unavailable(error: unknown): HttpError | undefined;
  close(): Promise<void>;
}

type Log = (line: string) => void;

export function openDatabase(config: Pick<ServerConfig, 'databasePath' | 'databaseUrl' | 'attachmentsDir'>, log: Log): AppDatabase {
  return config.databaseUrl ? openPostgres(config.databaseUrl, log) : openSqlite(config.databasePath, config.attachmentsDir);
}

/** The SQLite file (its folder created), set up as every part of the backend expects it. */
export function openSqliteFile(path: string): Database.Database {
  try {
    if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true });
    const database = new Database(path);
    database.pragma('journal_mode = WAL');
    database.pragma('foreign_keys = ON');
    database.pragma('busy_timeout = 5000');
    return database;
  } catch (error) {
    throw new ConfigError('DATABASE_PATH', `cannot be opened as a SQLite file (got "${path}"): ${oneLine(error)}`);
  }
}

function openSqlite(path: string, attachmentsDir: string | undefined): AppDatabase {
  const database = openSqliteFile(path);
  // nothing kept with ':memory:': its files go in a temporary folder, removed on close
  const temporary = attachmentsDir === undefined && path === ':memory:' ? mkdtempSync(join(tmpdir(), 'auth-chatkit-attachments-')) : undefined;
  const folder = attachmentsDir ?? temporary ?? join(dirname(resolve(path)), 'attachments');
  let store: Store;
  try {
    store = new SQLiteStore(database);
  } catch (error) {
    database.close();
    throw error;
  }
  return {
    kind: 'sqlite',
    auth: database,
    store,
    attachmentFiles: new DiskAttachmentFiles(folder),
    rateLimitStorage: 'memory',
    // one process per file: nothing to take turns with
    migrate: migrateAuth => migrateAuth(),
    unavailable: () => undefined,
    async close() {
      database.close();
      if (temporary) rmSync(temporary, { recursive: true, force: true });
    },
  };
}

function openPostgres(url: string, log: Log): AppDatabase {
  const pool = openPool(url, log);
  const store = new PostgresStore(pool);
  const attachmentFiles = new PostgresAttachmentFiles(pool);
  return {
    kind: 'postgres',
    auth: pool,
    store,
    attachmentFiles,
    rateLimitStorage: 'database',
    async migrate(migrateAuth) {
      try {
        // the store takes its own advisory lock; Better Auth's migrations take the demo's
        await store.migrate();
        await attachmentFiles.migrate();
        await withMigrationLock(pool, () => migrateAuth());
      } catch (error) {
        if (error instanceof ConfigError) throw error;
        throw new ConfigError('DATABASE_URL', `cannot be used (PostgreSQL at ${describeTarget(url)}): ${oneLine(error)}`);
      }
    },
    unavailable: error => (isUnavailable(error) ? databaseUnavailable() : undefined),
    close: () => pool.end(),
  };
}
