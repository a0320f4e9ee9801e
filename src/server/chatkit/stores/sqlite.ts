// The Store in SQLite (better-sqlite3, an optional peer dependency): `auth-chatkit/server/sqlite`.
// better-sqlite3 is synchronous: each method does its work at once and resolves. Every row carries its
// owner (the token's `sub`) and every statement is scoped by it; ids are unique per owner. Threads,
// items and attachments are stored as the JSON they were saved as, beside the columns that order and
// scope them. Pages go by (created_at, insertion order) after a cursor: the previous page's last id.
import type BetterSqlite3 from 'better-sqlite3';
import type { ChatKitContext } from '../context.js';
import { defaultGenerateId, InvalidCursorError, NotFoundError } from '../store.js';
import type { Store, StoreItemType } from '../store.js';
import type { Attachment, Page, SortOrder, ThreadItem, ThreadMetadata } from '../types.js';
import { toPage } from './page.js';

/** Each entry moves the schema one version up; applied in order, once, recorded in chatkit_migrations. */
const MIGRATIONS = [
  `CREATE TABLE chatkit_threads (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     owner TEXT NOT NULL,
     id TEXT NOT NULL,
     created_at TEXT NOT NULL,
     data TEXT NOT NULL,
     UNIQUE (owner, id)
   );
   CREATE INDEX chatkit_threads_by_time ON chatkit_threads (owner, created_at, seq);
   CREATE TABLE chatkit_items (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     owner TEXT NOT NULL,
     thread_id TEXT NOT NULL,
     id TEXT NOT NULL,
     created_at TEXT NOT NULL,
     type TEXT NOT NULL,
     data TEXT NOT NULL,
     UNIQUE (owner, id),
     FOREIGN KEY (owner, thread_id) REFERENCES chatkit_threads (owner, id) ON DELETE CASCADE
   );
   CREATE INDEX chatkit_items_by_time ON chatkit_items (owner, thread_id, created_at, seq);
   CREATE TABLE chatkit_attachments (
     owner TEXT NOT NULL,
     id TEXT NOT NULL,
     data TEXT NOT NULL,
     PRIMARY KEY (owner, id)
   );`,
];

interface Cursor {
  created_at: string;
  seq: number;
}

