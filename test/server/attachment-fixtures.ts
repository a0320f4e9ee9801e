// Shared by the attachment tests: real files' bytes, a user's context, and a Store keeping records
// in memory (the server branch's MemoryStore replaces it once merged).
import type { Attachment, ChatKitContext, Page, Store, ThreadItem, ThreadMetadata } from '../../src/server/index.js';
import { NotFoundError } from '../../src/server/index.js';

/** A 1x1 PNG, as an image editor writes it. */
export const png = Uint8Array.from(Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64'));
/** A one-page PDF. */
export const pdf = new TextEncoder().encode('%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n');
export const svg = new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.domain)</script></svg>');

export const endpoint = 'http://127.0.0.1:8787/chatkit';

export function contextOf(sub: string): ChatKitContext {
  return { user: { sub, claims: { sub } }, request: new Request(endpoint, { method: 'POST' }), signal: new AbortController().signal };
}

/** Threads, items and attachment records per user, in Maps. */
export class RecordStore implements Store {
  readonly attachments = new Map<string, { owner: string; attachment: Attachment }>();
  readonly threads = new Map<string, { owner: string; thread: ThreadMetadata; items: ThreadItem[] }>();
  #ids = 0;
  generateThreadId = () => `thr_${(++this.#ids).toString(16).padStart(8, '0')}`;
  generateItemId = () => `msg_${(++this.#ids).toString(16).padStart(8, '0')}`;
  #thread(id: string, context: ChatKitContext) {
    const entry = this.threads.get(id);
    if (entry?.owner !== context.user.sub) throw new NotFoundError(id);
    return entry;
  }
  async loadThread(id: string, context: ChatKitContext) {
    return this.#thread(id, context).thread;
  }
  async saveThread(thread: ThreadMetadata, context: ChatKitContext) {
    this.threads.set(thread.id, { owner: context.user.sub, thread, items: this.threads.get(thread.id)?.items ?? [] });
  }
  async loadThreads(): Promise<Page<ThreadMetadata>> {
    throw new Error('not used');
  }
  async loadThreadItems(id: string, _after: string | undefined, limit: number, _order: string, context: ChatKitContext): Promise<Page<ThreadItem>> {
    return { data: this.#thread(id, context).items.slice(0, limit), has_more: false };
  }
  async addThreadItem(id: string, item: ThreadItem, context: ChatKitContext) {
    this.#thread(id, context).items.push(item);
  }
  async saveItem(id: string, item: ThreadItem, context: ChatKitContext) {
    const { items } = this.#thread(id, context);
    const at = items.findIndex(existing => existing.id === item.id);
    if (at < 0) items.push(item);
    else items[at] = item;
  }
  async loadItem(id: string, itemId: string, context: ChatKitContext) {
    const item = this.#thread(id, context).items.find(existing => existing.id === itemId);
    if (!item) throw new NotFoundError(itemId);
    return item;
  }
  async deleteThreadItem(id: string, itemId: string, context: ChatKitContext) {
    const entry = this.#thread(id, context);
    entry.items = entry.items.filter(item => item.id !== itemId);
  }
  async deleteThread(id: string, context: ChatKitContext) {
    if (this.threads.get(id)?.owner === context.user.sub) this.threads.delete(id);
  }
  async saveAttachment(attachment: Attachment, context: ChatKitContext) {
    this.attachments.set(attachment.id, { owner: context.user.sub, attachment });
  }
  async loadAttachment(id: string, context: ChatKitContext) {
    const entry = this.attachments.get(id);
    if (entry?.owner !== context.user.sub) throw new NotFoundError(id);
    return entry.attachment;
  }
  async deleteAttachment(id: string, context: ChatKitContext) {
    if (this.attachments.get(id)?.owner === context.user.sub) this.attachments.delete(id);
  }
}
