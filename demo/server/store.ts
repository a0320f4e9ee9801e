// Threads and items in SQLite. Every row carries its owner (the token's `sub`) and every query is
// scoped by it, so another user's thread id behaves exactly like a missing one. Thread metadata and
// items live in separate tables (items are never saved inside the thread). Pages are ordered by
// created_at (then insertion order) and continue after a cursor: the id of the previous page's last row.
import { randomBytes } from 'node:crypto';
import type BetterSqlite3 from 'better-sqlite3';
import type { Page, ThreadItem, ThreadMetadata } from './chatkit-types.js';
import { HttpError } from './http-errors.js';

export type SortOrder = 'asc' | 'desc';

export interface PageRequest {
  limit: number;
  order: SortOrder;
  after?: string;
}

export type FeedbackKind = 'positive' | 'negative';

export function newId(prefix: 'thr' | 'msg'): string {
  return `${prefix}_${randomBytes(8).toString('hex')}`;
}

interface ThreadRow {
  id: string;
  created_at: string;
  title: string | null;
}

interface Cursor {
  created_at: string;
  seq: number;
}

export function createStore(db: BetterSqlite3.Database) {
  db.exec(`
    CREATE TABLE IF NOT EXISTS chatkit_thread (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      id TEXT NOT NULL UNIQUE,
      owner TEXT NOT NULL,
      created_at TEXT NOT NULL,
      title TEXT
    );
    CREATE INDEX IF NOT EXISTS chatkit_thread_by_owner ON chatkit_thread (owner, created_at, seq);
    CREATE TABLE IF NOT EXISTS chatkit_item (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      id TEXT NOT NULL UNIQUE,
      thread_id TEXT NOT NULL REFERENCES chatkit_thread (id) ON DELETE CASCADE,
      owner TEXT NOT NULL,
      created_at TEXT NOT NULL,
      type TEXT NOT NULL,
      data TEXT NOT NULL,
      feedback TEXT
    );
    CREATE INDEX IF NOT EXISTS chatkit_item_by_thread ON chatkit_item (owner, thread_id, created_at, seq);
  `);

  const sql = {
    insertThread: db.prepare('INSERT INTO chatkit_thread (id, owner, created_at) VALUES (?, ?, ?)'),
    getThread: db.prepare<[string, string], ThreadRow>('SELECT id, created_at, title FROM chatkit_thread WHERE owner = ? AND id = ?'),
    threadCursor: db.prepare<[string, string], Cursor>('SELECT created_at, seq FROM chatkit_thread WHERE owner = ? AND id = ?'),
    setTitle: db.prepare('UPDATE chatkit_thread SET title = ? WHERE owner = ? AND id = ?'),
    deleteItems: db.prepare('DELETE FROM chatkit_item WHERE owner = ? AND thread_id = ?'),
    deleteThread: db.prepare('DELETE FROM chatkit_thread WHERE owner = ? AND id = ?'),
    insertItem: db.prepare('INSERT INTO chatkit_item (id, thread_id, owner, created_at, type, data) VALUES (?, ?, ?, ?, ?, ?)'),
    getItem: db.prepare<[string, string, string], { data: string }>('SELECT data FROM chatkit_item WHERE owner = ? AND thread_id = ? AND id = ?'),
    itemCursor: db.prepare<[string, string, string], Cursor>('SELECT created_at, seq FROM chatkit_item WHERE owner = ? AND thread_id = ? AND id = ?'),
    deleteItemsAfter: db.prepare(
      'DELETE FROM chatkit_item WHERE owner = ? AND thread_id = ? AND (created_at, seq) > (?, ?)',
    ),
    setFeedback: db.prepare('UPDATE chatkit_item SET feedback = ? WHERE owner = ? AND thread_id = ? AND id = ?'),
    getFeedback: db.prepare<[string, string, string], { feedback: FeedbackKind | null }>(
      'SELECT feedback FROM chatkit_item WHERE owner = ? AND thread_id = ? AND id = ?',
    ),
    latestItems: db.prepare<[string, string, number], { data: string }>(
      'SELECT data FROM chatkit_item WHERE owner = ? AND thread_id = ? ORDER BY created_at DESC, seq DESC LIMIT ?',
    ),
  };

  // One statement per direction, with and without a cursor: (created_at, seq) compares as a pair.
  const pageStatements = (table: string, columns: string, scope: string) => {
    const make = (order: SortOrder, withCursor: boolean) => {
      const dir = order === 'asc' ? 'ASC' : 'DESC';
      const after = withCursor ? `AND (created_at, seq) ${order === 'asc' ? '>' : '<'} (@created_at, @seq)` : '';
      return db.prepare(`SELECT ${columns} FROM ${table} WHERE ${scope} ${after} ORDER BY created_at ${dir}, seq ${dir} LIMIT @limit`);
    };
    return { asc: [make('asc', false), make('asc', true)], desc: [make('desc', false), make('desc', true)] } as const;
  };
  const threadPages = pageStatements('chatkit_thread', 'id, created_at, title', 'owner = @owner');
  const itemPages = pageStatements('chatkit_item', 'data', 'owner = @owner AND thread_id = @thread_id');

  function page<Row, T>(
    statements: ReturnType<typeof pageStatements>,
    params: Record<string, string>,
    request: PageRequest,
    cursor: Cursor | undefined,
    toValue: (row: Row) => T & { id: string },
  ): Page<T> {
    const statement = statements[request.order][cursor ? 1 : 0];
    const rows = statement.all({ ...params, ...cursor, limit: request.limit + 1 }) as Row[];
    const data = rows.slice(0, request.limit).map(toValue);
    const last = data.at(-1);
    const hasMore = rows.length > request.limit;
    return hasMore && last ? { data, has_more: true, after: last.id } : { data, has_more: false };
  }

  const invalidCursor = () => new HttpError(400, 'invalid_cursor', 'The "after" cursor names nothing on this list.');

  return {
    createThread(owner: string, createdAt: string): ThreadMetadata {
      const id = newId('thr');
      sql.insertThread.run(id, owner, createdAt);
      return toThread({ id, created_at: createdAt, title: null });
    },

    getThread(owner: string, threadId: string): ThreadMetadata | undefined {
      const row = sql.getThread.get(owner, threadId);
      return row && toThread(row);
    },

    listThreads(owner: string, request: PageRequest): Page<ThreadMetadata> {
      const cursor = request.after === undefined ? undefined : sql.threadCursor.get(owner, request.after);
      if (request.after !== undefined && !cursor) throw invalidCursor();
      return page(threadPages, { owner }, request, cursor, toThread);
    },

    /** Sets the title (undefined clears it); undefined when the thread is not the owner's. */
    setTitle(owner: string, threadId: string, title: string | undefined): ThreadMetadata | undefined {
      const { changes } = sql.setTitle.run(title ?? null, owner, threadId);
      return changes ? this.getThread(owner, threadId) : undefined;
    },

    deleteThread: db.transaction((owner: string, threadId: string): boolean => {
      sql.deleteItems.run(owner, threadId);
      return sql.deleteThread.run(owner, threadId).changes > 0;
    }),

    /** Stores an item of a thread the caller has checked is the owner's. */
    addItem(owner: string, item: ThreadItem): void {
      sql.insertItem.run(item.id, item.thread_id, owner, item.created_at, item.type, JSON.stringify(item));
    },

    getItem(owner: string, threadId: string, itemId: string): ThreadItem | undefined {
      const row = sql.getItem.get(owner, threadId, itemId);
      return row && (JSON.parse(row.data) as ThreadItem);
    },

    listItems(owner: string, threadId: string, request: PageRequest): Page<ThreadItem> {
      const cursor = request.after === undefined ? undefined : sql.itemCursor.get(owner, threadId, request.after);
      if (request.after !== undefined && !cursor) throw invalidCursor();
      return page(itemPages, { owner, thread_id: threadId }, request, cursor, (row: { data: string }) => JSON.parse(row.data) as ThreadItem);
    },

    /** The newest `max` items, oldest first (a responder's history). */
    latestItems(owner: string, threadId: string, max: number): ThreadItem[] {
      return sql.latestItems
        .all(owner, threadId, max)
        .map(row => JSON.parse(row.data) as ThreadItem)
        .reverse();
    },

    /** Removes every item after `itemId` in its thread; false when there is no such item. */
    deleteItemsAfter(owner: string, threadId: string, itemId: string): boolean {
      const cursor = sql.itemCursor.get(owner, threadId, itemId);
      if (!cursor) return false;
      sql.deleteItemsAfter.run(owner, threadId, cursor.created_at, cursor.seq);
      return true;
    },

    setFeedback: db.transaction((owner: string, threadId: string, itemIds: readonly string[], kind: FeedbackKind): void => {
      for (const itemId of itemIds) sql.setFeedback.run(kind, owner, threadId, itemId);
    }),

    feedbackOf(owner: string, threadId: string, itemId: string): FeedbackKind | undefined {
      return sql.getFeedback.get(owner, threadId, itemId)?.feedback ?? undefined;
    },
  };
}

export type ChatStore = ReturnType<typeof createStore>;

function toThread(row: ThreadRow): ThreadMetadata {
  return {
    ...(row.title !== null && { title: row.title }),
    id: row.id,
    created_at: row.created_at,
    status: { type: 'active' },
    metadata: {},
  };
}
