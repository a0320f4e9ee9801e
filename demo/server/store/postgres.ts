// The chat store in PostgreSQL (DATABASE_URL), shared by every instance on the database. Same tables
// and behaviour as store/sqlite.ts: `seq` (an identity column) is the insertion order that breaks
// created_at ties, `created_at` a timestamptz read back as the ISO string it was written as, and an
// item's `data` a json column (kept as written, key order included). A database that cannot be
// reached turns into the 503 database_unavailable.
import type pg from 'pg';
import type { ThreadItem } from '../chatkit-types.js';
import { databaseUnavailable, isUnavailable } from '../postgres.js';
import { invalidCursor, newId, toPage, toThread } from '../store.js';
import type { ChatStore, FeedbackKind, PageRequest, SortOrder } from '../store.js';

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS chatkit_thread (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id text NOT NULL UNIQUE,
    owner text NOT NULL,
    created_at timestamptz NOT NULL,
    title text
  );
  CREATE INDEX IF NOT EXISTS chatkit_thread_by_owner ON chatkit_thread (owner, created_at, seq);
  CREATE TABLE IF NOT EXISTS chatkit_item (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id text NOT NULL UNIQUE,
    thread_id text NOT NULL REFERENCES chatkit_thread (id) ON DELETE CASCADE,
    owner text NOT NULL,
    created_at timestamptz NOT NULL,
    type text NOT NULL,
    data json NOT NULL,
    feedback text
  );
  CREATE INDEX IF NOT EXISTS chatkit_item_by_thread ON chatkit_item (owner, thread_id, created_at, seq);
