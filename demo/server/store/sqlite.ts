// The chat store in SQLite (the embedded default): better-sqlite3 is synchronous, so each method does
// its work at once and resolves. The schema is made when the store opens (one process per file).
import type BetterSqlite3 from 'better-sqlite3';
import type { ThreadItem } from '../chatkit-types.js';
import { invalidCursor, newId, toPage, toThread } from '../store.js';
import type { ChatStore, FeedbackKind, PageRequest, SortOrder } from '../store.js';

interface ThreadRow {
  id: string;
  created_at: string;
  title: string | null;
}

interface Cursor {
  created_at: string;
  seq: number;
}

export function createSqliteStore(db: BetterSqlite3.Database): ChatStore {
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

  function rows<Row>(statements: ReturnType<typeof pageStatements>, params: Record<string, string>, request: PageRequest, cursor: Cursor | undefined): Row[] {
    return statements[request.order][cursor ? 1 : 0].all({ ...params, ...cursor, limit: request.limit + 1 }) as Row[];
  }

  const getThread = (owner: string, threadId: string) => {
    const row = sql.getThread.get(owner, threadId);
    return row && toThread(row);
  };

  const deleteThread = db.transaction((owner: string, threadId: string): boolean => {
    sql.deleteItems.run(owner, threadId);
    return sql.deleteThread.run(owner, threadId).changes > 0;
  });

  const setFeedback = db.transaction((owner: string, threadId: string, itemIds: readonly string[], kind: FeedbackKind): void => {
    for (const itemId of itemIds) sql.setFeedback.run(kind, owner, threadId, itemId);
  });

  return {
    async createThread(owner, createdAt) {
      const id = newId('thr');
      sql.insertThread.run(id, owner, createdAt);
      return toThread({ id, created_at: createdAt, title: null });
    },

    async getThread(owner, threadId) {
      return getThread(owner, threadId);
    },

    async listThreads(owner, request) {
      const cursor = request.after === undefined ? undefined : sql.threadCursor.get(owner, request.after);
      if (request.after !== undefined && !cursor) throw invalidCursor();
      return toPage(rows<ThreadRow>(threadPages, { owner }, request, cursor).map(toThread), request.limit);
    },

    async setTitle(owner, threadId, title) {
      const { changes } = sql.setTitle.run(title ?? null, owner, threadId);
      return changes ? getThread(owner, threadId) : undefined;
    },

    async deleteThread(owner, threadId) {
      return deleteThread(owner, threadId);
    },

    async addItem(owner, item) {
      sql.insertItem.run(item.id, item.thread_id, owner, item.created_at, item.type, JSON.stringify(item));
    },

    async getItem(owner, threadId, itemId) {
      const row = sql.getItem.get(owner, threadId, itemId);
      return row && (JSON.parse(row.data) as ThreadItem);
    },

    async listItems(owner, threadId, request) {
      const cursor = request.after === undefined ? undefined : sql.itemCursor.get(owner, threadId, request.after);
      if (request.after !== undefined && !cursor) throw invalidCursor();
      const items = rows<{ data: string }>(itemPages, { owner, thread_id: threadId }, request, cursor).map(row => JSON.parse(row.data) as ThreadItem);
      return toPage(items, request.limit);
    },

    async latestItems(owner, threadId, max) {
      return sql.latestItems
        .all(owner, threadId, max)
        .map(row => JSON.parse(row.data) as ThreadItem)
        .reverse();
    },

    async deleteItemsAfter(owner, threadId, itemId) {
      const cursor = sql.itemCursor.get(owner, threadId, itemId);
      if (cursor) sql.deleteItemsAfter.run(owner, threadId, cursor.created_at, cursor.seq);
    },

    async setFeedback(owner, threadId, itemIds, kind) {
      setFeedback(owner, threadId, itemIds, kind);
    },

    async feedbackOf(owner, threadId, itemId) {
      return sql.getFeedback.get(owner, threadId, itemId)?.feedback ?? undefined;
    },
  };
}
