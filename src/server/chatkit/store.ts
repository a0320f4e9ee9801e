// The storage seam, mirroring chatkit-python's Store and AttachmentStore (chatkit/store.py) with its
// names camelCased. Every method receives the request's context last and scopes what it reads and
// writes to `context.user.sub`: another user's thread, item or attachment id behaves exactly like an
// id that does not exist (NotFoundError).
import type { ChatKitContext } from './context.js';
import type { Attachment, Page, SortOrder, ThreadItem, ThreadMetadata } from './types.js';

/** What an id is for: the reference's prefixes (`thr_`, `msg_`, `tc_`, `tsk_`, `wf_`, `atc_`, `shcx_`). */
export type StoreItemType = 'thread' | 'message' | 'tool_call' | 'task' | 'workflow' | 'attachment' | 'sdk_hidden_context';

const PREFIXES: Record<StoreItemType, string> = {
  thread: 'thr',
  message: 'msg',
  tool_call: 'tc',
  task: 'tsk',
  workflow: 'wf',
  attachment: 'atc',
  sdk_hidden_context: 'shcx',
};

/**
 * `<prefix>_` + 16 random hex digits. chatkit-python's `default_generate_id` takes 8 (32 bits): two
 * ids of one user's items would then meet by chance once in about 77,000, and a store upserting by id
 * would overwrite one with the other. 64 bits make that vanishingly rare.
 */
export function defaultGenerateId(type: StoreItemType): string {
  return `${PREFIXES[type]}_${randomHex()}`;
}

// Random bytes are drawn 4 KiB at a time: one getRandomValues call per id costs more than the id.
const pool = new Uint8Array(4096);
let used = pool.length;
const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

/** 16 hex digits (64 random bits). */
function randomHex(): string {
  if (used + 8 > pool.length) {
    crypto.getRandomValues(pool);
    used = 0;
  }
  let hex = '';
  for (let index = used; index < used + 8; index++) hex += HEX[pool[index]!];
  used += 8;
  return hex;
}

/** A thread, item or attachment that does not exist, or is not the caller's. The server answers 404 JSON (or an in-band error while streaming). */
export class NotFoundError extends Error {
  override name = 'NotFoundError';
}

/** The `after` cursor names nothing on this list. The server answers 400 JSON. */
export class InvalidCursorError extends Error {
  override name = 'InvalidCursorError';
}

export interface Store<C extends ChatKitContext = ChatKitContext> {
  /** A new thread id (`thr_` + 16 hex by default). */
  generateThreadId(context: C): string;
  /** A new item id: `msg_`, `tc_`, `tsk_`, `wf_`, `shcx_` + 16 hex by default. */
  generateItemId(type: StoreItemType, thread: ThreadMetadata, context: C): string;
  /** Rejects with NotFoundError when the thread is missing or not the caller's. */
  loadThread(threadId: string, context: C): Promise<ThreadMetadata>;
  /** Inserts or replaces the thread's metadata (title, status, metadata...). Never its items. */
  saveThread(thread: ThreadMetadata, context: C): Promise<void>;
  /**
   * The caller's threads by `created_at` (ties in insertion order), `limit` of them after the thread
   * `after` (exclusive). `after` naming none of the caller's threads: InvalidCursorError.
   */
  loadThreads(limit: number, after: string | undefined, order: SortOrder, context: C): Promise<Page<ThreadMetadata>>;
  /**
   * The thread's items by `created_at` (ties in insertion order), hidden ones included, `limit` of them
   * after the item `after`. NotFoundError for a thread that is not the caller's; InvalidCursorError for
   * an `after` naming no item of the thread.
   */
  loadThreadItems(threadId: string, after: string | undefined, limit: number, order: SortOrder, context: C): Promise<Page<ThreadItem>>;
  /** Appends an item to the caller's thread (NotFoundError otherwise). */
  addThreadItem(threadId: string, item: ThreadItem, context: C): Promise<void>;
  /** Replaces the item with the same id, keeping its place; adds it when there is none. */
  saveItem(threadId: string, item: ThreadItem, context: C): Promise<void>;
  /** Rejects with NotFoundError when there is no such item in the caller's thread. */
  loadItem(threadId: string, itemId: string, context: C): Promise<ThreadItem>;
  /** Removes the item; nothing when there is none. */
  deleteThreadItem(threadId: string, itemId: string, context: C): Promise<void>;
  /** Removes the thread and its items; nothing when there is none. */
  deleteThread(threadId: string, context: C): Promise<void>;
  /** Inserts or replaces an attachment's record (chatkit-python 1.6: upsert). */
  saveAttachment(attachment: Attachment, context: C): Promise<void>;
  /** Rejects with NotFoundError when the attachment is missing or not the caller's. */
  loadAttachment(attachmentId: string, context: C): Promise<Attachment>;
  /** Removes the attachment's record; nothing when there is none. */
  deleteAttachment(attachmentId: string, context: C): Promise<void>;
}

/** What `attachments.create` asks for (the request's params, camelCased). */
export interface AttachmentCreateParams {
  name: string;
  /** Bytes. */
  size: number;
  mimeType: string;
}

/** Where attachments' bytes live (disk, a bucket, PostgreSQL). The Store keeps their records. */
export interface AttachmentStore<C extends ChatKitContext = ChatKitContext> {
  /** A new attachment id (`atc_` + 16 hex by default). */
  generateAttachmentId(mimeType: string, context: C): string;
  /**
   * Makes the attachment: its record with an `upload_descriptor` for a two-phase upload (or the bytes
   * already in place). The server then saves it with `Store.saveAttachment`. Reject with a
   * ChatKitHttpError (e.g. 413, 415) to refuse it.
   */
  createAttachment(params: AttachmentCreateParams, context: C): Promise<Attachment>;
  /** Removes the bytes. The server removes the record (`Store.deleteAttachment`) after. */
  deleteAttachment(attachmentId: string, context: C): Promise<void>;
}
