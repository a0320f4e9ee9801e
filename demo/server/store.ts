// The chat store: threads and their items, one interface with two implementations (store/sqlite.ts,
// store/postgres.ts) that behave the same. Every row carries its owner (the token's `sub`) and every
// query is scoped by it, so another user's thread id behaves exactly like a missing one. Thread
// metadata and items live in separate tables (items are never saved inside the thread). Pages are
// ordered by created_at (then insertion order) and continue after a cursor: the id of the previous
// page's last row.
import { randomBytes } from 'node:crypto';
import type { Page, ThreadItem, ThreadMetadata } from './chatkit-types.js';
import { HttpError } from './http-errors.js';

export type SortOrder = 'asc' | 'desc';

export interface PageRequest {
  limit: number;
  order: SortOrder;
  after?: string;
}

export type FeedbackKind = 'positive' | 'negative';

export interface ChatStore {
  createThread(owner: string, createdAt: string): Promise<ThreadMetadata>;
  getThread(owner: string, threadId: string): Promise<ThreadMetadata | undefined>;
  /** Rejects with a 400 invalid_cursor when `after` names none of the owner's threads. */
  listThreads(owner: string, request: PageRequest): Promise<Page<ThreadMetadata>>;
  /** Sets the title (undefined clears it); undefined when the thread is not the owner's. */
  setTitle(owner: string, threadId: string, title: string | undefined): Promise<ThreadMetadata | undefined>;
  /** Removes the thread and its items; false when it is not the owner's. */
  deleteThread(owner: string, threadId: string): Promise<boolean>;
  /** Stores an item of a thread the caller has checked is the owner's. */
  addItem(owner: string, item: ThreadItem): Promise<void>;
  getItem(owner: string, threadId: string, itemId: string): Promise<ThreadItem | undefined>;
  /** Rejects with a 400 invalid_cursor when `after` names no item of the thread. */
  listItems(owner: string, threadId: string, request: PageRequest): Promise<Page<ThreadItem>>;
  /** The newest `max` items, oldest first (a responder's history). */
  latestItems(owner: string, threadId: string, max: number): Promise<ThreadItem[]>;
  /** Removes every item after `itemId` in its thread (nothing when there is no such item). */
  deleteItemsAfter(owner: string, threadId: string, itemId: string): Promise<void>;
  /** Rates the named items of the thread; ids of other items are ignored. */
  setFeedback(owner: string, threadId: string, itemIds: readonly string[], kind: FeedbackKind): Promise<void>;
  feedbackOf(owner: string, threadId: string, itemId: string): Promise<FeedbackKind | undefined>;
}

export function newId(prefix: 'thr' | 'msg'): string {
  return `${prefix}_${randomBytes(8).toString('hex')}`;
}

export function toThread(row: { id: string; created_at: string; title: string | null }): ThreadMetadata {
  return {
    ...(row.title !== null && { title: row.title }),
    id: row.id,
    created_at: row.created_at,
    status: { type: 'active' },
    metadata: {},
  };
}

/** The page for `values`, read with a limit one above the page size (the extra one says there is more). */
export function toPage<T extends { id: string }>(values: T[], limit: number): Page<T> {
  const data = values.slice(0, limit);
  const last = data.at(-1);
  return values.length > limit && last ? { data, has_more: true, after: last.id } : { data, has_more: false };
}

export const invalidCursor = () => new HttpError(400, 'invalid_cursor', 'The "after" cursor names nothing on this list.');