`;

/** Creates the store's tables when missing; the caller holds the migration lock (postgres.ts). */
export async function migratePostgresStore(client: pg.ClientBase): Promise<void> {
  await client.query(SCHEMA);
}

interface ThreadRow {
  id: string;
  created_at: Date;
  title: string | null;
}

/** A row's place in its list: (created_at, seq) compares as a pair. seq is a bigint, read as text. */
interface Cursor {
  created_at: Date;
  seq: string;
}

const threadOf = (row: ThreadRow) => toThread({ ...row, created_at: row.created_at.toISOString() });

/** One query per direction, with and without a cursor; `scope` uses $1.., the cursor and limit follow. */
function pageQueries(table: string, columns: string, scope: string, scopeParams: number) {
  const make = (order: SortOrder, withCursor: boolean) => {
    const dir = order === 'asc' ? 'ASC' : 'DESC';
    const next = scopeParams + 1;
    const after = withCursor ? `AND (created_at, seq) ${order === 'asc' ? '>' : '<'} ($${next}, $${next + 1})` : '';
    return `SELECT ${columns} FROM ${table} WHERE ${scope} ${after} ORDER BY created_at ${dir}, seq ${dir} LIMIT $${withCursor ? next + 2 : next}`;
  };
  return { asc: [make('asc', false), make('asc', true)], desc: [make('desc', false), make('desc', true)] } as const;
}
const threadPages = pageQueries('chatkit_thread', 'id, created_at, title', 'owner = $1', 1);
const itemPages = pageQueries('chatkit_item', 'data', 'owner = $1 AND thread_id = $2', 2);

export function createPostgresStore(pool: pg.Pool): ChatStore {
  async function query<Row>(text: string, values: unknown[]): Promise<{ rows: Row[]; rowCount: number }> {
    try {
      const result = await pool.query(text, values);
      return { rows: result.rows as Row[], rowCount: result.rowCount ?? 0 };
    } catch (error) {
      throw isUnavailable(error) ? databaseUnavailable() : error;
    }
  }

  async function page<Row>(queries: ReturnType<typeof pageQueries>, scope: string[], request: PageRequest, cursor: Cursor | undefined): Promise<Row[]> {
    const values = [...scope, ...(cursor ? [cursor.created_at, cursor.seq] : []), request.limit + 1];
    return (await query<Row>(queries[request.order][cursor ? 1 : 0], values)).rows;
  }

  const itemCursor = async (owner: string, threadId: string, itemId: string) =>
    (await query<Cursor>('SELECT created_at, seq FROM chatkit_item WHERE owner = $1 AND thread_id = $2 AND id = $3', [owner, threadId, itemId])).rows[0];

  return {
    async createThread(owner, createdAt) {
      const id = newId('thr');
      await query('INSERT INTO chatkit_thread (id, owner, created_at) VALUES ($1, $2, $3)', [id, owner, createdAt]);
      return toThread({ id, created_at: createdAt, title: null });
    },

    async getThread(owner, threadId) {
      const [row] = (await query<ThreadRow>('SELECT id, created_at, title FROM chatkit_thread WHERE owner = $1 AND id = $2', [owner, threadId])).rows;
      return row && threadOf(row);
    },

    async listThreads(owner, request) {
      let cursor: Cursor | undefined;
      if (request.after !== undefined) {
        [cursor] = (await query<Cursor>('SELECT created_at, seq FROM chatkit_thread WHERE owner = $1 AND id = $2', [owner, request.after])).rows;
        if (!cursor) throw invalidCursor();
      }
      return toPage((await page<ThreadRow>(threadPages, [owner], request, cursor)).map(threadOf), request.limit);
    },

    async setTitle(owner, threadId, title) {
      const { rows } = await query<ThreadRow>('UPDATE chatkit_thread SET title = $1 WHERE owner = $2 AND id = $3 RETURNING id, created_at, title', [
        title ?? null,
        owner,
        threadId,
      ]);
      return rows[0] && threadOf(rows[0]);
    },

    async deleteThread(owner, threadId) {
      // the thread's items go with it (ON DELETE CASCADE), in the same statement
      return (await query('DELETE FROM chatkit_thread WHERE owner = $1 AND id = $2', [owner, threadId])).rowCount > 0;
    },

    async addItem(owner, item) {
      await query('INSERT INTO chatkit_item (id, thread_id, owner, created_at, type, data) VALUES ($1, $2, $3, $4, $5, $6)', [
        item.id,
        item.thread_id,
        owner,
        item.created_at,
        item.type,
        JSON.stringify(item),
      ]);
    },

    async getItem(owner, threadId, itemId) {
      const { rows } = await query<{ data: ThreadItem }>('SELECT data FROM chatkit_item WHERE owner = $1 AND thread_id = $2 AND id = $3', [owner, threadId, itemId]);
      return rows[0]?.data;
    },

    async listItems(owner, threadId, request) {
      let cursor: Cursor | undefined;
      if (request.after !== undefined) {
        cursor = await itemCursor(owner, threadId, request.after);
        if (!cursor) throw invalidCursor();
      }
      const rows = await page<{ data: ThreadItem }>(itemPages, [owner, threadId], request, cursor);
      return toPage(
        rows.map(row => row.data),
        request.limit,
      );
    },

    async latestItems(owner, threadId, max) {
      const { rows } = await query<{ data: ThreadItem }>(
        'SELECT data FROM chatkit_item WHERE owner = $1 AND thread_id = $2 ORDER BY created_at DESC, seq DESC LIMIT $3',
        [owner, threadId, max],
      );
      return rows.map(row => row.data).reverse();
    },

    async deleteItemsAfter(owner, threadId, itemId) {
      await query(
        `DELETE FROM chatkit_item WHERE owner = $1 AND thread_id = $2
           AND (created_at, seq) > (SELECT created_at, seq FROM chatkit_item WHERE owner = $1 AND thread_id = $2 AND id = $3)`,
        [owner, threadId, itemId],
      );
    },

    async setFeedback(owner, threadId, itemIds, kind) {
      await query('UPDATE chatkit_item SET feedback = $1 WHERE owner = $2 AND thread_id = $3 AND id = ANY($4::text[])', [kind, owner, threadId, itemIds]);
    },

    async feedbackOf(owner, threadId, itemId) {
      const { rows } = await query<{ feedback: FeedbackKind | null }>('SELECT feedback FROM chatkit_item WHERE owner = $1 AND thread_id = $2 AND id = $3', [owner, threadId, itemId]);
      return rows[0]?.feedback ?? undefined;
    },
  };
}
