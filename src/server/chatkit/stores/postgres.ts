// The Store in PostgreSQL (pg, an optional peer dependency): `auth-chatkit/server/postgres`. Shared by
// every instance on the database; `migrate()` makes or upgrades the tables under an advisory lock, so
// instances starting together take turns. Same tables and behaviour as the SQLite store: every row
// carries its owner (the token's `sub`) and every statement is scoped by it; `seq` (an identity
// column) is the insertion order that breaks created_at ties; data is json, kept as written (key
// order included). A database that cannot be reached is a 503 `database_unavailable` to the client.
import type pg from 'pg';
import type { ChatKitContext } from '../context.js';
import { ChatKitHttpError } from '../errors.js';
import { defaultGenerateId, InvalidCursorError, NotFoundError } from '../store.js';
import type { Store, StoreItemType } from '../store.js';
import type { Attachment, Page, SortOrder, ThreadItem, ThreadMetadata } from '../types.js';
import { toPage } from './page.js';

/** Each entry moves the schema one version up; applied in order, once, recorded in chatkit_migrations. */
const MIGRATIONS = [
  `CREATE TABLE chatkit_threads (
     seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
     owner text NOT NULL,
     id text NOT NULL,
     created_at timestamptz NOT NULL,
     data json NOT NULL,
     UNIQUE (owner, id)
   );
   CREATE INDEX chatkit_threads_by_time ON chatkit_threads (owner, created_at, seq);
   CREATE TABLE chatkit_items (
     seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
     owner text NOT NULL,
     thread_id text NOT NULL,
     id text NOT NULL,
     created_at timestamptz NOT NULL,
     type text NOT NULL,
     data json NOT NULL,
     UNIQUE (owner, id),
     FOREIGN KEY (owner, thread_id) REFERENCES chatkit_threads (owner, id) ON DELETE CASCADE
   );
   CREATE INDEX chatkit_items_by_time ON chatkit_items (owner, thread_id, created_at, seq);
   CREATE TABLE chatkit_attachments (
     owner text NOT NULL,
     id text NOT NULL,
     data json NOT NULL,
     PRIMARY KEY (owner, id)
   );`,
];

/** PostgreSQL's text cannot hold U+0000 (the query fails): an id with one names nothing stored. */
const unstorable = (id: string | undefined) => id?.includes('\u0000') ?? false;

/** Any constant of ours: every instance on a database takes the same advisory lock around the store's migrations. */
const MIGRATION_LOCK = 7_406_511_893;

// Node's socket errors, and PostgreSQL's connection_exception class (08...), admin_shutdown,
// crash_shutdown, cannot_connect_now and too_many_connections.
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', '57P01', '57P02', '57P03', '53300']);
// What pg and pg-pool throw, without a code, for a connection that ended or never came
const CONNECTION_LOST = /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed)/;

/** Whether `error` (or one of its causes) says the database cannot be reached right now. */
export function isUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && (UNREACHABLE_CODES.has(code) || code.startsWith('08'))) return true;
    if (CONNECTION_LOST.test(current.message)) return true;
  }
  return false;
}

/** The answer for a request that needs the database while it cannot be reached: 503 with Retry-After. */
export class DatabaseUnavailableError extends ChatKitHttpError {
  override name = 'DatabaseUnavailableError';
  constructor(options?: { cause?: unknown }) {
    super(503, 'database_unavailable', 'The database cannot be reached right now. Try again shortly.');
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}

interface Cursor {
  created_at: Date;
  /** A bigint, read as text. */
  seq: string;
}

/** One query per direction, with and without a cursor; `scope` uses $1.., the cursor and limit follow. */
function pageQueries(table: string, scope: string, scopeParams: number) {
  const make = (order: SortOrder, withCursor: boolean) => {
    const dir = order === 'asc' ? 'ASC' : 'DESC';
    const next = scopeParams + 1;
    const after = withCursor ? `AND (created_at, seq) ${order === 'asc' ? '>' : '<'} ($${next}, $${next + 1})` : '';
    return `SELECT data FROM ${table} WHERE ${scope} ${after} ORDER BY created_at ${dir}, seq ${dir} LIMIT $${withCursor ? next + 2 : next}`;
  };
  return { asc: [make('asc', false), make('asc', true)], desc: [make('desc', false), make('desc', true)] } as const;
}
const threadPages = pageQueries('chatkit_threads', 'owner = $1', 1);
const itemPages = pageQueries('chatkit_items', 'owner = $1 AND thread_id = $2', 2);

// PostgreSQL's foreign_key_violation: an item for a thread that is not the owner's
const FOREIGN_KEY_VIOLATION = '23503';

/**
 * Threads, items and attachment records in PostgreSQL, shared by every instance on the database.
 * Call `migrate()` once at start (instances starting together take turns under an advisory lock).
 *
 * ```ts
 * import pg from 'pg';
 * import { PostgresStore } from 'auth-chatkit/server/postgres';
 * const store = new PostgresStore(new pg.Pool({ connectionString: process.env.DATABASE_URL }));
 * await store.migrate();
 * ```
 */
export class PostgresStore<C extends ChatKitContext = ChatKitContext> implements Store<C> {
  constructor(readonly pool: pg.Pool) {}

