// The Store in PostgreSQL (pg, an optional peer dependency): `auth-chatkit/server/postgres`.
import type pg from 'pg';
import type { ChatKitContext } from '../context.js';
import type { Store, StoreItemType } from '../store.js';
import type { Attachment, Page, SortOrder, ThreadItem, ThreadMetadata } from '../types.js';

const notImplemented = (): never => {
  throw new Error('not implemented');
};

/** Threads, items and attachment records in PostgreSQL, shared by every instance on the database. Call `migrate()` once at start (instances take turns under an advisory lock). */
export class PostgresStore<C extends ChatKitContext = ChatKitContext> implements Store<C> {
  constructor(readonly pool: pg.Pool) {}
  /** Creates or upgrades the tables, one instance at a time (pg_advisory_lock). */
  async migrate(): Promise<void> {
    notImplemented();
  }
  generateThreadId(context: C): string {
    void context;
    return notImplemented();
  }
  generateItemId(type: StoreItemType, thread: ThreadMetadata, context: C): string {
    void type, thread, context;
    return notImplemented();
  }
  async loadThread(threadId: string, context: C): Promise<ThreadMetadata> {
    void threadId, context;
    return notImplemented();
  }
  async saveThread(thread: ThreadMetadata, context: C): Promise<void> {
    void thread, context;
    notImplemented();
  }
  async loadThreads(limit: number, after: string | undefined, order: SortOrder, context: C): Promise<Page<ThreadMetadata>> {
    void limit, after, order, context;
    return notImplemented();
  }
  async loadThreadItems(threadId: string, after: string | undefined, limit: number, order: SortOrder, context: C): Promise<Page<ThreadItem>> {
    void threadId, after, limit, order, context;
    return notImplemented();
  }
  async addThreadItem(threadId: string, item: ThreadItem, context: C): Promise<void> {
    void threadId, item, context;
    notImplemented();
  }
  async saveItem(threadId: string, item: ThreadItem, context: C): Promise<void> {
    void threadId, item, context;
    notImplemented();
  }
  async loadItem(threadId: string, itemId: string, context: C): Promise<ThreadItem> {
    void threadId, itemId, context;
    return notImplemented();
  }
  async deleteThreadItem(threadId: string, itemId: string, context: C): Promise<void> {
    void threadId, itemId, context;
    notImplemented();
  }
  async deleteThread(threadId: string, context: C): Promise<void> {
    void threadId, context;
    notImplemented();
  }
  async saveAttachment(attachment: Attachment, context: C): Promise<void> {
    void attachment, context;
    notImplemented();
  }
  async loadAttachment(attachmentId: string, context: C): Promise<Attachment> {
    void attachmentId, context;
    return notImplemented();
  }
  async deleteAttachment(attachmentId: string, context: C): Promise<void> {
    void attachmentId, context;
    notImplemented();
  }
}