/** Creates or upgrades the store's tables (one process per file: nothing to take turns with). */
export function migrateSQLiteStore(db: BetterSqlite3.Database): void {
  db.exec('CREATE TABLE IF NOT EXISTS chatkit_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
  db.transaction(() => {
    const { version } = db.prepare<[], { version: number | null }>('SELECT max(version) AS version FROM chatkit_migrations').get()!;
    for (let next = (version ?? 0) + 1; next <= MIGRATIONS.length; next++) {
      db.exec(MIGRATIONS[next - 1]!);
      db.prepare('INSERT INTO chatkit_migrations (version, applied_at) VALUES (?, ?)').run(next, new Date().toISOString());
    }
  }).immediate();
}

/**
 * Threads, items and attachment records in a better-sqlite3 database (yours: Better Auth's tables may
 * share it). The tables are made or upgraded when the store is made.
 *
 * ```ts
 * import Database from 'better-sqlite3';
 * import { SQLiteStore } from 'auth-chatkit/server/sqlite';
 * const store = new SQLiteStore(new Database('chat.sqlite'));
 * ```
 */
export class SQLiteStore<C extends ChatKitContext = ChatKitContext> implements Store<C> {
  private readonly sql;
  private readonly pages;

  constructor(readonly db: BetterSqlite3.Database) {
    migrateSQLiteStore(db);
    this.sql = {
      loadThread: db.prepare<[string, string], { data: string }>('SELECT data FROM chatkit_threads WHERE owner = ? AND id = ?'),
      threadCursor: db.prepare<[string, string], Cursor>('SELECT created_at, seq FROM chatkit_threads WHERE owner = ? AND id = ?'),
      saveThread: db.prepare(
        `INSERT INTO chatkit_threads (owner, id, created_at, data) VALUES (?, ?, ?, ?)
         ON CONFLICT (owner, id) DO UPDATE SET data = excluded.data`,
      ),
      deleteItems: db.prepare('DELETE FROM chatkit_items WHERE owner = ? AND thread_id = ?'),
      deleteThread: db.prepare('DELETE FROM chatkit_threads WHERE owner = ? AND id = ?'),
      itemCursor: db.prepare<[string, string, string], Cursor>('SELECT created_at, seq FROM chatkit_items WHERE owner = ? AND thread_id = ? AND id = ?'),
      addItem: db.prepare('INSERT INTO chatkit_items (owner, thread_id, id, created_at, type, data) VALUES (?, ?, ?, ?, ?, ?)'),
      updateItem: db.prepare('UPDATE chatkit_items SET type = ?, data = ? WHERE owner = ? AND thread_id = ? AND id = ?'),
      loadItem: db.prepare<[string, string, string], { data: string }>('SELECT data FROM chatkit_items WHERE owner = ? AND thread_id = ? AND id = ?'),
      deleteItem: db.prepare('DELETE FROM chatkit_items WHERE owner = ? AND thread_id = ? AND id = ?'),
      saveAttachment: db.prepare('INSERT INTO chatkit_attachments (owner, id, data) VALUES (?, ?, ?) ON CONFLICT (owner, id) DO UPDATE SET data = excluded.data'),
      loadAttachment: db.prepare<[string, string], { data: string }>('SELECT data FROM chatkit_attachments WHERE owner = ? AND id = ?'),
      deleteAttachment: db.prepare('DELETE FROM chatkit_attachments WHERE owner = ? AND id = ?'),
    };
    // one statement per direction, with and without a cursor: (created_at, seq) compares as a pair
    const pageStatements = (table: string, scope: string) => {
      const make = (order: SortOrder, withCursor: boolean) => {
        const dir = order === 'asc' ? 'ASC' : 'DESC';
        const after = withCursor ? `AND (created_at, seq) ${order === 'asc' ? '>' : '<'} (@created_at, @seq)` : '';
        return db.prepare<Record<string, unknown>, { id: string; data: string }>(
          `SELECT id, data FROM ${table} WHERE ${scope} ${after} ORDER BY created_at ${dir}, seq ${dir} LIMIT @limit`,
        );
      };
      return { asc: [make('asc', false), make('asc', true)], desc: [make('desc', false), make('desc', true)] } as const;
    };
    this.pages = {
      threads: pageStatements('chatkit_threads', 'owner = @owner'),
      items: pageStatements('chatkit_items', 'owner = @owner AND thread_id = @thread_id'),
    };
  }

  generateThreadId(_context: C): string {
    return defaultGenerateId('thread');
  }

  generateItemId(type: StoreItemType, _thread: ThreadMetadata, _context: C): string {
    return defaultGenerateId(type);
  }

  private requireThread(threadId: string, context: C): void {
    if (!this.sql.threadCursor.get(context.user.sub, threadId)) throw new NotFoundError(`Thread ${threadId} not found`);
  }

  async loadThread(threadId: string, context: C): Promise<ThreadMetadata> {
    const row = this.sql.loadThread.get(context.user.sub, threadId);
    if (!row) throw new NotFoundError(`Thread ${threadId} not found`);
    return JSON.parse(row.data) as ThreadMetadata;
  }

  async saveThread(thread: ThreadMetadata, context: C): Promise<void> {
    this.sql.saveThread.run(context.user.sub, thread.id, thread.created_at, JSON.stringify(thread));
  }

  async loadThreads(limit: number, after: string | undefined, order: SortOrder, context: C): Promise<Page<ThreadMetadata>> {
    const owner = context.user.sub;
    let cursor: Cursor | undefined;
    if (after !== undefined) {
      cursor = this.sql.threadCursor.get(owner, after);
      if (!cursor) throw new InvalidCursorError(`No thread ${after}`);
    }
    const rows = this.pages.threads[order][cursor ? 1 : 0].all({ owner, ...cursor, limit: limit + 1 });
    return toPage(
      rows.map(row => JSON.parse(row.data) as ThreadMetadata),
      thread => thread.id,
      limit,
    );
  }

  async loadThreadItems(threadId: string, after: string | undefined, limit: number, order: SortOrder, context: C): Promise<Page<ThreadItem>> {
    const owner = context.user.sub;
    this.requireThread(threadId, context);
    let cursor: Cursor | undefined;
    if (after !== undefined) {
      cursor = this.sql.itemCursor.get(owner, threadId, after);
      if (!cursor) throw new InvalidCursorError(`No item ${after} in thread ${threadId}`);
    }
    const rows = this.pages.items[order][cursor ? 1 : 0].all({ owner, thread_id: threadId, ...cursor, limit: limit + 1 });
    return toPage(
      rows.map(row => JSON.parse(row.data) as ThreadItem),
      item => item.id,
      limit,
    );
  }

  async addThreadItem(threadId: string, item: ThreadItem, context: C): Promise<void> {
    this.requireThread(threadId, context);
    this.sql.addItem.run(context.user.sub, threadId, item.id, item.created_at, item.type, JSON.stringify(item));
  }

  async saveItem(threadId: string, item: ThreadItem, context: C): Promise<void> {
    const { changes } = this.sql.updateItem.run(item.type, JSON.stringify(item), context.user.sub, threadId, item.id);
    if (changes === 0) await this.addThreadItem(threadId, item, context);
  }

  async loadItem(threadId: string, itemId: string, context: C): Promise<ThreadItem> {
    const row = this.sql.loadItem.get(context.user.sub, threadId, itemId);
    if (!row) throw new NotFoundError(`Item ${itemId} not found in thread ${threadId}`);
    return JSON.parse(row.data) as ThreadItem;
  }

  async deleteThreadItem(threadId: string, itemId: string, context: C): Promise<void> {
    this.sql.deleteItem.run(context.user.sub, threadId, itemId);
  }

  async deleteThread(threadId: string, context: C): Promise<void> {
    // the items explicitly too: foreign_keys may be off on this connection (SQLite's default)
    this.db.transaction(() => {
      this.sql.deleteItems.run(context.user.sub, threadId);
      this.sql.deleteThread.run(context.user.sub, threadId);
    })();
  }

  async saveAttachment(attachment: Attachment, context: C): Promise<void> {
    this.sql.saveAttachment.run(context.user.sub, attachment.id, JSON.stringify(attachment));
  }

  async loadAttachment(attachmentId: string, context: C): Promise<Attachment> {
    const row = this.sql.loadAttachment.get(context.user.sub, attachmentId);
    if (!row) throw new NotFoundError(`Attachment ${attachmentId} not found`);
    return JSON.parse(row.data) as Attachment;
  }

  async deleteAttachment(attachmentId: string, context: C): Promise<void> {
    this.sql.deleteAttachment.run(context.user.sub, attachmentId);
  }
}
