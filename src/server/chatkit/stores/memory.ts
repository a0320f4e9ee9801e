// In-memory Store and AttachmentStore: for tests and trying things out (everything is lost on exit).
// Values are copied in and out (structuredClone), as a database would, so a caller changing an object
// after saving it changes nothing stored.
import type { ChatKitContext } from '../context.js';
import { defaultGenerateId, NotFoundError } from '../store.js';
import type { AttachmentCreateParams, AttachmentStore, Store, StoreItemType } from '../store.js';
import type { Attachment, Page, SortOrder, ThreadItem, ThreadMetadata } from '../types.js';
import { pageOf } from './page.js';

interface ThreadRecord {
  owner: string;
  seq: number;
  thread: ThreadMetadata;
  /** By (created_at, seq). */
  items: { seq: number; item: ThreadItem }[];
}

/** Ids are unique per user: another user's id is another key. */
const key = (context: ChatKitContext, id: string) => `${context.user.sub}\u0000${id}`;

const before = (a: { created_at: string; seq: number }, b: { created_at: string; seq: number }) =>
  a.created_at < b.created_at || (a.created_at === b.created_at && a.seq < b.seq);

/** Threads, items and attachment records in this process's memory. */
export class MemoryStore<C extends ChatKitContext = ChatKitContext> implements Store<C> {
  private readonly threads = new Map<string, ThreadRecord>();
  /** Every thread, by (created_at, seq). */
  private readonly order: ThreadRecord[] = [];
  private readonly attachments = new Map<string, Attachment>();
  private seq = 0;

  generateThreadId(_context: C): string {
    return defaultGenerateId('thread');
  }

  generateItemId(type: StoreItemType, _thread: ThreadMetadata, _context: C): string {
    return defaultGenerateId(type);
  }

  private record(threadId: string, context: C): ThreadRecord {
    const record = this.threads.get(key(context, threadId));
    if (!record) throw new NotFoundError(`Thread ${threadId} not found`);
    return record;
  }

  async loadThread(threadId: string, context: C): Promise<ThreadMetadata> {
    return structuredClone(this.record(threadId, context).thread);
  }

  async saveThread(thread: ThreadMetadata, context: C): Promise<void> {
    const existing = this.threads.get(key(context, thread.id));
    if (existing) {
      existing.thread = structuredClone(thread);
      return;
    }
    const record: ThreadRecord = { owner: context.user.sub, seq: ++this.seq, thread: structuredClone(thread), items: [] };
    this.threads.set(key(context, thread.id), record);
    insertSorted(this.order, record, (a, b) => before({ created_at: a.thread.created_at, seq: a.seq }, { created_at: b.thread.created_at, seq: b.seq }));
  }

  async loadThreads(limit: number, after: string | undefined, order: SortOrder, context: C): Promise<Page<ThreadMetadata>> {
    const mine = this.order.filter(record => record.owner === context.user.sub);
    const page = pageOf(mine, record => record.thread.id, limit, after, order);
    return { ...page, data: page.data.map(record => structuredClone(record.thread)) };
  }

  async loadThreadItems(threadId: string, after: string | undefined, limit: number, order: SortOrder, context: C): Promise<Page<ThreadItem>> {
    const page = pageOf(this.record(threadId, context).items, row => row.item.id, limit, after, order);
    return { ...page, data: page.data.map(row => structuredClone(row.item)) };
  }

  async addThreadItem(threadId: string, item: ThreadItem, context: C): Promise<void> {
    const record = this.record(threadId, context);
    if (record.items.some(row => row.item.id === item.id)) throw new Error(`Item ${item.id} already exists in thread ${threadId}`);
    insertSorted(record.items, { seq: ++this.seq, item: structuredClone(item) }, (a, b) =>
      before({ created_at: a.item.created_at, seq: a.seq }, { created_at: b.item.created_at, seq: b.seq }),
    );
  }

  async saveItem(threadId: string, item: ThreadItem, context: C): Promise<void> {
    const record = this.record(threadId, context);
    const row = record.items.find(entry => entry.item.id === item.id);
    if (row) row.item = structuredClone(item);
    else await this.addThreadItem(threadId, item, context);
  }

  async loadItem(threadId: string, itemId: string, context: C): Promise<ThreadItem> {
    const row = this.record(threadId, context).items.find(entry => entry.item.id === itemId);
    if (!row) throw new NotFoundError(`Item ${itemId} not found in thread ${threadId}`);
    return structuredClone(row.item);
  }

  async deleteThreadItem(threadId: string, itemId: string, context: C): Promise<void> {
    const items = this.threads.get(key(context, threadId))?.items ?? [];
    const index = items.findIndex(entry => entry.item.id === itemId);
    if (index !== -1) items.splice(index, 1);
  }

  async deleteThread(threadId: string, context: C): Promise<void> {
    const record = this.threads.get(key(context, threadId));
    if (!record) return;
    this.threads.delete(key(context, threadId));
    this.order.splice(this.order.indexOf(record), 1);
  }

  async saveAttachment(attachment: Attachment, context: C): Promise<void> {
    this.attachments.set(key(context, attachment.id), structuredClone(attachment));
  }

  async loadAttachment(attachmentId: string, context: C): Promise<Attachment> {
    const attachment = this.attachments.get(key(context, attachmentId));
    if (!attachment) throw new NotFoundError(`Attachment ${attachmentId} not found`);
    return structuredClone(attachment);
  }

  async deleteAttachment(attachmentId: string, context: C): Promise<void> {
    this.attachments.delete(key(context, attachmentId));
  }
}

/** Inserts `value` after every element not after it (usually at the end: rows arrive in time order). */
function insertSorted<T>(rows: T[], value: T, isBefore: (a: T, b: T) => boolean): void {
  let index = rows.length;
  while (index > 0 && isBefore(value, rows[index - 1]!)) index--;
  rows.splice(index, 0, value);
}

/**
 * Attachment records without bytes, for tests: `attachments.create` answers a FileAttachment (or an
 * ImageAttachment with `preview_url` from `previewUrl`) and, when `uploadUrl` is given, an
 * `upload_descriptor` to POST the bytes to. Bytes themselves are the attachments helper's stores' job.
 */
export class MemoryAttachmentStore<C extends ChatKitContext = ChatKitContext> implements AttachmentStore<C> {
  /** Ids deleted so far (tests look). */
  readonly deleted: string[] = [];

  constructor(private readonly options: { uploadUrl?: (id: string) => string; previewUrl?: (id: string) => string } = {}) {}

  generateAttachmentId(_mimeType: string, _context: C): string {
    return defaultGenerateId('attachment');
  }

  async createAttachment(params: AttachmentCreateParams, context: C): Promise<Attachment> {
    const id = this.generateAttachmentId(params.mimeType, context);
    const upload = this.options.uploadUrl && { upload_descriptor: { url: this.options.uploadUrl(id), method: 'POST' as const, headers: {} } };
    const base = { id, name: params.name, mime_type: params.mimeType, ...upload };
    if (params.mimeType.startsWith('image/')) {
      return { ...base, type: 'image', preview_url: this.options.previewUrl?.(id) ?? `data:${params.mimeType};base64,` };
    }
    return { ...base, type: 'file' };
  }

  async deleteAttachment(attachmentId: string, _context: C): Promise<void> {
    this.deleted.push(attachmentId);
  }
}
