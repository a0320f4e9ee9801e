import type { ChatKitContext } from '../context.js';
import type { Store, StoreItemType } from '../store.js';
import type { Attachment, Page, SortOrder, ThreadItem, ThreadMetadata } from '../types.js';
import type { AttachmentFiles } from './files.js';

/**
 * A Store that keeps attachments' files in step with the threads: an attachment saved with its
 * `thread_id` (the server sets it when the message is saved, chatkit-python 1.6) lives as long as the
 * thread, deleting a thread or an attachment removes the bytes, and every read of a thread, item or
 * attachment gets freshly signed preview URLs.
 */
export class AttachmentAwareStore<C extends ChatKitContext = ChatKitContext> implements Store<C> {
  constructor(
    private readonly inner: Store<C>,
    private readonly files: AttachmentFiles,
    private readonly present: (attachment: Attachment, context: C) => Promise<Attachment>,
  ) {}

  generateThreadId(context: C): string {
    return this.inner.generateThreadId(context);
  }
  generateItemId(type: StoreItemType, thread: ThreadMetadata, context: C): string {
    return this.inner.generateItemId(type, thread, context);
  }
  loadThread(threadId: string, context: C): Promise<ThreadMetadata> {
    return this.inner.loadThread(threadId, context);
  }
  saveThread(thread: ThreadMetadata, context: C): Promise<void> {
    return this.inner.saveThread(thread, context);
  }
  loadThreads(limit: number, after: string | undefined, order: SortOrder, context: C): Promise<Page<ThreadMetadata>> {
    return this.inner.loadThreads(limit, after, order, context);
  }
  async loadThreadItems(threadId: string, after: string | undefined, limit: number, order: SortOrder, context: C): Promise<Page<ThreadItem>> {
    const page = await this.inner.loadThreadItems(threadId, after, limit, order, context);
    return { ...page, data: await Promise.all(page.data.map(item => this.#fresh(item, context))) };
  }
  addThreadItem(threadId: string, item: ThreadItem, context: C): Promise<void> {
    return this.inner.addThreadItem(threadId, item, context);
  }
  saveItem(threadId: string, item: ThreadItem, context: C): Promise<void> {
    return this.inner.saveItem(threadId, item, context);
  }
  async loadItem(threadId: string, itemId: string, context: C): Promise<ThreadItem> {
    return this.#fresh(await this.inner.loadItem(threadId, itemId, context), context);
  }
  deleteThreadItem(threadId: string, itemId: string, context: C): Promise<void> {
    return this.inner.deleteThreadItem(threadId, itemId, context);
  }
  async deleteThread(threadId: string, context: C): Promise<void> {
    const removed = await this.files.deleteThread(threadId, context.user.sub);
    await this.inner.deleteThread(threadId, context);
    for (const id of removed) await this.inner.deleteAttachment(id, context);
  }
  async saveAttachment(attachment: Attachment, context: C): Promise<void> {
    if (attachment.thread_id) await this.files.attach(attachment.id, context.user.sub, attachment.thread_id);
    await this.inner.saveAttachment(attachment, context);
  }
  async loadAttachment(attachmentId: string, context: C): Promise<Attachment> {
    return this.present(await this.inner.loadAttachment(attachmentId, context), context);
  }
  async deleteAttachment(attachmentId: string, context: C): Promise<void> {
    await this.files.delete(attachmentId, context.user.sub);
    await this.inner.deleteAttachment(attachmentId, context);
  }

  async #fresh(item: ThreadItem, context: C): Promise<ThreadItem> {
    if (item.type !== 'user_message' || !item.attachments.length) return item;
    return { ...item, attachments: await Promise.all(item.attachments.map(attachment => this.present(attachment, context))) };
  }
}