  /** Creates or upgrades the tables, one instance at a time (pg_advisory_lock), each step in a transaction. */
  async migrate(): Promise<void> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
      try {
        await client.query('CREATE TABLE IF NOT EXISTS chatkit_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL)');
        const { rows } = await client.query<{ version: number | null }>('SELECT max(version) AS version FROM chatkit_migrations');
        for (let next = (rows[0]?.version ?? 0) + 1; next <= MIGRATIONS.length; next++) {
          await client.query('BEGIN');
          try {
            await client.query(MIGRATIONS[next - 1]!);
            await client.query('INSERT INTO chatkit_migrations (version, applied_at) VALUES ($1, now())', [next]);
            await client.query('COMMIT');
          } catch (error) {
            await client.query('ROLLBACK');
            throw error;
          }
        }
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
      }
    } catch (error) {
      broken = error instanceof Error ? error : new Error(String(error));
      throw error;
    } finally {
      // a connection that failed is not given back to the pool for reuse
      client.release(broken);
    }
  }

  private async query<Row extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<{ rows: Row[]; rowCount: number }> {
    try {
      const result = await this.pool.query<Row>(text, values);
      return { rows: result.rows, rowCount: result.rowCount ?? 0 };
    } catch (error) {
      throw isUnavailable(error) ? new DatabaseUnavailableError({ cause: error }) : error;
    }
  }

  generateThreadId(_context: C): string {
    return defaultGenerateId('thread');
  }

  generateItemId(type: StoreItemType, _thread: ThreadMetadata, _context: C): string {
    return defaultGenerateId(type);
  }

  async loadThread(threadId: string, context: C): Promise<ThreadMetadata> {
    if (unstorable(threadId)) throw new NotFoundError(`Thread ${threadId} not found`);
    const { rows } = await this.query<{ data: ThreadMetadata }>('SELECT data FROM chatkit_threads WHERE owner = $1 AND id = $2', [context.user.sub, threadId]);
    if (!rows[0]) throw new NotFoundError(`Thread ${threadId} not found`);
    return rows[0].data;
  }

  async saveThread(thread: ThreadMetadata, context: C): Promise<void> {
    await this.query(
      `INSERT INTO chatkit_threads (owner, id, created_at, data) VALUES ($1, $2, $3, $4)
       ON CONFLICT (owner, id) DO UPDATE SET data = excluded.data`,
      [context.user.sub, thread.id, thread.created_at, JSON.stringify(thread)],
    );
  }

  async loadThreads(limit: number, after: string | undefined, order: SortOrder, context: C): Promise<Page<ThreadMetadata>> {
    const owner = context.user.sub;
    let cursor: Cursor | undefined;
    if (after !== undefined) {
      if (unstorable(after)) throw new InvalidCursorError(`No thread ${after}`);
      [cursor] = (await this.query<Cursor>('SELECT created_at, seq FROM chatkit_threads WHERE owner = $1 AND id = $2', [owner, after])).rows;
      if (!cursor) throw new InvalidCursorError(`No thread ${after}`);
    }
    const values = [owner, ...(cursor ? [cursor.created_at, cursor.seq] : []), limit + 1];
    const { rows } = await this.query<{ data: ThreadMetadata }>(threadPages[order][cursor ? 1 : 0], values);
    return toPage(
      rows.map(row => row.data),
      thread => thread.id,
      limit,
    );
  }

  async loadThreadItems(threadId: string, after: string | undefined, limit: number, order: SortOrder, context: C): Promise<Page<ThreadItem>> {
    const owner = context.user.sub;
    if (unstorable(threadId)) throw new NotFoundError(`Thread ${threadId} not found`);
    // the thread's place and the cursor's in one round trip: no thread row means not the owner's
    const { rows: found } = await this.query<{ thread: string; created_at: Date | null; seq: string | null }>(
      `SELECT t.id AS thread, i.created_at, i.seq FROM chatkit_threads t
         LEFT JOIN chatkit_items i ON i.owner = t.owner AND i.thread_id = t.id AND i.id = $3
         WHERE t.owner = $1 AND t.id = $2`,
      [owner, threadId, unstorable(after) ? null : (after ?? null)],
    );
    if (!found[0]) throw new NotFoundError(`Thread ${threadId} not found`);
    const { created_at, seq } = found[0];
    if (after !== undefined && (created_at === null || seq === null)) throw new InvalidCursorError(`No item ${after} in thread ${threadId}`);
    const values = [owner, threadId, ...(after !== undefined ? [created_at, seq] : []), limit + 1];
    const { rows } = await this.query<{ data: ThreadItem }>(itemPages[order][after !== undefined ? 1 : 0], values);
    return toPage(
      rows.map(row => row.data),
      item => item.id,
      limit,
    );
  }

  async addThreadItem(threadId: string, item: ThreadItem, context: C): Promise<void> {
    try {
      await this.query('INSERT INTO chatkit_items (owner, thread_id, id, created_at, type, data) VALUES ($1, $2, $3, $4, $5, $6)', [
        context.user.sub,
        threadId,
        item.id,
        item.created_at,
        item.type,
        JSON.stringify(item),
      ]);
    } catch (error) {
      if ((error as { code?: unknown }).code === FOREIGN_KEY_VIOLATION) throw new NotFoundError(`Thread ${threadId} not found`);
      throw error;
    }
  }

  async saveItem(threadId: string, item: ThreadItem, context: C): Promise<void> {
    const { rowCount } = await this.query('UPDATE chatkit_items SET type = $1, data = $2 WHERE owner = $3 AND thread_id = $4 AND id = $5', [
      item.type,
      JSON.stringify(item),
      context.user.sub,
      threadId,
      item.id,
    ]);
    if (rowCount === 0) await this.addThreadItem(threadId, item, context);
  }

  async loadItem(threadId: string, itemId: string, context: C): Promise<ThreadItem> {
    if (unstorable(threadId) || unstorable(itemId)) throw new NotFoundError(`Item ${itemId} not found in thread ${threadId}`);
    const { rows } = await this.query<{ data: ThreadItem }>('SELECT data FROM chatkit_items WHERE owner = $1 AND thread_id = $2 AND id = $3', [
      context.user.sub,
      threadId,
      itemId,
    ]);
    if (!rows[0]) throw new NotFoundError(`Item ${itemId} not found in thread ${threadId}`);
    return rows[0].data;
  }

  async deleteThreadItem(threadId: string, itemId: string, context: C): Promise<void> {
    if (unstorable(threadId) || unstorable(itemId)) return;
    await this.query('DELETE FROM chatkit_items WHERE owner = $1 AND thread_id = $2 AND id = $3', [context.user.sub, threadId, itemId]);
  }

  async deleteThread(threadId: string, context: C): Promise<void> {
    if (unstorable(threadId)) return;
    // the thread's items go with it (ON DELETE CASCADE), in the same statement
    await this.query('DELETE FROM chatkit_threads WHERE owner = $1 AND id = $2', [context.user.sub, threadId]);
  }

  async saveAttachment(attachment: Attachment, context: C): Promise<void> {
    await this.query('INSERT INTO chatkit_attachments (owner, id, data) VALUES ($1, $2, $3) ON CONFLICT (owner, id) DO UPDATE SET data = excluded.data', [
      context.user.sub,
      attachment.id,
      JSON.stringify(attachment),
    ]);
  }

  async loadAttachment(attachmentId: string, context: C): Promise<Attachment> {
    if (unstorable(attachmentId)) throw new NotFoundError(`Attachment ${attachmentId} not found`);
    const { rows } = await this.query<{ data: Attachment }>('SELECT data FROM chatkit_attachments WHERE owner = $1 AND id = $2', [context.user.sub, attachmentId]);
    if (!rows[0]) throw new NotFoundError(`Attachment ${attachmentId} not found`);
    return rows[0].data;
  }

  async deleteAttachment(attachmentId: string, context: C): Promise<void> {
    if (unstorable(attachmentId)) return;
    await this.query('DELETE FROM chatkit_attachments WHERE owner = $1 AND id = $2', [context.user.sub, attachmentId]);
  }
}
